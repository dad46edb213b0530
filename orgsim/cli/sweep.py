"""`orgsim sweep`: a scenario over a grid of parameter values, every point on the same random numbers."""

from __future__ import annotations

import datetime as _dt
import os
import time
from pathlib import Path

import click

from orgsim.cli.common import (
    CONTEXT,
    EXIT_INTERNAL,
    check_kpis,
    check_outputs,
    dask_executor,
    echo_err,
    failure_text,
    load_one,
    precision_settings,
    progress_bar,
    remember,
    report_written,
    tables_on_stdout,
    write_experiment,
)
from orgsim.cli.options import (
    checkpoint_options,
    common_options,
    debug_option,
    out_option,
    precision_options,
    quiet_option,
    replications_option,
    scheduler_option,
)
from orgsim.experiments.checkpoint import checkpoint_for
from orgsim.outputs.files import csv_text, dumps_json
from orgsim.outputs.manifest import experiment_manifest
from orgsim.scenario.errors import UsageError


@click.command("sweep", context_settings=CONTEXT)
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--vary",
    "vary",
    multiple=True,
    required=True,
    metavar="KEY=V1,V2,...",
    help="A parameter and its values (each read as YAML); FROM..TO is every integer in between, "
    "FROM..TO:STEP steps by STEP. Repeat for more parameters: every combination runs.",
)
@click.option(
    "--baseline",
    is_flag=True,
    help="Also run SCENARIO as written (with --set, without any --vary value) on the same random numbers: a "
    "reference point in the table, the report and the plot, e.g. the company without the varied change.",
)
@replications_option("Replications per point [default: the scenario's `replications`].")
@common_options
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Write the tidy table (one row per point and KPI: parameters, mean, std, 95% CI) as CSV.",
)
@click.option(
    "--kpi",
    "kpis",
    multiple=True,
    metavar="KPI",
    help="A KPI to show in the terminal table and the --out report (which finds the best point by the "
    "first); repeatable [default: arr_end, new_customers, cac_payback_months, cash_end, cash_out]. Files always "
    "hold every KPI.",
)
@out_option("sweep.json (as --json), sweep.csv (as --csv), kpis.csv (per point and replication)")
@precision_options
@scheduler_option
@checkpoint_options("--json (or --csv)")
@quiet_option
@debug_option
def sweep_command(
    scenario: str,
    vary: tuple[str, ...],
    baseline: bool,
    replications: int | None,
    seed: int | None,
    workers: int,
    overrides: tuple[str, ...],
    json_file: Path | None,
    csv_file: Path | None,
    kpis: tuple[str, ...],
    out_dir: Path | None,
    precision: float | None,
    targets: tuple[str, ...],
    max_replications: int,
    scheduler: str | None,
    connect_timeout: float,
    quiet: bool,
    checkpoint: Path | None = None,
    resume: bool = False,
) -> None:
    # Over 60 lines: the signature lists every option and the docstring is the --help text; the body
    # is the command's steps in order (check, load, run, write, print).
    """Run a scenario over a grid of parameter values.

    Every combination of the --vary values is a point; each point is SCENARIO with those
    overrides, run with the same seed and replications (common random numbers: neighbouring
    points differ by the parameters, not by luck). Prints one row per point with the mean and
    95% CI half-width of a few KPIs (--kpi); --csv and --json write every KPI of every point, each
    row carrying its parameters. Every point is checked before anything runs.

    \b
    Examples:
      orgsim sweep scenarios/series-a.yaml --vary roles.sdr.headcount=2..8
      orgsim sweep scenarios/series-a.yaml --vary roles.csm.headcount=2,4,6 \\
          --vary lead_sources.paid.budget_per_month=25000..100000:25000 --csv sweep.csv
      orgsim sweep scenarios/series-a.yaml --vary hiring.growth.hires_per_month=1..4 --precision 0.02
      orgsim sweep scenarios/series-a.yaml --vary roles.sdr.headcount=2..8 -n 20 --out out/sdr-sweep
    """
    from math import prod

    from orgsim.experiments import sweep as run_sweep
    from orgsim.experiments.sweep_grid import as_vary
    from orgsim.outputs.report_experiments import experiment_files, sweep_tables
    from orgsim.outputs.text import wide_console
    from orgsim.outputs.text_experiments import SWEEP_KPIS, render_sweep
    from orgsim.scenario.loader import parse_set

    check_kpis("--kpi", kpis)
    check_kpis("--target", targets)
    vary_ = as_vary(list(vary))
    sets = parse_set(list(overrides))
    check_outputs({"--json": json_file, "--csv": csv_file, "--checkpoint": checkpoint}, out_dir)
    if precision is not None and (checkpoint is not None or resume):
        raise UsageError("--checkpoint and --resume do not work with --precision yet")
    checkpoint = checkpoint_for(
        "sweep",
        checkpoint,
        resume,
        [json_file, csv_file],
        "--json/--csv",
        os.path.abspath(scenario),
        vary,
        overrides,
        seed,
        replications,
        default=precision is None,
    )
    base = load_one(scenario, overrides)
    remember({base.name: scenario}, overrides)
    total = (prod(len(v) for v in vary_.values()) + baseline) * (replications or 1)
    started, t0 = _dt.datetime.now(_dt.UTC), time.perf_counter()
    with dask_executor(scheduler, connect_timeout) as ex, progress_bar(quiet, total) as progress:
        result = run_sweep(
            scenario,
            vary_,
            replications=replications,
            seed=seed,
            workers=workers,
            progress=progress,
            overrides=sets,
            executor=ex,
            precision=precision,
            targets=targets or None,
            max_replications=max_replications,
            checkpoint=checkpoint,
            resume=resume,
            baseline=baseline,
        )
    if resume:
        if result.meta.get("checkpoint_skipped"):
            echo_err(f"warning: {result.meta['checkpoint_skipped']}")
        echo_err(f"resumed {result.meta.get('resumed', 0)} of {len(result.points)} points from {checkpoint}")
    # Every file is rendered before the first is written.
    json_text = dumps_json(result.to_dict()) if json_file is not None or out_dir is not None else ""
    table_text = csv_text(result.to_frame()) if csv_file is not None else ""
    files = (
        {}
        if out_dir is None
        else experiment_files(
            "sweep",
            json_text,
            sweep_tables(result),
            experiment_manifest(
                [scenario],
                [base],
                overrides=overrides,
                seed=result.seed,
                replications=base.replications if replications is None else replications,
                workers=workers,
                started=started,
                runtime_s=time.perf_counter() - t0,
                settings={
                    "vary": list(vary),
                    **({"baseline": True} if baseline else {}),
                    "kpis": list(kpis or SWEEP_KPIS),
                    **precision_settings(precision, targets, max_replications),
                },
            ),
        )
    )
    write_experiment(json_file, out_dir, json_text, files, {"--csv": (csv_file, table_text)})
    if tables_on_stdout(quiet, json_file):
        render_sweep(wide_console(), result, tuple(kpis) or SWEEP_KPIS)
    report_written(out_dir, quiet)  # after the tables: the last line a user sees
    if checkpoint is not None:
        checkpoint.unlink(missing_ok=True)  # everything it saved is in the outputs now
    if result.failures:
        echo_err(failure_text(result.failures, sum(r.n for r in result.results) + len(result.failures)))
        raise click.exceptions.Exit(EXIT_INTERNAL)
