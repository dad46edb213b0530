"""The best plan under constraints: Optuna's TPE over scenario keys, then ranking and selection.

Every trial is a point of the search space (`orgsim.experiments.optimize_space`): the scenario
with those values, run for R replications 0..R-1 with the same seed (common random numbers: two
plans differ by their values, not by luck), and the trial's value is the goal KPI's mean over
them. Constraints are on means too; they reach the sampler through Optuna's `constraints_func`
(a value > 0 is infeasible). TPE may suggest a point it has seen (the space is often discrete):
such a trial reads the cached means instead of running again. The search stops after `trials`
trials or when the budget would be exceeded, counting the confirmation still to come.

Then the best `confirm` distinct feasible plans and the scenario's own plan (the baseline, the
scenario as written) go through the ranking-and-selection procedure of `orgsim focus` and
`orgsim hire` (`orgsim.experiments.selection.select`): the R replications of the search are reused
as its first stage, plans clearly worse than the leader are dropped, the others get more
replications up to `max_replications`. The winner comes with a confidence statement and its
paired gain over the baseline with a 95% CI. A TPE optimum over noisy means is biased upwards
(the maximum of noisy values); the confirmation's fresh replications are what the answer rests on.

With `storage` (a SQLite file) the study persists: a second call with the same question adds
trials to it. Optuna is an optional dependency (`pip install "orgsim[optimize]"`), imported here
only when a search runs; its log is silenced.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from orgsim.experiments.executors import Executor, using
from orgsim.experiments.optimize_result import Key, OptimizeResult
from orgsim.experiments.optimize_space import Constraint, Dim, parse_constraints, parse_goal, parse_space
from orgsim.experiments.runner import ReplicationError
from orgsim.experiments.selection import Rows, mean_of, select
from orgsim.experiments.sensitivity import _lookup
from orgsim.experiments.stats import ExperimentError
from orgsim.experiments.sweep_grid import as_overrides, load_points
from orgsim.metrics.registry import KPI_KEYS
from orgsim.scenario import Scenario
from orgsim.scenario.errors import Problem, ScenarioError
from orgsim.scenario.loader import load_scenario, load_scenario_dict

__all__ = ["STUDY_NAME", "optimize"]

STUDY_NAME = "orgsim-optimize"
Trial = Callable[[dict[str, Any]], None]


def _check_dims(base: Scenario, dims: Sequence[Dim], source: str) -> None:
    """Load the scenario at both ends (or every choice) of each dimension: every problem, in the file
    `source`, each naming --vary."""
    problems: list[Problem] = []
    for d in dims:
        ends = [d.value(c) for c in d.choices] if d.kind == "categorical" else [d.value(d.low), d.value(d.high)]
        try:
            load_points(base, [{d.key: v} for v in ends], source=source, option="--vary")
        except ScenarioError as e:
            problems += [p for p in e.problems if p not in problems]
    if problems:
        raise ScenarioError(source, problems)


def _question(
    base: Scenario,
    dims: Sequence[Dim],
    goal: tuple[str, int],
    cons: Sequence[Constraint],
    seed: int,
    replications: int,
    at_month: int,
) -> dict[str, Any]:
    digest = hashlib.sha256(json.dumps(base.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:16]
    return {
        "scenario": base.name,
        "scenario_sha256_16": digest,
        "space": [d.spec() for d in dims],
        "goal": f"{goal[0]}:{'max' if goal[1] > 0 else 'min'}",
        "constraints": [c.text for c in cons],
        "seed": seed,
        "replications": replications,
        "at_month": at_month,
    }


def optimize(
    scenario: str | os.PathLike | Scenario,
    vary: Sequence[str] | Sequence[Dim],
    goal: str = "arr_end",
    constraints: Sequence[str] | Sequence[Constraint] = (),
    *,
    trials: int = 40,
    budget_minutes: float | None = None,
    replications: int = 5,
    confirm: int = 5,
    max_replications: int = 30,
    alpha: float = 0.05,
    at_month: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    storage: str | os.PathLike | None = None,
    scheduler: Any = None,
    executor: Executor | None = None,
    on_trial: Trial | None = None,
) -> OptimizeResult:
    # Over 60 lines: the checks, then the objective and draw closures share the executor and the
    # caches of replications and means (as in `hire`).
    """Search `vary` for the plan with the best mean `goal` under `constraints`, then confirm it.

    Args:
        scenario: a scenario file or a loaded `Scenario`.
        vary: `KEY=LOW..HIGH`, `KEY=LOW..HIGH:STEP` or `KEY=A|B|C` texts (or `Dim`s).
        goal: a KPI, `KPI:max` or `KPI:min`; constraints: `KPI<=V` / `KPI>=V` on means.
        trials: most trials in this call; budget_minutes: wall time of the call (search and confirmation).
        replications: R per trial (the first stage of the confirmation too); confirm: plans confirmed
            besides the scenario's own; max_replications, alpha: as for `focus`.
        at_month: read every KPI at month M (the runs last M months); default the horizon.
        storage: a SQLite file holding the study; an existing study of the same question is resumed.
        on_trial: called after every trial with its number, params, means, value and feasibility.
    """
    dims: list[Dim] = [d for d in vary if isinstance(d, Dim)]
    if len(dims) != len(vary) or not dims:
        dims = parse_space([str(v) for v in vary])
    kpi, direction = parse_goal(goal)
    cons = [c for c in constraints if isinstance(c, Constraint)] or parse_constraints([str(c) for c in constraints])
    if trials < 1 or replications < 2 or confirm < 1:
        raise ExperimentError("trials and confirm must be >= 1 and replications >= 2")
    if replications > max_replications:  # the confirmation's first stage is R: as focus and hire refuse it
        raise ExperimentError(f"replications ({replications}) exceed max_replications ({max_replications})")
    sets = dict(as_overrides(overrides) or {})
    source = scenario.name if isinstance(scenario, Scenario) else str(scenario)  # what problems name
    if isinstance(scenario, Scenario):
        base = load_scenario_dict(scenario.model_dump(mode="json"), source, sets)
    else:
        base = load_scenario(scenario, sets)
    clash = [d.key for d in dims if d.key in sets or (at_month is not None and d.key == "horizon_months")]
    if clash:
        raise ExperimentError(f"--vary {clash[0]}: it is also set (--set or --at-month); drop one")
    at_month = base.horizon_months if at_month is None else at_month
    if not 1 <= at_month <= base.horizon_months:
        raise ExperimentError(f"--at-month {at_month}: must be between 1 and the horizon, {base.horizon_months}")
    _check_dims(base, dims, source)
    seed = base.seed if seed is None else int(seed)
    own = {d.key: _lookup(base.model_dump(mode="json"), d.key) for d in dims}
    horizon = {"horizon_months": at_month} if at_month != base.horizon_months else {}
    question = _question(base, dims, (kpi, direction), cons, seed, replications, at_month)

    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    url = None if storage is None else f"sqlite:///{os.fspath(storage)}"
    # Optuna >= 5 reads constraints set on the trial (`Trial.set_constraint`); 4 takes `constraints_func`.
    per_trial = hasattr(optuna.trial.Trial, "set_constraint")
    sampler = optuna.samplers.TPESampler(
        seed=seed,
        multivariate=True,
        constraints_func=(lambda t: t.user_attrs.get("constraints", [1.0] * len(cons)))
        if cons and not per_trial
        else None,
    )
    study = optuna.create_study(
        storage=url,
        study_name=STUDY_NAME,
        sampler=sampler,
        direction="maximize" if direction > 0 else "minimize",
        load_if_exists=True,
    )
    earlier = study.user_attrs.get("question")
    if earlier is not None and earlier != question:
        diff = [k for k in question if earlier.get(k) != question[k]]
        raise ExperimentError(
            f"the study in {storage} answers another question (its {', '.join(diff)} differ); give a new --out"
        )
    study.set_user_attr("question", question)
    done_before = len(study.trials)
    means_cache: dict[Key, dict[str, float | None]] = {}
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        means_cache.setdefault(tuple(sorted(t.params.items())), t.user_attrs.get("kpis", {}))
    if done_before == 0:
        start = {d.key: d.contains(own[d.key]) for d in dims}
        if all(v is not None for v in start.values()):
            study.enqueue_trial(start)  # the scenario's own plan first, when it lies in the space

    rows_cache: dict[Key, Rows] = {}
    scenarios: dict[Key, Scenario] = {}
    t0 = time.perf_counter()
    spent = {"reps": 0, "seconds": 0.0}

    def scenario_at(key: Key) -> Scenario:
        if key not in scenarios:
            by_key = {d.key: d for d in dims}
            point = {**horizon, **{k: by_key[k].value(v) for k, v in key}}
            scenarios[key] = load_points(base, [point], source=source, option="--vary")[0]
        return scenarios[key]

    with using(executor, workers, scheduler) as ex:

        def run(need: dict[Key, range]) -> None:
            need = {k: range(len(rows_cache.get(k, [])), r.stop) for k, r in need.items()}
            need = {k: r for k, r in need.items() if len(r)}
            if not need:
                return
            t = time.perf_counter()
            fails: list[dict[str, Any]] = []
            got = ex.run([(k, scenario_at(k), seed, r) for k, r in need.items()], failures=fails)
            if fails:
                raise ReplicationError(
                    [{**{a: b for a, b in f.items() if a != "key"}, "params": dict(f["key"])} for f in fails]
                )
            for k in need:
                rows_cache.setdefault(k, []).extend(dict(r.kpis) for r in got[k])
            spent["reps"] += sum(len(r) for r in need.values())
            spent["seconds"] += time.perf_counter() - t

        def objective(trial: Any) -> float:
            params = {}
            for d in dims:
                if d.kind == "categorical":
                    params[d.key] = trial.suggest_categorical(d.key, list(d.choices))
                elif d.kind == "int":
                    params[d.key] = trial.suggest_int(d.key, int(d.low), int(d.high), step=int(d.step or 1))
                else:
                    params[d.key] = trial.suggest_float(d.key, d.low, d.high, step=d.step)
            key: Key = tuple(sorted(params.items()))
            cached = key in means_cache
            if not cached:
                run({key: range(replications)})
                means_cache[key] = {k: mean_of([r.get(k) for r in rows_cache[key][:replications]]) for k in KPI_KEYS}
            means = means_cache[key]
            violations = [c.violation(means.get(c.kpi)) for c in cons]
            trial.set_user_attr("kpis", means)
            trial.set_user_attr("constraints", violations)
            if per_trial:
                for i, (c, v) in enumerate(zip(cons, violations)):
                    trial.set_constraint(f"{i}:{c.text}", v)
            trial.set_user_attr("cached", cached)
            value = means.get(kpi)
            return math.nan if value is None else float(value)

        budget_s = None if budget_minutes is None else budget_minutes * 60
        confirm_reps = (confirm + 1) * max_replications - confirm * replications

        def after(study_: Any, ft: Any) -> None:
            if on_trial is not None:
                on_trial(
                    {
                        "number": ft.number,
                        "params": dict(ft.params),
                        "value": ft.value,
                        "feasible": all(v <= 0 for v in ft.user_attrs.get("constraints", [])),
                        "cached": ft.user_attrs.get("cached", False),
                        "done": ft.number + 1 - done_before,
                        "trials": trials,
                    }
                )
            if budget_s is not None and spent["reps"]:
                per_rep = spent["seconds"] / spent["reps"]
                if time.perf_counter() - t0 + per_rep * (confirm_reps + replications) > budget_s:
                    study_.stop()  # the next trial and the confirmation would not fit in the budget

        study.optimize(objective, n_trials=trials, timeout=budget_s, callbacks=[after], gc_after_trial=False)
        search_s = time.perf_counter() - t0
        ranked = _candidates(study, cons, direction)
        own_key: Key = ()
        own_point = tuple(sorted((d.key, d.contains(own[d.key])) for d in dims))
        candidates = [k for k in ranked if k != own_point][:confirm]
        keys = [own_key, *candidates]
        if own_point in means_cache and own_point in rows_cache:
            rows_cache[own_key] = rows_cache[own_point]  # the same scenario: the same numbers
        scenarios[own_key] = load_points(base, [horizon], source=source)[0]

        def draw(need: dict[Key, range]) -> dict[Key, Rows]:
            run(need)
            return {k: rows_cache[k][r.start : r.stop] for k, r in need.items()}

        mins = {c.kpi: c.bound for c in cons if c.op == ">="}
        maxs = {c.kpi: c.bound for c in cons if c.op == "<="}
        sel = select(keys, draw, kpi, direction, mins, maxs, n0=replications, cap=max_replications, alpha=alpha)
        if sel.chosen is not None and len(rows_cache[own_key]) < len(rows_cache[sel.chosen]):
            draw({own_key: range(len(rows_cache[own_key]), len(rows_cache[sel.chosen]))})
        label = ex.label
    return OptimizeResult(
        scenario=base.name,
        base=base,
        dims=dims,
        kpi=kpi,
        direction=direction,
        constraints=cons,
        seed=seed,
        replications=replications,
        at_month=at_month,
        own=own,
        study=study,
        trials_before=done_before,
        keys=keys,
        selection=sel,
        rows={k: rows_cache[k] for k in keys},
        alpha=alpha,
        max_replications=max_replications,
        search_s=search_s,
        runtime_s=time.perf_counter() - t0,
        executor=label,
        question=question,
    )


def _candidates(study: Any, cons: Sequence[Constraint], direction: int) -> list[Key]:
    """Distinct completed points, feasible ones first, each group best mean first."""
    import optuna

    best: dict[Key, tuple[int, float]] = {}
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        key: Key = tuple(sorted(t.params.items()))
        violation = sum(max(v, 0.0) for v in t.user_attrs.get("constraints", [0.0] * len(cons)))
        score = (0 if violation <= 0 else 1, violation if violation > 0 else -direction * t.value)
        best.setdefault(key, score)
    return sorted(best, key=lambda k: best[k])
