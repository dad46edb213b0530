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

from orgsim.outputs.files import check_regular_target, check_replaceable_dir, write_dir_atomic, write_text_atomic
from orgsim.scenario import Scenario
from orgsim.scenario.errors import Problem, ScenarioError, UsageError, printable
from orgsim.scenario.loader import load_scenario

__all__ = [
    "CONTEXT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "State",
    "check_destinations",
    "check_kpis",
    "dask_executor",
    "echo_err",
    "failure_text",
    "load_all",
    "load_one",
    "precision_settings",
    "progress_bar",
    "remember",
    "report_written",
    "write_binaries",
    "write_experiment",
    "write_file",
    "write_out_dir",
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


def check_destinations(json_file: Path | None, out_dir: Path | None) -> None:
    """Fail before a long run, not after it, when results could not be written."""
    if json_file is not None:
        check_regular_target("--json", json_file)
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
        existing = next((p for p in [out_dir.parent, *out_dir.parents] if p.exists()), None)
        if existing is not None and not (existing.is_dir() and os.access(existing, os.W_OK)):
            raise UsageError(f"--out {out_dir}: cannot create or write in {existing}")
        check_replaceable_dir("--out", out_dir)


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


def load_all(paths: Sequence[str], overrides: Sequence[str]) -> list[Scenario]:
    """Every scenario, or every file's problems (all files are checked before failing)."""
    out: list[Scenario] = []
    errors: list[ScenarioError] = []
    for path in paths:
        try:
            out.append(load_one(path, overrides))
        except ScenarioError as e:
            errors.append(e)
    for error in errors[:-1]:
        click.echo(str(error), err=True)
    if errors:
        raise errors[-1]
    return out


# ---- Writing ---------------------------------------------------------------------------------


def write_file(path: Path, text: str) -> None:
    try:
        write_text_atomic(path, text)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from None


def write_binaries(out_dir: Path, files: dict[str, bytes]) -> None:
    from orgsim.outputs.files import write_bytes_atomic

    for name, data in files.items():
        path = out_dir / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(path, data)
        except OSError as e:
            raise UsageError(f"cannot write {path}: {e.strerror or e}") from None


def write_out_dir(out_dir: Path, files: dict[str, bytes | str]) -> None:
    """--out DIR: the whole set replaces DIR at once (see `write_dir_atomic`); never a mix of two runs."""
    try:
        write_dir_atomic(out_dir, files)
    except OSError as e:
        raise UsageError(
            f"--out {out_dir}: cannot write {e.filename or out_dir}: {e.strerror or e}; the directory is as it was"
        ) from None


def write_experiment(json_file: Path | None, out_dir: Path | None, json_text: str, files: dict[str, bytes]) -> None:
    """--json FILE and --out DIR, each atomically (every file was rendered before this)."""
    if json_file is not None:
        write_file(json_file, json_text)
    if out_dir is not None:
        write_out_dir(out_dir, dict(files))


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
