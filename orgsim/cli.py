"""The `orgsim` command: run and validate scenario files (DESIGN.md section 6).

Thin by design: it parses options, loads the scenario with `orgsim.loader`, runs
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
from orgsim.errors import OrgsimError, ScenarioError, UsageError
from orgsim.experiments import Results, simulate
from orgsim.loader import load_scenario, scenario_to_dict
from orgsim.output import csv_text, dumps_json, sha256_file, write_text_atomic
from orgsim.report_text import render_run
from orgsim.scenario import Scenario

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@dataclass
class _State:
    """Set while parsing; read by `main` when an exception escapes a command."""

    debug: bool = False


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value and isinstance(ctx.obj, _State):
        ctx.obj.debug = True
    return value


def _debug_option(f: Any) -> Any:
    return click.option(
        "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
        help="On an internal error, show the Python traceback.",
    )(f)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="orgsim", message="%(prog)s %(version)s")
@_debug_option
def cli() -> None:
    """Simulate how a SaaS company's organisation shapes pipeline, ARR, renewals, CAC and cash.

    A scenario file (YAML) describes a company: its segments, lead sources, roles and headcount,
    who owns which link of the customer value chain, and how it hires. `run` simulates it many
    times and reports KPIs with 95% confidence intervals; `validate` checks files without running
    them. Exit codes: 0 ok, 2 bad input or usage, 1 internal error.

    \b
    Examples:
      orgsim validate scenarios/series-a.yaml
      orgsim run scenarios/series-a.yaml --replications 10 --seed 7
      orgsim run scenarios/series-a.yaml --set roles.sdr.headcount=8 --json out.json
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
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (no progress, no tables).")
@_debug_option
def run(
    scenario: str,
    replications: int | None,
    seed: int | None,
    workers: int,
    overrides: tuple[str, ...],
    out_dir: Path | None,
    json_file: Path | None,
    quiet: bool,
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
    """
    sc = load_scenario(scenario, list(overrides))
    _check_destinations(json_file, out_dir)
    reps = sc.replications if replications is None else replications
    used_seed = sc.seed if seed is None else seed

    started = _dt.datetime.now(_dt.timezone.utc)
    t0 = time.perf_counter()
    with _progress(quiet, reps) as progress:
        res = simulate(sc, replications=reps, seed=used_seed, workers=workers, progress=progress)
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
        n_workers = min((os.cpu_count() or 1) if workers == 0 else workers, reps)
        render_run(Console(highlight=False), doc, wall_s, n_workers)


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
    """Regenerate report.html and plots/*.png in a run directory.

    Reads only the files `orgsim run --out DIR` wrote there (summary.json, monthly.csv,
    stages.csv, funnel.csv, manifest.json; counters.csv when present) and rewrites the plots and
    the self-contained HTML report (images embedded, no network needed) atomically. Exits 2 when
    DIR is not such a directory.

    \b
    Examples:
      orgsim run scenarios/series-a.yaml --out runs/series-a --quiet
      orgsim report runs/series-a
    """
    from orgsim.report import write_report

    try:
        paths = write_report(directory)
    except OSError as e:
        raise UsageError(f"cannot write the report in {directory}: {e.strerror or e}") from None
    html_path = next((p for p in paths if p.name == "report.html"), directory / "report.html")
    click.echo(f"wrote {html_path} and {len(paths) - 1} plots in {directory / 'plots'}")


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
    from orgsim.report import parquet_files

    return parquet_files({"kpis": res.kpis, "monthly": res.monthly, "stages": res.stages, "funnel": res.funnel})


def _report_file_names() -> list[str]:
    from orgsim.report import PLOT_FILES, REPORT_FILE

    return [*PLOT_FILES, REPORT_FILE]


def _report_files(summary_text: str, res: Results, manifest: dict[str, Any]) -> dict[str, bytes]:
    """plots/*.png and report.html, rendered from the same data the files hold."""
    import json

    from orgsim.report import RunData, report_files

    run = RunData(summary=json.loads(summary_text), monthly=res.monthly, stages=res.stages, funnel=res.funnel,
                  manifest=manifest, counters=res.counters)
    return report_files(run)


def _write_binaries(out_dir: Path, files: dict[str, bytes]) -> None:
    from orgsim.output import write_bytes_atomic

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
