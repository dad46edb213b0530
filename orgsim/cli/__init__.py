"""The `orgsim` command: run and validate scenario files (DESIGN.md section 6).

Thin by design: it parses options, loads the scenario with `orgsim.scenario.loader`, runs
`orgsim.experiments.simulate`, and hands the results to `report_text` (terminal) and `output`
(files). `main()` owns the exit codes: 0 ok, 2 bad input or usage (no traceback, ever),
1 internal error (a traceback only with --debug), 130 when interrupted.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import click
from rich.console import Console

from orgsim import __version__
from orgsim.scenario.errors import OrgsimError, ScenarioError, UsageError
from orgsim.experiments import Results, simulate
from orgsim.experiments.runner import ReplicationError
from orgsim.scenario.loader import load_scenario, scenario_to_dict
from orgsim.outputs.files import csv_text, dumps_json, sha256_file, write_text_atomic
from orgsim.outputs.text import render_run
from orgsim.scenario import Scenario

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@dataclass
class _State:
    """Set while parsing; read by `main` when an exception escapes a command."""

    debug: bool = False
    scenario_files: dict[str, str] | None = None  # scenario name -> file, for reproduce commands
    overrides: tuple[str, ...] = ()


def _remember(scenario_files: dict[str, str], overrides: Sequence[str]) -> None:
    """Note what reproduces a replication, for the failure report of `main`."""
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(_State) if ctx is not None else None
    if state is not None:
        state.scenario_files, state.overrides = dict(scenario_files), tuple(overrides)


def _failure_text(failures: list[dict[str, Any]], total: int | None = None, stopped: bool = False,
                  state: _State | None = None) -> str:
    from orgsim.outputs.text import failure_block, reproduce_command

    if state is None:
        ctx = click.get_current_context(silent=True)
        state = ctx.find_object(_State) if ctx is not None else None
    if state is not None and state.debug and not stopped:
        for f in failures:
            if f.get("traceback"):
                click.echo(f["traceback"], err=True, nl=False)
    files = (state.scenario_files if state is not None else None) or {}
    overrides = state.overrides if state is not None else ()
    commands = [reproduce_command(files.get(f.get("scenario", ""), next(iter(files.values()), "SCENARIO")),
                                  f["seed"], f["replication"], overrides, f.get("params"))
                for f in failures]
    return failure_block(failures, commands, total, stopped)


def _checkpoint_options(f: Any) -> Any:
    """--checkpoint, --resume (sweep, focus)."""
    f = click.option("--resume", is_flag=True,
                     help="Continue an interrupted run from its checkpoint: finished work is read back, not rerun.")(f)
    return click.option("--checkpoint", "checkpoint", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        metavar="FILE", help="Append finished work to FILE as it finishes [default: FILE.checkpoint.jsonl "
                        "next to --json (or --csv), else .orgsim-checkpoint-<hash>.jsonl in the current directory]; "
                        "deleted after a run that completes.")(f)


def _default_checkpoint(command: str, outputs: Sequence[Path | None], *parts: Any) -> Path | None:
    import hashlib
    import json

    for out in outputs:
        if out is not None:
            path = out.with_name(out.name + ".checkpoint.jsonl")
            break
    else:
        text = json.dumps([command, *parts], default=str, sort_keys=True)
        path = Path(f".orgsim-checkpoint-{hashlib.sha256(text.encode()).hexdigest()[:12]}.jsonl")
    # A directory we cannot write in: run without a checkpoint rather than refuse to run.
    return path if os.access(path.parent, os.W_OK) and not path.is_dir() else None


def _checkpoint_for(command: str, checkpoint: Path | None, resume: bool, outputs: Sequence[Path | None], outputs_hint: str,
                    *key: Any, default: bool = True) -> Path | None:
    """The checkpoint file of a sweep or focus: the one given (checked), or the default one named
    after the outputs or the run's settings (`key`); refuses --resume when there is none to read."""
    if checkpoint is None and default:
        checkpoint = _default_checkpoint(command, outputs, *key)
    else:
        _check_file("--checkpoint", checkpoint)
    if resume and (checkpoint is None or not checkpoint.exists()):
        raise UsageError(f"--resume: no checkpoint {checkpoint} to resume from (give --checkpoint FILE, or the "
                         f"same {outputs_hint} as the interrupted run)")
    return checkpoint


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value and isinstance(ctx.obj, _State):
        ctx.obj.debug = True
    return value


def _debug_option(f: Any) -> Any:
    return click.option(
        "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
        help="On an internal error, show the Python traceback.",
    )(f)


