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
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from orgsim.experiments.results import Results
from orgsim.experiments.runner import Executor, Progress, ReplicationError, using
from orgsim.experiments.stats import KPI_DIRECTION, ExperimentError, check_kpi, describe, paired_difference
from orgsim.experiments.sweeps import load_points
from orgsim.scenario.loader import load_scenario, parse_set
from orgsim.metrics.registry import KPI_KEYS
from orgsim.scenario import Scenario

__all__ = ["FocusResult", "Selection", "focus", "parse_constraint", "parse_order", "select"]

Order = tuple[str, ...]
Rows = list[dict[str, float | None]]  # one dict of KPI values per replication
Draw = Callable[[dict[Hashable, range]], dict[Hashable, Rows]]

DEFAULT_N0 = 10
DEFAULT_MAX_REPLICATIONS = 100
FOCUS_KEY = "hiring.growth.focus_order"


# ---- inputs --------------------------------------------------------------------------------


def parse_order(text: str | Sequence[str], departments: Sequence[str]) -> Order:
    """"product,sales,marketing,service" (or with '>' or spaces) -> a permutation of `departments`."""
    parts = [p for p in re.split(r"[,>\s]+", text.strip())] if isinstance(text, str) else [str(p) for p in text]
    parts = [p for p in parts if p]
    shown = ",".join(parts) if parts else str(text)
    want = ", ".join(departments)
    unknown = [p for p in parts if p not in departments]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], list(departments), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ExperimentError(f"order {shown!r}: unknown department {unknown[0]!r}{hint} (the growth plan's departments are {want})")
    if len(set(parts)) != len(parts) or len(parts) != len(departments):
        raise ExperimentError(f"order {shown!r} is not a permutation of the growth plan's departments ({want}): "
                              "name each exactly once")
    return tuple(parts)


def parse_constraint(text: str) -> tuple[str, float]:
    """"cash_end=0" -> ("cash_end", 0.0)."""
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


def label(order: Order) -> str:
    return " > ".join(order)


# ---- the procedure, on plain numbers ---------------------------------------------------------


@dataclass
class Selection:
    """What `select` found.

    Attributes:
        rows: key -> per-replication KPI dicts (replications 0..n-1 of that key).
        status: key -> "chosen", "contender" (survived to the cap), "eliminated", "infeasible"
            or "identical" (same numbers as another order in every replication).
        round_out: key -> the look at which it left (None if it stayed).
        same_as: key -> the order it is identical to.
        chosen: the order with the best mean among the survivors (None if all infeasible).
        looks: planned looks R; alpha_each: one-sided level of each test.
        rounds: per look, replications per surviving order and how many survived.
    """

    rows: dict[Hashable, Rows]
    status: dict[Hashable, str]
    round_out: dict[Hashable, int | None]
    same_as: dict[Hashable, Hashable]
    chosen: Hashable | None
    looks: int
    alpha_each: float
    rounds: list[dict[str, int]] = field(default_factory=list)
    reasons: dict[Hashable, str] = field(default_factory=dict)
    stopped_by_delta: bool = False


def _values(rows: Rows, kpi: str) -> list[float | None]:
    return [r.get(kpi) for r in rows]


def _mean(values: Sequence[float | None]) -> float | None:
    x = [v for v in values if v is not None and math.isfinite(v)]
    return math.fsum(x) / len(x) if x else None


def _paired(a: Sequence[float | None], b: Sequence[float | None]) -> dict[str, Any]:
    """n, mean and std of a - b over the replications where both are defined (no tests: fast)."""
    d = np.array([x - y for x, y in zip(a, b)
                  if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)], dtype=float)
    n = int(d.size)
    return {"n": n, "mean": float(d.mean()) if n else None, "std": float(d.std(ddof=1)) if n > 1 else 0.0}


