"""Finance: the ledger beside the value chain: ARR, revenue, invoices and collections, costs, cash.

Revenue accrues continuously at active ARR / 12 per month (the ledger integrates ARR over time).
Invoices follow the billing mode (`annual_upfront` or `monthly`) and are collected
`payment_terms_days` later. People cost annual_cost / 12 per month for the days they are on
staff; overhead is per head; COGS = (1 - gross margin) x revenue. With `company.commission_rate`,
commission = rate x (new + expansion ARR) is a cost of the month it is booked, part of S&M (and
so of CAC). With `roles.ae.quota_arr_per_year`, new ARR is credited to the AE who owned the deal,
and at the end the books say how many ramped AEs met quota over the last 12 months.

With `company.collections`, receivables come due instead, and finance's capacity decides how late
they are collected and how much is written off (`orgsim.model.collections`).

Funding rounds (`company.funding`) add their amount to cash at the close of their month, or of
the first month whose closing ARR reaches their milestone; each arrives once. When the company
stops (defaults, `stop`), the books close: no later collections or costs, cash stays where it was.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from orgsim.model.clock import Clock
from orgsim.model.collections import Receivables
from orgsim.scenario import DEPARTMENTS, MONTH_DAYS, Scenario

if TYPE_CHECKING:
    from orgsim.model.entities import Account
    from orgsim.model.people import Person
    from orgsim.model.pools import Pool
    from orgsim.model.stages import Results

__all__ = ["Finance"]


class Finance:
    """The company's books.

    Args:
        clock: the replication's clock.
        sc: the scenario (reads ``company``, ``roles``' departments and costs, the paid budget,
            ``horizon_months``).
        pools: every role's pool (people cost for the days they are on staff).
    """

    def __init__(self, *, clock: Clock, sc: Scenario, pools: dict[str, Pool]):
        self.clock = clock
        self.env = clock.env  # (its ``now`` is read often: one attribute lookup less)
        self.sc = sc
        self.pools = pools
        H = sc.horizon_months
        self.H = H
        self.arr = 0.0
        self._arr_area = 0.0  # integral of ARR over time within the month (ARR-days)
        self._last = 0.0

        def z() -> np.ndarray:
            return np.zeros(H)

        self.collections = z()
        self.new_arr = z()
        self.expansion_arr = z()
        self.churned_arr = z()
        self.revenue = z()
        self.cogs = z()
        self.overhead = z()
        self.paid = z()
        self.people = {d: z() for d in DEPARTMENTS}
        self.cash = z()
        self.terms_days = sc.company.payment_terms_days
        self.monthly_billing = sc.company.billing == "monthly"
        self.commission_rate = sc.company.commission_rate
        self.commission = z()  # stays zero (and unreported) with commission_rate 0
        ae = sc.roles.get("ae")
        self.quota = ae.quota_arr_per_year if ae is not None else None
        self.quota_window = min(12, H)  # months at the end over which quota attainment is measured
        self._quota_from = (H - self.quota_window) * MONTH_DAYS
        self.bookings: dict[int, float] = {}  # new ARR by AE (pid) within the quota window
        self.rounds = list(sc.company.funding)  # funding rounds still to come
        self.funding = z()  # stays zero (and unreported) without funding rounds
        self.stopped_at: int | None = None  # the month (0-based) the company stopped in (`stop`)
        coll = sc.company.collections
        # finance collects (None: every invoice is collected at payment terms, as always)
        self.receivables = Receivables(coll, self.terms_days, H) if coll is not None else None
        self._finance_role = coll.finance_role if coll is not None else None

    def month_of(self, t: float) -> int:
        """The month (0-based) of time `t` (days)."""
        return int(t // MONTH_DAYS)

    # ---- ARR ------------------------------------------------------------------------------

    def _integrate(self) -> None:
        now = self.env.now
        self._arr_area += self.arr * (now - self._last)
        self._last = now

    def change_arr(self, delta: float) -> None:
        """ARR moves by `delta` now (revenue accrues at the ARR of each moment)."""
        self._integrate()
        self.arr += delta

    def book_new(self, acv: float, seller: Person | None = None, *, by_founders: bool = False) -> None:
        """New ARR signed this month (credited to `seller`, the deal's AE, when AEs carry a quota).
        `by_founders`: the founders sold it (no AE on staff), and founders earn no commission."""
        m = min(self.month_of(self.env.now), self.H - 1)
        self.new_arr[m] += acv
        if self.commission_rate and not by_founders:
            self.commission[m] += self.commission_rate * acv
        if self.quota is not None and seller is not None and self.env.now >= self._quota_from:
            self.bookings[seller.pid] = self.bookings.get(seller.pid, 0.0) + acv

    def book_expansion(self, delta: float) -> None:
        """Expansion ARR signed this month."""
        m = min(self.month_of(self.env.now), self.H - 1)
        self.expansion_arr[m] += delta
        if self.commission_rate:
            self.commission[m] += self.commission_rate * delta

    def book_churn(self, arr: float) -> None:
        """ARR churned this month."""
        self.churned_arr[min(self.month_of(self.env.now), self.H - 1)] += arr

    # ---- invoices -------------------------------------------------------------------------

    def invoice(self, amount: float, at: float) -> None:
        """An invoice billed at `at` (days), collected payment terms later."""
        if at < 0:
            return  # billed before the run began: part of the starting cash
        # a renewal decided late bills a term that began in the past; the money still arrives
        # payment terms after the bill, never in a month already closed
        m = max(self.month_of(at + self.terms_days), self.month_of(self.env.now))
        if m < self.H:
            if self.receivables is not None:
                self.receivables.add(m, amount)  # comes due; collected (or not) at the month's close
            else:
                self.collections[m] += amount

    def invoice_contract(self, acc: Account, from_time: float | None = None) -> None:
        """Invoices of one contract term (from its start, or only those due from `from_time`)."""
        start, months = acc.term_start, acc.term_months
        first = start if from_time is None else from_time
        # invoices collected after the horizon count nowhere: stop at the first of them
        last = self.H * MONTH_DAYS - self.terms_days
        if self.monthly_billing:
            for k in range(months):
                t = start + k * MONTH_DAYS
                if t >= last and self.month_of(t + self.terms_days) >= self.H:
                    break
                if t >= first - 1e-9:
                    self.invoice(acc.arr / 12, t)
        else:
            for y in range(math.ceil(months / 12)):
                t = start + 12 * y * MONTH_DAYS
                if t >= last and self.month_of(t + self.terms_days) >= self.H:
                    break
                if t >= first - 1e-9:
                    self.invoice(acc.arr * min(12, months - 12 * y) / 12, t)

    def invoice_expansion(self, acc: Account, delta: float) -> None:
        """Invoices of an expansion for the rest of the account's current term."""
        now = self.env.now
        remaining = max(acc.term_end - now, 0.0) / MONTH_DAYS
        if self.monthly_billing:
            for k in range(int(math.ceil(remaining))):
                t = now + k * MONTH_DAYS
                if self.month_of(t + self.terms_days) >= self.H:
                    break  # collected after the horizon, and so is every later one
                self.invoice(delta / 12, t)
        else:
            self.invoice(delta * remaining / 12, now)

    # ---- month end ------------------------------------------------------------------------

    def close_month(self, m: int) -> None:
        """Accrue the month's revenue and costs, and move cash."""
        sc = self.sc
        self._integrate()
        self.revenue[m] = self._arr_area / 365.25
        self._arr_area = 0.0
        self.cogs[m] = (1 - sc.company.gross_margin) * self.revenue[m]
        person_days = 0.0
        finance_days = 0.0
        for name, pool in self.pools.items():
            pd = pool.take_month_person_days()
            person_days += pd
            self.people[sc.roles[name].department][m] += pd * sc.roles[name].annual_cost / 365.25
            if name == self._finance_role:
                finance_days = pd
        if self.receivables is not None:
            self.receivables.close(m, finance_days / MONTH_DAYS, self.collections)
        self.overhead[m] = person_days / MONTH_DAYS * sc.company.overhead_per_head_month
        self.paid[m] = sc.lead_sources.paid.budget_per_month
        prev = self.cash[m - 1] if m > 0 else sc.company.starting_cash
        self.cash[m] = prev + self.collections[m] - self.costs(m)
        if self.rounds:
            self.cash[m] += self._raise(m)

    def _raise(self, m: int) -> float:
        """Cash of the funding rounds that arrive at the close of month `m` (0-based)."""
        arriving = [
            r for r in self.rounds if (r.month == m + 1 if r.month is not None else self.arr >= (r.arr_at_least or 0))
        ]
        for r in arriving:
            self.rounds.remove(r)
            self.funding[m] += r.amount
        return float(sum(r.amount for r in arriving))

    def stop(self, m: int) -> None:
        """The company stops at the close of month `m` (0-based): invoices due later are never
        collected, later months have no costs, and cash stays at month `m`'s."""
        self.stopped_at = m
        self.collections[m + 1 :] = 0.0
        self.cash[m + 1 :] = self.cash[m]

    def costs(self, m: int) -> float:
        """Every cost of month `m`."""
        c = sum(v[m] for v in self.people.values()) + self.overhead[m] + self.paid[m] + self.cogs[m]
        return c + self.commission[m] if self.commission_rate else c

    def sm_cost(self) -> np.ndarray:
        """Sales & marketing cost by month: marketing and sales departments' people, paid budget,
        commission."""
        sm = self.people["marketing"] + self.people["sales"] + self.paid
        return sm + self.commission if self.commission_rate else sm

    def quota_counts(self) -> tuple[int, int]:
        """(ramped AEs, those at or above quota): AEs on staff at the end whose ramp ended by the start
        of the last 12 months (the window), against the quota pro-rated to the window's months the
        company operated (all of them, unless it stopped within the window: (0, 0), undefined, when
        it stopped before the window began)."""
        pool = self.pools.get("ae")
        assert self.quota is not None
        months = float(self.quota_window)
        if self.stopped_at is not None:
            months = min(months, self.stopped_at + 1 - self._quota_from / MONTH_DAYS)
            if months <= 0:
                return 0, 0
        people = pool.people if pool is not None else []
        ramped = [p for p in people if p.hired_at + p.ramp_days <= self._quota_from]
        target = self.quota * months / 12
        return len(ramped), sum(1 for p in ramped if self.bookings.get(p.pid, 0.0) >= target)

    def record(self, into: Results) -> None:
        """The money series by month: revenue, collections, cash, ARR movements, costs."""
        monthly = into.monthly
        monthly.update(
            revenue=self.revenue.copy(),
            collections=self.collections.copy(),
            cash=self.cash.copy(),
            new_arr=self.new_arr.copy(),
            expansion_arr=self.expansion_arr.copy(),
            churned_arr=self.churned_arr.copy(),
            sm_cost=self.sm_cost(),
        )
        monthly["cost.paid_marketing"] = self.paid.copy()
        monthly["cost.overhead"] = self.overhead.copy()
        monthly["cost.cogs"] = self.cogs.copy()
        for dept, arr in self.people.items():
            monthly[f"cost.{dept}"] = arr.copy()
        monthly["cost.total"] = sum(monthly[f"cost.{d}"] for d in self.people) + self.paid + self.overhead + self.cogs
        if self.commission_rate:
            monthly["cost.commission"] = self.commission.copy()
            monthly["cost.total"] = monthly["cost.total"] + self.commission
        if self.sc.company.funding:
            monthly["funding"] = self.funding.copy()
        if self.receivables is not None:
            self.receivables.record(into)
        if self.quota is not None:
            reps, at_quota = self.quota_counts()
            into.counters["quota_reps"] = reps
            into.counters["quota_reps_at_quota"] = at_quota
