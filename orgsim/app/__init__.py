"""`orgsim app`: a what-if page in the browser and in Jupyter, built with Solara.

- `logic`: edits as dotted-path overrides, runs against the baseline (common random numbers,
  a warm worker pool, progress and cancel), summaries, the YAML and report downloads; no Solara.
- `components`: the Solara components (`Lab` is the whole app; its parts are reusable).
- `page`: what `solara run` serves; `server`: starts it (`orgsim app`); `assets`: Solara's page
  scripts from the npm registry when the cache lacks them (`python -m orgsim.app.assets`).

Importing this package imports nothing else; `components` needs the `app` extra.
"""
