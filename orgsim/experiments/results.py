"""`simulate` and the `Results` it returns: replications of one scenario, as DataFrames.

`simulate` runs replications 0..N-1 of one scenario with one seed; replication i always uses the
random streams of (seed, i), so results are identical whatever the number of workers (or a Dask
cluster), and two scenarios run with the same seed share their random numbers (common random
numbers), which is what makes `compare`'s paired differences sharp.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from orgsim.experiments.executors import Executor, Progress, using
from orgsim.experiments.precision import Precision, as_precision, replicate
from orgsim.experiments.retention_summary import cohort_frame, retention_doc
from orgsim.experiments.runner import ReplicationError
from orgsim.experiments.stats import describe, describe_kpi, describe_step
from orgsim.metrics.kpis import Replication
from orgsim.metrics.registry import FUNNEL_KEYS, KPI_KEYS, STAGE_KEYS
from orgsim.metrics.roles import ROLE_KEYS
from orgsim.outputs.event_log import EventFrames, EventLogWriter
from orgsim.scenario import Scenario

__all__ = ["Results", "failure_records", "simulate"]


@dataclass(repr=False)
class Results:
    """What `simulate` returns: per-replication KPIs, monthly series and stage tables.

    Attributes:
        scenario: the scenario simulated.
        seed: the seed; replication i used the random streams of (seed, i).
        replications: one `metrics.Replication` per replication, in order.
        runtime_s: wall time of the run.
        meta: extra entries for `to_dict()` (e.g. "precision" when the count was precision-driven).
        params: the swept parameters that made this scenario (sweeps), else empty.
        executor: where it ran, e.g. "2 workers".
        failures: replications that failed (an exception in the model or a broken invariant):
            dicts with scenario, replication, seed, error, traceback, invariants and params.
            Everything else (tables, summaries, `to_dict`) covers the successful ones only.
        events: the event log of every replication (`orgsim.outputs.event_log.EVENT_COLUMNS`) when
            `simulate` was asked for it with ``events=True``, else None.
    """

    scenario: Scenario
    seed: int
    replications: list[Replication]
    runtime_s: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    executor: str = ""
    failures: list[dict[str, Any]] = field(default_factory=list)
    events: pd.DataFrame | None = None

    def __repr__(self) -> str:  # short: notebooks show _repr_html_, and text reprs travel with it
        return (
            f"<Results {self.name}: {len(self.replications)} replications, seed {self.seed}, "
            f"{self.scenario.horizon_months} months>"
        )

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def n(self) -> int:
        """Number of replications."""
        return len(self.replications)

    def _ids(self, r: Replication) -> dict[str, Any]:
        return {"scenario": self.name, "replication": r.replication, "seed": self.seed}

    def values(self, kpi: str) -> list[float | None]:
        """One KPI, one value per replication (None where undefined)."""
        return [r.kpis[kpi] for r in self.replications]

    @property
    def kpis(self) -> pd.DataFrame:
        """One row per replication, one column per KPI (NaN where undefined)."""
        rows = [
            {**self._ids(r), **{k: (np.nan if r.kpis[k] is None else r.kpis[k]) for k in KPI_KEYS}}
            for r in self.replications
        ]
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
        rows = [{**self._ids(r), "stage": name, **vals} for r in self.replications for name, vals in r.stages.items()]
        return pd.DataFrame(rows, columns=["scenario", "replication", "seed", "stage", *STAGE_KEYS])

    @property
    def roles(self) -> pd.DataFrame:
        """One row per replication and role: utilisation over every task the role serves,
        headcount and backlog at the end, meetings booked (`orgsim.metrics.roles`)."""
        rows = [{**self._ids(r), "role": name, **vals} for r in self.replications for name, vals in r.roles.items()]
        return pd.DataFrame(rows, columns=["scenario", "replication", "seed", "role", *ROLE_KEYS])

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
            d = describe_kpi(k, self.values(k))
            rows.append(
                {
                    "kpi": k,
                    "n": d["n"],
                    "mean": d["mean"],
                    "std": d["std"],
                    "ci95_low": d["ci95"][0],
                    "ci95_high": d["ci95"][1],
                }
            )
        return pd.DataFrame(rows).set_index("kpi")

    def stage_summary(self) -> pd.DataFrame:
        """Mean over replications of each stage statistic, one row per stage."""
        return self.stages.groupby("stage", sort=False)[list(STAGE_KEYS)].mean()

    def role_summary(self) -> pd.DataFrame:
        """Mean over replications of each role statistic, one row per role (empty for records without roles)."""
        return self.roles.groupby("role", sort=False)[list(ROLE_KEYS)].mean()

    def cohort_curves(self) -> pd.DataFrame:
        """Retention by signing cohort (``start``, ``q1``, ...) and months since signing, pooled over
        replications: accounts (mean observable), logo_retention, grr, nrr (`orgsim.metrics.retention`)."""
        return cohort_frame(retention_doc(self.replications) or {})

    def to_dict(self) -> dict[str, Any]:
        """The `run --json` document of docs/reference/interfaces.md (no NaN, no infinity)."""
        reps = self.replications
        doc: dict[str, Any] = {
            "scenario": self.name,
            "seed": self.seed,
            "replications": len(reps),
            "horizon_months": self.scenario.horizon_months,
            "kpis": {k: describe_kpi(k, [r.kpis[k] for r in reps]) for k in KPI_KEYS},
            "funnel": {k: describe_step(k, [r.funnel[k] for r in reps]) for k in FUNNEL_KEYS},
            "funnel_by_source": {
                k: describe_step(k, [r.funnel[k] for r in reps]) for k in reps[0].funnel if k not in FUNNEL_KEYS
            },
            "stages": {
                name: {s: describe_step(s, [r.stages[name][s] for r in reps]) for s in STAGE_KEYS}
                for name in reps[0].stages
            },
            "runtime_s": self.runtime_s,
        }
        if reps[0].roles:  # (replications read back from an old checkpoint have none)
            doc["roles"] = {
                name: {k: describe_step(k, [r.roles.get(name, {}).get(k) for r in reps]) for k in ROLE_KEYS}
                for name in reps[0].roles
            }
        if "founder_hours" in reps[0].counters:  # founders' time (only with `founders`)
            doc["founders"] = {
                k.removeprefix("founder_"): describe([r.counters.get(k) for r in reps])
                for k in reps[0].counters
                if k.startswith("founder_")
            }
        retention = retention_doc(reps)
        if retention is not None:  # (replications read back from an old checkpoint have none)
            doc["retention"] = retention
        if self.params:
            doc["params"] = dict(self.params)
        if self.failures:
            doc["failures"] = [
                {k: f.get(k) for k in ("replication", "seed", "error", "invariants")} for f in self.failures
            ]
        doc.update(self.meta)
        return doc

    def _repr_html_(self) -> str:
        return (
            f"<h4>orgsim results: {self.name} ({len(self.replications)} replications, seed {self.seed})</h4>"
            + frame_html(self.summary())
        )


def simulate(
    scenario: Scenario,
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
    first_replication: int = 0,
    events: bool | str | os.PathLike | EventLogWriter | None = None,
) -> Results:
    # Over 60 lines: a public function with many options, half of it the docstring that documents them;
    # the body is the steps in order.
    """Run a scenario many times.

    Args:
        scenario: a loaded scenario (`orgsim.load_scenario`).
        replications: how many (with `precision`: the first batch); defaults to the scenario's
            `replications`.
        seed: defaults to the scenario's `seed`.
        workers: local processes (1 = in this process, 0 = all cores). Results do not depend on it.
        progress: called with (done, total) as replications finish.
        scheduler: a Dask scheduler address or `distributed.Client`; runs there instead.
        executor: an open `orgsim.experiments.executor(...)` to reuse (its pool stays open).
        precision: e.g. 0.02: add replications until the 95% CI half-width of every target KPI
            is within 2% of its mean (see `precision.Precision`); `results.meta["precision"]`
            reports how many it took.
        targets: the KPIs `precision` applies to (default arr_end).
        max_replications: the cap for `precision` (default 500).
        first_replication: run replications first_replication..first_replication+N-1 (each with
            the streams of (seed, index)), e.g. to reproduce one failed replication alone.
        events: True keeps the event log of every replication in `Results.events` (a
            DataFrame); a path (.csv, .csv.gz or .parquet) streams it to that file instead,
            replication by replication (`orgsim.outputs.event_log`), and `results.meta["events"]` says
            how many rows it holds; an `EventLogWriter` the caller has entered is written to and left
            open (`orgsim.outputs.transaction`). Every other number is the same with or without it.

    A replication that fails (an exception in the model, or a broken invariant) does not stop
    the others: it is listed in `Results.failures` and the results cover the rest. With
    `precision`, or when every replication fails, `ReplicationError` is raised instead (after
    every replication has run).
    """
    reps = scenario.replications if replications is None else int(replications)
    seed = scenario.seed if seed is None else int(seed)
    if reps < 1:
        raise ValueError(f"replications must be >= 1 (got {reps})")
    prec = as_precision(precision, targets, max_replications)
    first = int(first_replication)
    if first < 0:
        raise ValueError(f"first_replication must be >= 0 (got {first})")
    if first and prec is not None:
        raise ValueError("first_replication cannot be combined with precision")
    failures: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    with (
        _event_log(events, scenario, first) as log,
        using(executor, workers, scheduler, cap=None if prec else reps) as ex,
    ):
        if prec is None:
            out = ex.run([(0, scenario, seed, range(first, first + reps))], progress, failures=failures, events=log)[0]
            if not out:
                raise ReplicationError(failure_records(failures), f"every replication of {scenario.name} failed")
            meta: dict[str, Any] = {}
        else:
            got, info = replicate(ex, {0: scenario}, seed, reps, prec, progress=progress, events=log)
            out, meta = got[0], {"precision": info[0]}
        label = ex.label
    res = Results(
        scenario,
        seed,
        out,
        runtime_s=time.perf_counter() - t0,
        meta=meta,
        executor=label,
        failures=failure_records(failures),
    )
    if isinstance(log, EventFrames):
        res.events = log.frame()
    elif log is not None:
        res.meta["events"] = {"file": str(log.path), "rows": log.rows}
    return res


@contextmanager
def _event_log(
    events: bool | str | os.PathLike | EventLogWriter | None, scenario: Scenario, first: int
) -> Iterator[Any]:
    """Nothing, an in-memory collector (events=True), a file writer (events=path) or the caller's writer."""
    if events is None or events is False:
        yield None
    elif isinstance(events, EventLogWriter):
        yield events
        events.flush()  # every replication's rows written, so that meta["events"] counts them all
    elif events is True:
        yield EventFrames(first)
    else:
        with EventLogWriter(events, first) as writer:
            yield writer


def frame_html(frame: pd.DataFrame) -> str:
    """The table as a notebook shows it (what the experiments' own `_repr_html_` end with)."""
    return frame._repr_html_()  # type: ignore[operator]  # pandas-stubs do not declare DataFrame._repr_html_


def failure_records(failures: list[dict[str, Any]], params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Failure dicts without the executor's request key, with the params that made the scenario."""
    return [{**{k: v for k, v in f.items() if k != "key"}, "params": dict(params or {})} for f in failures]
