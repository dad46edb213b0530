"""Customer success: the life of an account after the sale.

Health (0..1) moves monthly: up with CSM coverage and product maturity, down without coverage,
plus noise. A CSM's book holds `book_size` accounts; accounts beyond CSM capacity are uncovered
(the largest accounts are covered first). Covered accounts take `account_care_per_month` CSM
hours. Each month an account may expand (chance = monthly_probability x health); expansion is
owned by sales for `expansion_by_sales_months` after the first contract, then by the CSM. At term
end the renewal owner (`ownership.renewal`) does the renewal task; the account renews with
probability clip(renewal_rate + slope x (health - healthy_threshold), 0, 1), else it churns.
Healthy accounts refer new leads (see marketing).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

import numpy as np

from orgsim.model.clock import NORMAL, Plan
from orgsim.scenario import MONTH_DAYS

if TYPE_CHECKING:
    from orgsim.model.company import Company
    from orgsim.model.workforce import Task


class Account:
    """A customer account. It is also the SimPy event of its renewal timer (see
    `orgsim.model.clock`), so an account needs no process of its own."""

    __slots__ = (
        "callbacks", "_ok", "_value", "aid", "segment", "arr", "term_start", "term_months",
        "first_start", "health", "live", "active", "covered", "expanding", "cared", "late_months", "case", "source",
    )

    def __init__(self, aid: int, segment: str, arr: float, term_start: float, term_months: int, first_start: float, health: float):
        self.callbacks: tuple | None = None
        self._ok = True
        self._value = None
        self.late_months = 0.0
        self.aid = aid
        self.segment = segment
        self.arr = arr
        self.term_start = term_start
        self.term_months = term_months
        self.first_start = first_start
        self.health = health
        self.live = False
        self.active = True
        self.covered = False
        self.expanding = False
        self.cared = False

    @property
    def term_end(self) -> float:
        return self.term_start + self.term_months * MONTH_DAYS

    def go_live(self, health: float) -> None:
        self.live = True
        self.health = min(max(health, 0.0), 1.0)


class Success:
    def __init__(self, co: "Company"):
        self.co = co
        sc = co.sc
        self.accounts: list[Account] = []  # active accounts, in order of signing
        # the same accounts largest first (ARR descending, then signing order), kept sorted as
        # accounts sign, expand and churn, so that CSM books need no sort each month
        self._ranked: list[Account] = []
        self._rank_keys: list[tuple[float, int]] = []
        self._next = 0
        self.csm = co.workforce.pool_or_empty("csm")
        self.stage = co.stage("csm", self.csm)
        csm = sc.roles.get("csm")
        self.book_size = csm.book_size if csm is not None else None
        self.renewal_owner = co.workforce.pool_or_empty("ae" if sc.ownership.renewal == "ae" else "csm")
        self.renewal_stage = co.stages["sales"] if sc.ownership.renewal == "ae" else self.stage
        self.renewal_effort = co.sampler(sc.effort_hours.renewal, "effort.renewal")
        self.expansion_effort = co.sampler(sc.effort_hours.expansion, "effort.expansion")
        self.expansion_size = co.sampler(sc.customers.expansion.size_of_arr, "expansion.size")
        self.expansion_gen = co.streams.generator("expansion.draw")
        self.noise_gen = co.streams.generator("health.noise")
        self.renew = co.streams.uniforms("renewal.draw")
        self.renewals_due = 0
        self.renewals_done = 0
        self.churned = 0
        self.expansions = 0
        self.care_hours = sc.effort_hours.account_care_per_month
        self._open_renewal_cbs = (self._open_renewal,)
        self._decide_renewal_cbs = (self._decide_renewal,)

    # ---- accounts -------------------------------------------------------------------------

    def new_account(self, segment: str, arr: float, term_start: float, first_start: float, live: bool = False) -> Account:
        self._next += 1
        spec = self.co.sc.segments[segment]
        acc = Account(self._next, segment, arr, term_start, spec.contract_months, first_start, self.co.sc.customers.health.start)
        acc.live = live
        self.accounts.append(acc)
        self._rank(acc)
        self.co.finance.change_arr(arr)
        self._await_renewal(acc)
        return acc

    def _rank(self, acc: Account) -> None:
        key = (-acc.arr, acc.aid)
        i = bisect_left(self._rank_keys, key)
        self._rank_keys.insert(i, key)
        self._ranked.insert(i, acc)

    def _unrank(self, acc: Account) -> None:
        i = bisect_left(self._rank_keys, (-acc.arr, acc.aid))
        del self._rank_keys[i]
        del self._ranked[i]

    def healthy_count(self) -> int:
        thr = self.co.sc.customers.healthy_threshold
        return sum(1 for a in self.accounts if a.health >= thr)

    def rates(self) -> tuple[float, float]:
        """(health rate, activity rate) over active accounts; 0 with no accounts."""
        n = len(self.accounts)
        if n == 0:
            return 0.0, 0.0
        c = self.co.sc.customers
        healthy = sum(1 for a in self.accounts if a.health >= c.healthy_threshold)
        active = sum(1 for a in self.accounts if a.health >= c.active_threshold)
        return healthy / n, active / n

    def health_bands(self, bands: int = 10) -> np.ndarray:
        """Active accounts per health band: band k holds health in [k/bands, (k+1)/bands), the
        last band also 1.0. Edges are compared exactly (k/bands, like the thresholds 0.3 and 0.6),
        so that a threshold on an edge splits the bands as `rates()` splits the accounts."""
        n = len(self.accounts)
        health = np.fromiter((a.health for a in self.accounts), dtype=float, count=n)
        edges = np.arange(1, bands) / bands
        return np.bincount(np.searchsorted(edges, health, side="right"), minlength=bands)

    # ---- the month -------------------------------------------------------------------------

    def start_of_month(self, month: int) -> None:
        """Assign CSM books, schedule account care and draw expansions."""
        co = self.co
        env = co.env
        ranked = [a for a in self._ranked if a.live]  # largest first: they are covered first
        capacity = self.csm.headcount * (self.book_size if self.book_size is not None else 10**9)
        for i, a in enumerate(ranked):
            a.covered = i < capacity
        if self.care_hours > 0:
            # each covered account's care task, spread evenly over the month
            covered = [a for a in ranked if a.covered]
            n = len(covered)
            month_end = (month + 1) * MONTH_DAYS
            now = env.now
            cares = []
            delays = []
            for i, a in enumerate(covered):
                a.cared = False
                cares.append(_Care(a, month_end))
                delays.append(max(month * MONTH_DAYS + MONTH_DAYS * i / n - now, 0.0))
            Plan(env, delays, cares, self._care)
        p = co.sc.customers.expansion.monthly_probability
        if p > 0 and self.accounts:
            u = self.expansion_gen.random(len(self.accounts))
            for a, x in zip(self.accounts, u.tolist()):
                if a.live and not a.expanding and x < p * a.health:
                    a.expanding = True
                    self._expand(a)

    def end_of_month(self, month: int) -> None:
        """Move every live account's health by coverage, product maturity and noise."""
        h = self.co.sc.customers.health
        live = [a for a in self.accounts if a.live]
        if not live:
            return
        product = h.product_weight_per_month * (self.co.product.maturity - 0.5)
        noise = self.noise_gen.normal(0.0, h.noise_sd, len(live)) if h.noise_sd > 0 else np.zeros(len(live))
        needs_care = self.care_hours > 0
        for a, e in zip(live, noise.tolist()):
            # coverage counts when the CSM actually found the time for the account this month
            looked_after = a.covered and (a.cared or not needs_care)
            drift = h.covered_drift_per_month if looked_after else h.uncovered_drift_per_month
            a.health = min(max(a.health + drift + product + e, 0.0), 1.0)

    # ---- care and expansion ------------------------------------------------------------------

    def _care(self, care: "_Care") -> None:
        """The account's care task for the month (its time in the month has come)."""
        self.csm.submit(self.stage, self.care_hours, self._cared, care)

    def _cared(self, task: "Task") -> None:
        care: _Care = task.ctx
        if self.co.env.now <= care.month_end + 1e-9:
            care.account.cared = True

    def _expand(self, acc: Account) -> None:
        """An expansion: a task for its owner (sales early in the relationship, then the CSM)."""
        co = self.co
        by_sales = (co.env.now - acc.first_start) < co.sc.ownership.expansion_by_sales_months * MONTH_DAYS
        if co.events is not None:
            co.events.add(acc.case, "customer", "Expansion opportunity", acc.segment, acc.source,
                          role="ae" if by_sales else "csm", amount=acc.arr, health=acc.health)
        if by_sales:
            co.sales.pool.submit(co.stages["sales"], self.expansion_effort(), self._expanded, acc, pod=co.pod_of(acc.segment))
        else:
            self.csm.submit(self.stage, self.expansion_effort(), self._expanded, acc)

    def _expanded(self, task: "Task") -> None:
        acc: Account = task.ctx
        acc.expanding = False
        if not acc.active:
            return
        co = self.co
        delta = acc.arr * self.expansion_size()
        self._unrank(acc)
        acc.arr += delta
        self._rank(acc)
        self.expansions += 1
        if co.events is not None:
            co.events.add(acc.case, "customer", "Expanded", acc.segment, acc.source, amount=delta, health=acc.health)
        co.finance.change_arr(delta)
        co.finance.book_expansion(delta)
        co.finance.invoice_expansion(acc, delta)

    # ---- the life of an account: each term ends in a renewal task and a decision ------------

    def _await_renewal(self, acc: Account) -> None:
        """Set the timer that opens the renewal task of the current term."""
        env = self.co.env
        open_at = acc.term_end - self.co.sc.customers.renewal_lead_days
        delay = max(open_at - env.now, 0.0)
        if env.now + delay >= self.co.end:
            return  # after the horizon: the run ends first
        acc.callbacks = self._open_renewal_cbs
        self.co.calendar.schedule(acc, delay)

    def _open_renewal(self, acc: Account) -> None:
        co = self.co
        if co.events is not None:
            co.events.add(acc.case, "customer", "Renewal due", acc.segment, acc.source, role=self.renewal_owner.role,
                          amount=acc.arr, health=acc.health)
        pod = co.pod_of(acc.segment) if self.renewal_owner.role == "ae" else None
        self.renewal_owner.submit(self.renewal_stage, self.renewal_effort(), self._renewal_worked, acc, pod=pod)

    def _renewal_worked(self, task: "Task") -> None:
        acc: Account = task.ctx
        env = self.co.env
        # how late the owner got to it: the renewal conversation started after the term ended
        acc.late_months = max(task.since + task.wait - acc.term_end, 0.0) / MONTH_DAYS
        if env.now < acc.term_end:
            acc.callbacks = self._decide_renewal_cbs
            env.schedule(acc, NORMAL, acc.term_end - env.now)
            return
        self._decide_renewal(acc)

    def _decide_renewal(self, acc: Account) -> None:
        """Decided at term end, or later when the owner got to it late: renew or churn."""
        co = self.co
        c = co.sc.customers
        spec = co.sc.segments[acc.segment]
        self.renewals_due += 1
        p = spec.renewal_rate + c.renewal_health_slope * (acc.health - c.healthy_threshold)
        p = min(max(p, 0.0), 1.0) - c.late_renewal_penalty_per_month * acc.late_months
        p = max(p, 0.0)
        renewed = self.renew() < p
        if co.events is not None:
            co.events.add(acc.case, "customer", "Renewed" if renewed else "Churned", acc.segment, acc.source,
                          amount=acc.arr, health=acc.health)
        if renewed:
            self.renewals_done += 1
            acc.term_start = acc.term_end
            co.finance.invoice_contract(acc)
            self._await_renewal(acc)
            return
        acc.active = False
        self.accounts.remove(acc)
        self._unrank(acc)
        self.churned += 1
        co.finance.change_arr(-acc.arr)
        co.finance.book_churn(acc.arr)


class _Care:
    """A covered account's care task of one month."""

    __slots__ = ("account", "month_end")

    def __init__(self, account: Account, month_end: float):
        self.account = account
        self.month_end = month_end

    # what the event log reads from a task's context (`orgsim.model.events`)
    @property
    def case(self) -> str:
        return self.account.case

    @property
    def segment(self) -> str:
        return self.account.segment

    @property
    def source(self) -> str:
        return self.account.source
