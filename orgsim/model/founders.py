"""Founders: people with hours who build product and step in on business work (issue 14, item 2).

Each founder works `time.productive_hours_per_day` hours a day. An idle founder looks, every
`check_days`, for the longest-waiting task they may take: a task of one of `kinds` queued in a
role's pool whose role has nobody on staff (``step_in: nobody``) or that has waited longer than
`overload_wait_days` (``step_in: overloaded``), or one of the founders' own care tasks (below).
They take it out of the pool's queue and do it at their own pace; its department then hears of it
as if the role had done it. A founder gives at most `business_share_max` of the month's
productive hours H to business work (a task may run past the cap once: hours count when it starts).

Care: accounts no CSM book holds (none at all while there is no CSM; with ``overloaded``, every
account beyond the books) get a care task of the founders' at the start of the month, largest
first; care not done by the month's end is not care (as for CSMs).

Product: in a month in which founder f gave b_f hours to business work, the founders add
sum_f E x (1 - b_f / H) engineers to product (E = `product_engineer_equivalent`). The maturity
forgone is the maturity a world where the founders did no business work would have (the same
engineers, founders at E each) less the maturity now: the direct cost, without what the business
work brought back (more customers, better health). Above `withdraw_above_customers` customers the
founders take no service work (delivery, onboarding, care, renewal, expansion).

No random draws: the rules are deterministic. Built only when `founders` is set; absent, nothing
here runs and the model is what it was before founders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from orgsim.model.clock import Entity, start, waker
from orgsim.model.entities import Care, Task
from orgsim.model.priorities import Ranked
from orgsim.scenario import MONTH_DAYS, Scenario
from orgsim.scenario.founders import SERVICE_KINDS

if TYPE_CHECKING:
    from orgsim.model.entities import Account
    from orgsim.model.pools import Pool
    from orgsim.model.stages import Results, StageStats
    from orgsim.model.trace import EventLog

__all__ = ["Founders", "founders_for"]


class _Founder(Entity):
    """One founder, as their own SimPy event (`orgsim.model.clock.Entity`): woken to look for
    work, or when the task taken is done. In place of a process that yielded a timeout each day:
    the same wake-ups, at the same times and in the same order, without a timeout event and a
    generator's resumption each (two founders look about 2,200 times a replication)."""

    __slots__ = ("i", "task", "own")

    def __init__(self, i: int):
        self.callbacks = None
        self.i = i
        self.task: Task | None = None
        self.own = False


