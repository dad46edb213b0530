"""`orgsim hire`: who should I hire next? Every mix of the next N hires and no hire, ranked."""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path

import click

from orgsim.cli.common import (
    CONTEXT,
    check_outputs,
    dask_executor,
    load_one,
    progress_bar,
    remember,
    tables_on_stdout,
    write_experiment,
)
from orgsim.cli.options import (
    common_options,
    debug_option,
    out_option,
    quiet_option,
    scheduler_option,
    sensitivity_option,
)
from orgsim.outputs.files import dumps_json
from orgsim.scenario.base import MAX_REPLICATIONS
from orgsim.scenario.errors import UsageError


@click.command("hire", context_settings=CONTEXT)
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--next", "next_n", type=click.IntRange(min=1, max=20), required=True, metavar="N", help="How many hires."
)
@click.option(
    "--roles",
    default=None,
    metavar="R,R,...",
    help="The roles to hire into [default: ae, sdr, se, csm, marketer, those the scenario has in a sales, "
    "marketing or service department].",
)
@click.option("--by", default="arr_end", show_default=True, metavar="KPI", help="The KPI to rank the options by.")
@click.option(
    "--at-month",
    type=click.IntRange(min=1),
    default=None,
    metavar="M",
    help="Read every KPI at month M (the options run M months) [default: 24, or the horizon if shorter].",
)
@click.option("--goal", type=click.Choice(["max", "min"]), default=None, help="Maximise or minimise --by.")
@click.option("--min", "minimum", multiple=True, metavar="KPI=VALUE", help="An option's mean KPI must be >= VALUE.")
@click.option("--max", "maximum", multiple=True, metavar="KPI=VALUE", help="An option's mean KPI must be <= VALUE.")
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=2, max=MAX_REPLICATIONS),
    default=10,
    show_default=True,
    metavar="N0",
    help="First-stage replications of every option.",
)
@click.option("--batch", type=click.IntRange(min=1, max=MAX_REPLICATIONS), default=None, metavar="B",
              help="Replications added to each surviving option per look [default: N0].")  # fmt: skip
@click.option("--max-replications", type=click.IntRange(min=2, max=MAX_REPLICATIONS), default=30, show_default=True,
              metavar="M", help="At most M replications per option (at least N0); unseparated ones are "
              "contenders.")  # fmt: skip
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05, show_default=True,
              help="1 - confidence of the selection statement.")  # fmt: skip
