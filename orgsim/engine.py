"""One replication: build the company, run the clock, hand back raw records.

`run_replication` is the only entry point the experiment layer needs. What it returns is plain
data (numbers and numpy arrays), so it pickles cheaply to and from worker processes; turning it
into KPIs is the job of `orgsim.metrics`. Each department of the model contributes its own part
of the record (`orgsim.model.company.Company.results`).
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field

import numpy as np

from orgsim.model.company import Company
from orgsim.model.retention_log import RetentionRecord
from orgsim.model.stages import RoleRecord, StageRecord
from orgsim.scenario import Scenario

__all__ = ["RawRecord", "RoleRecord", "StageRecord", "run_replication"]


@dataclass
class RawRecord:
    """Everything one replication produced that metrics need."""

    scenario: str
    seed: int
    replication: int
    horizon_months: int
    gross_margin: float
    starting_arr: float
    starting_customers: int
    monthly: dict[str, np.ndarray]
    funnel: dict[str, int]
    counters: dict[str, float]
    stages: dict[str, StageRecord]
    cohort_arr: dict[int, float]
    final_arr: dict[int, float]
    runtime_s: float = 0.0
    streams: list[str] = field(default_factory=list)
    events: list | None = None  # event log rows (`orgsim.model.trace.COLUMNS`), when asked for
    roles: dict[str, RoleRecord] = field(default_factory=dict)  # the per-role table
    retention: RetentionRecord | None = None  # by segment and cohort (`orgsim.model.retention_log`)


def run_replication(sc: Scenario, seed: int, replication: int, events: bool = False) -> RawRecord:
    """Simulate the scenario once with the random streams of (seed, replication).

    With `events`, the record also holds the replication's event log (`RawRecord.events`);
    every other number is the same either way.
    """
    t0 = time.perf_counter()
    was_enabled = gc.isenabled()
    gc.disable()  # the whole replication (`Company.run` pauses the collector for the run alone)
    try:
        co = Company(sc, seed, replication, events=events)
        co.run()
        res = co.results()
        record = RawRecord(
            scenario=sc.name,
            seed=seed,
            replication=replication,
            horizon_months=sc.horizon_months,
            gross_margin=sc.company.gross_margin,
            starting_arr=res.starting_arr,
            starting_customers=res.starting_customers,
            monthly=res.monthly,
            funnel=res.funnel,
            counters=res.counters,
            stages=res.stages,
            cohort_arr=res.cohort_arr,
            final_arr=res.final_arr,
            runtime_s=time.perf_counter() - t0,
            streams=co.streams.names,
            events=co.events.rows if co.events is not None else None,
            roles=res.roles,
            retention=res.retention,
        )
        # the collector comes back once the company is dropped: its next collection frees the
        # replication's objects (cycles included) while they are young, instead of scanning them
        # alive right after the run and again, promoted to older generations, in full collections
        del co, res
    finally:
        if was_enabled:
            gc.enable()
    return record
