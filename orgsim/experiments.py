"""Experiments: many replications, in parallel, summarised with confidence intervals.

`simulate` runs replications 0..N-1 of one scenario with one seed; replication i always uses the
random streams of (seed, i), so results are identical whatever the number of workers, and two
scenarios run with the same seed share their random numbers (common random numbers), which is
what makes `compare`'s paired differences sharp.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from orgsim.engine import run_replication
from orgsim.metrics import FUNNEL_KEYS, KPI_KEYS, STAGE_KEYS, Replication, reduce
from orgsim.scenario import Scenario

Progress = Callable[[int, int], None]


def _one(args: tuple[Scenario, int, int]) -> Replication:
    sc, seed, rep = args
    return reduce(run_replication(sc, seed, rep))


def run_replications(
    sc: Scenario, replications: int, seed: int, workers: int = 1, progress: Progress | None = None
) -> list[Replication]:
    """Replications 0..N-1, in order, on `workers` local processes (0 = all cores)."""
    if replications < 1:
        raise ValueError(f"replications must be >= 1 (got {replications})")
    if workers < 0:
        raise ValueError(f"workers must be >= 0 (got {workers})")
    n_workers = (os.cpu_count() or 1) if workers == 0 else workers
    n_workers = min(n_workers, replications)
    jobs = [(sc, seed, r) for r in range(replications)]
    out: list[Replication] = []
    if n_workers <= 1:
        for j in jobs:
            out.append(_one(j))
            if progress:
                progress(len(out), replications)
        return out
    with ProcessPoolExecutor(max_workers=n_workers) as ex:
        for rep in ex.map(_one, jobs, chunksize=max(1, replications // (4 * n_workers))):
            out.append(rep)
            if progress:
                progress(len(out), replications)
    return out


def describe(values: Sequence[float | None]) -> dict[str, Any]:
    """n, mean, std and 95% CI (Student t) of the defined values; None where undefined."""
    x = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    n = int(x.size)
    if n == 0:
        return {"n": 0, "mean": None, "std": None, "ci95": [None, None]}
    mean = float(x.mean())
    std = float(x.std(ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.975, n - 1) * std / math.sqrt(n)) if n > 1 else 0.0
    return {"n": n, "mean": mean, "std": std, "ci95": [mean - half, mean + half]}


@dataclass
class Results:
    """What `simulate` returns: per-replication KPIs, monthly series and stage tables."""

    scenario: Scenario
    seed: int
    replications: list[Replication]
    runtime_s: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.scenario.name

    def _ids(self, r: Replication) -> dict[str, Any]:
        return {"scenario": self.name, "replication": r.replication, "seed": self.seed}

    @property
    def kpis(self) -> pd.DataFrame:
        """One row per replication, one column per KPI (NaN where undefined)."""
        rows = [{**self._ids(r), **{k: (np.nan if r.kpis[k] is None else r.kpis[k]) for k in KPI_KEYS}} for r in self.replications]
        return pd.DataFrame(rows, columns=["scenario", "replication", "seed", *KPI_KEYS])

    @property
    def funnel(self) -> pd.DataFrame:
        """One row per replication: leads, mql, sql, opportunities, won, and by source."""
        return pd.DataFrame([{**self._ids(r), **r.funnel} for r in self.replications])

    @property
    def counters(self) -> pd.DataFrame:
        """One row per replication: renewals due/done, churned logos, expansions, hires, leavers,
        presales skipped, mean sales cycle, go-live and onboarding-wait days."""
        return pd.DataFrame([{**self._ids(r), **r.counters} for r in self.replications])

    @property
    def stages(self) -> pd.DataFrame:
        """One row per replication and stage."""
        rows = [
            {**self._ids(r), "stage": name, **vals}
            for r in self.replications
            for name, vals in r.stages.items()
        ]
        return pd.DataFrame(rows, columns=["scenario", "replication", "seed", "stage", *STAGE_KEYS])

    @property
    def monthly(self) -> pd.DataFrame:
        """Tidy monthly series: scenario, replication, seed, month (1-based), metric, value."""
        frames = []
        for r in self.replications:
            for metric, values in r.monthly.items():
                n = len(values)
                frames.append(
                    pd.DataFrame(
                        {
                            "scenario": self.name,
                            "replication": r.replication,
                            "seed": self.seed,
                            "month": np.arange(1, n + 1),
                            "metric": metric,
                            "value": values,
                        }
                    )
                )
        return pd.concat(frames, ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """One row per KPI: n (replications where defined), mean, std, ci95_low, ci95_high."""
        rows = []
        for k in KPI_KEYS:
            d = describe([r.kpis[k] for r in self.replications])
            rows.append({"kpi": k, "n": d["n"], "mean": d["mean"], "std": d["std"], "ci95_low": d["ci95"][0], "ci95_high": d["ci95"][1]})
        return pd.DataFrame(rows).set_index("kpi")

    def stage_summary(self) -> pd.DataFrame:
        """Mean over replications of each stage statistic, one row per stage."""
        return self.stages.groupby("stage", sort=False)[list(STAGE_KEYS)].mean()

    def to_dict(self) -> dict[str, Any]:
        """The `run --json` document of DESIGN.md section 6 (no NaN, no infinity)."""
        reps = self.replications
        doc: dict[str, Any] = {
            "scenario": self.name,
            "seed": self.seed,
            "replications": len(reps),
            "horizon_months": self.scenario.horizon_months,
            "kpis": {k: describe([r.kpis[k] for r in reps]) for k in KPI_KEYS},
            "funnel": {k: describe([r.funnel[k] for r in reps]) for k in FUNNEL_KEYS},
            "funnel_by_source": {
                k: describe([r.funnel[k] for r in reps]) for k in reps[0].funnel if k not in FUNNEL_KEYS
            },
            "stages": {
                name: {s: describe([r.stages[name][s] for r in reps]) for s in STAGE_KEYS}
                for name in reps[0].stages
            },
            "runtime_s": self.runtime_s,
        }
        doc.update(self.meta)
        return doc

    def _repr_html_(self) -> str:
        return f"<h4>orgsim results: {self.name} ({len(self.replications)} replications, seed {self.seed})</h4>" + self.summary()._repr_html_()


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> Results:
    """Run a scenario many times.

    Args:
        scenario: a loaded scenario (`orgsim.load_scenario`).
        replications: how many; defaults to the scenario's `replications`.
        seed: defaults to the scenario's `seed`.
        workers: local processes (1 = in this process, 0 = all cores). Results do not depend on it.
        progress: called with (done, total) after each replication.
    """
    import time

    reps = scenario.replications if replications is None else int(replications)
    seed = scenario.seed if seed is None else int(seed)
    t0 = time.perf_counter()
    out = run_replications(scenario, reps, seed, workers, progress)
    return Results(scenario, seed, out, runtime_s=time.perf_counter() - t0)


@dataclass
class Comparison:
    """Paired comparison of arms run with the same seed (common random numbers)."""

    arms: list[Results]

    def differences(self) -> pd.DataFrame:
        """Each arm minus the first, per KPI: mean, ci95_low, ci95_high, p_value (paired t-test)."""
        base = self.arms[0]
        rows = []
        for arm in self.arms[1:]:
            for k in KPI_KEYS:
                d = paired_difference([r.kpis[k] for r in arm.replications], [r.kpis[k] for r in base.replications])
                rows.append({"arm": arm.name, "kpi": k, "n": d["n"], "mean": d["mean"], "ci95_low": d["ci95"][0], "ci95_high": d["ci95"][1], "p_value": d["p_value"]})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        base = self.arms[0]
        return {
            "arms": {a.name: a.to_dict() for a in self.arms},
            "differences": {
                a.name: {
                    k: paired_difference([r.kpis[k] for r in a.replications], [r.kpis[k] for r in base.replications])
                    for k in KPI_KEYS
                }
                for a in self.arms[1:]
            },
        }


def paired_difference(a: Sequence[float | None], b: Sequence[float | None]) -> dict[str, Any]:
    """Mean of a - b over replications where both are defined, with 95% CI and paired t-test p."""
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    d = describe([x - y for x, y in pairs])
    p = None
    if d["n"] > 1:
        if d["std"] == 0:
            p = 1.0 if d["mean"] == 0 else 0.0
        else:
            p = float(stats.ttest_1samp([x - y for x, y in pairs], 0.0).pvalue)
    return {"n": d["n"], "mean": d["mean"], "ci95": d["ci95"], "p_value": p}


def compare(
    scenarios: Sequence[Scenario], replications: int | None = None, seed: int | None = None, workers: int = 1
) -> Comparison:
    """Run every scenario with the same seed and replications; differences are paired."""
    if len(scenarios) < 2:
        raise ValueError("compare needs at least two scenarios")
    first = scenarios[0]
    reps = first.replications if replications is None else replications
    seed = first.seed if seed is None else seed
    names = [s.name for s in scenarios]
    arms = []
    for i, s in enumerate(scenarios):
        r = simulate(s, reps, seed, workers)
        if names.count(s.name) > 1:
            r.scenario = s.model_copy(update={"name": f"{s.name}#{i + 1}"})
        arms.append(r)
    return Comparison(arms)
