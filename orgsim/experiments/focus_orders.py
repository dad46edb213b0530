"""Growth-stage focus orders: which order of focus (product, sales, marketing, service) is best?

A growth plan hires mostly into its focus department, stage after stage; `focus` runs every
permutation of `hiring.growth.focus_order` (24 for four departments, or the orders given) with
common random numbers and ranks them by a KPI, with confidence intervals.

Replications are spent where they decide something - a sequential elimination procedure
(ranking and selection):

1. every order gets `n0` replications (0..n0-1, the same for all: differences are paired);
2. at each look, orders whose mean breaks a constraint (`--min cash_end=0`) are dropped, the
   order with the best mean is the current leader, and every other order whose one-sided upper
   confidence bound of (order - leader), oriented so that positive is better, is below zero is
   eliminated; the bound's level is Bonferroni-adjusted over the k-1 rivals and the R looks
   planned (alpha / ((k-1) R));
3. the survivors get `batch` more replications each, until one is left or they reach the cap.

Why the statement holds: the true best order b is eliminated only if at some look, against some
rival j, the upper bound for mean(b) - mean(j) >= 0 falls below zero - an event of probability at
most alpha / ((k-1) R) for each (j, look); there are at most (k-1) R of them, so the best order
survives with probability at least 1 - alpha. One survivor is therefore the best with that
confidence; several survivors at the cap contain the best with that confidence. (The bounds use
the t distribution of paired differences, which is approximate for very skewed KPIs; constraint
filtering uses point estimates and carries no confidence.)

The cost is compared with equal allocation: every order run as many replications as the winner
got.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from orgsim.experiments.executors import Executor, Progress, using
from orgsim.experiments.focus_result import FocusResult, Order
from orgsim.experiments.results import Results
from orgsim.experiments.runner import ReplicationError
from orgsim.experiments.selection import (
    DEFAULT_MAX_REPLICATIONS,
    DEFAULT_N0,
    Rows,
    parse_delta,
    select,
)
from orgsim.experiments.stats import KPI_DIRECTION, ExperimentError, check_kpi
from orgsim.experiments.sweep_grid import as_overrides, load_points
from orgsim.scenario import Scenario
from orgsim.scenario.loader import load_scenario

__all__ = ["FOCUS_KEY", "focus", "parse_constraint", "parse_order", "stages_reached"]

FOCUS_KEY = "hiring.growth.focus_order"


# ---- inputs --------------------------------------------------------------------------------


def parse_order(text: str | Sequence[str], departments: Sequence[str]) -> Order:
    """ "product,sales,marketing,service" (or with '>' or spaces) -> a permutation of `departments`."""
    parts = [p for p in re.split(r"[,>\s]+", text.strip())] if isinstance(text, str) else [str(p) for p in text]
    parts = [p for p in parts if p]
    shown = ",".join(parts) if parts else str(text)
    want = ", ".join(departments)
    unknown = [p for p in parts if p not in departments]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], list(departments), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ExperimentError(
            f"order {shown!r}: unknown department {unknown[0]!r}{hint} (the growth plan's departments are {want})"
        )
    if len(set(parts)) != len(parts) or len(parts) != len(departments):
        raise ExperimentError(
            f"order {shown!r} is not a permutation of the growth plan's departments ({want}): name each exactly once"
        )
    return tuple(parts)


def parse_constraint(text: str) -> tuple[str, float]:
    """ "cash_end=0" -> ("cash_end", 0.0)."""
    if not isinstance(text, str) or "=" not in text:
        raise ExperimentError(f"constraint {text!r}: write KPI=VALUE, e.g. cash_end=0")
    key, raw = (s.strip() for s in text.split("=", 1))
    check_kpi(key)
    try:
        value = float(raw)
    except ValueError:
        raise ExperimentError(f"constraint {text!r}: {raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ExperimentError(f"constraint {text!r}: the value must be finite")
    return key, value


# ---- orders of a scenario ------------------------------------------------------------------


def _growth(sc: Scenario, source: str | None = None):
    """The growth plan whose focus order varies; `source` names the scenario in errors (its file)."""
    g = sc.hiring.growth
    where = source or sc.name
    if g is None:
        raise ExperimentError(f"{where}: no growth plan (hiring.growth), so there is no focus order to vary")
    if g.hires_per_month <= 0:
        raise ExperimentError(
            f"{where}: the growth plan hires nobody (hiring.growth.hires_per_month is 0), "
            "so every focus order gives the same company"
        )
    if len(g.focus_order) < 2:
        raise ExperimentError(f"{where}: focus_order has one department; there is nothing to reorder")
    return g


def stages_reached(sc: Scenario) -> int | None:
    """How many growth stages start within the horizon (None when stages follow ARR milestones)."""
    g = _growth(sc)
    if g.arr_milestones is not None:
        return None
    return min(int((sc.horizon_months - 1) // g.months_per_stage), len(g.focus_order) - 1) + 1


# ---- the tournament ------------------------------------------------------------------------


def focus(
    scenario: str | os.PathLike | Scenario,
    by: str = "arr_end",
    *,
    goal: str | int | None = None,
    minimum: Mapping[str, float] | Sequence[str] | None = None,
    maximum: Mapping[str, float] | Sequence[str] | None = None,
    orders: Sequence[str | Sequence[str]] | None = None,
    replications: int = DEFAULT_N0,
    batch: int | None = None,
    max_replications: int = DEFAULT_MAX_REPLICATIONS,
    alpha: float = 0.05,
    method: str = "sequential",
    delta: float | str | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    scheduler: Any = None,
    executor: Executor | None = None,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
) -> FocusResult:
    # Over 60 lines: a 30-line docstring for a public function with many options, the checks of
    # those options, and the draw closure `select` calls (it shares the executor, checkpoint and
    # the replications kept per order).
    """Rank growth-stage focus orders by a KPI and pick the best with a stated confidence.

    Args:
        scenario: a scenario file or a loaded `Scenario` with a growth plan.
        by: the KPI to rank by (default arr_end).
        goal: "max" or "min"; defaults to the KPI's direction (needed for headcount_end).
        minimum, maximum: constraints on KPI means, {"cash_end": 0} or ["cash_end=0"].
        orders: the orders to consider (default: every permutation of the plan's focus_order).
        replications: first-stage replications per order (n0); with method="equal", the
            replications of every order.
        batch: replications added to each survivor per look (default n0).
        max_replications: the cap per order, at least `replications` (method="equal" has none).
        alpha: 1 - confidence of the selection statement.
        method: "sequential" (default) or "equal" (every order n0 replications, no elimination).
        delta: indifference zone (see `select`): stop once no survivor can beat the leader by
            more than this (a number in the KPI's unit, or "1%" of the leader's mean).
        seed, workers, progress, overrides, scheduler, executor: as for `sweep`.
        checkpoint: a file to append every finished (order, batch of replications) to; resume:
            reuse the batches already there. The procedure is deterministic given the numbers, so
            a resumed tournament replays the looks it had reached from the file and goes on from
            there. `FocusResult.notes` says how many batches were reused.

    A failed replication (an exception in the model or a broken invariant) stops the
    tournament - its paired comparisons need every replication - with `ReplicationError`, once
    the replications of that look have finished (and been checkpointed).
    """
    check_kpi(by, "KPI to rank by")
    if goal is None:
        g = KPI_DIRECTION[by]
        if g == 0:
            raise ExperimentError(
                f"{by} has no better direction; say whether to maximise or minimise it (goal='max' or 'min')"
            )
    elif goal in ("max", 1, "maximise", "maximize"):
        g = 1
    elif goal in ("min", -1, "minimise", "minimize"):
        g = -1
    else:
        raise ExperimentError(f"goal must be 'max' or 'min' (got {goal!r})")
    if method not in ("sequential", "equal"):
        raise ExperimentError(f"method must be 'sequential' or 'equal' (got {method!r})")
    if method == "sequential" and replications > max_replications:  # as run and compare refuse it (--precision)
        raise ExperimentError(f"replications ({replications}) exceed max_replications ({max_replications})")
    delta = parse_delta(delta)
    mins = _constraints(minimum)
    maxs = _constraints(maximum)
    sets = as_overrides(overrides)
    if sets and FOCUS_KEY in sets:
        raise ExperimentError(f"{FOCUS_KEY} is what focus varies; do not set it")

    source: str | os.PathLike | Scenario
    point_overrides: Mapping[str, Any] | None
    if isinstance(scenario, Scenario):
        base = load_points(scenario, [{}], sets)[0] if sets else scenario
        source, point_overrides = base, None
    else:
        base = load_scenario(scenario, dict(sets or {}))
        source, point_overrides = scenario, sets
    g_plan = _growth(base, None if isinstance(scenario, Scenario) else str(scenario))
    depts = list(g_plan.focus_order)
    if orders:
        chosen_orders = [parse_order(o, depts) for o in orders]
        dup = [o for i, o in enumerate(chosen_orders) if o in chosen_orders[:i]]
        if dup:
            raise ExperimentError(f"order {','.join(dup[0])!r} is given twice")
        if len(chosen_orders) < 2:
            raise ExperimentError("give at least two orders to compare")
    else:
        chosen_orders = list(itertools.permutations(depts))
    seed = base.seed if seed is None else int(seed)

    notes = []
    reached = stages_reached(base)
    if reached is not None and reached < len(depts):
        notes.append(
            f"the {base.horizon_months}-month horizon reaches only the first {reached} of {len(depts)} stages "
            f"(months_per_stage {g_plan.months_per_stage:g}): orders that share their first {reached} departments "
            "differ only in the order their requisitions queue for a recruiter"
        )

    scs = load_points(source, [{FOCUS_KEY: list(o)} for o in chosen_orders], point_overrides)
    by_order = dict(zip(chosen_orders, scs))
    kept: dict[Order, list] = {o: [] for o in chosen_orders}
    done = [0]
    ck = None
    if resume and checkpoint is None:
        raise ExperimentError("resume needs a checkpoint file")
    if checkpoint is not None:
        from orgsim.experiments.checkpoint import Checkpoint, work_key

        ck = Checkpoint(checkpoint, resume=resume)

    def key_of(o: Order, r: range) -> str:
        return work_key("focus", by_order[o], seed, r, {FOCUS_KEY: list(o)})

    def failed(fails: list[tuple[Order, dict[str, Any]]]) -> ReplicationError:
        return ReplicationError(
            [{**{k: v for k, v in f.items() if k != "key"}, "params": {FOCUS_KEY: list(o)}} for o, f in fails]
        )

    t0 = time.perf_counter()
    with using(executor, workers, scheduler) as ex:

        def draw(need: dict[Order, range]) -> dict[Order, Rows]:
            got: dict[Order, list] = {}
            lost: list[tuple[Order, dict[str, Any]]] = []
            todo = dict(need)
            if ck is not None:
                for o, r in need.items():
                    saved = ck.get(key_of(o, r))
                    if saved is not None:
                        got[o] = saved[0]
                        lost.extend((o, f) for f in saved[1])
                        del todo[o]
            planned = done[0] + sum(len(r) for r in todo.values())
            step = (lambda d, t: progress(done[0] + d, planned)) if progress else None  # noqa: E731

            def on_done(o: Any, reps_: list, fails: list) -> None:
                assert ck is not None  # on_done is passed only with a checkpoint
                ck.put(
                    key_of(o, todo[o]), reps_, fails, {"order": list(o), "replications": [todo[o].start, todo[o].stop]}
                )

            fresh: list[dict[str, Any]] = []
            got.update(
                ex.run(
                    [(o, by_order[o], seed, r) for o, r in todo.items()],
                    step,
                    failures=fresh,
                    on_done=on_done if ck is not None else None,
                )
            )
            lost.extend((f["key"], f) for f in fresh)
            if lost:
                raise failed(lost)
            done[0] += sum(len(r) for r in todo.values())
            for o in need:
                kept[o].extend(got[o])
            return {o: [dict(r.kpis) for r in got[o]] for o in need}

        sel = select(
            chosen_orders,
            draw,
            by,
            g,
            mins,
            maxs,
            n0=replications,
            batch=batch,
            cap=max_replications,
            alpha=alpha,
            sequential=method == "sequential",
            delta=delta,
        )
        label_ = ex.label
    results = {o: Results(by_order[o], seed, kept[o], executor=label_) for o in chosen_orders}
    return FocusResult(
        scenario=base.name,
        seed=seed,
        by=by,
        goal=g,
        orders=chosen_orders,
        selection=sel,
        results=results,
        minimum=mins,
        maximum=maxs,
        alpha=alpha,
        n0=replications,
        batch=replications if batch is None else batch,
        max_replications=max_replications if method == "sequential" else replications,
        sequential=method == "sequential",
        runtime_s=time.perf_counter() - t0,
        executor=label_,
        notes=notes,
        delta=delta,
        resumed=ck.reused if ck is not None else 0,
        checkpoint_skipped=ck.skipped_summary() if ck is not None else None,
    )


def _constraints(spec: Mapping[str, float] | Sequence[str] | None) -> dict[str, float]:
    if not spec:
        return {}
    if isinstance(spec, Mapping):
        out = {}
        for k, v in spec.items():
            check_kpi(k)
            out[k] = float(v)
        return out
    if isinstance(spec, str):
        spec = [spec]
    return dict(parse_constraint(s) for s in spec)
