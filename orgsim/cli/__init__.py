"""The `orgsim` command (docs/reference/interfaces.md): one module per command, this module wires them.

Thin by design: each command parses its options, loads scenarios with `orgsim.scenario.loader`,
runs `orgsim.experiments` and hands the results to `orgsim.outputs` (terminal tables, files,
reports). `main()` owns the exit codes: 0 ok, 2 bad input or usage (no traceback, ever),
1 internal error (a traceback only with --debug), 130 when interrupted, 141 (128 + SIGPIPE, as a
Unix tool the shell stops) when the reader of its output went away (`orgsim validate *.yaml | head -1`).

Modules: `common` (shared options, checks, writing, progress, exit codes), and one per
command: `run`, `validate`, `compare`, `sweep`, `focus`, `report`.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import click

from orgsim import __version__
from orgsim.cli import compare, focus, hire, report, run, sweep, validate
from orgsim.cli.app import app_command
from orgsim.cli.calibrate import calibrate_command
from orgsim.cli.common import (
    CONTEXT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    State,
    echo_err,
    failure_text,
)
from orgsim.cli.export_crm import export_crm_command
from orgsim.cli.init import init_command
from orgsim.cli.optimize import optimize_command
from orgsim.cli.options import debug_option
from orgsim.cli.sensitivity import sensitivity_command
from orgsim.experiments.runner import ReplicationError
from orgsim.scenario.errors import OrgsimError, ScenarioError, UsageError

__all__ = ["EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_PIPE", "EXIT_USAGE", "cli", "main"]

EXIT_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool stopped by a closed pipe


class _OutputClosed(Exception):
    """The reader of stdout went away (`| head -1`). Not an OSError, so click does not turn it into exit 1."""


class _Group(click.Group):
    """The `orgsim` group: a write to a closed pipe, anywhere in parsing or a command, ends as `_OutputClosed`."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:
            raise _OutputClosed() from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise _OutputClosed() from None


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="orgsim", message="%(prog)s %(version)s")
@debug_option
def cli() -> None:
    """Simulate how a SaaS company's organisation shapes pipeline, ARR, renewals, CAC and cash.

    A scenario file (YAML) describes a company: its segments, lead sources, roles and headcount,
    who owns which link of the customer value chain, and how it hires. `run` simulates it many
    times and reports KPIs with 95% confidence intervals; `validate` checks files without running
    them; `compare`, `sweep` and `focus` run experiments with common random numbers (paired
    differences, parameter grids, growth-stage focus orders); `init` writes a scenario from a few
    answers; `hire` answers "who should I hire next?"; `sensitivity` ranks the assumptions by how
    much they move a KPI. Exit codes: 0 ok, 2 bad input or usage,
    1 internal error, 130 interrupted, 141 when the reader of the output went away (| head).

    \b
    Examples:
      orgsim validate scenarios/series-a.yaml
      orgsim run scenarios/series-a.yaml --replications 10 --seed 7
      orgsim run scenarios/series-a.yaml --set roles.sdr.headcount=8 --json out.json
      orgsim compare scenarios/series-a.yaml scenarios/no-sdr.yaml
      orgsim sweep scenarios/series-a.yaml --vary roles.sdr.headcount=2..8
      orgsim focus scenarios/series-a.yaml --min cash_end=0
      orgsim init my-company.yaml --arr 600k --acv smb=9000,mid_market=40000
      orgsim hire scenarios/series-a.yaml --next 3
    """


for _command in (
    run.run,
    validate.validate,
    calibrate_command,
    report.report,
    compare.compare_command,
    sweep.sweep_command,
    focus.focus_command,
    init_command,
    hire.hire_command,
    sensitivity_command,
    export_crm_command,
    optimize_command,
    app_command,
):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script passes it to sys.exit)."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # what is still buffered fails here, not in Python's flush at exit
        return code
    except (_OutputClosed, BrokenPipeError):
        # The reader went away: stop quietly, as `yes | head -1` does. stdout is pointed at devnull so
        # that Python's own flush at exit does not fail again (the Python docs' "Note on SIGPIPE").
        _stdout_to_devnull()
        return EXIT_PIPE


def _stdout_to_devnull() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor (stdout replaced, e.g. in tests): nothing to flush later
        pass


def _main(argv: Sequence[str] | None) -> int:
    state = State()
    try:
        rv = cli.main(
            args=list(argv) if argv is not None else None, prog_name="orgsim", standalone_mode=False, obj=state
        )
        return rv if isinstance(rv, int) else EXIT_OK
    except _OutputClosed:
        raise
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.exceptions.Abort:
        echo_err("Aborted.")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        echo_err("Aborted.")
        return EXIT_INTERRUPTED
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except ReplicationError as e:
        if state.debug:
            for f in e.failures:
                if f.get("traceback"):
                    click.echo(f["traceback"], err=True, nl=False)
        echo_err(f"internal error: {e}")
        echo_err(failure_text(e.failures, stopped=True, state=state))
        return EXIT_INTERNAL
    except ScenarioError as e:
        echo_err(str(e))
        return EXIT_USAGE
    except (UsageError, OrgsimError) as e:
        echo_err(f"error: {e}")
        return EXIT_USAGE
    except Exception as e:  # anything else is a bug in orgsim, not the user's input
        if state.debug:
            click.echo(traceback.format_exc(), err=True, nl=False)
        echo_err(f"internal error: {type(e).__name__}: {e}")
        if not state.debug:
            echo_err("This is a bug in orgsim. Rerun with --debug to see the traceback.")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
