"""CSM coverage: which live accounts sit on a CSM's book this month, and their care tasks.

By default the largest `headcount x book_size` accounts are covered (`AccountCare.plan_month`).
With `roles.csm.arr_per_csm` or `customers.tech_touch`, `assign_books` decides: books fill
largest account first until either `headcount x book_size` accounts or `headcount x arr_per_csm`
of ARR is reached (the first account that does not fit ends the books); accounts of tech-touch
segments take no book slot and no ARR budget — a pooled program covers them whenever the company
has a CSM. `AccountCare` puts each covered account's monthly care task (`account_care_per_month`)
and the pooled program's tasks (`tech_touch.care_hours_per_month` an account, `accounts_per_task`
accounts a task) on the CSM pool, spread evenly over the month; care counts when it is done
within its month.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import simpy

from orgsim.model.clock import Plan
from orgsim.model.entities import Care, PooledCare
from orgsim.scenario import MONTH_DAYS, Scenario

if TYPE_CHECKING:
    from orgsim.model.entities import Account, Task
    from orgsim.model.pools import Pool
    from orgsim.model.relationships import Relationships
    from orgsim.model.stages import StageStats

__all__ = ["AccountCare", "assign_books", "program_groups"]


def assign_books(
    ranked: Iterable[Account],
    heads: int,
    book_size: int | None,
    arr_per_csm: float | None,
    pooled_segments: frozenset[str],
) -> tuple[list[Account], list[Account]]:
    """Set `covered` on every account (largest first in `ranked`); return (on CSM books, pooled)."""
    slots = heads * (book_size if book_size is not None else 10**9)
    budget = heads * arr_per_csm if arr_per_csm is not None else math.inf
    booked: list[Account] = []
    pooled: list[Account] = []
    full = False
    for a in ranked:
        if a.segment in pooled_segments:
            a.covered = heads > 0
            if a.covered:
                pooled.append(a)
            continue
        if not full and slots > 0 and a.arr <= budget:
            slots -= 1
            budget -= a.arr
            a.covered = True
            booked.append(a)
        else:
            full = True
            a.covered = False
    return booked, pooled


def program_groups(pooled: list[Account], k: int, one_segment: bool = False) -> list[list[Account]]:
    """The pooled accounts (largest first) in groups of `k` by segment, segments in order of their
    first account. `one_segment`: all are of one segment (the groups are then cut from `pooled`
    itself, without sorting them by segment first)."""
    if one_segment:
        return [pooled[i : i + k] for i in range(0, len(pooled), k)]
    by_segment: dict[str, list[Account]] = {}
    for a in pooled:
        by_segment.setdefault(a.segment, []).append(a)
    return [accs[i : i + k] for accs in by_segment.values() for i in range(0, len(accs), k)]


class AccountCare:
    """Each month: which live accounts are covered (CSM books, the pooled program) and their care
    tasks for the CSM pool.

    Args:
        sc: the scenario (reads the csm role, ``effort_hours.account_care_per_month`` and
            ``customers.tech_touch``).
        env: the SimPy environment.
        csm: the CSMs' pool; stage: the stage its care tasks count in.
        rel: the relationships, touched by each care task done (None: off).
    """

    def __init__(self, sc: Scenario, env: simpy.Environment, csm: Pool, stage: StageStats, rel: Relationships | None):
        self.env = env
        self.csm = csm
        self.stage = stage
        self.rel = rel
        role = sc.roles.get("csm")
        self.book_size = role.book_size if role is not None else None
        self.arr_per_csm = role.arr_per_csm if role is not None else None
        tt = sc.customers.tech_touch
        self.pooled = frozenset(tt.segments) if tt is not None else frozenset()
        self.pooled_hours = tt.care_hours_per_month if tt is not None else 0.0
        self.pooled_batch = tt.accounts_per_task if tt is not None else 1
        self.simple_books = tt is None and self.arr_per_csm is None  # coverage as before the options
        self.care_hours = sc.effort_hours.account_care_per_month

    def plan_month(self, ranked: list[Account], month: int) -> None:
        """Set `covered` on the live accounts `ranked` (largest first) and plan the month's care."""
        if self.simple_books:
            capacity = self.csm.headcount * (self.book_size if self.book_size is not None else 10**9)
            for i, a in enumerate(ranked):
                a.covered = i < capacity
            covered = [a for a in ranked if a.covered] if self.care_hours > 0 else []
        else:
            covered, pooled = assign_books(ranked, self.csm.headcount, self.book_size, self.arr_per_csm, self.pooled)
            for a in pooled:
                a.cared = self.pooled_hours <= 0  # a program that needs no CSM time always happens
            if self.pooled_hours > 0 and pooled:
                if self.pooled_batch > 1:
                    self._plan_program(pooled, month)
                else:
                    self._plan(pooled, month, self._care_pooled)
        if self.care_hours > 0:
            # each covered account's care task, spread evenly over the month
            for a in covered:
                a.cared = False
            self._plan(covered, month, self._care)

    def _plan(self, accounts: list[Account], month: int, cb: Callable[[Care], None]) -> None:
        """Each account's care task, spread evenly over the month."""
        month_end = (month + 1) * MONTH_DAYS
        self._spread([Care(a, month_end) for a in accounts], month, cb)

    def _plan_program(self, pooled: list[Account], month: int) -> None:
        """The tech-touch program's tasks of the month: each segment's pooled accounts (largest
        first) in groups of `accounts_per_task`, spread evenly over the month."""
        groups = program_groups(pooled, self.pooled_batch, one_segment=len(self.pooled) == 1)
        month_end = (month + 1) * MONTH_DAYS
        self._spread([PooledCare(g, month_end) for g in groups], month, self._care_program)

    def _spread(self, cares: list, month: int, cb: Callable) -> None:
        n = len(cares)
        now = self.env.now
        delays = [max(month * MONTH_DAYS + MONTH_DAYS * i / n - now, 0.0) for i in range(n)]
        Plan(self.env, delays, cares, cb)

    def _care(self, care: Care) -> None:
        """The account's care task for the month (its time in the month has come)."""
        self.csm.submit(self.stage, self.care_hours, self.cared, care, kind="care")

    def _care_pooled(self, care: Care) -> None:
        """A tech-touch account's pooled care for the month."""
        self.csm.submit(self.stage, self.pooled_hours, self.cared, care, kind="care")

    def _care_program(self, care: PooledCare) -> None:
        """One task of the tech-touch program: the accounts it reaches, each account's hours."""
        self.csm.submit(self.stage, self.pooled_hours * len(care.accounts), self.program_done, care, kind="care")

    def cared(self, task: Task) -> None:
        """An account's care task done (by a CSM, or by a founder): it counts within its month."""
        care: Care = task.ctx
        if self.env.now <= care.month_end + 1e-9:
            care.account.cared = True
            if self.rel is not None:
                self.rel.touch(care.account, False)  # (by the CSM; positional: every care task)

    def program_done(self, task: Task) -> None:
        """A task of the pooled program done: every account it reached, within its month."""
        care: PooledCare = task.ctx
        if self.env.now <= care.month_end + 1e-9:
            for a in care.accounts:
                a.cared = True
            if self.rel is not None:
                self.rel.touch_csm_all(care.accounts)