def _precision_options(f: Any) -> Any:
    """--precision, --target, --max-replications (run, compare, sweep)."""
    f = click.option("--max-replications", type=click.IntRange(min=2), default=500, show_default=True, metavar="N",
                     help="With --precision: stop at N replications (per scenario) even if not precise enough.")(f)
    f = click.option("--target", "targets", multiple=True, metavar="KPI",
                     help="With --precision: a KPI that must be precise; repeatable [default: arr_end].")(f)
    return click.option("--precision", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
                        metavar="FRACTION",
                        help="Add replications (in batches, starting from N) until the 95% CI half-width of every "
                        "--target KPI is within FRACTION of its mean, e.g. 0.02 for 2%.")(f)


def _scheduler_option(f: Any) -> Any:
    return click.option("--scheduler", metavar="ADDRESS", envvar="ORGSIM_SCHEDULER", show_envvar=True, default=None,
                        help="Run on a Dask cluster instead of local processes, e.g. tcp://10.0.0.5:8786 (needs "
                        "pip install \"orgsim[dask]\"). Same seed, same results.")(f)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="orgsim", message="%(prog)s %(version)s")
@_debug_option
def cli() -> None:
    """Simulate how a SaaS company's organisation shapes pipeline, ARR, renewals, CAC and cash.

    A scenario file (YAML) describes a company: its segments, lead sources, roles and headcount,
    who owns which link of the customer value chain, and how it hires. `run` simulates it many
    times and reports KPIs with 95% confidence intervals; `validate` checks files without running
    them; `compare`, `sweep` and `focus` run experiments with common random numbers (paired
    differences, parameter grids, growth-stage focus orders). Exit codes: 0 ok, 2 bad input or
    usage, 1 internal error.

    \b
    Examples:
      orgsim validate scenarios/series-a.yaml
      orgsim run scenarios/series-a.yaml --replications 10 --seed 7
      orgsim run scenarios/series-a.yaml --set roles.sdr.headcount=8 --json out.json
      orgsim compare scenarios/series-a.yaml scenarios/no-sdr.yaml
      orgsim sweep scenarios/series-a.yaml --vary roles.sdr.headcount=2..8
      orgsim focus scenarios/series-a.yaml --min cash_end=0
    """


@cli.command(context_settings=CONTEXT)
@click.argument("scenario", metavar="SCENARIO")
@click.option("-n", "--replications", type=click.IntRange(min=1), default=None, metavar="N",
              help="Number of replications [default: the scenario's `replications`].")
@click.option("-s", "--seed", type=click.IntRange(min=0), default=None, metavar="S",
              help="Random seed [default: the scenario's `seed`]. Same seed, same results.")
@click.option("-w", "--workers", type=click.IntRange(min=0), default=0, show_default=True, metavar="W",
              help="Local processes; 0 = all cores, 1 = this process only. Results do not depend on it.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override one value by its dotted path; VALUE is read as YAML. Repeatable.")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              metavar="DIR", help="Write summary.json, kpis.csv, monthly.csv, stages.csv, funnel.csv, "
              "counters.csv, manifest.json, plots/*.png and report.html to DIR (created if missing); "
              "the tables as Parquet too when pyarrow is installed.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="Write KPI, funnel and stage statistics (mean, std, 95% CI) as JSON to FILE.")
@click.option("--events", "events_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="Write the event log of every replication to FILE (.csv, .csv.gz or .parquet): "
              "one row per event of each lead, opportunity and customer (case id, activity, timestamp, resource, "
              "role, segment, replication), for process-mining tools. About 92,000 rows (11 MB of CSV) per "
              "series-a replication; runs without it are not slowed.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (no progress, no tables).")
@click.option("--first-replication", type=click.IntRange(min=0), default=0, show_default=True, metavar="K",
              help="Run replications K..K+N-1 (each with the random streams of (seed, its number)); with -n 1, "
              "replication K alone, e.g. to reproduce a failed one.")