@click.option("--delta", default=None, metavar="D", help="Indifference zone, as for `orgsim focus` (e.g. 1%).")
@sensitivity_option(
    "The JSON of `orgsim sensitivity ... --json FILE`: name its top-ranked inputs for --by as those the "
    "answer rests on [default: a rule of thumb, the inputs each hired role's value is made of]."
)
@common_options
@out_option(
    "hire.json (as --json), ranking.csv (one row per option, best first), kpis.csv (per option and replication)"
)
@scheduler_option
@quiet_option
@debug_option
def hire_command(
    scenario: str,
    next_n: int,
    roles: str | None,
    by: str,
    at_month: int | None,
    goal: str | None,
    minimum: tuple[str, ...],
    maximum: tuple[str, ...],
    replications: int,
    batch: int | None,
    max_replications: int,
    alpha: float,
    delta: str | None,
    sensitivity_file: Path | None,
    seed: int | None,
    workers: int,
    overrides: tuple[str, ...],
    json_file: Path | None,
    out_dir: Path | None,
    scheduler: str | None,
    connect_timeout: float,
    quiet: bool,
) -> None:
    # Over 60 lines: the signature lists every option and the docstring is the --help text.
    """Who should I hire next? Rank every mix of the next N hires, and no hire.

    Every way to split N hires over --roles (3 hires over 4 roles: 20 mixes) plus the unchanged
    scenario (no hire) runs with the same seed; the hires are requisitions opened in month 1
    (hiring.plan), so they are recruited, ramp and cost money as any hire does. Every KPI is read
    at --at-month. Options whose mean breaks --min/--max are dropped, options clearly worse
    than the leader are eliminated (the ranking-and-selection procedure of `orgsim focus`) and
    the rest get more replications. Prints the answer in one sentence with 95% CIs, the
    confidence statement, the ranking and the inputs the answer rests on.

    \b
    Examples:
      orgsim hire scenarios/series-a.yaml --next 3
      orgsim hire scenarios/series-a.yaml --next 2 --roles ae,sdr,csm --at-month 18
      orgsim hire scenarios/series-a.yaml --next 3 --min runway_months=12 --max cash_out=0.05
      orgsim hire scenarios/series-a.yaml --next 2 --json hire.json --out out/hire
      orgsim hire scenarios/series-a.yaml --next 2 --sensitivity sens.json   # from orgsim sensitivity --json
    """
    from orgsim.experiments.focus_orders import parse_constraint
    from orgsim.experiments.hire_mixes import hire, parse_roles
    from orgsim.experiments.stats import ExperimentError, check_kpi
    from orgsim.outputs.manifest import experiment_manifest
    from orgsim.outputs.report_experiments import experiment_files, hire_tables
    from orgsim.outputs.text import wide_console
    from orgsim.outputs.text_hire import render_hire

    check_outputs({"--json": json_file}, out_dir)
    base = load_one(scenario, overrides)
    try:
        option = "--by"
        check_kpi(by, "KPI to rank by")
        option = "--roles"
        parse_roles(roles, base, scenario)
        for flag, texts in (("--min", minimum), ("--max", maximum)):
            option = flag
            for text in texts:
                parse_constraint(text)
    except ExperimentError as e:
        raise UsageError(f"{option}: {e}") from None
    measured = None
    if sensitivity_file is not None:
        from orgsim.experiments.top_inputs import measured as read_measured

        measured = read_measured(sensitivity_file, by)  # before the run: a bad file fails fast (exit 2)
        if measured["scenario"] not in (None, base.name):
            click.echo(
                f"warning: --sensitivity {sensitivity_file}: ranks the inputs of {measured['scenario']}, "
                f"not of {base.name}",
                err=True,
            )
    if at_month is not None and at_month > base.horizon_months:
        raise UsageError(f"--at-month {at_month}: the scenario's horizon_months is {base.horizon_months}")
    remember({base.name: scenario}, overrides)
    started, t0 = _dt.datetime.now(_dt.UTC), time.perf_counter()
    with dask_executor(scheduler, connect_timeout) as ex, progress_bar(quiet, 1) as progress:
        result = hire(
            scenario,
            next_n,
            roles=roles,
            by=by,
            at_month=at_month,
            goal=goal,
            minimum=list(minimum),
            maximum=list(maximum),
            replications=replications,
            batch=batch,
            max_replications=max_replications,
            alpha=alpha,
            delta=delta,
            seed=seed,
            workers=workers,
            progress=progress,
            overrides=list(overrides),
            executor=ex,
        )
    if measured is not None:
        result.use_sensitivity(measured)
    if json_file is not None or out_dir is not None:
        text = dumps_json(result.to_dict())  # every file is rendered before the first is written
        settings = {"next": next_n, "roles": result.roles, "by": by, "at_month": result.at_month}
        settings.update(minimum=list(minimum), maximum=list(maximum), max_replications=max_replications, alpha=alpha)
        manifest = experiment_manifest(
            [scenario],
            [base],
            overrides=overrides,
            seed=result.seed,
            replications=replications,
            workers=workers,
            started=started,
            runtime_s=time.perf_counter() - t0,
            settings=settings,
        )
        files = {} if out_dir is None else experiment_files("hire", text, hire_tables(result), manifest)
        write_experiment(json_file, out_dir, text, files)
    if tables_on_stdout(quiet, json_file):
        render_hire(wide_console(), result)
