"""Paired comparison of scenarios ("arms") run with common random numbers.

Every arm runs replications 0..N-1 with one seed, so replication i of every arm draws the same
random numbers for the same things (the same leads arrive at the same times, the same deals take
the same effort...). The difference arm - first arm is then taken replication by replication:
what is left of its variance is the effect of the change, not the luck of the draw, and its
confidence interval is much narrower than that of two independent runs (`crn=False` shows how
much; see tests/experiments/test_crn.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from orgsim.experiments.executors import Executor, Progress, using
from orgsim.experiments.precision import Precision, as_precision, replicate
from orgsim.experiments.results import Results, frame_html
from orgsim.experiments.stats import (
    KPI_DIRECTION,
    ExperimentError,
    check_kpi,
    paired_difference,
    rank_test_disagrees,
    significant,
)
from orgsim.metrics.registry import KPI_KEYS
from orgsim.scenario import Scenario

__all__ = ["Comparison", "compare"]


@dataclass(repr=False)
class Comparison:
    """Arms run with the same seed and replication indices; differences are paired.

    Attributes:
        arms: one `Results` per arm; the first is the baseline.
        runtime_s: wall time.
        executor: where it ran.
        crn: whether the arms shared their random numbers (False only for demonstrations).
    """

    arms: list[Results]
    runtime_s: float = 0.0
    executor: str = ""
    crn: bool = True
    meta: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        arms = " vs ".join(a.name for a in self.arms)
        return f"<Comparison {arms}: {len(self.arms[0].replications)} paired replications>"

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.arms]

    @property
    def baseline(self) -> Results:
        return self.arms[0]

    def arm(self, name: str) -> Results:
        for a in self.arms:
            if a.name == name:
                return a
        raise KeyError(f"no arm {name!r}; arms are {', '.join(self.names)}")

    def difference(self, arm: str | Results, kpi: str) -> dict[str, Any]:
        """`arm` minus the first arm for one KPI: see `stats.paired_difference`, plus
        `direction`, `base_mean`, `arm_mean`, `relative` (mean / |base mean|), `significant`
        (paired t-test, 5%) and `tests_disagree` (t-test and Wilcoxon differ about it)."""
        check_kpi(kpi)
        a = self.arm(arm) if isinstance(arm, str) else arm
        base = self.baseline
        direction = KPI_DIRECTION[kpi]
        d = paired_difference(a.values(kpi), base.values(kpi), direction)
        if not direction:
            d["share_better"] = d["prob_better"] = None
        base_mean = _mean(base.values(kpi))
        d["direction"] = direction
        d["base_mean"] = base_mean
        d["arm_mean"] = _mean(a.values(kpi))
        d["relative"] = d["mean"] / abs(base_mean) if d["mean"] is not None and base_mean else None
        d["significant"] = significant(d)
        d["tests_disagree"] = rank_test_disagrees(d)
        return d

    def differences(self, kpis: Sequence[str] = KPI_KEYS) -> pd.DataFrame:
        """Each arm minus the first, one row per arm and KPI.

        Columns: arm, kpi, direction, n, base_mean, arm_mean, mean, std, ci95_low, ci95_high,
        relative, p_value (paired t), p_wilcoxon, share_better, prob_better, significant,
        tests_disagree.
        """
        rows = []
        for a in self.arms[1:]:
            for k in kpis:
                d = self.difference(a, k)
                rows.append(
                    {
                        "arm": a.name,
                        "kpi": k,
                        "direction": d["direction"],
                        "n": d["n"],
                        "base_mean": d["base_mean"],
                        "arm_mean": d["arm_mean"],
                        "mean": d["mean"],
                        "std": d["std"],
                        "ci95_low": d["ci95"][0],
                        "ci95_high": d["ci95"][1],
                        "relative": d["relative"],
                        "p_value": d["p_value"],
                        "p_wilcoxon": d["p_wilcoxon"],
                        "share_better": d["share_better"],
                        "prob_better": d["prob_better"],
                        "significant": d["significant"],
                        "tests_disagree": d["tests_disagree"],
                    }
                )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The `compare --json` document of docs/reference/interfaces.md: the run block of every arm under
        "arms" (the first is the baseline), and each other arm minus the first under
        "differences"."""
        return {
            "arms": {a.name: a.to_dict() for a in self.arms},
            "differences": {a.name: {k: self.difference(a, k) for k in KPI_KEYS} for a in self.arms[1:]},
        }

    def _repr_html_(self) -> str:
        return f"<h4>orgsim comparison: {' vs '.join(self.names)}</h4>" + frame_html(self.differences())


