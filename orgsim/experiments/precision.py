"""Precision-driven replication counts: add replications until the confidence intervals are tight.

`--precision 0.02` means: keep adding replications (in batches) until the 95% CI half-width of
every target KPI is within 2% of its mean, or the cap is reached. Each batch is sized from the
current estimate (the half-width shrinks like 1/sqrt(n)), never by the number of workers, so the
replications used - and therefore every number reported - are the same for any W. Replications
are always 0..n-1, so a precision run gives exactly what `simulate` with that n gives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scipy.special import ndtri, stdtrit  # what scipy.stats' norm.ppf and t.ppf call

from orgsim.experiments.executors import EventSink, Executor, K, Progress
from orgsim.experiments.stats import ExperimentError, check_kpi, relative_half_width
from orgsim.metrics import Replication
from orgsim.scenario import Scenario

__all__ = ["DEFAULT_MAX_REPLICATIONS", "Precision", "replicate"]

DEFAULT_MAX_REPLICATIONS = 500
MIN_START = 5  # a half-width from fewer replications says too little to plan the next batch


@dataclass(frozen=True)
class Precision:
    """Stop when every target KPI's 95% CI half-width is within `relative` of its mean.

    Args:
        relative: e.g. 0.02 for 2%.
        targets: KPI keys (default arr_end).
        max_replications: the cap per scenario.
    """

    relative: float
    targets: tuple[str, ...] = ("arr_end",)
    max_replications: int = DEFAULT_MAX_REPLICATIONS

    def __post_init__(self) -> None:
        if not (isinstance(self.relative, (int, float)) and 0 < self.relative < 1):
            raise ExperimentError(
                f"precision must be a fraction between 0 and 1, e.g. 0.02 for 2% (got {self.relative!r})"
            )
        if not self.targets:
            raise ExperimentError("precision needs at least one target KPI")
        for k in self.targets:
            check_kpi(k, "target KPI")
        if self.max_replications < 2:
            raise ExperimentError(f"max_replications must be >= 2 (got {self.max_replications})")

    def widths(self, reps: Sequence[Replication]) -> dict[str, float]:
        return {k: relative_half_width([r.kpis[k] for r in reps]) for k in self.targets}

    def met(self, reps: Sequence[Replication]) -> bool:
        return all(w <= self.relative for w in self.widths(reps).values())

    def next_n(self, n: int, reps: Sequence[Replication]) -> int:
        """How many replications to have after the next batch (the cap at most).

        The half-width is t(n-1) s / sqrt(n); the n that brings it to the target is estimated
        with the normal quantile (t(n-1) is larger for small n) and at most quadruples the count
        per batch, so a noisy early estimate cannot overshoot far.
        """
        worst = max(self.widths(reps).values())
        step = max(2, math.ceil(n / 5))
        if not math.isfinite(worst):
            need = 2 * n
        else:
            shrink = (ndtri(0.975) / stdtrit(max(n - 1, 1), 0.975)) ** 2
            need = min(4 * n, math.ceil(n * (worst / self.relative) ** 2 * shrink))
        return min(self.max_replications, max(n + step, need))

    def info(self, reps: Sequence[Replication], batches: list[int]) -> dict[str, Any]:
        widths = self.widths(reps)
        return {
            "relative": self.relative,
            "targets": list(self.targets),
            "replications": len(reps),
            "max_replications": self.max_replications,
            "reached": all(w <= self.relative for w in widths.values()),
            "relative_half_width": {k: (w if math.isfinite(w) else None) for k, w in widths.items()},
            "batches": batches,
        }


def as_precision(
    precision: float | Precision | None,
    targets: Sequence[str] | str | None = None,
    max_replications: int | None = None,
) -> Precision | None:
    """The Precision the keyword arguments of simulate/compare/sweep describe (None = off)."""
    if precision is None:
        return None
    if isinstance(precision, Precision):
        return precision
    if isinstance(targets, str):
        targets = (targets,)
    return Precision(
        float(precision),
        tuple(targets) if targets else ("arr_end",),
        DEFAULT_MAX_REPLICATIONS if max_replications is None else int(max_replications),
    )


def replicate(
    ex: Executor,
    scenarios: Mapping[K, Scenario],
    seed: int,
    start: int,
    precision: Precision,
    paired: bool = False,
    progress: Progress | None = None,
    events: EventSink | None = None,
) -> tuple[dict[K, list[Replication]], dict[K, dict[str, Any]]]:
    """Run each scenario until `precision` is met (or the cap), in batches.

    Args:
        ex: where to run.
        scenarios: key -> scenario.
        seed: one seed for all (common random numbers).
        start: replications in the first batch.
        paired: keep every scenario at the same count (compare: differences stay paired).
        progress: (done, planned so far).
        events: where event logs go (see `Executor.run`).

    Returns:
        (key -> replications 0..n-1, key -> precision info).
    """
    cap = precision.max_replications
    if start > cap:
        raise ExperimentError(f"replications ({start}) exceed max_replications ({cap})")
    start = max(min(start, cap), min(MIN_START, cap))
    have: dict[K, list[Replication]] = {k: [] for k in scenarios}
    want = {k: start for k in scenarios}
    batches: dict[K, list[int]] = {k: [] for k in scenarios}
    done_before = 0
    while True:
        requests = [(k, scenarios[k], seed, range(len(have[k]), want[k])) for k in scenarios if want[k] > len(have[k])]
        if not requests:
            break
        planned = done_before + sum(len(r[3]) for r in requests)
        step: Callable[[int, int], None] | None = None
        if progress:
            step = lambda d, t, b=done_before, p=planned: progress(b + d, p)  # noqa: E731
        got = ex.run(requests, step, events=events)
        for k, reps in got.items():
            have[k].extend(reps)
            batches[k].append(len(have[k]))
            done_before += len(reps)
        open_ = [k for k in scenarios if not precision.met(have[k]) and len(have[k]) < cap]
        if not open_:
            break
        if paired:
            n = max(precision.next_n(len(have[k]), have[k]) for k in open_)
            for k in scenarios:
                want[k] = n
        else:
            for k in open_:
                want[k] = precision.next_n(len(have[k]), have[k])
    return have, {k: precision.info(have[k], batches[k]) for k in scenarios}