@_precision_options
@_scheduler_option
@_debug_option
def run(
    scenario: str,
    replications: int | None,
    seed: int | None,
    workers: int,
    overrides: tuple[str, ...],
    out_dir: Path | None,
    json_file: Path | None,
    events_file: Path | None,
    quiet: bool,
    first_replication: int = 0,
    precision: float | None = None,
    targets: tuple[str, ...] = (),
    max_replications: int | None = None,
    scheduler: str | None = None,
) -> None:
    """Simulate a scenario many times and summarise the results.

    Loads SCENARIO (applying any --set overrides), runs N replications with seed S (both default
    to the values in the file) and prints KPIs with 95% confidence intervals, the funnel from
    leads to won deals and, per stage of the value chain, arrivals, completions, waits and
    utilisation, marking the stage where work waits longest. --json and --out write the results
    to files; every file is written atomically and JSON never holds NaN or infinity.

    \b
    Examples:
      orgsim run scenarios/series-a.yaml
      orgsim run scenarios/series-a.yaml -n 100 --seed 7 --workers 4
      orgsim run scenarios/series-a.yaml --set roles.sdr.headcount=8 --set horizon_months=24
      orgsim run scenarios/series-a.yaml --json results.json --out runs/series-a --quiet
      orgsim run scenarios/series-a.yaml --precision 0.02 --target arr_end --target cac
      orgsim run scenarios/series-a.yaml -n 1 --events events.csv
    """
    sc = load_scenario(scenario, list(overrides))
    _remember({sc.name: scenario}, overrides)
    if first_replication and precision is not None:
        raise UsageError("--first-replication cannot be combined with --precision")
    _check_destinations(json_file, out_dir)
    if events_file is not None:
        from orgsim.outputs.event_log import event_format

        event_format(events_file)
    reps = sc.replications if replications is None else replications
    used_seed = sc.seed if seed is None else seed

    started = _dt.datetime.now(_dt.timezone.utc)
    t0 = time.perf_counter()
    with _progress(quiet, reps) as progress:
        res = simulate(sc, replications=reps, seed=used_seed, workers=workers, progress=progress,
                       scheduler=scheduler or None, precision=precision, targets=targets or None,
                       max_replications=max_replications, first_replication=first_replication,
                       events=events_file)
    reps = res.n  # with --precision, the count it took
    wall_s = time.perf_counter() - t0
    doc = res.to_dict()

    if json_file is not None or out_dir is not None:
        summary_text = dumps_json(doc)  # rendered first: nothing is written if it cannot be
        if json_file is not None:
            _write(json_file, summary_text)
        if out_dir is not None:
            _write_out_dir(out_dir, summary_text, res, sc, scenario, list(overrides), used_seed, reps, workers,
                           started, wall_s)

    if not quiet:
        render_run(Console(highlight=False), doc, wall_s, res.executor)
        if events_file is not None:
            click.echo(f"wrote {res.meta['events']['rows']:,} events to {events_file}")
    if res.failures:
        _echo_err(_failure_text(res.failures, res.n + len(res.failures)))
        raise click.exceptions.Exit(EXIT_INTERNAL)


@cli.command(context_settings=CONTEXT)
@click.argument("scenarios", nargs=-1, required=True, metavar="SCENARIO...")
@_debug_option
def validate(scenarios: tuple[str, ...]) -> None:
    """Check scenario files without running them.

    Loads each file as `run` would (extends, schema, cross-field rules) and prints one line per
    good file, or every problem found in a bad one, each with its field path and line. Exits 0
    when all files are valid and 2 when any is not.

    \b
    Examples:
      orgsim validate scenarios/series-a.yaml
      orgsim validate scenarios/*.yaml
    """
    bad = 0
    for path in scenarios:
        try:
            sc = load_scenario(path)
        except ScenarioError as e:
            bad += 1
            click.echo(str(e), err=True)
            continue
        click.echo(
            f"OK  {path} ({sc.name}: {len(sc.segments)} segments, {len(sc.roles)} roles, "
            f"horizon {sc.horizon_months} months)"
        )
    if bad:
        if len(scenarios) > 1:
            click.echo(f"{bad} of {len(scenarios)} files have problems", err=True)
        raise click.exceptions.Exit(EXIT_USAGE)


@cli.command(context_settings=CONTEXT)
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@_debug_option
def report(directory: Path) -> None:
    """Regenerate report.html and plots/*.png in a run or experiment directory.

    Reads only the files `orgsim run --out DIR` wrote there (summary.json, monthly.csv,
    stages.csv, funnel.csv, manifest.json; counters.csv when present) — or, in a directory of
    `orgsim compare`, `sweep` or `focus --out DIR`, its JSON result, CSV tables and manifest.json
    — and rewrites the plots and the self-contained HTML report (images embedded, no network
    needed) atomically. Exits 2 when DIR is not such a directory.

    \b
    Examples:
      orgsim run scenarios/series-a.yaml --out runs/series-a --quiet
      orgsim report runs/series-a
      orgsim report out/no-sdr             # written by orgsim compare ... --out out/no-sdr
    """
    from orgsim.outputs.report import write_report
    from orgsim.outputs.report_experiments import experiment_command
    from orgsim.outputs.report_experiments import write_report as write_experiment_report

    try:
        paths = (write_experiment_report if experiment_command(directory) else write_report)(directory)
    except OSError as e:
        raise UsageError(f"cannot write the report in {directory}: {e.strerror or e}") from None
    html_path = next((p for p in paths if p.name == "report.html"), directory / "report.html")
    n = len(paths) - 1
    click.echo(f"wrote {html_path} and {n} plot{'s' if n != 1 else ''} in {directory / 'plots'}")


