"""People: one employee, and how fast they work as they ramp up after joining.

A person's speed rises linearly from `hiring.ramp_start_productivity` to 1 over `ramp_months`;
`Person.duration` turns effort hours into clock days along that ramp. People differ: each has a
productivity multiplier (1 unless `roles.<role>.productivity_cv` > 0), and their productive hours
per day are the pool's hours x that multiplier (`Person.hours`, set when they join a pool). The pools that share out
work among people are `orgsim.model.pools`; who joins and leaves is `orgsim.model.workforce`.
"""

from __future__ import annotations

import math

__all__ = ["Person"]


class Person:
    """One employee."""

    __slots__ = (
        "pid",
        "role",
        "hired_at",
        "ramp_days",
        "ramp_start",
        "busy",
        "leaving",
        "gone",
        "pod",
        "open_opps",
        "own",
        "productivity",
        "hours",
    )

    def __init__(
        self,
        pid: int,
        role: str,
        hired_at: float,
        ramp_days: float,
        ramp_start: float,
        pod: str | None,
        productivity: float = 1.0,
    ):
        self.pid = pid
        self.role = role
        self.hired_at = hired_at
        self.ramp_days = ramp_days
        self.ramp_start = ramp_start
        self.busy = False
        self.leaving = False
        self.gone = False
        self.pod = pod
        self.open_opps = 0
        self.own: list | None = None  # tasks for this person only (`Pool.submit(person=...)`), longest waiting first
        self.productivity = productivity  # multiplies speed (1 = the role's typical person)
        # task hours per calendar day at full ramp: the pool's hours x productivity (`Pool.add`)
        self.hours = math.nan

    def speed(self, now: float) -> float:
        """Share of full productivity at time `now` (linear ramp)."""
        if self.ramp_days <= 0:
            return 1.0
        x = (now - self.hired_at) / self.ramp_days
        if x >= 1.0:
            return 1.0
        return self.ramp_start + (1.0 - self.ramp_start) * max(x, 0.0)

    def duration(self, effort_hours: float, hours_per_day: float, now: float) -> float:
        """Clock days to do `effort_hours` starting at `now`, speeding up as the ramp goes on.

        Solves  hours_per_day x integral of speed(t) dt = effort_hours  for the duration.
        """
        x0 = (now - self.hired_at) / self.ramp_days if self.ramp_days > 0 else 1.0
        if x0 >= 1.0:
            return effort_hours / hours_per_day
        if effort_hours <= 0:
            return 0.0  # (the formula below may round to a tiny negative duration)
        x0 = max(x0, 0.0)
        s0, r = self.ramp_start, self.ramp_days
        a = (1.0 - s0) / 2.0  # work (in ramp-days) done between ramp fractions x0 and y:
        work_to_full = s0 * (1.0 - x0) + a * (1.0 - x0 * x0)  # s0 (y - x0) + a (y^2 - x0^2)
        need = effort_hours / (hours_per_day * r)
        if need >= work_to_full:
            return r * (1.0 - x0) + (need - work_to_full) * r
        c = -(need + s0 * x0 + a * x0 * x0)
        y = (-s0 + math.sqrt(s0 * s0 - 4.0 * a * c)) / (2.0 * a) if a > 0 else x0 + need / s0
        return max(r * (y - x0), 0.0)
