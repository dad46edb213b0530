"""Product: engineers build maturity, and maturity sells and retains (beside the value chain;
the article's "product first").

Maturity (0..1) closes its gap to 1 by (ramped engineers / engineer_months_to_mature) each month,
so it saturates in cumulative engineer-months. It multiplies win rates
(1 - win_rate_effect x (1 - maturity)) and moves customer health
(product_weight_per_month x (maturity - 0.5)). This is how "product first" pays off.

With `product.fit` on, product-market fit also shapes the funnel: below the fit threshold the
lead -> MQL, MQL -> SQL and win rates are scaled by fit_factor() = floor + (1 - floor) x
min(1, maturity / threshold) (marketing, the SDRs and sales read it; docs/explanation/model/product.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgsim.scenario import Scenario

if TYPE_CHECKING:
    from orgsim.model.founders import Founders
    from orgsim.model.pools import Pool

__all__ = ["Product"]


class Product:
    """Product maturity.

    Args:
        sc: the scenario (reads ``product``).
        engineers: the engineer pool, None without engineers.
    """

    def __init__(self, *, sc: Scenario, engineers: Pool | None):
        self.spec = sc.product
        self.engineers = engineers
        self.maturity = sc.product.maturity_start
        self.founders: Founders | None = None  # the founders' product work (set by the company; None: none)
        self._fit_at: float | None = None  # the maturity `_fit` was computed at (it moves once a month)
        self._fit = 1.0
        # `fit_factor()` of the maturity now, kept as maturity moves (read for every MQL and deal)
        self.fit = self.fit_factor()

    def end_of_month(self) -> None:
        """A month of engineering: maturity closes part of its gap to 1."""
        eng = self.engineers
        n = eng.speed_sum() if eng else 0.0
        founders = self.founders
        if founders is not None:  # founders build product with the hours business work left them
            n += founders.product_month(n, self.spec.engineer_months_to_mature, self.maturity)
        step = min(1.0, n / self.spec.engineer_months_to_mature)
        self.maturity += (1.0 - self.maturity) * step
        self.fit = self.fit_factor()
        if founders is not None:
            founders.end_of_month(self.maturity)

    def fit_factor(self) -> float:
        """What product-market fit does to each funnel conversion now; 1 when `product.fit` is off."""
        m = self.maturity
        if m == self._fit_at:  # (read for every lead, MQL and deal: kept for the month's maturity)
            return self._fit
        fit = self.spec.fit
        if fit is None:
            return 1.0
        self._fit = f = fit.floor + (1.0 - fit.floor) * min(1.0, m / fit.threshold)
        self._fit_at = m
        return f

    def win_factor(self) -> float:
        """What maturity does to win rates now (times the fit factor, when fit is on)."""
        factor = 1.0 - self.spec.win_rate_effect * (1.0 - self.maturity)
        return factor if self.spec.fit is None else factor * self.fit
