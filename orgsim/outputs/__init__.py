"""What orgsim shows and writes: terminal tables, files, plots, HTML reports, event logs.

Nothing here runs a simulation; every module takes results (or the files they were written to)
and renders them. Importing this package imports nothing: matplotlib and pandas load only with
the module that needs them.

- `files`: atomic writes, strict JSON, CSV and Parquet bytes, the writable-file check (also used
  by the experiments' checkpoints); `manifest`: what produced a run or experiment directory.
- `event_log`: the process-mining event log (rows from the model; the experiments write it).
- `text`: terminal tables of a run and the number words every output shares;
  `text_experiments`: the tables of compare, sweep and focus.
- `plots`: DataFrames in, matplotlib Figure out (`common`, `run`, `health`, `experiments`).
- `report`: the self-contained report.html of a run, with `findings` (the run in words),
  `report_scenario` (the scenario in words) and `html` (escaping, CSS, tables; shared).
- `report_experiments`: the files and report.html of an experiment directory; `pages` builds
  the words and tables of each experiment's report.
"""