def select(
    keys: Sequence[Hashable],
    draw: Draw,
    by: str,
    goal: int,
    minimum: Mapping[str, float] | None = None,
    maximum: Mapping[str, float] | None = None,
    n0: int = DEFAULT_N0,
    batch: int | None = None,
    cap: int = DEFAULT_MAX_REPLICATIONS,
    alpha: float = 0.05,
    sequential: bool = True,
    delta: float | str | None = None,
) -> Selection:
    """Sequential elimination (module docstring) over `keys`, drawing replications with `draw`.

    Args:
        keys: the alternatives.
        draw: {key: range of replication indices} -> {key: one KPI dict per replication}.
        by: the KPI to rank by; goal: +1 to maximise, -1 to minimise.
        minimum / maximum: KPI -> bound the mean must respect (point estimate).
        n0: first-stage replications; batch: replications added per look (default n0);
        cap: most replications per alternative; alpha: 1 - confidence.
        sequential: False = equal allocation (n0 each, one look, no elimination).
        delta: indifference zone - stop as soon as no survivor can be more than `delta` better
            than the leader (upper confidence bounds below delta); a number in the KPI's unit or
            a share of the leader's mean such as "1%". Splits alpha in two halves: one for
            eliminations, one for these bounds.
    """
    keys = list(keys)
    k = len(keys)
    if k < 1:
        raise ExperimentError("nothing to select from")
    if not 0 < alpha < 1:
        raise ExperimentError(f"alpha must be between 0 and 1 (got {alpha})")
    if n0 < 2:
        raise ExperimentError(f"the first stage needs at least 2 replications per order (got {n0})")
    batch = n0 if batch is None else batch
    if batch < 1:
        raise ExperimentError(f"batch must be >= 1 (got {batch})")
    cap = max(cap, n0) if sequential else n0
    looks = 1 + math.ceil((cap - n0) / batch) if sequential else 1
    share = alpha / 2 if delta is not None else alpha
    alpha_each = share / max((k - 1) * looks, 1)
    stopped_by_delta = False
    minimum, maximum = dict(minimum or {}), dict(maximum or {})

    rows: dict[Hashable, Rows] = {key: [] for key in keys}
    status: dict[Hashable, str] = {}
    round_out: dict[Hashable, int | None] = {key: None for key in keys}
    same_as: dict[Hashable, Hashable] = {}
    reasons: dict[Hashable, str] = {}
    alive = list(keys)
    rounds: list[dict[str, int]] = []
    n, look = n0, 0
    leader: Hashable | None = None
    while alive:
        need = {key: range(len(rows[key]), n) for key in alive if len(rows[key]) < n}
        if need:
            for key, got in draw(need).items():
                rows[key].extend(got)
        look += 1
        for key in list(alive):  # constraints, on the means
            for kpi, bound in minimum.items():
                m = _mean(_values(rows[key], kpi))
                if m is None or m < bound:
                    reasons[key] = f"mean {kpi} {'undefined' if m is None else f'{m:.4g}'} < {bound:g}"
            for kpi, bound in maximum.items():
                m = _mean(_values(rows[key], kpi))
                if m is None or m > bound:
                    reasons[key] = f"mean {kpi} {'undefined' if m is None else f'{m:.4g}'} > {bound:g}"
            if key in reasons:
                alive.remove(key)
                status[key], round_out[key] = "infeasible", look
        if not alive:
            rounds.append({"look": look, "replications": n, "alive": 0})
            break
        means = {key: _mean(_values(rows[key], by)) for key in alive}
        leader = max(alive, key=lambda key: (-math.inf if means[key] is None else goal * means[key], -keys.index(key)))
        if sequential and n >= 2:
            for key in [a for a in alive if a != leader]:
                d = _paired(_values(rows[key], by), _values(rows[leader], by))
                if d["n"] >= 2 and d["std"] == 0 and d["mean"] == 0:
                    alive.remove(key)  # the very same numbers: nothing more to learn
                    status[key], round_out[key], same_as[key] = "identical", look, leader
                    continue
                if d["n"] < 2:
                    continue
                t = stats.t.ppf(1 - alpha_each, d["n"] - 1)
                upper = goal * d["mean"] + t * d["std"] / math.sqrt(d["n"])
                if upper < 0:
                    alive.remove(key)
                    status[key], round_out[key] = "eliminated", look
        rounds.append({"look": look, "replications": n, "alive": len(alive)})
        if sequential and delta is not None and len(alive) > 1 and n >= 2:
            zone = _zone(delta, means[leader])
            uppers = []
            for key in [a for a in alive if a != leader]:
                d = _paired(_values(rows[key], by), _values(rows[leader], by))
                if d["n"] < 2:
                    uppers.append(math.inf)
                    continue
                t = stats.t.ppf(1 - alpha_each, d["n"] - 1)
                uppers.append(goal * d["mean"] + t * d["std"] / math.sqrt(d["n"]))
            if zone is not None and max(uppers) < zone:
                stopped_by_delta = True
                break
        if not sequential or len(alive) <= 1 or n >= cap:
            break
        n = min(cap, n + batch)
    chosen = None
    if alive:
        means = {key: _mean(_values(rows[key], by)) for key in alive}
        chosen = max(alive, key=lambda key: (-math.inf if means[key] is None else goal * means[key], -keys.index(key)))
        for key in alive:
            status[key] = "chosen" if key == chosen else ("contender" if sequential else "ranked")
    for key, other in same_as.items():  # an identical twin shares its twin's fate
        root = other
        while root in same_as:
            root = same_as[root]
        if status.get(root) in ("chosen", "contender"):
            status[key] = "identical"
    if stopped_by_delta and chosen is not None:
        chosen = leader  # the bounds were taken against the leader
        for key in alive:
            status[key] = "chosen" if key == chosen else "within delta"
    return Selection(rows, status, round_out, same_as, chosen, looks, alpha_each, rounds, reasons,
                     stopped_by_delta=stopped_by_delta)