# ---- Experiments: compare, sweep, focus ------------------------------------------------------


def _common_options(f: Any) -> Any:
    """-n, -s, -w, --set, --json (compare, sweep, focus)."""
    f = click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     metavar="FILE", help="Write the results as JSON to FILE (atomically).")(f)
    f = click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                     help="Override one value by its dotted path in every scenario run; VALUE is read as YAML. "
                     "Repeatable.")(f)
    f = click.option("-w", "--workers", type=click.IntRange(min=0), default=0, show_default=True, metavar="W",
                     help="Local processes; 0 = all cores, 1 = this process only. Results do not depend on it.")(f)
    return click.option("-s", "--seed", type=click.IntRange(min=0), default=None, metavar="S",
                        help="Random seed, the same for every scenario (common random numbers) "
                        "[default: the (first) scenario's `seed`].")(f)


def _out_option(tables: str) -> Any:
    """-o/--out DIR (compare, sweep, focus); `tables` names the command's own files."""
    return click.option(
        "-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
        help=f"Write {tables}, manifest.json, plots/*.png and a self-contained report.html to DIR (created if "
        "missing); the tables as Parquet too when pyarrow is installed. `orgsim report DIR` rebuilds the report.")


def _precision_settings(precision: float | None, targets: Sequence[str], max_replications: int) -> dict[str, Any]:
    """--precision, --target and --max-replications for a manifest ({} without --precision)."""
    if precision is None:
        return {}
    return {"precision": precision, "targets": list(targets) or ["arr_end"], "max_replications": max_replications}


def _write_experiment(json_file: Path | None, out_dir: Path | None, json_text: str, files: dict[str, bytes]) -> None:
    """--json FILE and --out DIR, each file atomically (every file was rendered before this)."""
    from orgsim.outputs.report_experiments import write_files

    if json_file is not None:
        _write(json_file, json_text)
    if out_dir is not None:
        try:
            write_files(out_dir, files)
        except OSError as e:
            raise UsageError(f"--out {out_dir}: cannot write {e.filename or out_dir}: {e.strerror or e}") from None


def _check_file(option: str, path: Path | None) -> None:
    """Fail before a long run when a result file could not be written."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory; give a file name")
    if not path.parent.is_dir():
        raise UsageError(f"{option} {path}: directory {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK):
        raise UsageError(f"{option} {path}: directory {path.parent} is not writable")


def _check_kpis(option: str, names: Sequence[str]) -> None:
    from orgsim.experiments.stats import check_kpi

    for name in names:
        check_kpi(name, f"KPI in {option}")


@cli.command("compare", context_settings=CONTEXT)
@click.argument("scenarios", nargs=-1, required=True, metavar="SCENARIO SCENARIO...")
@click.option("-n", "--replications", type=click.IntRange(min=2), default=None, metavar="N",
              help="Paired replications per scenario [default: the first scenario's `replications`].")
@_common_options
@_out_option("compare.json (as --json), summary.csv (per scenario and KPI), differences.csv (per scenario after "
             "the first and KPI), kpis.csv (per scenario and replication), monthly.csv")
@_precision_options
@_scheduler_option
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (no progress, no tables).")
@_debug_option
def compare_command(
    scenarios: tuple[str, ...], replications: int | None, seed: int | None, workers: int,
    overrides: tuple[str, ...], json_file: Path | None, out_dir: Path | None, precision: float | None,
    targets: tuple[str, ...], max_replications: int, scheduler: str | None, quiet: bool,
) -> None:
    """Compare two or more scenarios with paired replications.

    Every SCENARIO runs the same replications with the same seed, so they share their random
    numbers (the same leads arrive at the same moments, the same deals need the same effort...)
    and each difference to the first SCENARIO is taken replication by replication. For every KPI
    and scenario it prints the means, the difference with its 95% confidence interval, the paired
    t-test p-value (marked * p<0.05, ** p<0.01, *** p<0.001; † where the Wilcoxon signed-rank
    test disagrees), the probability that the scenario's mean is better and the share of
    replications in which it did better. Higher is better for ARR, customers, retention, cash
    and runway; lower for cac, cac_payback_months, churned_arr and burn_multiple.

    \b
    Examples:
      orgsim compare scenarios/series-a.yaml scenarios/no-sdr.yaml
      orgsim compare scenarios/series-a.yaml scenarios/no-sdr.yaml scenarios/service-first.yaml -n 50
      orgsim compare scenarios/series-a.yaml scenarios/no-sdr.yaml --precision 0.01 --json cmp.json
      orgsim compare scenarios/series-a.yaml scenarios/no-sdr.yaml -n 30 --out out/no-sdr
    """
    from orgsim.experiments import compare as run_compare
    from orgsim.outputs.report_experiments import compare_tables, experiment_files, experiment_manifest
    from orgsim.outputs.text import render_compare, wide_console

    if len(scenarios) < 2:
        raise UsageError("compare needs at least two scenarios (the first is the baseline)")
    _check_kpis("--target", targets)
    scs = _load_all(scenarios, overrides)
    _remember({s.name: p for s, p in reversed(list(zip(scs, scenarios)))}, overrides)
    _check_file("--json", json_file)
    _check_destinations(None, out_dir)
    first = scs[0]
    reps = first.replications if replications is None else replications
    started, t0 = _dt.datetime.now(_dt.timezone.utc), time.perf_counter()
    with _progress(quiet, reps * len(scs)) as progress:
        cmp = run_compare(scs, replications=reps, seed=seed, workers=workers, progress=progress,
                          scheduler=scheduler or None, precision=precision, targets=targets or None,
                          max_replications=max_replications)
    if json_file is not None or out_dir is not None:
        text = dumps_json(cmp.to_dict())  # every file is rendered before the first is written
        files = {} if out_dir is None else experiment_files("compare", text, compare_tables(cmp), experiment_manifest(
            scenarios, [a.scenario for a in cmp.arms], overrides=overrides, seed=cmp.baseline.seed,
            replications=cmp.baseline.n, workers=workers, started=started, runtime_s=time.perf_counter() - t0,
            settings={"baseline": cmp.names[0], **_precision_settings(precision, targets, max_replications)}))
        _write_experiment(json_file, out_dir, text, files)
    if not quiet:
        render_compare(wide_console(), cmp)


def _load_all(paths: Sequence[str], overrides: Sequence[str]) -> list[Scenario]:
    """Every scenario, or every file's problems (all files are checked before failing)."""
    out, errors = [], []
    for path in paths:
        try:
            out.append(load_scenario(path, list(overrides)))
        except ScenarioError as e:
            errors.append(e)
    for e in errors[:-1]:
        click.echo(str(e), err=True)
    if errors:
        raise errors[-1]
    return out


