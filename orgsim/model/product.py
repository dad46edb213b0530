"""Product: engineers build maturity, and maturity sells and retains.

Maturity (0..1) closes its gap to 1 by (ramped engineers / engineer_months_to_mature) each month,
so it saturates in cumulative engineer-months. It multiplies win rates
(1 - win_rate_effect x (1 - maturity)) and moves customer health
(product_weight_per_month x (maturity - 0.5)). This is how "product first" pays off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orgsim.model.company import Company


class Product:
    def __init__(self, co: "Company"):
        self.co = co
        self.maturity = co.sc.product.maturity_start

    def end_of_month(self) -> None:
        eng = self.co.workforce.pools.get("engineer")
        n = eng.speed_sum() if eng else 0.0
        step = min(1.0, n / self.co.sc.product.engineer_months_to_mature)
        self.maturity += (1.0 - self.maturity) * step

    def win_factor(self) -> float:
        return 1.0 - self.co.sc.product.win_rate_effect * (1.0 - self.maturity)
