"""Customer success: the life of an account after the sale (the last link of the value chain).

`Success.accept` takes a signed account onto the books. Health (0..1) moves monthly: up with CSM
coverage and product maturity, down without coverage, plus noise. A CSM's book holds
`book_size` accounts; accounts beyond CSM capacity are uncovered (the largest accounts are
covered first). Covered accounts take `account_care_per_month` CSM hours. Each month an account
may expand (chance = monthly_probability x health; a segment may have its own monthly_probability);
expansion is owned by sales for `expansion_by_sales_months` after the first contract, then by the CSM.
At term end the renewal owner (`ownership.renewal`) does the renewal task; the account renews with
`Success.renewal_probability` (`orgsim.model.renewals`: linear or logistic in health, less the
late-renewal penalty), else it churns; a churn floor and contraction at renewal are options. Health
moves in `orgsim.model.health`. With `roles.csm.arr_per_csm` books are also limited by ARR; with
`customers.tech_touch` some segments are covered by a pooled program instead of CSM books.
Healthy accounts refer new leads (see marketing). With `customers.relationship`, the owners'
relationship strengths move renewal, expansion and referrals (`orgsim.model.relationships`).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING, Protocol

import numpy as np

from orgsim.distributions import Sampler
from orgsim.model.clock import Clock
from orgsim.model.coverage import AccountCare
from orgsim.model.entities import Account
from orgsim.model.health import HealthDynamics, ProductMaturity, health_bands, health_rates
from orgsim.model.relationships import Relationships
from orgsim.model.renewals import RENEWED, Renewals
from orgsim.rng import Streams
from orgsim.scenario import MONTH_DAYS, Scenario

if TYPE_CHECKING:
    from orgsim.model.pools import Pool, Task
    from orgsim.model.stages import Results, StageStats
    from orgsim.model.trace import EventLog

__all__ = ["Account", "Success"]


class Ledger(Protocol):
    """What customer success posts to finance."""

    def change_arr(self, delta: float) -> None: ...

    def book_expansion(self, delta: float) -> None: ...

    def book_churn(self, arr: float) -> None: ...

    def invoice_contract(self, acc: Account, from_time: float | None = None) -> None: ...

    def invoice_expansion(self, acc: Account, delta: float) -> None: ...


class Success:
    """The accounts on the books: coverage, care, health, expansion, renewal, churn.

    Args:
        clock: the replication's clock.
        sc: the scenario (reads ``customers``, ``ownership``, ``effort_hours``, the CSM role, the
            segments' ``renewal_rate``, ``horizon_months``).
        streams: random streams (``effort.renewal``, ``effort.expansion``, ``expansion.size``,
            ``expansion.draw``, ``health.noise``, ``renewal.draw``; with their mechanisms on,
            ``churn.floor``, ``contraction.draw``, ``contraction.size``).
        csm: the CSM pool and stage.
        sales: the AE pool and the sales stage (expansions early on; renewals with
            ``ownership.renewal: ae``).
        pods: whether AEs work their segment's accounts in pods.
        finance: the ledger (ARR, bookings, invoices).
        product: the product, whose maturity moves health.
        log: the event log, when one is kept.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        sc: Scenario,
        streams: Streams,
        csm: tuple[Pool, StageStats],
        sales: tuple[Pool, StageStats],
        pods: bool,
        finance: Ledger,
        product: ProductMaturity,
        log: EventLog | None = None,
    ):
        self.clock = clock
        self.env = clock.env  # (its ``now`` is read often: one attribute lookup less)
        self.sc = sc
        self.finance = finance
        self.product = product
        self.log = log
        self.pods = pods
        self.accounts: list[Account] = []  # active accounts, in order of signing
        # the same accounts largest first (ARR descending, then signing order), kept sorted as
        # accounts sign, expand and churn, so that CSM books need no sort each month
        self._ranked: list[Account] = []
        self._rank_keys: list[tuple[float, int]] = []
        self._next = 0
        self.csm, self.stage = csm
        self.aes, self.sales_stage = sales
        # the AEs' and CSMs' order of work (`ownership.priorities`; absent = FIFO): success is the
        # one department that holds both pools
        self.aes.prioritise(sc.ownership.priorities.ae)
        self.csm.prioritise(sc.ownership.priorities.csm)
        self.renewal_owner, self.renewal_stage = sales if sc.ownership.renewal == "ae" else csm
        self.renewal_effort = Sampler(sc.effort_hours.renewal, streams.generator("effort.renewal"))
        self.expansion_effort = Sampler(sc.effort_hours.expansion, streams.generator("effort.expansion"))
        self.expansion_size = Sampler(sc.customers.expansion.size_of_arr, streams.generator("expansion.size"))
        self.expansion_gen = streams.generator("expansion.draw")
        # (p at health 1, None) when every segment has the same p; else (the largest, by segment)
        by_seg = sc.expansion_probabilities()
        self._expansion_p = (
            (next(iter(by_seg.values())), None) if len(set(by_seg.values())) == 1 else (max(by_seg.values()), by_seg)
        )
        self.health = HealthDynamics(sc, streams, product, needs_care=sc.effort_hours.account_care_per_month > 0)
        self.renewals = Renewals(sc, streams)
        self.rel = Relationships(sc, self.env, sales, pods) if sc.customers.relationship is not None else None
        if self.rel is not None:
            self.renewals.shift = self.rel.renewal_shift
        self.care = AccountCare(sc, self.env, self.csm, self.stage, self.rel)
        self.renewals_due = 0
        self.renewals_done = 0
        self.churned = 0
        self.expansions = 0
        self.churn_reasons = {"churn.health": 0, "churn.floor": 0}
        self.contractions = 0
        self.contracted_arr = 0.0
        self.cohort_month = max(sc.horizon_months - 12, 0)
        self.cohort_arr: dict[int, float] = {}  # ARR by account at the start of the last 12 months
        self.final_arr: dict[int, float] = {}  # ARR by account at the end of the horizon
        self._open_renewal_cbs = (self._open_renewal,)
        self._decide_renewal_cbs = (self._decide_renewal,)

    # ---- accounts -------------------------------------------------------------------------

    def accept(self, acc: Account) -> None:
        """A signed account joins the books (numbered in order of signing); its renewal is set."""
        self._next += 1
        acc.aid = self._next
        self.accounts.append(acc)
        self._rank(acc)
        if self.rel is not None:
            self.rel.signed(acc)
        self.finance.change_arr(acc.arr)
        self._await_renewal(acc)

    @property
    def customers(self) -> int:
        """Active accounts now."""
        return len(self.accounts)

    def record(self, into: Results) -> None:
        """Renewals, churn and expansions; ARR by account for the cohort and at the end."""
        into.counters.update(
            renewals_due=self.renewals_due,
            renewals_done=self.renewals_done,
            churned_logos=self.churned,
            expansions=self.expansions,
        )
        c = self.sc.customers
        if c.churn_floor_per_year > 0:
            into.counters.update(self.churn_reasons)
        if c.contraction is not None:
            into.counters.update(contractions=self.contractions, contracted_arr=self.contracted_arr)
        if self.rel is not None:
            into.counters["key_person_touches"] = self.rel.key_person_touches
        into.cohort_arr = self.cohort_arr
        into.final_arr = self.final_arr

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
        """Active accounts at or above the healthy threshold (they refer leads)."""
        thr = self.sc.customers.healthy_threshold
        return sum(1 for a in self.accounts if a.health >= thr)

    def referring_accounts(self) -> float:
        """Healthy accounts, weighted by their sales relationship with `customers.relationship`."""
        if self.rel is None:
            return self.healthy_count()
        return self.rel.referring(self.accounts, self.sc.customers.healthy_threshold, self.env.now)

    def rates(self) -> tuple[float, float]:
        """(health rate, activity rate) over active accounts; 0 with no accounts."""
        return health_rates(self.accounts, self.sc.customers.healthy_threshold, self.sc.customers.active_threshold)

    def health_bands(self, bands: int = 10) -> np.ndarray:
        """Active accounts per health band (`orgsim.model.health.health_bands`)."""
        return health_bands(self.accounts, bands)

    # ---- the month -------------------------------------------------------------------------

    def start_of_month(self, month: int) -> None:
        """Note the cohort's ARR (in its month), assign CSM books, schedule account care and draw
        expansions."""
        if month == self.cohort_month:
            self.cohort_arr = {a.aid: a.arr for a in self.accounts}
        # coverage and care tasks, largest accounts first
        self.care.plan_month([a for a in self._ranked if a.live], month)
        p, by_seg = self._expansion_p
        if p > 0 and self.accounts:
            u = self.expansion_gen.random(len(self.accounts)).tolist()
            rel = self.rel  # with it, the chance moves with the expansion owner's relationship
            if by_seg is None:
                chosen = (a for a, x in zip(self.accounts, u) if a.live and not a.expanding and x < p * a.health)
            else:
                chosen = (
                    a
                    for a, x in zip(self.accounts, u)
                    if a.live and not a.expanding and x < by_seg[a.segment] * a.health
                )
            for a in chosen if rel is None else rel.expanding(self.accounts, u, p, by_seg):
                a.expanding = True
                self._expand(a)
        if self.rel is not None:
            self.rel.start_of_month(self.accounts)

    def end_of_month(self, month: int) -> None:
        """Move every live account's health by coverage, product maturity and noise; at the
        horizon's last month, note the ARR of every account."""
        self.health.move(self.accounts, self.env.now)
        if month == self.sc.horizon_months - 1:
            self.final_arr = {a.aid: a.arr for a in self.accounts}

    # ---- care and expansion ------------------------------------------------------------------

    def _expand(self, acc: Account) -> None:
        """An expansion: a task for its owner (sales early in the relationship, then the CSM)."""
        by_sales = (self.env.now - acc.first_start) < self.sc.ownership.expansion_by_sales_months * MONTH_DAYS
        if self.log is not None:
            self.log.add(
                acc.case,
                "customer",
                "Expansion opportunity",
                acc.segment,
                acc.source,
                role="ae" if by_sales else "csm",
                amount=acc.arr,
                health=acc.health,
            )
        if by_sales:
            pod = acc.segment if self.pods else None
            self.aes.submit(self.sales_stage, self.expansion_effort(), self._expanded, acc, pod=pod, kind="expansion")
        else:
            self.csm.submit(self.stage, self.expansion_effort(), self._expanded, acc, kind="expansion")

    def _expanded(self, task: Task) -> None:
        acc: Account = task.ctx
        acc.expanding = False
        if not acc.active:
            return
        if self.rel is not None:
            self.rel.touch(acc, by_sales=task.stage is self.sales_stage)
        delta = acc.arr * self.expansion_size()
        self._unrank(acc)
        acc.arr += delta
        self._rank(acc)
        self.expansions += 1
        if self.log is not None:
            self.log.add(acc.case, "customer", "Expanded", acc.segment, acc.source, amount=delta, health=acc.health)
        self.finance.change_arr(delta)
        self.finance.book_expansion(delta)
        self.finance.invoice_expansion(acc, delta)

    # ---- the life of an account: each term ends in a renewal task and a decision ------------

    def _await_renewal(self, acc: Account) -> None:
        """Set the timer that opens the renewal task of the current term."""
        now = self.env.now
        open_at = acc.term_end - self.sc.customers.renewal_lead_days
        delay = max(open_at - now, 0.0)
        if now + delay >= self.clock.end:
            return  # after the horizon: the run ends first
        self.clock.wake_far(acc, self._open_renewal_cbs, delay)

    def _open_renewal(self, acc: Account) -> None:
        if self.log is not None:
            self.log.add(
                acc.case,
                "customer",
                "Renewal due",
                acc.segment,
                acc.source,
                role=self.renewal_owner.role,
                amount=acc.arr,
                health=acc.health,
            )
        pod = acc.segment if self.pods and self.renewal_owner.role == "ae" else None
        self.renewal_owner.submit(
            self.renewal_stage, self.renewal_effort(), self._renewal_worked, acc, pod=pod, kind="renewal"
        )

    def _renewal_worked(self, task: Task) -> None:
        acc: Account = task.ctx
        now = self.env.now
        # how late the owner got to it: the renewal conversation started after the term ended
        acc.late_months = max(task.since + task.wait - acc.term_end, 0.0) / MONTH_DAYS
        if now < acc.term_end:
            self.clock.wake(acc, self._decide_renewal_cbs, acc.term_end - now)
            return
        self._decide_renewal(acc)

    def _decide_renewal(self, acc: Account) -> None:
        """Decided at term end, or later when the owner got to it late: renew or churn."""
        self.renewals_due += 1
        outcome, shrink = self.renewals.decide(acc)
        renewed = outcome == RENEWED
        if self.log is not None:
            self.log.add(
                acc.case,
                "customer",
                "Renewed" if renewed else "Churned",
                acc.segment,
                acc.source,
                amount=acc.arr,
                health=acc.health,
            )
        if renewed:
            self.renewals_done += 1
            if self.rel is not None:  # the renewal conversation is a contact (after the decision)
                self.rel.touch(acc, by_sales=self.renewal_owner is self.aes)
            if shrink > 0:
                self._contract(acc, shrink)
            acc.term_start = acc.term_end
            self.finance.invoice_contract(acc)
            self._await_renewal(acc)
            return
        self.churn_reasons[outcome] += 1
        acc.active = False
        self.accounts.remove(acc)
        self._unrank(acc)
        self.churned += 1
        self.finance.change_arr(-acc.arr)
        self.finance.book_churn(acc.arr)

    def _contract(self, acc: Account, share: float) -> None:
        """A downsell at renewal: the account keeps (1 - share) of its ARR (lost ARR is churned ARR)."""
        delta = acc.arr * share
        self._unrank(acc)
        acc.arr -= delta
        self._rank(acc)
        self.contractions += 1
        self.contracted_arr += delta
        if self.log is not None:
            self.log.add(acc.case, "customer", "Contracted", acc.segment, acc.source, amount=delta, health=acc.health)
        self.finance.change_arr(-delta)
        self.finance.book_churn(delta)

    def renewal_probability(self, acc: Account) -> float:
        """The chance the account renews now (`orgsim.model.renewals.Renewals.probability`): its
        segment's renewal rate shaped by health, less the penalty for each month the owner got to
        the renewal late."""
        return self.renewals.probability(acc)