@cli.command("sweep", context_settings=CONTEXT)
@click.argument("scenario", metavar="SCENARIO")
@click.option("--vary", "vary", multiple=True, required=True, metavar="KEY=V1,V2,...",
              help="A parameter and its values (each read as YAML); FROM..TO is every integer in between, "
              "FROM..TO:STEP steps by STEP. Repeat for more parameters: every combination runs.")
@click.option("-n", "--replications", type=click.IntRange(min=1), default=None, metavar="N",
              help="Replications per point [default: the scenario's `replications`].")
@_common_options
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Write the tidy table (one row per point and KPI: parameters, mean, std, 95% CI) as CSV.")
@click.option("--kpi", "kpis", multiple=True, metavar="KPI",
              help="A KPI to show in the terminal table and the --out report (which finds the best point by the "
              "first); repeatable [default: arr_end, new_customers, cac_payback_months, cash_end]. Files always "
              "hold every KPI.")
@_out_option("sweep.json (as --json), sweep.csv (as --csv), kpis.csv (per point and replication)")
@_precision_options
@_scheduler_option
@_checkpoint_options
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (no progress, no tables).")
@_debug_option
def sweep_command(
    scenario: str, vary: tuple[str, ...], replications: int | None, seed: int | None, workers: int,
    overrides: tuple[str, ...], json_file: Path | None, csv_file: Path | None, kpis: tuple[str, ...],
    out_dir: Path | None, precision: float | None, targets: tuple[str, ...], max_replications: int,
    scheduler: str | None, quiet: bool, checkpoint: Path | None = None, resume: bool = False,
) -> None:
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
    from orgsim.experiments.sweeps import _as_vary
    from orgsim.scenario.loader import parse_set
    from orgsim.outputs.report_experiments import experiment_files, experiment_manifest, sweep_tables
    from orgsim.outputs.text import SWEEP_KPIS, render_sweep, wide_console

    _check_kpis("--kpi", kpis)
    _check_kpis("--target", targets)
    vary_ = _as_vary(list(vary))
    sets = parse_set(list(overrides))
    _check_file("--json", json_file)
    _check_file("--csv", csv_file)
    _check_destinations(None, out_dir)
    if precision is not None and (checkpoint is not None or resume):
        raise UsageError("--checkpoint and --resume do not work with --precision yet")
    checkpoint = _checkpoint_for("sweep", checkpoint, resume, [json_file, csv_file], "--json/--csv",
                                 os.path.abspath(scenario), vary, overrides, seed, replications,
                                 default=precision is None)
    base = load_scenario(scenario, list(overrides))
    _remember({base.name: scenario}, overrides)
    total = prod(len(v) for v in vary_.values()) * (replications or 1)
    started, t0 = _dt.datetime.now(_dt.timezone.utc), time.perf_counter()
    with _progress(quiet, total) as progress:
        result = run_sweep(scenario, vary_, replications=replications, seed=seed, workers=workers,
                           progress=progress, overrides=sets, scheduler=scheduler or None, precision=precision,
                           targets=targets or None, max_replications=max_replications,
                           checkpoint=checkpoint, resume=resume)
    if resume:
        if result.meta.get("checkpoint_skipped"):
            _echo_err(f"warning: {result.meta['checkpoint_skipped']}")
        _echo_err(f"resumed {result.meta.get('resumed', 0)} of {len(result.points)} points from {checkpoint}")
    # Every file is rendered before the first is written.
    json_text = dumps_json(result.to_dict()) if json_file is not None or out_dir is not None else ""
    table_text = csv_text(result.to_frame()) if csv_file is not None else ""
    files = {} if out_dir is None else experiment_files("sweep", json_text, sweep_tables(result), experiment_manifest(
        [scenario], [base], overrides=overrides, seed=result.seed,
        replications=base.replications if replications is None else replications, workers=workers, started=started,
        runtime_s=time.perf_counter() - t0,
        settings={"vary": list(vary), "kpis": list(kpis or SWEEP_KPIS),
                  **_precision_settings(precision, targets, max_replications)}))
    if csv_file is not None:
        _write(csv_file, table_text)
    _write_experiment(json_file, out_dir, json_text, files)
    if not quiet:
        render_sweep(wide_console(), result, tuple(kpis) or SWEEP_KPIS)
    if checkpoint is not None:
        checkpoint.unlink(missing_ok=True)  # everything it saved is in the outputs now
    if result.failures:
        _echo_err(_failure_text(result.failures, sum(r.n for r in result.results) + len(result.failures)))
        raise click.exceptions.Exit(EXIT_INTERNAL)


