"""Stages of the value chain and the record: what each stage did, what each department reports.

A stage (`orgsim.names.STAGES`: marketing, sdr, sales, presales, implementation, csm) counts the
tasks it sent to a pool (`orgsim.model.pools.Pool`), their waits and the busy time they took.
The company makes one per stage and hands each to the departments that account work there;
`stage_records` turns them into the replication's record at the end.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from orgsim.model.pools import Pool
    from orgsim.model.retention_log import RetentionRecord

__all__ = ["Results", "RoleRecord", "StageRecord", "StageStats", "mean", "role_records", "stage_records"]


class StageStats:
    """What a stage did: task arrivals, completions, waits, busy time (for utilisation).

    Waits are kept one per started task (the p90 needs them all) in an ``array('d')``: 8 bytes
    a task instead of a Python float and a list slot.
    """

    __slots__ = ("name", "arrivals", "completed", "waits_days", "busy_days", "waiting", "pool")

    def __init__(self, name: str, pool: Pool | None):
        self.name = name
        self.pool = pool
        self.arrivals = 0
        self.completed = 0
        self.waits_days = array("d")
        self.busy_days = 0.0
        self.waiting = 0


@dataclass
class StageRecord:
    """What one stage did over a replication (part of `orgsim.engine.RawRecord`)."""

    arrivals: int
    completed: int
    waits_hours: np.ndarray  # one per task that started, plus time waited so far by tasks still queued
    busy_days: float
    person_days: float  # the serving role's staffed time over the horizon


def stage_records(
    stages: dict[str, StageStats],
    names: Iterable[str],
    horizon: float,
    tails: dict[str, list[float]],
) -> dict[str, StageRecord]:
    """The record of each named stage at the end of the run (`horizon`, days).

    A task still waiting at the horizon counts with the time it waited so far: those of the
    stage's pool, and `tails` (when other waits of a stage began, e.g. opportunities waiting
    for an AE with room).
    """
    out: dict[str, StageRecord] = {}
    for name in names:
        st = stages.get(name)
        if st is None:
            out[name] = StageRecord(0, 0, np.zeros(0), 0.0, 0.0)
            continue
        waits = np.array(st.waits_days, dtype=float)
        tail: list[float] = []
        pool = st.pool
        person_days = 0.0
        if pool is not None:
            tail += [horizon - t for t in pool.waiting_since(st)]
            person_days = pool.staffed_days()
        tail += [horizon - t for t in tails.get(name, ())]
        if tail:
            waits = np.concatenate((waits, np.array(tail, dtype=float)))
        out[name] = StageRecord(st.arrivals, st.completed, waits * 24.0, st.busy_days, person_days)
    return out


@dataclass
class RoleRecord:
    """What one role did over a replication, over every stage its pool serves (the per-role table)."""

    busy_days: float  # busy time of every task the role's pool did (sales, qualification by AEs, recruiting...)
    person_days: float  # the role's staffed time over the horizon
    headcount_end: int
    backlog: int  # tasks waiting for the role at the end, plus opportunities waiting for an AE with room
    meetings_booked: float = 0.0  # outbound meetings the role booked by prospecting
    serves: bool = True  # False: no stage sends the role tasks (its utilisation is undefined)


def role_records(
    pools: dict[str, Pool], stages: Iterable[StageStats], booked: dict[str, float] | None = None
) -> dict[str, RoleRecord]:
    """Each role's record: the busy time and backlog of every stage whose pool is the role's pool."""
    stages = list(stages)
    out: dict[str, RoleRecord] = {}
    for role, pool in pools.items():
        served = [st for st in stages if st.pool is pool]
        out[role] = RoleRecord(
            busy_days=sum(st.busy_days for st in served),
            person_days=pool.staffed_days(),
            headcount_end=pool.headcount,
            backlog=sum(st.waiting for st in served),
            meetings_booked=float((booked or {}).get(role, 0.0)),
            serves=bool(served),
        )
    return out


@dataclass
class Results:
    """The parts of a replication's record the departments contribute (`Company.results`).

    Each department adds its own: funnel counts, counters, monthly series, the start times of
    waits that are not a pool's (``stage_tails``), and customer success its cohort and final ARR
    by account. `orgsim.engine.run_replication` turns them into a `RawRecord`.
    """

    monthly: dict[str, np.ndarray] = field(default_factory=dict)
    funnel: dict[str, int] = field(default_factory=dict)
    counters: dict[str, float] = field(default_factory=dict)
    stage_tails: dict[str, list[float]] = field(default_factory=dict)
    stages: dict[str, StageRecord] = field(default_factory=dict)
    roles: dict[str, RoleRecord] = field(default_factory=dict)
    cohort_arr: dict[int, float] = field(default_factory=dict)
    final_arr: dict[int, float] = field(default_factory=dict)
    starting_arr: float = 0.0
    starting_customers: int = 0
    retention: RetentionRecord | None = None  # retention by segment and cohort (`orgsim.model.retention_log`)

    def count(self, counts: dict[str, int]) -> None:
        """Add funnel counts (keys another department counted too add up)."""
        funnel = self.funnel
        for k, v in counts.items():
            funnel[k] = funnel.get(k, 0) + v


def mean(values: Iterable[float]) -> float:
    """The mean, 0 when there are no values (a counter of the record)."""
    values = list(values)
    return float(np.mean(values)) if values else 0.0