class Founders:
    """The founders of one replication.

    Args:
        env: the simulation environment.
        sc: the scenario (reads ``founders`` and ``time.productive_hours_per_day``).
        pools: the roles' pools (also those of roles the scenario lacks), whose queues founders take work from.
        customers: how many customers the company has now (for `withdraw_above_customers`).
        log: the event log, when one is kept (a founder's task is logged as a role's is, with
            resource ``founder-<n>`` and role ``founder``).
    """

    def __init__(
        self,
        env: simpy.Environment,
        sc: Scenario,
        pools: list[Pool],
        customers: Callable[[], int],
        log: EventLog | None = None,
    ):
        spec = sc.founders
        assert spec is not None
        self.env = env
        self.spec = spec
        self.pools = pools
        self._staff = tuple(p.people for p in pools)  # each pool's list of people (kept in place by the pool)
        self.customers = customers
        self.log = log
        self.horizon_months = sc.horizon_months
        self.rate = sc.time.productive_hours_per_day  # hours of work per calendar day
        self.month_hours = self.rate * MONTH_DAYS  # H: a founder's productive hours in a month
        self.cap = spec.business_share_max * self.month_hours
        self.kinds = frozenset(spec.kinds)
        self.service_free = self.kinds - SERVICE_KINDS  # the kinds founders take once withdrawn
        self.overloaded = spec.step_in == "overloaded"
        self.care: list[Task] = []  # the founders' own care tasks, in order
        self.used = [0.0] * spec.count  # business hours of each founder this month
        self.hours: dict[str, float] = {k: 0.0 for k in spec.kinds}  # business hours by kind, whole run
        self.tasks = 0
        self.shadow: float | None = None  # maturity had the founders done no business work
        self.forgone = 0.0
        self.monthly_hours: list[float] = []
        self.monthly_forgone: list[float] = []
        self.withdraw_above = spec.withdraw_above_customers
        self.check_days = spec.check_days
        self.overload_wait = spec.overload_wait_days
        self._look_cb = (self._look,)
        # `wake` with these callbacks, pushing the very entry `Environment.schedule` would (a look a day)
        self._look_later = waker(env, self._look_cb)
        self._done_later = waker(env, (self._done,))
        for i in range(spec.count):
            start(env, _Founder(i), self._look_cb)  # where `env.process` started each founder's process

    # ---- the month ---------------------------------------------------------------------------

    def start_of_month(
        self,
        month: int,
        accounts: Iterable[Account],
        csm_headcount: int,
        care_hours: float,
        stage: StageStats,
        cared: Callable[[Task], Any],
    ) -> None:
        """Take on the care of accounts no CSM book holds this month (largest first)."""
        self.care = []
        if "care" not in self.kinds or care_hours <= 0 or self._withdrawn():
            return
        if self.spec.step_in == "nobody" and csm_headcount > 0:
            return
        month_end = (month + 1) * MONTH_DAYS
        now = self.env.now
        uncovered = sorted((a for a in accounts if a.live and not a.covered), key=lambda a: -a.arr)
        for a in uncovered:
            a.covered = True
            a.cared = False
            self.care.append(Task(stage, care_hours, None, 1.0, now, cared, Care(a, month_end), "care"))

    def product_month(self, engineers: float, months_to_mature: float, maturity: float) -> float:
        """The founders' engineer-equivalents for product this month (`Product.end_of_month`);
        also moves the no-business-work maturity and starts a new month of hours."""
        e = self.spec.product_engineer_equivalent
        h = self.month_hours
        given = sum(e * max(0.0, 1.0 - b / h) for b in self.used)
        full = engineers + e * len(self.used)
        shadow = maturity if self.shadow is None else self.shadow
        self.shadow = shadow + (1.0 - shadow) * min(1.0, full / months_to_mature)
        self.monthly_hours.append(sum(self.used))
        self.used = [0.0] * len(self.used)
        return given

    def end_of_month(self, maturity: float) -> None:
        """Note the maturity forgone after product's month (maturity is the product's, now)."""
        self.forgone = (self.shadow if self.shadow is not None else maturity) - maturity
        self.monthly_forgone.append(self.forgone)

    def record(self, into: Results) -> None:
        """Counters: founder hours by kind and in all, tasks taken, maturity forgone at the end;
        monthly series: founder business hours and maturity forgone."""
        c = into.counters
        for kind, h in self.hours.items():
            c[f"founder_hours.{kind}"] = h
        c["founder_hours"] = sum(self.hours.values())
        c["founder_tasks"] = self.tasks
        c["founder_maturity_forgone"] = self.forgone
        H = self.horizon_months
        hours = np.zeros(H)
        hours[: len(self.monthly_hours)] = self.monthly_hours[:H]
        forgone = np.full(H, self.forgone)  # (months after a default keep the last value)
        forgone[: len(self.monthly_forgone)] = self.monthly_forgone[:H]
        into.monthly["founder_hours"] = hours
        into.monthly["maturity_forgone"] = forgone

    # ---- the founders' days ------------------------------------------------------------------

    def _withdrawn(self) -> bool:
        limit = self.withdraw_above
        return limit is not None and self.customers() > limit

    def _look(self, f: _Founder) -> None:
        """Founder `f` is free: they take the longest-waiting task they may (and are woken when
        it is done), or look again in `check_days`."""
        i = f.i
        if not self.care and not self.overloaded and all(self._staff):
            got = None  # every role has someone and no care of their own: nothing founders may take
        else:
            got = self._next() if self.used[i] < self.cap else None
        if got is None:
            self._look_later(f, self.check_days)
            return
        task, own = got
        self.used[i] += task.effort
        self.hours[task.kind] += task.effort  # type: ignore[index]  # kinds founders take
        self.tasks += 1
        f.task, f.own = task, own
        if self.log is not None:
            self.log.task(task, "start", "founder", f"founder-{i + 1}")
        self._done_later(f, task.effort / self.rate)

    def _done(self, f: _Founder) -> None:
        """Founder `f`'s task is done: its department hears of it; then they look for more."""
        task: Task = f.task  # type: ignore[assignment]  # set when the task was taken
        f.task = None
        if self.log is not None:
            self.log.task(task, "complete", "founder", f"founder-{f.i + 1}")
        if not f.own:  # a role's task (the founders' own care has no stage to tell)
            task.stage.completed += 1
        if task.then is not None:
            task.then(task)
        self._look(f)

    def _next(self) -> tuple[Task, bool] | None:
        """The longest-waiting task founders may take now, out of its queue, and whether it is
        one of the founders' own care tasks (None: nothing to take)."""
        now = self.env.now
        care = self.care
        while care and care[0].ctx.month_end < now:
            care.pop(0)  # its month is over: care now would not count
        above = self.withdraw_above  # (`_withdrawn`, inlined)
        withdrawn = above is not None and self.customers() > above
        kinds = self.service_free if withdrawn else self.kinds
        best: Task | None = care[0] if care and not withdrawn else None
        where: Pool | None = None
        overloaded = self.overloaded
        limit = now - self.overload_wait
        for pool in self.pools:
            if pool.people:  # someone on staff (`headcount`, without the property: founders look daily)
                if not overloaded:
                    continue
                staffed = True
            else:
                staffed = False
            queue = pool.queue
            if not queue:
                continue
            if type(queue) is Ranked:  # the first such task without sorting the whole queue
                t = queue.first(kinds, Task)
            else:
                t = next((t for t in queue if type(t) is Task and t.kind in kinds), None)
            # (not a process's request, nor work founders do not take) the pool's first such task
            # is its longest waiting (FIFO): if it has not waited long enough, none of the others has
            if t is not None and (not staffed or t.since <= limit) and (best is None or t.since < best.since):
                best, where = t, pool
        if best is None:
            return None
        best.wait = now - best.since
        if where is None:
            care.pop(0)
            return best, True
        where.withdraw(best)
        best.stage.waits_days.append(best.wait)
        return best, False


def founders_for(
    env: simpy.Environment,
    sc: Scenario,
    pools: list[Pool],
    customers: Callable[[], int],
    log: EventLog | None = None,
) -> Founders | None:
    """The founders, or None when the scenario has none (`founders` absent or `count: 0`)."""
    if sc.founders is None or sc.founders.count == 0:
        return None
    return Founders(env, sc, pools, customers, log)
