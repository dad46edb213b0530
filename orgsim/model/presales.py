"""Presales: SE work on deals that need it, and enablement of the sales team.

Following the article, presales should *enable* sales rather than carry big deals: SEs spend
`enablement_share` of their time enabling AEs, which raises every AE's win rate by up to
`funnel.enablement_max_uplift` when SEs give `enablement_hours_per_ae_month` per AE. The rest
of their time goes to presales tasks on deals of segments with `needs_presales`. Without SE
capacity such a deal waits (`presales_unavailable: wait`) or proceeds at
`no_presales_win_factor` (`proceed`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgsim.scenario import MONTH_DAYS

if TYPE_CHECKING:
    from orgsim.model.company import Company
    from orgsim.model.marketing import Lead


class Presales:
    def __init__(self, co: "Company"):
        self.co = co
        sc = co.sc
        self.pool = co.workforce.pool_or_empty("se")
        se = sc.roles.get("se")
        self.enablement_share = se.enablement_share if se else 0.0
        self.share = 1.0 - self.enablement_share
        self.stage = co.stage("presales", self.pool)
        self.effort = {
            name: co.sampler(seg.effort_hours.presales, f"effort.presales.{name}")
            for name, seg in sc.segments.items()
            if seg.effort_hours.presales is not None
        }
        self.proceed = sc.ownership.presales_unavailable == "proceed"
        self.enablement_factor = 1.0
        self.skipped = 0

    def start_of_month(self) -> None:
        """Recompute the enablement uplift from this month's SE and AE headcount."""
        f = self.co.sc.funnel
        aes = self.co.workforce.pools.get("ae")
        n_ae = aes.speed_sum() if aes else 0.0
        if f.enablement_max_uplift <= 0 or n_ae <= 0 or self.enablement_share <= 0:
            self.enablement_factor = 1.0
            return
        hours = self.pool.speed_sum() * self.pool.hours_per_day * MONTH_DAYS * self.enablement_share
        need = f.enablement_hours_per_ae_month * n_ae
        level = 1.0 if need <= 0 else min(1.0, hours / need)
        self.enablement_factor = 1.0 + f.enablement_max_uplift * level

    def available_now(self) -> bool:
        return bool(self.pool.free)

    def support(self, lead: "Lead") -> None:
        """An SE works the deal (`Sales.part_done` when done), or it proceeds without one at the
        presales win factor."""
        if self.proceed and not self.available_now():
            self.skipped += 1
            if self.co.events is not None:
                self.co.events.add(lead.case, "opportunity", "Presales skipped", lead.segment, lead.source)
            lead.factor = self.co.sc.funnel.no_presales_win_factor
            self.co.sales._part_done(lead)
            return
        self.pool.submit(self.stage, self.effort[lead.segment](), self.co.sales.part_done, lead, share=self.share)
