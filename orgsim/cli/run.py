"""`orgsim run`: replicate one scenario; tables on the terminal, --json, --out DIR, --events."""

from __future__ import annotations

import datetime as _dt
import time
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from orgsim.cli.common import (
    CONTEXT,
    EXIT_INTERNAL,
    check_outputs,
    dask_executor,
    echo_err,
    failure_text,
    load_one,
    progress_bar,
    remember,
    report_written,
    tables_on_stdout,
)
from orgsim.cli.options import (
    debug_option,
    precision_options,
    quiet_option,
    replications_option,
    scheduler_option,
    sensitivity_option,
)
from orgsim.outputs.files import csv_text, dumps_json, parquet_files
from orgsim.outputs.manifest import run_manifest
from orgsim.outputs.text import StdoutConsole, render_run
from orgsim.outputs.transaction import Transaction
from orgsim.scenario import Scenario
from orgsim.scenario.errors import UsageError

if TYPE_CHECKING:
    from orgsim.experiments import Results


def simulate(*args: Any, **kwargs: Any) -> Results:
    """`orgsim.experiments.simulate`, imported when a run starts (it brings pandas and scipy), so that
    `orgsim --help` and `validate` start fast; tests replace this name to inject failures."""
    from orgsim.experiments import simulate as _simulate

    return _simulate(*args, **kwargs)


@click.command(context_settings=CONTEXT)
@click.argument("scenario", metavar="SCENARIO")
@replications_option("Number of replications [default: the scenario's `replications`].")
@click.option(
    "-s",
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    metavar="S",
    help="Random seed [default: the scenario's `seed`]. Same seed, same results.",
)
@click.option(
    "-w",
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="W",
    help="Local processes; 0 = all cores, 1 = this process only. Results do not depend on it.",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override one value by its dotted path; VALUE is read as YAML. Repeatable.",
)
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Write summary.json, kpis.csv, monthly.csv, stages.csv, funnel.csv, "
    "counters.csv, manifest.json, plots/*.png and report.html to DIR (created if missing); "
    "the tables as Parquet too when pyarrow is installed.",
)
@click.option(
    "--json",
    "json_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Write KPI, funnel and stage statistics (mean, std, 95% CI) as JSON to FILE ('-': standard output, "
    "instead of the tables).",
)
@click.option(
    "--events",
    "events_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Write the event log of every replication to FILE (.csv, .csv.gz or .parquet): "
    "one row per event of each lead, opportunity and customer (case id, activity, timestamp, resource, "
    "role, segment, replication), for process-mining tools. About 85,000-88,000 rows (10 MB of CSV) per "
    "series-a replication; runs without it are not slowed.",
)
@sensitivity_option(
    "The JSON of `orgsim sensitivity ... --json FILE`: the findings (and --out's report.html) name its "
    "top-ranked inputs for each KPI it ranks, the assumptions these numbers rest on [default: a line saying "
    "how to rank them]."
)
@quiet_option
@click.option(
    "--first-replication",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="K",
    help="Run replications K..K+N-1 (each with the random streams of (seed, its number)); with -n 1, "
    "replication K alone, e.g. to reproduce a failed one.",
)
@precision_options
@scheduler_option
@debug_option
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
    connect_timeout: float = 20.0,
    sensitivity_file: Path | None = None,
) -> None:
    # Over 60 lines: the signature lists every option and the docstring is the --help text; the body
    # is the command's steps in order (check, load, run, write, print).
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
      orgsim run scenarios/series-a.yaml --out runs/series-a --sensitivity sens.json   # from orgsim sensitivity
    """
    warns: list[dict[str, Any]] = []
    sc = load_one(scenario, overrides, collect=warns)
    remember({sc.name: scenario}, overrides)
    if first_replication and precision is not None:
        raise UsageError("--first-replication cannot be combined with --precision")
    if events_file is not None:
        from orgsim.outputs.event_log import event_format

        event_format(events_file)
    check_outputs({"--json": json_file, "--events": events_file}, out_dir)
    ranked = _ranked_inputs(sensitivity_file, sc)  # before the run: a bad file fails fast (exit 2)
    reps = sc.replications if replications is None else replications
    used_seed = sc.seed if seed is None else seed

    started = _dt.datetime.now(_dt.UTC)
    t0 = time.perf_counter()
    # Every output is written beside where it goes and put in place together at the end of this block:
    # one that cannot be written leaves none of the others (`orgsim.outputs.transaction`).
    with Transaction() as out:
        with (
            out.events(events_file, first_replication) if events_file is not None else nullcontext() as events,
            dask_executor(scheduler, connect_timeout) as ex,
            progress_bar(quiet, reps) as progress,
        ):
            res = simulate(
                sc,
                replications=reps,
                seed=used_seed,
                workers=workers,
                progress=progress,
                executor=ex,
                precision=precision,
                targets=targets or None,
                max_replications=max_replications,
                first_replication=first_replication,
                events=events,
            )
        reps = res.n  # with --precision, the count it took
        wall_s = time.perf_counter() - t0
        doc = res.to_dict()
        doc["warnings"] = [*cash_warning(doc), *warns]  # cash first: it ends the company
        doc["findings"] = run_findings(res, sc, {"scenario_file": scenario, **ranked})

        if json_file is not None or out_dir is not None:
            summary_text = dumps_json(doc)  # rendered first: nothing is written if it cannot be
            out.file("--json", json_file, summary_text, dash=True)
            if out_dir is not None:
                files = _out_dir_files(
                    summary_text,
                    res,
                    sc,
                    scenario,
                    list(overrides),
                    used_seed,
                    reps,
                    workers,
                    started,
                    wall_s,
                    ranked,
                )
                out.directory("--out", out_dir, files)

    if tables_on_stdout(quiet, json_file, events_file):
        render_run(StdoutConsole(highlight=False), doc, wall_s, res.executor)
        if events_file is not None:
            click.echo(f"wrote {res.meta['events']['rows']:,} events to {events_file}")
    report_written(out_dir, quiet)
    if res.failures:
        echo_err(failure_text(res.failures, res.n + len(res.failures)))
        raise click.exceptions.Exit(EXIT_INTERNAL)


def cash_warning(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """ "cash runs out in k of R replications, first in month N on average" as a critical warning
    (none when it never does); the first entry of `run --json`'s "warnings"."""
    k = doc["kpis"]
    reps = doc["replications"]
    n_out = round(((k.get("cash_out") or {}).get("mean") or 0.0) * reps)
    if not n_out:
        return []
    month = (k.get("cash_out_month") or {}).get("mean")
    when = "" if month is None else f" in month {month:.0f}" if reps < 2 else f", first in month {month:.1f} on average"
    head = "cash runs out" if reps < 2 else f"cash runs out in {n_out} of {reps} replications"
    return [
        {
            "severity": "critical",
            "path": "company.starting_cash",
            "line": None,
            "message": head + when,
        }
    ]


