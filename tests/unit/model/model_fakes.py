"""Fakes for building one department of the model alone (tests/unit/model/test_*.py).

Each test builds a department with a tiny scenario (`tiny`), a real clock and random streams,
real pools where people's time matters, and fakes for the departments around it: `Next` records
what it is handed (``accept``) with the time, so tests assert on an ordered log of handoffs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from orgsim.model.clock import Clock
from orgsim.model.people import Person
from orgsim.model.pools import Pool
from orgsim.model.stages import StageStats
from orgsim.rng import Streams
from orgsim.scenario import Scenario

HOURS = 6.0  # productive hours a day: 6 effort hours take one day


def fixed(value: float) -> dict:
    return {"dist": "fixed", "value": value}


BASE: dict[str, Any] = {
    "horizon_months": 12,
    "segments": {
        "smb": {
            "lead_mix": 1.0,
            "acv": fixed(12000.0),
            "sales_cycle_days": fixed(10.0),
            "win_rate": 1.0,
            "go_live_days": fixed(5.0),
            "contract_months": 12,
            "renewal_rate": 1.0,
            "effort_hours": {"opportunity": fixed(6.0)},
        },
    },
    "roles": {"ae": {"department": "sales", "headcount": 1}},
    "funnel": {"mql_to_sql": 1.0, "sql_to_opportunity": 1.0},
    "effort_hours": {
        "qualify": fixed(3.0),
        "renewal": fixed(6.0),
        "expansion": fixed(6.0),
        "account_care_per_month": 0.0,
    },
    "customers": {"health": {"noise_sd": 0.0}, "expansion": {"monthly_probability": 0.0}},
    "hiring": {"attrition_per_year": {"default": 0.0}},
}


def two_segments(name: str, acv: float, cycle_days: float, win_rate: float) -> dict:
    """`segments:` with the tiny scenario's smb and a second segment, half the leads each."""
    second = {"acv": fixed(acv), "sales_cycle_days": fixed(cycle_days), "win_rate": win_rate}
    return {"smb": {"lead_mix": 0.5}, name: {"lead_mix": 0.5, **second, "effort_hours": {"opportunity": fixed(6.0)}}}


def _merge(into: dict, over: dict) -> dict:
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v
    return into


def make_scenario(**over: Any) -> Scenario:
    """The base scenario with nested keys replaced: ``make_scenario(funnel={"mql_to_sql": 0.0})``."""
    return Scenario.model_validate(_merge(copy.deepcopy(BASE), over))


class Next:
    """A fake next department: logs ("accept", what, time) for everything it is handed."""

    def __init__(self, clock: Clock, describe: Callable[[Any], Any] = lambda x: x):
        self.clock = clock
        self.describe = describe
        self.items: list[Any] = []
        self.log: list[tuple] = []

    def accept(self, item: Any) -> None:
        self.items.append(item)
        self.log.append(("accept", self.describe(item), round(self.clock.now, 9)))


def make_pool(clock: Clock, role: str, n: int, pods: tuple[str | None, ...] = ()) -> Pool:
    """A pool of `n` fully ramped people (pods given one per person, or none)."""
    pool = Pool(clock.env, role, HOURS, 1e6)
    for i in range(n):
        pool.add(Person(i + 1, role, -1e9, 0.0, 1.0, pods[i] if pods else None))
    return pool


def stage(name: str, pool: Pool | None) -> StageStats:
    return StageStats(name, pool)


def world() -> tuple[Clock, Streams]:
    """A fresh clock (no horizon) and the random streams of seed 1, replication 0."""
    return Clock(end=1e9), Streams(seed=1, replication=0)
