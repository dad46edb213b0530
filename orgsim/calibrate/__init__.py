"""Calibration from a CRM export (`orgsim calibrate`): readers, cleaning, estimates, outputs.

Modules in dependency order: `parse` (strict CSV cells: file, column, row in every message),
`readers` (one per layout -> the normalised deals table and stage history), `quality` (the as-of
cut, segments, data-quality counts), `fits` (Wilson, Aalen-Johansen, censored maximum likelihood),
`estimate` (per segment), `fragment` (YAML and JSON), `report` (HTML and PNGs). Nothing is imported
here: lifelines is optional (``pip install "orgsim[calibrate]"``).
"""
