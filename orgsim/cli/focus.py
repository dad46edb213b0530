"""`orgsim focus`: rank every growth-stage focus order, spending replications on the contenders."""

from __future__ import annotations

import datetime as _dt
import os
import time
from pathlib import Path

import click

from orgsim.cli.common import (
    CONTEXT,
    check_outputs,
    dask_executor,
    echo_err,
    load_one,
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
    quiet_option,
    replications_option,
    scheduler_option,
)
from orgsim.experiments.checkpoint import checkpoint_for
from orgsim.outputs.files import dumps_json
from orgsim.outputs.manifest import experiment_manifest
from orgsim.scenario.base import MAX_REPLICATIONS


@click.command("focus", context_settings=CONTEXT)
@click.argument("scenario", metavar="SCENARIO")
@click.option("--by", default="arr_end", show_default=True, metavar="KPI", help="The KPI to rank the orders by.")
@click.option(
    "--goal",
    type=click.Choice(["max", "min"]),
    default=None,
    help="Maximise or minimise --by [default: the KPI's direction, e.g. min for cac].",
)
@click.option(
    "--min",
    "minimum",
    multiple=True,
    metavar="KPI=VALUE",
    help="Constraint: an order's mean KPI must be >= VALUE (e.g. cash_end=0); repeatable.",
)
@click.option(
    "--max",
    "maximum",
    multiple=True,
    metavar="KPI=VALUE",
    help="Constraint: an order's mean KPI must be <= VALUE (e.g. burn_multiple=2); repeatable.",
)
@click.option(
    "--orders",
    "orders",
    multiple=True,
    metavar="D1,D2,...",
    help="Only this order (a permutation of the growth plan's focus_order, e.g. "
    '"product,sales,marketing,service"); repeatable [default: every permutation].',
)
@replications_option(
    "First-stage replications of every order (with --equal: of every order, full stop).", minimum=2, default=10
)
@click.option(
    "--batch",
    type=click.IntRange(min=1, max=MAX_REPLICATIONS),
    default=None,
    metavar="B",
    help="Replications added to each surviving order per look [default: N].",
)
@click.option(
    "--max-replications",
    type=click.IntRange(min=2, max=MAX_REPLICATIONS),
    default=100,
    show_default=True,
    metavar="M",
    help="At most M replications per order (at least N; not used with --equal); orders still not separated "
    "then are reported as contenders.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.05,
    show_default=True,
    help="1 - confidence of the selection statement.",
)
@click.option(
    "--delta",
    default=None,
    metavar="D",
    help="Indifference zone: stop once no surviving order can beat the leader by more than D (in the "
    "KPI's unit, or a percentage of the leader's mean such as 1%).",
)
@click.option("--equal", is_flag=True, help="No elimination: run every order N replications and rank them.")
@common_options
@out_option("focus.json (as --json), ranking.csv (one row per order, best first), kpis.csv (per order and replication)")
@scheduler_option
@checkpoint_options("--json")
@quiet_option
@debug_option
def focus_command(
    scenario: str,
    by: str,
    goal: str | None,
    minimum: tuple[str, ...],
    maximum: tuple[str, ...],
    orders: tuple[str, ...],
    replications: int,
    batch: int | None,
    max_replications: int,
    alpha: float,
    delta: str | None,
    equal: bool,
    seed: int | None,
    workers: int,
    overrides: tuple[str, ...],
    json_file: Path | None,
    out_dir: Path | None,
    scheduler: str | None,
    connect_timeout: float,
    quiet: bool,
    checkpoint: Path | None = None,
    resume: bool = False,
) -> None:
    # Over 60 lines: the signature lists every option and the docstring is the --help text; the body
    # is the command's steps in order (check, load, run, write, print).
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
    from orgsim.outputs.report_experiments import experiment_files, focus_tables
    from orgsim.outputs.text import wide_console
    from orgsim.outputs.text_experiments import render_focus

    check_outputs({"--json": json_file, "--checkpoint": checkpoint}, out_dir)
    checkpoint = checkpoint_for(
        "focus",
        checkpoint,
        resume,
        [json_file],
        "--json",
        os.path.abspath(scenario),
        by,
        goal,
        minimum,
        maximum,
        orders,
        replications,
        batch,
        max_replications,
        alpha,
        delta,
        equal,
        seed,
        overrides,
    )
    base = load_one(scenario, overrides)
    remember({base.name: scenario}, overrides)
    started, t0 = _dt.datetime.now(_dt.UTC), time.perf_counter()
    with dask_executor(scheduler, connect_timeout) as ex, progress_bar(quiet, replications * 24) as progress:
        result = run_focus(
            scenario,
            by,
            goal=goal,
            minimum=list(minimum),
            maximum=list(maximum),
            orders=list(orders) or None,
            replications=replications,
            batch=batch,
            max_replications=max_replications,
            alpha=alpha,
            method="equal" if equal else "sequential",
            delta=delta,
            seed=seed,
            workers=workers,
            progress=progress,
            overrides=list(overrides),
            executor=ex,
            checkpoint=checkpoint,
            resume=resume,
        )
    if resume:
        if result.checkpoint_skipped:
            echo_err(f"warning: {result.checkpoint_skipped}")
        echo_err(f"resumed {result.resumed} batches of replications from {checkpoint}")
    if json_file is not None or out_dir is not None:
        text = dumps_json(result.to_dict())  # every file is rendered before the first is written
        files = (
            {}
            if out_dir is None
            else experiment_files(
                "focus",
                text,
                focus_tables(result),
                experiment_manifest(
                    [scenario],
                    [base],
                    overrides=overrides,
                    seed=result.seed,
                    replications=replications,
                    workers=workers,
                    started=started,
                    runtime_s=time.perf_counter() - t0,
                    settings={
                        "by": by,
                        "goal": "max" if result.goal > 0 else "min",
                        "minimum": list(minimum),
                        "maximum": list(maximum),
                        "orders": list(orders) or "every permutation",
                        "method": "equal" if equal else "sequential",
                        "batch": result.batch,
                        "max_replications": result.max_replications,
                        "alpha": alpha,
                        "delta": delta,
                    },
                ),
            )
        )
        write_experiment(json_file, out_dir, text, files)
    if tables_on_stdout(quiet, json_file):
        render_focus(wide_console(), result)
    report_written(out_dir, quiet)  # after the tables: the last line a user sees
    if checkpoint is not None:
        checkpoint.unlink(missing_ok=True)  # everything it saved is in the outputs now
