"""What orgsim shows and writes: terminal tables, files, plots, HTML reports, event logs.

Nothing here runs a simulation; every module takes results (or the files they were written to)
and renders them. Importing this package imports nothing: matplotlib and pandas load only with
the module that needs them.

- `files`: atomic writes, strict JSON, CSV text (also used by the experiments' checkpoints).
- `event_log`: the process-mining event log (rows from the model; the experiments write it).
- `text`: terminal tables of a run, and number formats shared by every output.
- `plots`: DataFrames in, matplotlib Figure out.
- `report`, `report_experiments`: the self-contained report.html of a run and of an experiment.
"""