def _ranked_inputs(path: Path | None, sc: Scenario) -> dict[str, Any]:
    """{"sensitivity": `top_inputs.measured_all(path)`} for the manifest ({} without --sensitivity); a
    ranking of another scenario's inputs is a warning on stderr, as in `orgsim hire`."""
    if path is None:
        return {}
    from orgsim.experiments.top_inputs import measured_all
    from orgsim.outputs.report_inputs import mismatches

    info = measured_all(path)
    for text in mismatches(info, sc.name, sc.horizon_months):
        echo_err(f"warning: {text}")
    return {"sensitivity": info}


def run_findings(res: Results, sc: Scenario, extra: dict[str, Any]) -> list[dict[str, str]]:
    """The report's findings, ranked, with their severity (`orgsim.outputs.findings`); `extra`: more
    manifest fields they read (scenario_file, sensitivity)."""
    from orgsim.outputs.findings import ranked_findings
    from orgsim.outputs.report import RunData
    from orgsim.scenario.loader import scenario_to_dict

    run = RunData(
        summary=res.to_dict(),
        monthly=res.monthly,
        stages=res.stages,
        funnel=res.funnel,
        manifest={"scenario": scenario_to_dict(sc), **extra},
        counters=res.counters,
    )
    return [f.to_dict() for f in ranked_findings(run)]


def _out_dir_files(
    summary_text: str,
    res: Results,
    sc: Scenario,
    scenario_path: str,
    overrides: list[str],
    seed: int,
    replications: int,
    workers: int,
    started: _dt.datetime,
    wall_s: float,
    ranked: dict[str, Any],
) -> dict[str, bytes | str]:
    """The files of --out DIR, every one rendered before any is written; the set replaces DIR as a whole
    (`StagedDir`), so a failure or a kill cannot leave a mixed set."""
    files = {
        "summary.json": summary_text,
        "kpis.csv": csv_text(res.kpis),
        "monthly.csv": csv_text(res.monthly),
        "stages.csv": csv_text(res.stages),
        "funnel.csv": csv_text(res.funnel),
        "counters.csv": csv_text(res.counters),
    }
    tables = _parquet_files(res)  # {} without pyarrow
    manifest = run_manifest(
        scenario_path,
        sc,
        overrides=overrides,
        seed=seed,
        replications=replications,
        workers=workers,
        started=started,
        runtime_s=wall_s,
        files=[*files, *tables, "manifest.json", *_report_file_names()],
    )
    manifest.update(ranked)  # "sensitivity": what `orgsim report DIR` names as the inputs the numbers rest on
    files["manifest.json"] = dumps_json(manifest)
    binaries = {**tables, **_report_files(summary_text, res, manifest)}
    return {**files, **binaries}


def _parquet_files(res: Results) -> dict[str, bytes]:
    return parquet_files({"kpis": res.kpis, "monthly": res.monthly, "stages": res.stages, "funnel": res.funnel})


def _report_file_names() -> list[str]:
    from orgsim.outputs.report import PLOT_FILES, REPORT_FILE

    return [*PLOT_FILES, REPORT_FILE]


def _report_files(summary_text: str, res: Results, manifest: dict[str, Any]) -> dict[str, bytes]:
    """plots/*.png and report.html, rendered from the same data the files hold."""
    import json

    from orgsim.outputs.report import RunData, report_files

    run = RunData(
        summary=json.loads(summary_text),
        monthly=res.monthly,
        stages=res.stages,
        funnel=res.funnel,
        manifest=manifest,
        counters=res.counters,
    )
    return report_files(run)