def _zone(delta: float | str, leader_mean: float | None) -> float | None:
    """The indifference zone in the KPI's unit ("1%" is 1% of the leader's mean)."""
    if isinstance(delta, str):
        text = delta.strip()
        if text.endswith("%"):
            if leader_mean is None:
                return None
            return abs(leader_mean) * float(text[:-1]) / 100
        return float(text)
    return float(delta)


def parse_delta(delta: float | str | None) -> float | str | None:
    """Check an indifference zone: a number >= 0 or a percentage such as "1%"."""
    if delta is None:
        return None
    text = str(delta).strip()
    try:
        value = float(text[:-1] if text.endswith("%") else text)
    except ValueError:
        raise ExperimentError(f"delta {delta!r}: write a number in the KPI's unit or a percentage such as 1%") from None
    if not math.isfinite(value) or value <= 0:
        raise ExperimentError(f"delta {delta!r} must be > 0")
    return text if text.endswith("%") else value


# ---- orders of a scenario ------------------------------------------------------------------


def _growth(sc: Scenario):
    g = sc.hiring.growth
    if g is None:
        raise ExperimentError(f"{sc.name}: no growth plan (hiring.growth), so there is no focus order to vary")
    if g.hires_per_month <= 0:
        raise ExperimentError(f"{sc.name}: the growth plan hires nobody (hiring.growth.hires_per_month is 0), "
                              "so every focus order gives the same company")
    if len(g.focus_order) < 2:
        raise ExperimentError(f"{sc.name}: focus_order has one department; there is nothing to reorder")
    return g


