"""What every command shares: options, checks before a run, writing files, progress, messages.

Exit codes are the CLI's contract (docs/reference/interfaces.md): 0 ok, 2 bad input or usage, 1 internal
error, 130 interrupted, 141 output pipe closed (`orgsim.cli.EXIT_PIPE`). `orgsim.cli.main` maps exceptions
to them; commands raise `UsageError` (or let `ScenarioError` through) for bad input and return normally
otherwise.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from orgsim.outputs.targets import STDOUT, check_dir, check_distinct_outputs, check_file
from orgsim.scenario import Scenario
from orgsim.scenario.errors import Problem, ScenarioError, printable
from orgsim.scenario.loader import load_scenario

__all__ = [
    "CONTEXT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "State",
    "check_kpis",
    "check_outputs",
    "dask_executor",
    "echo_err",
    "failure_text",
    "load_all",
    "load_one",
    "precision_settings",
    "progress_bar",
    "remember",
    "report_written",
    "tables_on_stdout",
    "write_experiment",
    "write_file",
]

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@dataclass
class State:
    """Set while parsing; read by `main` when an exception escapes a command."""

    debug: bool = False
    scenario_files: dict[str, str] | None = None  # scenario name -> file, for reproduce commands
    overrides: tuple[str, ...] = ()


def remember(scenario_files: dict[str, str], overrides: Sequence[str]) -> None:
    """Note what reproduces a replication, for the failure report of `main`."""
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(State) if ctx is not None else None
    if state is not None:
        state.scenario_files, state.overrides = dict(scenario_files), tuple(overrides)


def failure_text(
    failures: list[dict[str, Any]], total: int | None = None, stopped: bool = False, state: State | None = None
) -> str:
    """The warning about failed replications, each with the command that reproduces it."""
    from orgsim.outputs.text import failure_block, reproduce_command

    if state is None:
        ctx = click.get_current_context(silent=True)
        state = ctx.find_object(State) if ctx is not None else None
    if state is not None and state.debug and not stopped:
        for f in failures:
            if f.get("traceback"):
                click.echo(f["traceback"], err=True, nl=False)
    files = (state.scenario_files if state is not None else None) or {}
    overrides = state.overrides if state is not None else ()
    commands = [
        reproduce_command(
            files.get(f.get("scenario", ""), next(iter(files.values()), "SCENARIO")),
            f["seed"],
            f["replication"],
            overrides,
            f.get("params"),
        )
        for f in failures
    ]
    return failure_block(failures, commands, total, stopped)


def precision_settings(precision: float | None, targets: Sequence[str], max_replications: int) -> dict[str, Any]:
    """--precision, --target and --max-replications for a manifest ({} without --precision)."""
    if precision is None:
        return {}
    return {"precision": precision, "targets": list(targets) or ["arr_end"], "max_replications": max_replications}


@contextmanager
def dask_executor(scheduler: str | None, connect_timeout: float) -> Iterator[Any]:
    """The executor for --scheduler, connected within --connect-timeout; None without a scheduler."""
    if not scheduler:
        yield None
        return
    from orgsim.experiments.dask_exec import DaskExecutor

    ex = DaskExecutor(scheduler, connect_timeout)
    try:
        yield ex
    finally:
        ex.close()


# ---- Checks before a run ---------------------------------------------------------------------


def check_outputs(files: dict[str, Path | None], out_dir: Path | None = None, dir_option: str = "--out") -> None:
    """Fail before a long run, not after it, when results could not be written: every output file (option ->
    path, None when not given) and DIR, each as its write will do it (`orgsim.outputs.targets`), and no two on one
    file. ``--json -`` is standard output."""
    for option, path in files.items():
        check_file(option, path, dash=option == "--json")
    check_dir(dir_option, out_dir)
    check_distinct_outputs(files, out_dir, dir_option)


def tables_on_stdout(quiet: bool, *files: Path | None) -> bool:
    """Whether a command prints its tables: not with --quiet, nor when an output file (--json, --events) is
    standard output (``--json -``, or ``/dev/stdout``: the pipe or terminal standard output is)."""
    return not quiet and not any(_is_stdout(f) for f in files)


def _is_stdout(path: Path | None) -> bool:
    if path is None:
        return False
    if str(path) == STDOUT:
        return True
    try:
        return os.path.samestat(os.stat(path), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError):  # no such file, or a stdout without a file descriptor (a test's capture)
        return False


def check_kpis(option: str, names: Sequence[str]) -> None:
    from orgsim.experiments.stats import check_kpi

    for name in names:
        check_kpi(name, f"KPI in {option}")


def load_one(path: str, overrides: Sequence[str] = (), collect: list[dict[str, Any]] | None = None) -> Scenario:
    """The scenario in `path`; its warnings (`Scenario.warnings()`) go to stderr, one line each,
    most serious first, a critical one (the run cannot win a customer) as `warning (critical):`.

    Every command that loads a scenario loads it here, so a structure in which some work waits
    for a role hired only later, or a setting that can do nothing, is never silent; stdout stays
    as it was. `collect`, when given, receives each warning as {"severity", "path", "line",
    "message"} (for `run --json`).
    """
    from orgsim.scenario.severity import graded_warnings, severity_rank

    found: list[Problem] = []
    sc = load_scenario(path, list(overrides), warnings=found)
    graded = graded_warnings(sc) if found else []

    def severity(w: Problem) -> str:
        # the loader words a warning as a problem (with "(in overrides)" or "(in base.yaml)" appended)
        return next((s for s, p, m in graded if p == w.path and w.message.startswith(m)), "warning")

    for sev, w in sorted(((severity(w), w) for w in found), key=lambda x: severity_rank(x[0])):
        tag = "warning (critical)" if sev == "critical" else "warning"
        click.echo(f"{tag}: {printable(path)}: {w.render()}", err=True)
        if collect is not None:
            collect.append({"severity": sev, "path": w.path, "line": w.line, "message": w.message})
    return sc


def load_all(
    paths: Sequence[str], overrides: Sequence[str], collect: list[list[dict[str, Any]]] | None = None
) -> list[Scenario]:
    """Every scenario, or every file's problems (all files are checked before failing); `collect`,
    when given, receives one list of warnings per file (as `load_one`'s)."""
    out: list[Scenario] = []
    errors: list[ScenarioError] = []
    for path in paths:
        try:
            warns: list[dict[str, Any]] = []
            out.append(load_one(path, overrides, collect=warns))
            if collect is not None:
                collect.append(warns)
        except ScenarioError as e:
            errors.append(e)
    for error in errors[:-1]:
        click.echo(str(error), err=True)
    if errors:
        raise errors[-1]
    return out


# ---- Writing ---------------------------------------------------------------------------------


def write_file(option: str, path: Path, text: str) -> None:
    """One output file, atomically (a pipe or a device: in place); a failure is exit 2 naming `option`."""
    from orgsim.outputs.transaction import Transaction

    with Transaction() as out:
        out.file(option, path, text, dash=option == "--json")


def write_experiment(
    json_file: Path | None,
    out_dir: Path | None,
    json_text: str,
    files: dict[str, bytes],
    more: dict[str, tuple[Path | None, str]] | None = None,
) -> None:
    """--json FILE, --out DIR and `more` files (option -> (path, text)), all rendered before this: each written
    atomically, and put in place together, or (when one cannot be written) none of them."""
    from orgsim.outputs.transaction import Transaction

    with Transaction() as out:
        for option, (path, text) in (more or {}).items():
            out.file(option, path, text)
        out.file("--json", json_file, json_text, dash=True)
        out.directory("--out", out_dir, dict(files))


# ---- Progress and messages -------------------------------------------------------------------


class progress_bar:
    """A rich progress bar on stderr when it is a terminal (and not --quiet); else nothing."""

    def __init__(self, quiet: bool, total: int):
        self.enabled = not quiet and sys.stderr.isatty()
        self.total = total
        self._bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        # auto_refresh=False: no refresh thread while worker processes are forked.
        self._bar = Progress(
            TextColumn("replications"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
            auto_refresh=False,
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


def echo_err(text: str) -> None:
    click.echo(text, err=True)


def report_written(out_dir: Path | None, quiet: bool) -> None:
    """After --out DIR: say where the report is (stderr, so stdout stays the tables); not with --quiet."""
    if out_dir is not None and not quiet:
        echo_err(f"report: {out_dir / 'report.html'}")