@cli.command("focus", context_settings=CONTEXT)
@click.argument("scenario", metavar="SCENARIO")
@click.option("--by", default="arr_end", show_default=True, metavar="KPI", help="The KPI to rank the orders by.")
@click.option("--goal", type=click.Choice(["max", "min"]), default=None,
              help="Maximise or minimise --by [default: the KPI's direction, e.g. min for cac].")
@click.option("--min", "minimum", multiple=True, metavar="KPI=VALUE",
              help="Constraint: an order's mean KPI must be >= VALUE (e.g. cash_end=0); repeatable.")
@click.option("--max", "maximum", multiple=True, metavar="KPI=VALUE",
              help="Constraint: an order's mean KPI must be <= VALUE (e.g. burn_multiple=2); repeatable.")
@click.option("--orders", "orders", multiple=True, metavar="D1,D2,...",
              help="Only this order (a permutation of the growth plan's focus_order, e.g. "
              "\"product,sales,marketing,service\"); repeatable [default: every permutation].")
@click.option("-n", "--replications", type=click.IntRange(min=2), default=10, show_default=True, metavar="N",
              help="First-stage replications of every order (with --equal: of every order, full stop).")
@click.option("--batch", type=click.IntRange(min=1), default=None, metavar="B",
              help="Replications added to each surviving order per look [default: N].")
@click.option("--max-replications", type=click.IntRange(min=2), default=100, show_default=True, metavar="M",
              help="At most M replications per order; orders still not separated then are reported as contenders.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05, show_default=True,
              help="1 - confidence of the selection statement.")
@click.option("--delta", default=None, metavar="D",
              help="Indifference zone: stop once no surviving order can beat the leader by more than D (in the "
              "KPI's unit, or a percentage of the leader's mean such as 1%).")
@click.option("--equal", is_flag=True, help="No elimination: run every order N replications and rank them.")
@_common_options
@_out_option("focus.json (as --json), ranking.csv (one row per order, best first), kpis.csv (per order and "
             "replication)")
