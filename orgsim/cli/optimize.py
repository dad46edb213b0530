"""`orgsim optimize`: the best plan under constraints (Optuna TPE, then ranking and selection)."""

from __future__ import annotations

import datetime as _dt
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from orgsim.cli.common import (
    CONTEXT,
    check_outputs,
    dask_executor,
    echo_err,
    load_one,
    remember,
    report_written,
    tables_on_stdout,
    write_experiment,
)
from orgsim.cli.options import common_options, debug_option, out_option, quiet_option, scheduler_option
from orgsim.outputs.files import dumps_json
from orgsim.scenario.base import MAX_REPLICATIONS
from orgsim.scenario.errors import UsageError


@click.command("optimize", context_settings=CONTEXT)
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--vary",
    "vary",
    multiple=True,
    required=True,
    metavar="KEY=LOW..HIGH",
    help="A scenario key (dotted, as --set takes it) and its range: LOW..HIGH (integers when both ends "
    "are integers, else real numbers), LOW..HIGH:STEP, or choices A|B|C (each read as YAML). "
    "Repeat for each key.",
)
@click.option(
    "--goal",
    default="arr_end",
    show_default=True,
    metavar="KPI[:max|min]",
    help="The KPI whose mean to optimise, in its better direction unless :max or :min is given.",
)
@click.option(
    "--constraint",
    "constraints",
    multiple=True,
    metavar="KPI<=V|KPI>=V",
    help="A bound on a plan's mean KPI, e.g. cash_out<=0.05 or runway_months>=12. Repeatable.",
)
@click.option(
    "--trials",
    type=click.IntRange(1, 100_000),
    default=40,
    show_default=True,
    metavar="N",
    help="Most trials in this run (a resumed study adds N more).",
)
@click.option(
    "--budget-minutes",
    type=click.FloatRange(0, min_open=True),
    default=None,
    metavar="M",
    help="Stop searching when the next trial and the confirmation would not end within M minutes.",
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(2, MAX_REPLICATIONS),
    default=5,
    show_default=True,
    metavar="R",
    help="Replications per trial, the same ones for every trial (common random numbers).",
)
@click.option(
    "--confirm",
    type=click.IntRange(1, 50),
    default=5,
    show_default=True,
    metavar="K",
    help="How many of the best distinct plans to confirm against the scenario's own plan.",
)
@click.option(
    "--max-replications",
    type=click.IntRange(2, MAX_REPLICATIONS),
    default=30,
    show_default=True,
    metavar="M",
    help="At most M replications per confirmed plan (at least R).",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.05,
    show_default=True,
    help="1 - confidence of the selection statement.",
)
@click.option(
    "--at-month",
    type=click.IntRange(min=1),
    default=None,
    metavar="M",
    help="Read every KPI at month M (the runs last M months) [default: the horizon].",
)
@common_options
@out_option(
    "optimize.json (as --json), trials.csv, confirmation.csv, best.yaml (the best plan, extending scenario.yaml: "
    "the scenario as run), study.db (the Optuna study: run again with the same --out to add trials)"
)
@scheduler_option
@quiet_option
@debug_option
def optimize_command(
    scenario: str,
    vary: tuple[str, ...],
    goal: str,
    constraints: tuple[str, ...],
    trials: int,
    budget_minutes: float | None,
    replications: int,
    confirm: int,
    max_replications: int,
    alpha: float,
    at_month: int | None,
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
    """Find the best plan (headcounts, budgets, hiring pace, focus order) under constraints.

    Optuna's TPE sampler proposes plans within the --vary ranges; each plan (trial) is SCENARIO
    with those values, run -n R times on the same seed and averaged; plans whose means break a
    --constraint count as infeasible. A plan proposed twice is read from the cache. The search
    stops after --trials or before --budget-minutes is exceeded. The best --confirm plans and the
    scenario's own plan are then confirmed by sequential elimination (as `orgsim hire` does), and
    the answer states the winner's gain over the scenario's own plan with a 95% CI. With --out, the
    study is kept in DIR/study.db and the same command with the same --out adds trials to it.
    Needs pip install "orgsim[optimize]". Same seed, same answer, whatever -w.

    \b
    Examples:
      orgsim optimize scenarios/series-a.yaml --vary roles.ae.headcount=3..10 \\
          --vary roles.sdr.headcount=2..8 --constraint runway_months>=12
      orgsim optimize scenarios/series-a.yaml --vary lead_sources.paid.budget_per_month=20000..150000:10000 \\
          --vary 'hiring.growth.focus_order=[sales,product,marketing,service]|[product,sales,marketing,service]' \\
          --goal arr_end --constraint cash_out<=0.05 --budget-minutes 10 --out out/opt
      orgsim optimize scenarios/reference.yaml --vary roles.csm.headcount=1..6 --goal cac:min --trials 20 -n 3
    """
    from orgsim.experiments.optimize_space import parse_constraints, parse_goal, parse_space
    from orgsim.experiments.stats import ExperimentError

    try:
        import optuna  # noqa: F401
    except ImportError:
        raise UsageError('optimize needs Optuna: pip install "orgsim[optimize]"') from None
    option = "--vary"
    try:
        space = parse_space(list(vary))
        option = "--goal"
        parse_goal(goal)
        option = "--constraint"
        cons = parse_constraints(list(constraints))
    except ExperimentError as e:
        msg = str(e)
        raise UsageError(msg if msg.startswith(option) else f"{option}: {msg}") from None
    check_outputs({"--json": json_file}, out_dir)
    base = load_one(scenario, overrides)
    remember({base.name: scenario}, overrides)
    work = Path(tempfile.mkdtemp(prefix="orgsim-optimize-")) if out_dir is not None else None
    try:
        study_path = None
        if work is not None and out_dir is not None:
            study_path = work / "study.db"
            if (out_dir / "study.db").is_file():
                shutil.copyfile(out_dir / "study.db", study_path)  # DIR stays as it was until the end
        started, t0 = _dt.datetime.now(_dt.UTC), time.perf_counter()
        with dask_executor(scheduler, connect_timeout) as ex:
            result = _run(
                scenario,
                space,
                goal,
                cons,
                trials,
                budget_minutes,
                replications,
                confirm,
                max_replications,
                alpha,
                at_month,
                seed,
                workers,
                overrides,
                study_path,
                ex,
                quiet,
            )
        if json_file is None and out_dir is None:
            text = ""
        else:
            text = dumps_json(result.to_dict())
        files: dict[str, bytes] = {}
        if out_dir is not None:
            from orgsim.outputs.manifest import experiment_manifest
            from orgsim.outputs.report_optimize import optimize_files

            settings = {
                **result.question,
                "trials": trials,
                "budget_minutes": budget_minutes,
                "confirm": confirm,
                "max_replications": max_replications,
                "alpha": alpha,
            }
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
            db = study_path.read_bytes() if study_path is not None else None
            files = optimize_files(result, text, manifest, db, scenario)
        write_experiment(json_file, out_dir, text, files)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    if tables_on_stdout(quiet, json_file):
        _render(result)
    report_written(out_dir, quiet)


def _run(
    scenario: str,
    space: Any,
    goal: str,
    cons: Any,
    trials: int,
    budget: float | None,
    replications: int,
    confirm: int,
    max_replications: int,
    alpha: float,
    at_month: int | None,
    seed: int | None,
    workers: int,
    overrides: tuple[str, ...],
    study_path: Path | None,
    ex: Any,
    quiet: bool,
) -> Any:
    from orgsim.experiments.optimize import optimize
    from orgsim.experiments.optimize_result import show_value
    from orgsim.experiments.optimize_space import parse_goal
    from orgsim.metrics.registry import fmt, unit_of

    kpi, direction = parse_goal(goal)
    best: list[float] = []

    def line(t: dict[str, Any]) -> None:
        value = t["value"]
        if value is not None and t["feasible"] and (not best or direction * value > direction * best[0]):
            best[:] = [value]
        params = ", ".join(f"{k}={show_value(v)}" for k, v in t["params"].items())
        of = "" if budget else f"/{t['trials']}"
        echo_err(
            f"trial {t['done']}{of} (#{t['number']}): {params}: {kpi} {fmt(value, unit_of(kpi))}"
            f"{'' if t['feasible'] else ' (breaks a constraint)'}{' (cached)' if t['cached'] else ''}; "
            f"best feasible {fmt(best[0], unit_of(kpi)) if best else '-'}"
        )

    return optimize(
        scenario,
        space,
        goal,
        cons,
        trials=trials,
        budget_minutes=budget,
        replications=replications,
        confirm=confirm,
        max_replications=max_replications,
        alpha=alpha,
        at_month=at_month,
        seed=seed,
        workers=workers,
        overrides=list(overrides),
        storage=study_path,
        executor=ex,
        on_trial=None if quiet else line,
    )


def _render(result: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    from orgsim.experiments.optimize_result import show_value
    from orgsim.metrics.registry import fmt, unit_of
    from orgsim.outputs.text import wide_console

    console = wide_console(150)
    doc = result.to_dict()
    t = doc["trials"]
    console.print(
        f"optimize {doc['scenario']}: {t['total']} trials ({t['this_run']} this run, {t['feasible']} feasible) x "
        f"{doc['replications']} replications, seed {doc['seed']}, {doc['goal']['kpi']} at month {doc['at_month']}"
    )
    console.print(doc["answer"], markup=False)
    console.print(doc["statement"], markup=False)
    unit = unit_of(doc["goal"]["kpi"])
    table = Table(title="Confirmation, best first", title_justify="left")
    for c in ("rank", "plan", "status", "reps", "mean", "gain over own plan [95% CI]"):
        table.add_column(c, justify="left" if c in ("plan", "status") else "right")
    for r in doc["confirmation"]:
        g = r["gain_over_baseline"]
        own = r["plan"] == "baseline"
        plan = "scenario's own plan" if own else ", ".join(f"{k}={show_value(v)}" for k, v in r["params"].items())
        gain = "-" if not g else f"{fmt(g['mean'], unit)} [{fmt(g['ci95'][0], unit)}, {fmt(g['ci95'][1], unit)}]"
        table.add_row(
            str(r["rank"]), escape(plan), r["status"], str(r["replications"]), fmt(r["goal"]["mean"], unit), gain
        )
    console.print(table)
    if doc["importances"]:
        console.print("importance: " + ", ".join(f"{k} {v:.2f}" for k, v in doc["importances"].items()))
