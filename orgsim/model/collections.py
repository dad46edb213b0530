"""Finance collects: receivables coming due, finance's capacity to chase them, DSO and bad debt.

Only with `company.collections` (otherwise `Finance` collects every invoice exactly payment terms
after it is billed, as it always did). With it, an invoice's amount comes *due* in the month of
bill + terms; at that month's close

    n_m = invoices coming due in month m,  C_m = finance person-months on staff x invoices_per_finance_month
    u_m = max(0, 1 - C_m / n_m)                       (share of invoices finance cannot chase)
    bad_m = (bad_debt_base + bad_debt_overload x u_m) x D_m   written off (never collected)
    delay_m = overload_dso_days x u_m                 days late for the rest, (1 - b_m) x D_m

where D_m is the amount coming due. The late amount is split between the months m + k and m + k + 1
(k = floor(delay_m / month)) in proportion to the fraction of a month left over, so that its mean
arrival is delay_m days after month m. Collections beyond the horizon count nowhere, as before.
DSO (days sales outstanding, KPI `dso_days`) = payment terms + the amount-weighted mean delay of
what was collected; `bad_debt` is the sum written off. No random draws.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from orgsim.scenario import MONTH_DAYS
from orgsim.scenario.functional import Collections, uncovered_share

if TYPE_CHECKING:
    from orgsim.model.stages import Results

__all__ = ["Receivables"]


class Receivables:
    """Receivables by the month they come due, turned into collections at each month's close.

    Args:
        cfg: the collections settings (``company.collections``).
        terms_days: ``company.payment_terms_days``.
        horizon_months: months in the run.
    """

    def __init__(self, cfg: Collections, terms_days: float, horizon_months: int):
        self.cfg = cfg
        self.terms_days = terms_days
        H = horizon_months
        self.H = H
        self.due = np.zeros(H)  # amount coming due, by month
        self.invoices = np.zeros(H)  # invoices coming due, by month
        self.uncovered = np.zeros(H)  # u_m
        self.bad_debt = np.zeros(H)  # written off, by month
        self._delay_amount = 0.0  # sum of delay x amount collected (day-dollars)
        self._collected = 0.0  # amount collected (due within the run)

    def add(self, m: int, amount: float) -> None:
        """An invoice of `amount` comes due in month `m` (< H)."""
        self.due[m] += amount
        self.invoices[m] += 1

    def close(self, m: int, finance_person_months: float, collections: np.ndarray) -> None:
        """Month `m` closes: write off its bad debt and add what is collected to `collections`
        (this month's and later months' entries)."""
        cfg = self.cfg
        u = uncovered_share(float(self.invoices[m]), finance_person_months * cfg.invoices_per_finance_month)
        self.uncovered[m] = u
        amount = float(self.due[m])
        if amount == 0.0:
            return
        bad = min(1.0, cfg.bad_debt_base + cfg.bad_debt_overload * u) * amount
        self.bad_debt[m] = bad
        rest = amount - bad
        delay = cfg.overload_dso_days * u
        months = delay / MONTH_DAYS
        k = int(math.floor(months))
        frac = months - k
        for j, share in ((m + k, 1.0 - frac), (m + k + 1, frac)):
            if share > 0 and j < self.H:
                collections[j] += share * rest
        self._delay_amount += delay * rest
        self._collected += rest

    def dso_days(self) -> float | None:
        """Payment terms + the amount-weighted mean delay; None when nothing came due."""
        if self._collected <= 0:
            return None
        return self.terms_days + self._delay_amount / self._collected

    def record(self, into: Results) -> None:
        """Counters ``collections.dso_days`` (when defined) and ``collections.bad_debt``; monthly
        ``bad_debt`` and ``collections.uncovered_share``."""
        dso = self.dso_days()
        if dso is not None:
            into.counters["collections.dso_days"] = dso
        into.counters["collections.bad_debt"] = float(self.bad_debt.sum())
        into.monthly["bad_debt"] = self.bad_debt.copy()
        into.monthly["collections.uncovered_share"] = self.uncovered.copy()