@_scheduler_option
@_checkpoint_options
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (no progress, no tables).")
@_debug_option
def focus_command(
    scenario: str, by: str, goal: str | None, minimum: tuple[str, ...], maximum: tuple[str, ...],
    orders: tuple[str, ...], replications: int, batch: int | None, max_replications: int, alpha: float,
    delta: str | None, equal: bool, seed: int | None, workers: int, overrides: tuple[str, ...], json_file: Path | None,
    out_dir: Path | None, scheduler: str | None, quiet: bool, checkpoint: Path | None = None, resume: bool = False,
) -> None:
    """Rank every growth-stage focus order and pick the best.

    Runs SCENARIO with every permutation of its growth plan's focus_order (24 for product,
    sales, marketing and service) or the --orders given, all with the same seed, and ranks them
    by --by with 95% confidence intervals. Replications go where they decide something: every
    order gets N, then orders clearly worse than the leader are dropped (one-sided paired tests,
    Bonferroni-adjusted over rivals and looks) and the rest get B more, until one is left or
    they reach M. Prints the ranking, the chosen order, the confidence statement and the
    replications saved against running every order equally. Orders whose mean breaks a --min or
    --max constraint are dropped.

    \b
    Examples:
      orgsim focus scenarios/series-a.yaml
      orgsim focus scenarios/series-a.yaml --by cash_end --min arr_end=15000000
      orgsim focus scenarios/series-a.yaml --orders product,sales,marketing,service \\
          --orders sales,product,marketing,service -n 20
      orgsim focus scenarios/series-a.yaml --min cash_end=0 --out out/focus
    """
    from orgsim.experiments import focus as run_focus
    from orgsim.outputs.report_experiments import experiment_files, experiment_manifest, focus_tables
    from orgsim.outputs.text import render_focus, wide_console

    _check_file("--json", json_file)
    _check_destinations(None, out_dir)
    checkpoint = _checkpoint_for("focus", checkpoint, resume, [json_file], "--json", os.path.abspath(scenario), by,
                                 goal, minimum, maximum, orders, replications, batch, max_replications, alpha, delta,
                                 equal, seed, overrides)
    base = load_scenario(scenario, list(overrides))
    _remember({base.name: scenario}, overrides)
    started, t0 = _dt.datetime.now(_dt.timezone.utc), time.perf_counter()
    with _progress(quiet, replications * 24) as progress:
        result = run_focus(
            scenario, by, goal=goal, minimum=list(minimum), maximum=list(maximum), orders=list(orders) or None,
            replications=replications, batch=batch, max_replications=max_replications, alpha=alpha,
            method="equal" if equal else "sequential", delta=delta, seed=seed, workers=workers, progress=progress,
            overrides=list(overrides), scheduler=scheduler or None, checkpoint=checkpoint, resume=resume,
        )
    if resume:
        if result.checkpoint_skipped:
            _echo_err(f"warning: {result.checkpoint_skipped}")
        _echo_err(f"resumed {result.resumed} batches of replications from {checkpoint}")
    if json_file is not None or out_dir is not None:
        text = dumps_json(result.to_dict())  # every file is rendered before the first is written
        files = {} if out_dir is None else experiment_files("focus", text, focus_tables(result), experiment_manifest(
            [scenario], [base], overrides=overrides, seed=result.seed, replications=replications, workers=workers,
            started=started, runtime_s=time.perf_counter() - t0,
            settings={"by": by, "goal": "max" if result.goal > 0 else "min", "minimum": list(minimum),
                      "maximum": list(maximum), "orders": list(orders) or "every permutation",
                      "method": "equal" if equal else "sequential", "batch": result.batch,
                      "max_replications": result.max_replications, "alpha": alpha, "delta": delta}))
        _write_experiment(json_file, out_dir, text, files)
    if not quiet:
        render_focus(wide_console(), result)
    if checkpoint is not None:
        checkpoint.unlink(missing_ok=True)  # everything it saved is in the outputs now



# ---- Helpers ---------------------------------------------------------------------------------


def _check_destinations(json_file: Path | None, out_dir: Path | None) -> None:
    """Fail before a long run, not after it, when results could not be written."""
    if json_file is not None:
        parent = json_file.parent
        if json_file.is_dir():
            raise UsageError(f"--json {json_file}: is a directory; give a file name")
        if not parent.is_dir():
            raise UsageError(f"--json {json_file}: directory {parent} does not exist")
        if not os.access(parent, os.W_OK):
            raise UsageError(f"--json {json_file}: directory {parent} is not writable")
    if out_dir is not None:
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"--out {out_dir}: exists and is not a directory")
        existing = next((p for p in [out_dir, *out_dir.parents] if p.exists()), None)
        if existing is not None and not (existing.is_dir() and os.access(existing, os.W_OK)):
            raise UsageError(f"--out {out_dir}: cannot create or write in {existing}")


def _write(path: Path, text: str) -> None:
    try:
        write_text_atomic(path, text)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from None