def _mean(values: Sequence[float | None]) -> float | None:
    x = [v for v in values if v is not None]
    return sum(x) / len(x) if x else None


def arm_names(scenarios: Sequence[Scenario], names: Sequence[str] | None = None) -> list[str]:
    """Names of the arms: given, or the scenarios' names made unique with #2, #3..."""
    if names is not None:
        names = [str(n) for n in names]
        if len(names) != len(scenarios):
            raise ExperimentError(f"{len(names)} names for {len(scenarios)} scenarios")
        if len(set(names)) != len(names):
            raise ExperimentError(f"arm names must be distinct (got {names})")
        return names
    out: list[str] = []
    for s in scenarios:
        name, i = s.name, 1
        while name in out:
            i += 1
            name = f"{s.name}#{i}"
        out.append(name)
    return out


def compare(
    scenarios: Sequence[Scenario] | Mapping[str, Scenario],
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    *,
    scheduler: Any = None,
    executor: Executor | None = None,
    precision: float | Precision | None = None,
    targets: Sequence[str] | str | None = None,
    max_replications: int | None = None,
    crn: bool = True,
) -> Comparison:
    """Run every scenario with the same seed and replication indices; differences are paired.

    Args:
        scenarios: two or more; a mapping gives the arms' names. The first is the baseline.
        replications, seed: default to the first scenario's.
        workers, progress, scheduler, executor: as for `simulate`.
        precision, targets, max_replications: as for `simulate`; every arm gets the same count
            (the most any arm needs), so differences stay paired.
        crn: False runs arm i with seed + i instead (independent random numbers), only to show
            what common random numbers buy.
    """
    if isinstance(scenarios, Mapping):
        names, scs = list(scenarios), list(scenarios.values())
    else:
        names, scs = None, list(scenarios)
    if len(scs) < 2:
        raise ExperimentError("compare needs at least two scenarios")
    names = arm_names(scs, names)
    first = scs[0]
    reps = first.replications if replications is None else int(replications)
    seed = first.seed if seed is None else int(seed)
    if reps < 1:
        raise ValueError(f"replications must be >= 1 (got {reps})")
    seeds = [seed + (0 if crn else i) for i in range(len(scs))]
    prec = as_precision(precision, targets, max_replications)
    arms_sc = [s if s.name == n else s.model_copy(update={"name": n}) for s, n in zip(scs, names)]
    t0 = time.perf_counter()
    with using(executor, workers, scheduler, cap=None if prec else reps * len(scs)) as ex:
        if prec is None:
            got = ex.run([(i, s, seeds[i], range(reps)) for i, s in enumerate(arms_sc)], progress)
            info: dict[Any, Any] = {}
        else:
            if not crn:
                raise ExperimentError("precision with crn=False is not supported")
            got, info = replicate(ex, dict(enumerate(arms_sc)), seed, reps, prec, paired=True, progress=progress)
        label = ex.label
    runtime = time.perf_counter() - t0
    arms = [
        Results(s, seeds[i], got[i], runtime_s=runtime, executor=label, meta={"precision": info[i]} if info else {})
        for i, s in enumerate(arms_sc)
    ]
    return Comparison(arms, runtime_s=runtime, executor=label, crn=crn)
