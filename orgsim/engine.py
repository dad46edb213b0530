"""One replication: build the company, run the clock, hand back raw records.

`run_replication` is the only entry point the experiment layer needs. What it returns is plain
data (numbers and numpy arrays), so it pickles cheaply to and from worker processes; turning it
into KPIs is the job of `orgsim.metrics`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from orgsim.model.company import STAGES, Company
from orgsim.scenario import Scenario


@dataclass
class StageRecord:
    arrivals: int
    completed: int
    waits_hours: np.ndarray  # one per task that started, plus time waited so far by tasks still queued
    busy_days: float
    person_days: float  # the serving role's staffed time over the horizon


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
    events: list | None = None  # event log rows (`orgsim.model.events.COLUMNS`), when asked for


def run_replication(sc: Scenario, seed: int, replication: int, events: bool = False) -> RawRecord:
    """Simulate the scenario once with the random streams of (seed, replication).

    With `events`, the record also holds the replication's event log (`RawRecord.events`);
    every other number is the same either way.
    """
    t0 = time.perf_counter()
    co = Company(sc, seed, replication, events=events)
    starting_arr = co.finance.arr
    starting_customers = len(co.success.accounts)
    co.run()
    horizon = sc.horizon_days
    f = co.finance
    monthly = dict(co.monthly)
    monthly.update(
        revenue=f.revenue.copy(),
        collections=f.collections.copy(),
        cash=f.cash.copy(),
        new_arr=f.new_arr.copy(),
        expansion_arr=f.expansion_arr.copy(),
        churned_arr=f.churned_arr.copy(),
        sm_cost=f.sm_cost(),
    )
    monthly["cost.paid_marketing"] = f.paid.copy()
    monthly["cost.overhead"] = f.overhead.copy()
    monthly["cost.cogs"] = f.cogs.copy()
    for dept, arr in f.people.items():
        monthly[f"cost.{dept}"] = arr.copy()
    monthly["cost.total"] = sum(monthly[f"cost.{d}"] for d in f.people) + f.paid + f.overhead + f.cogs
    won_cum = monthly.pop("won")
    monthly["new_customers"] = np.diff(won_cum, prepend=0.0)

    stages: dict[str, StageRecord] = {}
    for name in STAGES:
        st = co.stages.get(name)
        if st is None:
            stages[name] = StageRecord(0, 0, np.zeros(0), 0.0, 0.0)
            continue
        waits = np.array(st.waits_days, dtype=float)
        tail: list[float] = []  # tasks still waiting at the horizon: the time waited so far
        pool = st.pool
        person_days = 0.0
        if pool is not None:
            tail += [horizon - t for t in pool.waiting_since(st)]
            pool._integrate()
            person_days = pool.person_days
        if name == "sales":  # opportunities still waiting for an AE with room
            tail += [horizon - t for t in co.sdr.waiting_since()]
        if tail:
            waits = np.concatenate((waits, np.array(tail, dtype=float)))
        stages[name] = StageRecord(st.arrivals, st.completed, waits * 24.0, st.busy_days, person_days)

    s = co.success
    counters = {
        "renewals_due": s.renewals_due,
        "renewals_done": s.renewals_done,
        "churned_logos": s.churned,
        "expansions": s.expansions,
        "hires": co.workforce.hires,
        "leavers": co.workforce.leavers,
        "presales_skipped": co.presales.skipped,
        "mean_sales_cycle_days": float(np.mean(co.sales.cycle_days)) if co.sales.cycle_days else 0.0,
        "mean_go_live_days": float(np.mean(co.delivery.go_live_days)) if co.delivery.go_live_days else 0.0,
        "mean_onboarding_wait_days": float(np.mean(co.delivery.onboarding_wait_days)) if co.delivery.onboarding_wait_days else 0.0,
    }
    return RawRecord(
        scenario=sc.name,
        seed=seed,
        replication=replication,
        horizon_months=sc.horizon_months,
        gross_margin=sc.company.gross_margin,
        starting_arr=starting_arr,
        starting_customers=starting_customers,
        monthly=monthly,
        funnel=dict(co.funnel),
        counters=counters,
        stages=stages,
        cohort_arr=co.cohort_arr or {},
        final_arr=getattr(co, "final_arr", {}),
        runtime_s=time.perf_counter() - t0,
        streams=co.streams.names,
        events=co.events.rows if co.events is not None else None,
    )
