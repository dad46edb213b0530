"""Product: engineers build maturity, and maturity sells and retains (beside the value chain;
the article's "product first").

Maturity (0..1) closes its gap to 1 by (ramped engineers / engineer_months_to_mature) each month,
so it saturates in cumulative engineer-months. It multiplies win rates
(1 - win_rate_effect x (1 - maturity)) and moves customer health
(product_weight_per_month x (maturity - 0.5)). This is how "product first" pays off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgsim.scenario import Scenario

if TYPE_CHECKING:
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

    def end_of_month(self) -> None:
        """A month of engineering: maturity closes part of its gap to 1."""
        eng = self.engineers
        n = eng.speed_sum() if eng else 0.0
        step = min(1.0, n / self.spec.engineer_months_to_mature)
        self.maturity += (1.0 - self.maturity) * step

    def win_factor(self) -> float:
        """What maturity does to win rates now."""
        return 1.0 - self.spec.win_rate_effect * (1.0 - self.maturity)