def _write_out_dir(
    out_dir: Path, summary_text: str, res: Results, sc: Scenario, scenario_path: str, overrides: list[str],
    seed: int, replications: int, workers: int, started: _dt.datetime, wall_s: float,
) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"--out {out_dir}: cannot create the directory: {e.strerror or e}") from None
    # Every file's text is made before any is written, so a failure cannot leave a mixed set.
    files = {
        "summary.json": summary_text,
        "kpis.csv": csv_text(res.kpis),
        "monthly.csv": csv_text(res.monthly),
        "stages.csv": csv_text(res.stages),
        "funnel.csv": csv_text(res.funnel),
        "counters.csv": csv_text(res.counters),
    }
    tables = _parquet_files(res)  # {} without pyarrow
    manifest = {
        "orgsim_version": __version__,
        "scenario_file": str(scenario_path),
        "scenario_file_abs": os.path.abspath(scenario_path),
        "scenario_sha256": sha256_file(scenario_path),
        "overrides": overrides,
        "scenario": scenario_to_dict(sc),
        "seed": seed,
        "replications": replications,
        "workers": workers,
        "created_utc": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "runtime_s": round(wall_s, 3),
        "python": platform.python_version(),
        "files": [*files, *tables, "manifest.json", *_report_file_names()],
    }
    files["manifest.json"] = dumps_json(manifest)
    binaries = {**tables, **_report_files(summary_text, res, manifest)}
    for name, text in files.items():
        _write(out_dir / name, text)
    _write_binaries(out_dir, binaries)


def _parquet_files(res: Results) -> dict[str, bytes]:
    from orgsim.outputs.report import parquet_files

    return parquet_files({"kpis": res.kpis, "monthly": res.monthly, "stages": res.stages, "funnel": res.funnel})


def _report_file_names() -> list[str]:
    from orgsim.outputs.report import PLOT_FILES, REPORT_FILE

    return [*PLOT_FILES, REPORT_FILE]


def _report_files(summary_text: str, res: Results, manifest: dict[str, Any]) -> dict[str, bytes]:
    """plots/*.png and report.html, rendered from the same data the files hold."""
    import json

    from orgsim.outputs.report import RunData, report_files

    run = RunData(summary=json.loads(summary_text), monthly=res.monthly, stages=res.stages, funnel=res.funnel,
                  manifest=manifest, counters=res.counters)
    return report_files(run)


def _write_binaries(out_dir: Path, files: dict[str, bytes]) -> None:
    from orgsim.outputs.files import write_bytes_atomic

    for name, data in files.items():
        path = out_dir / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(path, data)
        except OSError as e:
            raise UsageError(f"cannot write {path}: {e.strerror or e}") from None


class _progress:
    """A rich progress bar on stderr when it is a terminal (and not --quiet); else nothing."""

    def __init__(self, quiet: bool, total: int):
        self.enabled = not quiet and sys.stderr.isatty()
        self.total = total
        self._bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        # auto_refresh=False: no refresh thread while worker processes are forked.
        self._bar = Progress(
            TextColumn("replications"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True, auto_refresh=False,
        )
        self._bar.start()
        task = self._bar.add_task("run", total=self.total, rate="")
        self._bar.refresh()

        def update(done: int, total: int) -> None:
            speed = self._bar.tasks[0].speed
            rate = f"{speed:.1f} rep/s" if speed else ""
            self._bar.update(task, completed=done, total=total, rate=rate, refresh=True)

        return update

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.stop()


# ---- Entry point -----------------------------------------------------------------------------


def _echo_err(text: str) -> None:
    click.echo(text, err=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script passes it to sys.exit)."""
    state = _State()
    try:
        rv = cli.main(args=list(argv) if argv is not None else None, prog_name="orgsim",
                      standalone_mode=False, obj=state)
        return rv if isinstance(rv, int) else EXIT_OK
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.exceptions.Abort:
        _echo_err("Aborted.")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _echo_err("Aborted.")
        return EXIT_INTERRUPTED
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except ReplicationError as e:
        if state.debug:
            for f in e.failures:
                if f.get("traceback"):
                    click.echo(f["traceback"], err=True, nl=False)
        _echo_err(f"internal error: {e}")
        _echo_err(_failure_text(e.failures, stopped=True, state=state))
        return EXIT_INTERNAL
    except ScenarioError as e:
        _echo_err(str(e))
        return EXIT_USAGE
    except (UsageError, OrgsimError) as e:
        _echo_err(f"error: {e}")
        return EXIT_USAGE
    except Exception as e:  # anything else is a bug in orgsim, not the user's input
        if state.debug:
            click.echo(traceback.format_exc(), err=True, nl=False)
        _echo_err(f"internal error: {type(e).__name__}: {e}")
        if not state.debug:
            _echo_err("This is a bug in orgsim. Rerun with --debug to see the traceback.")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
