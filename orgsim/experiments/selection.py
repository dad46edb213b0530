"""Ranking and selection on plain numbers: sequential elimination with a confidence statement.

`select` runs the procedure that `orgsim.experiments.focus_orders` describes over any keys, with
a `draw` function that returns KPI rows for replications it is asked for; nothing here knows
about scenarios, so the procedure can be tested on made-up numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
from scipy.special import stdtrit  # Student t's quantile: what scipy.stats.t.ppf calls

from orgsim.experiments.stats import ExperimentError

__all__ = [
    "DEFAULT_MAX_REPLICATIONS",
    "DEFAULT_N0",
    "Draw",
    "Rows",
    "Selection",
    "indifference_zone",
    "mean_of",
    "parse_delta",
    "select",
    "values_of",
]

K = TypeVar("K", bound=Hashable)  # the alternatives' keys (focus orders: tuples of departments)
Rows = list[dict[str, float | None]]  # one dict of KPI values per replication
Draw = Callable[[dict[K, range]], dict[K, Rows]]  # `Draw[K]`

DEFAULT_N0 = 10
DEFAULT_MAX_REPLICATIONS = 100


@dataclass
class Selection(Generic[K]):
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

    rows: dict[K, Rows]
    status: dict[K, str]
    round_out: dict[K, int | None]
    same_as: dict[K, K]
    chosen: K | None
    looks: int
    alpha_each: float
    rounds: list[dict[str, int]] = field(default_factory=list)
    reasons: dict[K, str] = field(default_factory=dict)
    stopped_by_delta: bool = False


def values_of(rows: Rows, kpi: str) -> list[float | None]:
    """One KPI over the replications of some rows."""
    return [r.get(kpi) for r in rows]


def mean_of(values: Sequence[float | None]) -> float | None:
    """The mean of the defined values; None when there is none."""
    x = [v for v in values if v is not None and math.isfinite(v)]
    return math.fsum(x) / len(x) if x else None


def _paired(a: Sequence[float | None], b: Sequence[float | None]) -> dict[str, Any]:
    """n, mean and std of a - b over the replications where both are defined (no tests: fast)."""
    d = np.array(
        [x - y for x, y in zip(a, b) if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)],
        dtype=float,
    )
    n = int(d.size)
    return {"n": n, "mean": float(d.mean()) if n else None, "std": float(d.std(ddof=1)) if n > 1 else 0.0}


def select(
    keys: Sequence[K],
    draw: Draw[K],
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
) -> Selection[K]:
    # Over 60 lines on purpose: the procedure reads top to bottom as the focus_orders docstring states
    # it (draw, constraints, leader, eliminations, indifference zone, next look); its state (rows,
    # status, alive) is shared by every step, and splitting it would scatter that state.
    """Sequential elimination (orgsim.experiments.focus_orders' docstring) over `keys`, drawing
    replications with `draw`.

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

    rows: dict[K, Rows] = {key: [] for key in keys}
    status: dict[K, str] = {}
    round_out: dict[K, int | None] = {key: None for key in keys}
    same_as: dict[K, K] = {}
    reasons: dict[K, str] = {}
    alive = list(keys)
    rounds: list[dict[str, int]] = []
    n, look = n0, 0
    leader: K | None = None
    means: dict[K, float | None] = {}

    def score(key: K) -> tuple[float, int]:  # best mean first; ties go to the earlier key
        m = means[key]
        return (-math.inf if m is None else goal * m, -keys.index(key))

    while alive:
        need = {key: range(len(rows[key]), n) for key in alive if len(rows[key]) < n}
        if need:
            for key, got in draw(need).items():
                rows[key].extend(got)
        look += 1
        for key in list(alive):  # constraints, on the means
            for kpi, bound in minimum.items():
                m = mean_of(values_of(rows[key], kpi))
                if m is None or m < bound:
                    reasons[key] = f"mean {kpi} {'undefined' if m is None else f'{m:.4g}'} < {bound:g}"
            for kpi, bound in maximum.items():
                m = mean_of(values_of(rows[key], kpi))
                if m is None or m > bound:
                    reasons[key] = f"mean {kpi} {'undefined' if m is None else f'{m:.4g}'} > {bound:g}"
            if key in reasons:
                alive.remove(key)
                status[key], round_out[key] = "infeasible", look
        if not alive:
            rounds.append({"look": look, "replications": n, "alive": 0})
            break
        means = {key: mean_of(values_of(rows[key], by)) for key in alive}
        leader = max(alive, key=score)
        if sequential and n >= 2:
            for key in [a for a in alive if a != leader]:
                d = _paired(values_of(rows[key], by), values_of(rows[leader], by))
                if d["n"] >= 2 and d["std"] == 0 and d["mean"] == 0:
                    alive.remove(key)  # the very same numbers: nothing more to learn
                    status[key], round_out[key], same_as[key] = "identical", look, leader
                    continue
                if d["n"] < 2:
                    continue
                t = stdtrit(d["n"] - 1, 1 - alpha_each)
                upper = goal * d["mean"] + t * d["std"] / math.sqrt(d["n"])
                if upper < 0:
                    alive.remove(key)
                    status[key], round_out[key] = "eliminated", look
        rounds.append({"look": look, "replications": n, "alive": len(alive)})
        if sequential and delta is not None and len(alive) > 1 and n >= 2:
            zone = indifference_zone(delta, means[leader])
            uppers = []
            for key in [a for a in alive if a != leader]:
                d = _paired(values_of(rows[key], by), values_of(rows[leader], by))
                if d["n"] < 2:
                    uppers.append(math.inf)
                    continue
                t = stdtrit(d["n"] - 1, 1 - alpha_each)
                uppers.append(goal * d["mean"] + t * d["std"] / math.sqrt(d["n"]))
            if zone is not None and max(uppers) < zone:
                stopped_by_delta = True
                break
        if not sequential or len(alive) <= 1 or n >= cap:
            break
        n = min(cap, n + batch)
    chosen = None
    if alive:
        means = {key: mean_of(values_of(rows[key], by)) for key in alive}
        chosen = max(alive, key=score)
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
    return Selection(
        rows, status, round_out, same_as, chosen, looks, alpha_each, rounds, reasons, stopped_by_delta=stopped_by_delta
    )


def indifference_zone(delta: float | str, leader_mean: float | None) -> float | None:
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
