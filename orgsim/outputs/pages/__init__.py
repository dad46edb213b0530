"""The words and tables of an experiment's report, one module per experiment.

Each of `compare`, `sweep` and `focus` has `build_page(data) -> Page` (the sentences and HTML
tables) and `build_figures(data) -> {name: Figure}`; `words` holds what they share.
`orgsim.outputs.report_experiments` puts a page and its figures into report.html.
"""
