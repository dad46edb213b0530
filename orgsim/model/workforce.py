"""Headcount over time: starting staff, hiring, ramp, attrition, backfill and the growth plan.

Who is in each role's pool (`orgsim.model.pools`), and when that changes: the hiring plan and
the growth plan open requisitions; a requisition becomes a person after `time_to_hire_days`
(the candidate search) and, where the company has recruiters, a recruiter's closing work; a new
person ramps up over `ramp_months`; people leave by annual attrition and are backfilled. People
differ when a role says so: each joiner draws a productivity multiplier (`productivity_cv`), and a
hire made during the run may wash out, leaving at the end of ramp (`washout_probability`). It
serves every department of the value chain and calls none of them: whoever needs to know that
someone joined registers with `on_join` (the company wires the routing of opportunities to AEs
this way). While cash is below zero the company sets `frozen`: no new requisitions (hiring plan,
growth plan or backfill); requisitions already open go on to a hire.

Functional effects, each off unless the scenario asks (docs/explanation/model/functional.md): with
`hiring.founder_hires_per_month`, a company with no recruiter on staff has its founders close hires
one after another at that rate (otherwise at once, for free); with `company.admin_span`, each new
requisition's time to hire is stretched by 1 + time_to_hire_overload x u, u the share of people on
staff beyond what the admins can support.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from orgsim.distributions import Sampler
from orgsim.model.clock import Clock, wake
from orgsim.model.entities import Requisition, Task
from orgsim.model.people import Person
from orgsim.model.pools import Pool
from orgsim.model.stages import StageStats
from orgsim.rng import Streams
from orgsim.scenario import MONTH_DAYS, Scenario
from orgsim.scenario.functional import uncovered_share

if TYPE_CHECKING:
    from orgsim.model.stages import Results
    from orgsim.model.trace import EventLog


def lognormal_mean_one(cv: float) -> tuple[float, float]:
    """(mu, sigma) of the lognormal with mean 1 and coefficient of variation `cv`:
    sigma^2 = ln(1 + cv^2), mu = -sigma^2 / 2."""
    s2 = math.log1p(cv * cv)
    return -s2 / 2.0, math.sqrt(s2)


# re-exported: people and pools used to live here
__all__ = ["Person", "Pool", "StageStats", "Task", "Workforce"]


class Workforce:
    """Every role's pool, plus hiring, attrition and the growth plan.

    Args:
        clock: the replication's clock.
        sc: the scenario (reads ``roles``, ``hiring``, ``time``, ``ownership.routing``).
        streams: the replication's random streams (``attrition.<role>``, ``hire.time.<role>``;
            ``productivity.<role>`` and ``washout.<role>`` only for roles with those mechanisms on).
        log: the event log, when one is kept (pools then log their tasks).
    """

    def __init__(self, clock: Clock, sc: Scenario, streams: Streams, log: EventLog | None = None):
        self.clock = clock
        self.env = clock.env
        self.sc = sc
        self.log = log
        self.pools: dict[str, Pool] = {name: self._new_pool(name) for name in sc.roles}
        self._pid = 0
        self._empty: dict[str, Pool] = {}
        self._growth_acc: dict[str, float] = {}
        self._on_join: dict[str, list[Callable[[Person], None]]] = {}
        self.hires = 0
        self.leavers = 0
        self.washouts = 0
        self.requisitions_open = 0
        self.frozen = False  # hiring freeze (cash below zero): no new requisitions
        recruiters = [n for n, r in sc.roles.items() if r.hires_per_month]
        self.recruiting_pool = self.pools[recruiters[0]] if recruiters else None
        self.recruiting = StageStats("recruiting", self.recruiting_pool)
        self._searched_cbs = (Requisition.part_done,)  # the candidate search is one part
        self._ramp_start = sc.hiring.ramp_start_productivity
        self._attrition = {name: streams.generator(f"attrition.{name}") for name in sc.roles}
        self._time_to_hire = {
            name: Sampler(sc.hiring.time_to_hire_days, streams.generator(f"hire.time.{name}")) for name in sc.roles
        }
        # people who differ: only roles with the mechanism on get (and draw from) a stream
        self._productivity = {
            name: (lognormal_mean_one(r.productivity_cv), streams.generator(f"productivity.{name}"))
            for name, r in sc.roles.items()
            if r.productivity_cv > 0
        }
        self._washout = {
            name: (r.washout_probability, streams.uniforms(f"washout.{name}"))
            for name, r in sc.roles.items()
            if r.washout_probability > 0
        }
        self._founder_days = MONTH_DAYS / fh if (fh := sc.hiring.founder_hires_per_month) else None
        self._founder_free = 0.0  # when the founders are next free to close a hire
        self.founder_closes = 0
        self._admin = sc.company.admin_span  # None: time to hire does not depend on admins
        for name, role in sc.roles.items():
            for _ in range(role.headcount):
                self._join(name, hired_at=-1e9)  # on staff before the run: fully ramped

    def on_join(self, role: str, fn: Callable[[Person], None]) -> None:
        """Call ``fn(person)`` whenever someone hired during the run joins `role`'s pool."""
        self._on_join.setdefault(role, []).append(fn)

    def record(self, into: Results) -> None:
        """People hired and people who left."""
        into.counters["hires"] = self.hires
        into.counters["leavers"] = self.leavers
        if self._washout:
            into.counters["washouts"] = self.washouts
        if self._founder_days is not None:
            into.counters["founder_closes"] = self.founder_closes

    def pool(self, role: str) -> Pool | None:
        """The role's pool, None when the scenario has no such role."""
        return self.pools.get(role)

    def pool_or_empty(self, role: str) -> Pool:
        """The role's pool; a pool with nobody in it when the scenario has no such role."""
        p = self.pools.get(role)
        if p is None:
            p = self._empty.get(role)
            if p is None:
                p = self._empty[role] = self._new_pool(role)
        return p

    def _new_pool(self, role: str) -> Pool:
        """A role's pool; one that logs its tasks when the company keeps an event log."""
        args = (self.env, role, self.sc.time.productive_hours_per_day, self.sc.horizon_days)
        log = self.log
        if log is None:
            return Pool(*args)
        from orgsim.model.trace import LoggedPool

        return LoggedPool(*args, log)

    # ---- joining and leaving ---------------------------------------------------------------

    def _pod_for(self, role: str) -> str | None:
        r = self.sc.roles[role]
        pods = r.pods
        if not pods or self.sc.ownership.routing != "segment":
            return None
        pool = self.pools[role]
        n = pool.headcount + 1
        # the pod furthest below its share gets the new person
        return max(pods, key=lambda s: (pods[s] * n - pool.pod_count.get(s, 0), pods[s]))

    def _join(self, role: str, hired_at: float) -> None:
        self._pid += 1
        r = self.sc.roles[role]
        ramp_days = r.ramp_months * MONTH_DAYS
        person = Person(self._pid, role, hired_at, ramp_days, self._ramp_start, self._pod_for(role))
        spread = self._productivity.get(role)
        if spread is not None:
            (mu, sigma), gen = spread
            person.productivity = float(gen.lognormal(mu, sigma))
        self.pools[role].add(person)
        if hired_at >= 0:
            for fn in self._on_join.get(role, ()):
                fn(person)  # e.g. a new AE has room for opportunities waiting for one
        rate = self.sc.hiring.attrition(role)
        if rate > 0:
            stay = self._attrition[role].exponential(365.25 / rate)
            start = max(hired_at, 0.0)
            if start + stay < self.sc.horizon_days:
                self.clock.later(start + stay - self.env.now, self._leave, person)
        washout = self._washout.get(role) if hired_at >= 0 else None
        if washout is not None and washout[1].bernoulli(washout[0]):
            end = hired_at + ramp_days  # washes out at the end of ramp (a leaver like any other)
            if end < self.sc.horizon_days:
                self.clock.later(end - self.env.now, self._wash_out, person)

    def _wash_out(self, person: Person) -> None:
        if person.gone or person.leaving:
            return  # left by attrition first
        self.washouts += 1
        self._leave(person)

    def _leave(self, person: Person) -> None:
        if person.gone or person.leaving:
            return  # washed out first (only with washout_probability > 0)
        self.leavers += 1
        self.pools[person.role].remove(person)
        if self.sc.hiring.backfill and not self.frozen:
            self.open_requisition(person.role)

    def open_requisition(self, role: str) -> None:
        """A requisition: candidate search (calendar) in parallel with a recruiter's closing work."""
        self.requisitions_open += 1
        req = Requisition(role, self._hire)
        search = self._time_to_hire[role]()
        if self._admin is not None:
            search *= 1.0 + self._admin.time_to_hire_overload * self.admin_uncovered()
        wake(self.env, req, self._searched_cbs, search)
        rp = self.recruiting_pool
        # with no recruiter on staff (or a recruiter being hired) the founders close the hire
        if rp is not None and rp is not self.pools[role] and rp.headcount > 0:
            per_month = self.sc.roles[rp.role].hires_per_month
            assert per_month  # the recruiting pool is a role with hires_per_month
            hours = rp.hours_per_day * MONTH_DAYS / per_month
            req.expect()
            rp.submit(self.recruiting, hours, self._closed, req)
        elif self._founder_days is not None:
            # the founders close hires one after another, each taking a month / founder_hires_per_month
            now = self.env.now
            self._founder_free = max(self._founder_free, now) + self._founder_days
            req.expect()
            self.clock.later(self._founder_free - now, self._founder_closed, req)

    def admin_uncovered(self) -> float:
        """u = max(0, 1 - admins x people_per_admin / people on staff) (`company.admin_span`)."""
        a = self._admin
        assert a is not None
        admins = self.pools[a.admin_role].headcount
        people = sum(p.headcount for p in self.pools.values())
        return uncovered_share(people, admins * a.people_per_admin)

    def _founder_closed(self, req: Requisition) -> None:
        self.founder_closes += 1
        req.part_done()

    def _closed(self, task: Task) -> None:
        task.ctx.part_done()

    def _hire(self, req: Requisition) -> None:
        self.requisitions_open -= 1
        self.hires += 1
        self._join(req.role, self.env.now)

    # ---- plans -----------------------------------------------------------------------------

    def start_of_month(self, month: int, arr: float) -> None:
        """Open the requisitions the hiring plan and growth plan call for in `month` (0-based);
        none during a hiring freeze (the growth plan's fractions do not accumulate meanwhile)."""
        if self.frozen:
            return
        for req in self.sc.hiring.plan:
            if req.month - 1 == month:
                for _ in range(req.count):
                    self.open_requisition(req.role)
        g = self.sc.hiring.growth
        if g is None or g.hires_per_month <= 0 or not g.focus_order:
            return
        stage = self.growth_stage(month, arr)
        focus = g.focus_order[stage]
        others = [d for d in g.focus_order if d != focus and g.mix.get(d)]
        shares = {focus: g.focus_share if others else 1.0}
        for d in others:
            shares[d] = (1.0 - g.focus_share) / len(others)
        for dept, share in shares.items():
            mix = g.mix.get(dept, {})
            total = sum(mix.values())
            for role, w in mix.items():
                if w <= 0:
                    continue
                acc = self._growth_acc.get(role, 0.0) + g.hires_per_month * share * w / total
                n = math.floor(acc + 1e-9)
                self._growth_acc[role] = acc - n
                for _ in range(n):
                    self.open_requisition(role)

    def growth_stage(self, month: int, arr: float) -> int:
        """The growth plan's stage in `month` (0-based) at ARR `arr`."""
        g = self.sc.hiring.growth
        assert g is not None
        last = len(g.focus_order) - 1
        if g.arr_milestones is not None:
            return min(sum(1 for m in g.arr_milestones if arr >= m), last)
        assert g.months_per_stage is not None  # the schema asks for one of the two
        return min(int(month // g.months_per_stage), last)