def stages_reached(sc: Scenario) -> int | None:
    """How many growth stages start within the horizon (None when stages follow ARR milestones)."""
    g = _growth(sc)
    if g.arr_milestones is not None:
        return None
    return min(int((sc.horizon_months - 1) // g.months_per_stage), len(g.focus_order) - 1) + 1


@dataclass(repr=False)
class FocusResult:
    """The focus-order tournament: ranking, chosen order, confidence statement and cost."""

    scenario: str
    seed: int
    by: str
    goal: int
    orders: list[Order]
    selection: Selection
    results: dict[Order, Results]
    minimum: dict[str, float]
    maximum: dict[str, float]
    alpha: float
    n0: int
    batch: int
    max_replications: int
    sequential: bool
    runtime_s: float = 0.0
    executor: str = ""
    notes: list[str] = field(default_factory=list)
    delta: float | str | None = None
    resumed: int = 0  # batches of replications read back from a checkpoint instead of run
    checkpoint_skipped: str | None = None  # lines of the checkpoint that were not data, if any

    def __repr__(self) -> str:
        chosen = " > ".join(self.chosen) if self.chosen else "none"
        return f"<FocusResult {self.scenario} by {self.by}: chosen {chosen}, {self.replications_used} replications>"

    @property
    def chosen(self) -> Order | None:
        return self.selection.chosen  # type: ignore[return-value]

    @property
    def replications_used(self) -> int:
        return sum(len(v) for v in self.selection.rows.values())

    @property
    def equal_allocation(self) -> int:
        """Replications equal allocation would need: every order as many as the winner got."""
        n = max((len(v) for v in self.selection.rows.values()), default=0)
        return n * len(self.orders)

    @property
    def saving(self) -> float:
        eq = self.equal_allocation
        return 1 - self.replications_used / eq if eq else 0.0

    def _ranked(self) -> list[Order]:
        def key(o: Order) -> tuple:
            st = self.selection.status.get(o, "")
            group = {"chosen": 0, "contender": 1, "within delta": 1, "ranked": 1, "identical": 1,
                     "eliminated": 2, "infeasible": 3}.get(st, 4)
            m = _mean(self.results[o].values(self.by))
            return (group, -math.inf if m is None else -self.goal * m)
        return sorted(self.orders, key=key)

    def ranking(self) -> pd.DataFrame:
        """One row per order, best first: rank, order, status, replications, mean and 95% CI of
        the KPI, the paired difference to the chosen order with its 95% CI (over the
        replications both have), the look at which it left, and the constraint KPIs' means."""
        chosen = self.chosen
        rows = []
        for rank, o in enumerate(self._ranked(), start=1):
            res = self.results[o]
            d = describe(res.values(self.by))
            row: dict[str, Any] = {
                "rank": rank, "order": label(o), "status": self.selection.status.get(o, ""),
                "replications": res.n, "mean": d["mean"], "ci95_low": d["ci95"][0], "ci95_high": d["ci95"][1],
            }
            if chosen is not None and o != chosen:
                c = self.results[chosen]
                m = min(res.n, c.n)
                diff = paired_difference(res.values(self.by)[:m], c.values(self.by)[:m])
                row.update(diff_mean=diff["mean"], diff_ci95_low=diff["ci95"][0], diff_ci95_high=diff["ci95"][1])
            else:
                row.update(diff_mean=0.0 if o == chosen else None, diff_ci95_low=None, diff_ci95_high=None)
            row["left_at_look"] = self.selection.round_out.get(o)
            row["note"] = self.selection.reasons.get(o) or (
                f"same numbers as {label(self.selection.same_as[o])}" if o in self.selection.same_as else "")
            for kpi in [*self.minimum, *self.maximum]:
                row[kpi] = _mean(res.values(kpi))
            rows.append(row)
        return pd.DataFrame(rows)

    @property
    def statement(self) -> str:
        """The confidence statement, in words."""
        sel, conf = self.selection, f"{(1 - self.alpha) * 100:g}%"
        k = len(self.orders)
        cons = ""
        if self.minimum or self.maximum:
            parts = [f"mean {kpi} >= {v:g}" for kpi, v in self.minimum.items()] + [f"mean {kpi} <= {v:g}" for kpi, v in self.maximum.items()]
            cons = f" among the orders whose {' and '.join(parts)}"
        better = "highest" if self.goal > 0 else "lowest"
        if self.chosen is None:
            return "No order satisfies the constraints" + (f" ({', '.join(sel.reasons.values())})" if sel.reasons else "") + "."
        if not self.sequential:
            return (f"{label(self.chosen)} has the {better} mean {self.by} of {k} orders{cons}, each run "
                    f"{self.n0} replications (equal allocation; no selection guarantee is claimed).")
        survivors = [o for o in self.orders if sel.status.get(o) in ("chosen", "contender", "within delta")]
        halves = " / 2" if self.delta is not None else ""
        how = (f"sequential elimination, one-sided tests at alpha{halves} = {self.alpha:g}{halves} / ({k - 1} rivals x "
               f"{sel.looks} looks) = {sel.alpha_each:.2g}")
        if sel.stopped_by_delta:
            chosen_mean = _mean(self.results[self.chosen].values(self.by))
            zone = _zone(self.delta, chosen_mean) if self.delta is not None else None
            shown = "-" if zone is None else f"{zone:,.0f}" if abs(zone) >= 1000 else f"{zone:.4g}"
            unit_zone = shown + (f" ({self.delta} of its mean)" if isinstance(self.delta, str) else "")
            return (f"{label(self.chosen)} has the {better} mean {self.by}{cons}: with at least {conf} confidence "
                    f"no other of the {k} orders has a mean more than {unit_zone} {'higher' if self.goal > 0 else 'lower'} "
                    f"({_others(len(survivors) - 1)} within that indifference zone; {how}).")
        if len(survivors) == 1:
            return (f"{label(self.chosen)} has the {better} mean {self.by}{cons}: with at least {conf} confidence "
                    f"no other of the {k} orders has a {'higher' if self.goal > 0 else 'lower'} mean ({how}).")
        return (f"With at least {conf} confidence the order with the {better} mean {self.by}{cons} is one of "
                f"these {len(survivors)}, which {self.max_replications} replications each could not separate: "
                f"{'; '.join(label(o) for o in survivors)}. {label(self.chosen)} has the {better} sample mean ({how}).")

    def to_dict(self) -> dict[str, Any]:
        """`focus --json`: settings, chosen order, statement, cost and the ranking."""
        rk = self.ranking()
        orders = []
        for rec in rk.to_dict(orient="records"):
            rec = {k: _clean(v) for k, v in rec.items()}
            o = tuple(rec["order"].split(" > "))
            res = self.results[o]
            orders.append({
                "rank": int(rec["rank"]), "order": list(o), "status": rec["status"], "replications": res.n,
                "left_at_look": None if rec["left_at_look"] is None else int(rec["left_at_look"]), "note": rec["note"],
                "kpis": {k: describe(res.values(k)) for k in KPI_KEYS},
                "difference_to_chosen": None if rec.get("diff_ci95_low") is None else {
                    "mean": rec["diff_mean"], "ci95": [rec["diff_ci95_low"], rec["diff_ci95_high"]]},
            })
        return {
            "scenario": self.scenario, "seed": self.seed, "by": self.by, "goal": "max" if self.goal > 0 else "min",
            "minimum": self.minimum, "maximum": self.maximum, "method": "sequential" if self.sequential else "equal",
            "alpha": self.alpha, "alpha_each": self.selection.alpha_each, "looks": self.selection.looks,
            "n0": self.n0, "batch": self.batch, "max_replications": self.max_replications,
            "delta": self.delta, "stopped_by_delta": self.selection.stopped_by_delta,
            "chosen": list(self.chosen) if self.chosen else None, "statement": self.statement,
            "replications_used": self.replications_used, "equal_allocation": self.equal_allocation,
            "saving": self.saving, "rounds": self.selection.rounds, "notes": self.notes,
            "runtime_s": self.runtime_s, "orders": orders,
        }

    def _repr_html_(self) -> str:
        return f"<h4>orgsim focus orders: {self.scenario}</h4><p>{self.statement}</p>" + self.ranking()._repr_html_()


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
        max_replications: the cap per order.
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
            raise ExperimentError(f"{by} has no better direction; say whether to maximise or minimise it (goal='max' or 'min')")
    elif goal in ("max", 1, "maximise", "maximize"):
        g = 1
    elif goal in ("min", -1, "minimise", "minimize"):
        g = -1
    else:
        raise ExperimentError(f"goal must be 'max' or 'min' (got {goal!r})")
    if method not in ("sequential", "equal"):
        raise ExperimentError(f"method must be 'sequential' or 'equal' (got {method!r})")
    delta = parse_delta(delta)
    mins = _constraints(minimum)
    maxs = _constraints(maximum)
    if isinstance(overrides, (list, tuple)):
        overrides = parse_set(list(overrides))
    if overrides and FOCUS_KEY in overrides:
        raise ExperimentError(f"{FOCUS_KEY} is what focus varies; do not set it")

    if isinstance(scenario, Scenario):
        base = load_points(scenario, [{}], overrides)[0] if overrides else scenario
        source, point_overrides = base, None
    else:
        base = load_scenario(scenario, dict(overrides or {}))
        source, point_overrides = scenario, overrides
    g_plan = _growth(base)
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
            "differ only in the order their requisitions queue for a recruiter")

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

    def failed(fails: list[dict[str, Any]]) -> ReplicationError:
        return ReplicationError([{**{k: v for k, v in f.items() if k != "key"}, "params": {FOCUS_KEY: list(o)}}
                                 for o, f in fails])

    t0 = time.perf_counter()
    with using(executor, workers, scheduler) as ex:
        def draw(need: dict[Hashable, range]) -> dict[Hashable, Rows]:
            got: dict[Hashable, list] = {}
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
                ck.put(key_of(o, todo[o]), reps_, fails, {"order": list(o), "replications": [todo[o].start, todo[o].stop]})

            fresh: list[dict[str, Any]] = []
            got.update(ex.run([(o, by_order[o], seed, r) for o, r in todo.items()], step, failures=fresh,
                              on_done=on_done if ck is not None else None))
            lost.extend((f["key"], f) for f in fresh)
            if lost:
                raise failed(lost)
            done[0] += sum(len(r) for r in todo.values())
            for o in need:
                kept[o].extend(got[o])
            return {o: [dict(r.kpis) for r in got[o]] for o in need}

        sel = select(chosen_orders, draw, by, g, mins, maxs, n0=replications, batch=batch,
                     cap=max_replications, alpha=alpha, sequential=method == "sequential", delta=delta)
        label_ = ex.label
    results = {o: Results(by_order[o], seed, kept[o], executor=label_) for o in chosen_orders}
    return FocusResult(
        scenario=base.name, seed=seed, by=by, goal=g, orders=chosen_orders, selection=sel, results=results,
        minimum=mins, maximum=maxs, alpha=alpha, n0=replications, batch=replications if batch is None else batch,
        max_replications=max(max_replications, replications) if method == "sequential" else replications,
        sequential=method == "sequential", runtime_s=time.perf_counter() - t0, executor=label_, notes=notes,
        delta=delta, resumed=ck.reused if ck is not None else 0,
        checkpoint_skipped=ck.skipped_summary() if ck is not None else None,
    )


def _others(n: int) -> str:
    return "no other order left" if n == 0 else f"{n} other order{'s' if n != 1 else ''} left"


def _clean(v: Any) -> Any:
    """NaN (pandas' missing value) -> None, numpy scalars -> Python."""
    if hasattr(v, "item") and getattr(v, "ndim", 1) == 0:
        v = v.item()
    return None if isinstance(v, float) and not math.isfinite(v) else v


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
