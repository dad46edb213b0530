"""The options commands share: debug, precision, scheduler, seed and replications, --out,
checkpoints, quiet. Each is a decorator that adds click options to a command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from orgsim.cli.common import State
from orgsim.scenario.base import MAX_REPLICATIONS

__all__ = [
    "CONNECT_TIMEOUT_S",
    "checkpoint_options",
    "common_options",
    "debug_option",
    "out_option",
    "precision_options",
    "quiet_option",
    "replications_option",
    "scheduler_option",
]


# dask_exec.CONNECT_TIMEOUT_S, repeated so that building the commands (`orgsim --help`) imports no
# executor, engine or scipy; tests/cli/test_sensitivity.py checks the two agree.
CONNECT_TIMEOUT_S = 20


# ---- Options ---------------------------------------------------------------------------------


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value and isinstance(ctx.obj, State):
        ctx.obj.debug = True
    return value


def debug_option(f: Any) -> Any:
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_debug,
        help="On an internal error, show the Python traceback.",
    )(f)


def precision_options(f: Any) -> Any:
    """--precision, --target, --max-replications (run, compare, sweep)."""
    f = click.option(
        "--max-replications",
        type=click.IntRange(min=2, max=MAX_REPLICATIONS),
        default=500,
        show_default=True,
        metavar="N",
        help="With --precision: stop at N replications (per scenario) even if not precise enough.",
    )(f)
    f = click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="KPI",
        help="With --precision: a KPI that must be precise; repeatable [default: arr_end].",
    )(f)
    return click.option(
        "--precision",
        type=click.FloatRange(0, 1, min_open=True, max_open=True),
        default=None,
        metavar="FRACTION",
        help="Add replications (in batches, starting from N) until the 95% CI half-width of every "
        "--target KPI is within FRACTION of its mean, e.g. 0.02 for 2%.",
    )(f)


def scheduler_option(f: Any) -> Any:
    """--scheduler and --connect-timeout (every command that runs replications)."""
    f = click.option(
        "--connect-timeout",
        type=click.FloatRange(0, 3600, min_open=True),
        default=CONNECT_TIMEOUT_S,
        show_default=True,
        metavar="SECONDS",
        help="With --scheduler: how long to wait for the scheduler to answer before giving up (exit 2).",
    )(f)
    return click.option(
        "--scheduler",
        metavar="ADDRESS",
        envvar="ORGSIM_SCHEDULER",
        show_envvar=True,
        default=None,
        help="Run on a Dask cluster instead of local processes, e.g. tcp://10.0.0.5:8786 (needs "
        'pip install "orgsim[dask]"). Same seed, same results.',
    )(f)


def common_options(f: Any) -> Any:
    """-n, -s, -w, --set, --json (compare, sweep, focus)."""
    f = click.option(
        "--json",
        "json_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        metavar="FILE",
        help="Write the results as JSON to FILE (atomically; '-': standard output, instead of the tables).",
    )(f)
    f = click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override one value by its dotted path in every scenario run; VALUE is read as YAML. Repeatable.",
    )(f)
    f = click.option(
        "-w",
        "--workers",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        metavar="W",
        help="Local processes; 0 = all cores, 1 = this process only. Results do not depend on it.",
    )(f)
    return click.option(
        "-s",
        "--seed",
        type=click.IntRange(min=0),
        default=None,
        metavar="S",
        help="Random seed, the same for every scenario (common random numbers) "
        "[default: the (first) scenario's `seed`].",
    )(f)


def out_option(tables: str) -> Any:
    """-o/--out DIR (compare, sweep, focus); `tables` names the command's own files."""
    return click.option(
        "-o",
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        metavar="DIR",
        help=f"Write {tables}, manifest.json, plots/*.png and a self-contained report.html to DIR (created if "
        "missing); the tables as Parquet too when pyarrow is installed. `orgsim report DIR` rebuilds the report.",
    )


def checkpoint_options(outputs: str) -> Callable[[Any], Any]:
    """--checkpoint, --resume (sweep, focus); `outputs` names the command's output options the default
    checkpoint is kept next to ("--json (or --csv)")."""

    def decorate(f: Any) -> Any:
        f = click.option(
            "--resume",
            is_flag=True,
            help="Continue an interrupted run from its checkpoint: finished work is read back, not rerun.",
        )(f)
        return click.option(
            "--checkpoint",
            "checkpoint",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            metavar="FILE",
            help="Append finished work to FILE as it finishes [default: FILE.checkpoint.jsonl "
            f"next to {outputs}, else .orgsim-checkpoint-<hash>.jsonl in the current directory]; "
            "deleted after a run that completes. An existing FILE that is not an orgsim checkpoint is refused.",
        )(f)

    return decorate


def sensitivity_option(help_text: str) -> Callable[[Any], Any]:
    """--sensitivity FILE (run, report, hire): an `orgsim sensitivity --json` ranking whose top inputs
    the command names; `help_text` says what it does with them."""
    return click.option(
        "--sensitivity",
        "sensitivity_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        metavar="FILE",
        help=help_text,
    )


def quiet_option(f: Any) -> Any:
    """-q/--quiet (every command that runs replications)."""
    return click.option(
        "-q",
        "--quiet",
        is_flag=True,
        help="Print nothing but errors and the scenario's warnings (no progress, no tables, no report path).",
    )(f)


def replications_option(help: str, minimum: int = 1, default: int | None = None) -> Any:
    """-n/--replications, capped at MAX_REPLICATIONS (every command that runs replications)."""
    return click.option(
        "-n",
        "--replications",
        type=click.IntRange(min=minimum, max=MAX_REPLICATIONS),
        default=default,
        show_default=default is not None,
        metavar="N",
        help=help,
    )
