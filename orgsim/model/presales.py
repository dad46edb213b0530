"""Presales: SE work on deals that need it, and enablement of the sales team (beside sales, the
third link of the value chain).

Following the article, presales should *enable* sales rather than carry big deals: SEs spend
`enablement_share` of their time enabling AEs, which raises every AE's win rate by up to
`funnel.enablement_max_uplift` when SEs give `enablement_hours_per_ae_month` per AE. The rest
of their time goes to presales tasks on deals of segments with `needs_presales`
(``accept(opportunity)``; the deal, a join, hears when the SE is done). Without SE capacity such a
deal waits (`presales_unavailable: wait`) or proceeds at `no_presales_win_factor` (`proceed`).

With `funnel.presales_coverage` (off when absent), SE hours come in proportion: a deal gets at
most `ration_months` x this month's SE deal hours / (1 + deals waiting for an SE) of the hours it
asks for, and its presales factor is f0 + (1 - f0) x g(given / asked), g(x) = (1 - e^(-kx)) /
(1 - e^(-k)), f0 = `no_presales_win_factor`; enablement can saturate as h / (h + h_half).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from orgsim.distributions import Sampler
from orgsim.model.entities import Opportunity
from orgsim.rng import Streams
from orgsim.scenario import MONTH_DAYS, Scenario

if TYPE_CHECKING:
    from orgsim.model.pools import Pool, Task
    from orgsim.model.stages import Results, StageStats
    from orgsim.model.trace import EventLog

__all__ = ["Presales"]


class Presales:
    """SE work on deals, and the enablement uplift of AE win rates.

    Args:
        sc: the scenario (reads the SE role, ``funnel``, ``ownership.presales_unavailable``,
            the segments' ``effort_hours.presales``).
        streams: random streams (``effort.presales.<segment>``).
        pool: the SE pool.
        stage: the presales stage.
        aes: the AE pool (enablement is per AE), None without AEs.
        log: the event log, when one is kept.
    """

    def __init__(
        self,
        *,
        sc: Scenario,
        streams: Streams,
        pool: Pool,
        stage: StageStats,
        aes: Pool | None,
        log: EventLog | None = None,
    ):
        self.sc = sc
        self.pool = pool
        self.stage = stage
        self.aes = aes
        self.log = log
        se = sc.roles.get("se")
        self.enablement_share = se.enablement_share if se else 0.0
        self.share = 1.0 - self.enablement_share
        self.effort = {
            name: Sampler(seg.effort_hours.presales, streams.generator(f"effort.presales.{name}"))
            for name, seg in sc.segments.items()
            if seg.effort_hours.presales is not None
        }
        self.proceed = sc.ownership.presales_unavailable == "proceed"
        self.enablement_factor = 1.0
        self.skipped = 0
        self.coverage = sc.funnel.presales_coverage
        # `coverage_factor`'s constants (read for every presales deal): f0, 1 - f0, k, 1 - e^(-k)
        self._f0 = f0 = sc.funnel.no_presales_win_factor
        self._f0_gap = 1.0 - f0
        self._k = k = self.coverage.curvature if self.coverage is not None else 1.0
        self._g1 = 1.0 - math.exp(-k)
        self.month_hours = 0.0  # SE hours for deals this month (with coverage)
        self.hours_asked = 0.0
        self.hours_given = 0.0

    def start_of_month(self) -> None:
        """Recompute the enablement uplift from this month's SE and AE headcount."""
        f = self.sc.funnel
        cov = self.coverage
        if cov is not None:
            se_hours = self.pool.speed_sum() * self.pool.hours_per_day * MONTH_DAYS
            self.month_hours = se_hours * self.share
        n_ae = self.aes.speed_sum() if self.aes else 0.0
        if f.enablement_max_uplift <= 0 or n_ae <= 0 or self.enablement_share <= 0:
            self.enablement_factor = 1.0
            return
        hours = self.pool.speed_sum() * self.pool.hours_per_day * MONTH_DAYS * self.enablement_share
        if cov is not None and cov.enablement_half_hours_per_ae_month is not None:
            per_ae = hours / n_ae
            level = per_ae / (per_ae + cov.enablement_half_hours_per_ae_month)
        else:
            need = f.enablement_hours_per_ae_month * n_ae
            level = 1.0 if need <= 0 else min(1.0, hours / need)
        self.enablement_factor = 1.0 + f.enablement_max_uplift * level

    def available_now(self) -> bool:
        """Whether an SE is free this moment."""
        return bool(self.pool.free)

    def accept(self, opp: Opportunity) -> None:
        """An SE works the deal, or it proceeds without one at the presales win factor."""
        if self.proceed and not self.available_now():
            self.skipped += 1
            if self.log is not None:
                self.log.add(opp.case, "opportunity", "Presales skipped", opp.segment, opp.source)
            opp.factor = self.sc.funnel.no_presales_win_factor
            opp.part_done()
            return
        asked = self.effort[opp.segment]()
        if self.coverage is not None:
            asked = self._ration(opp, asked)
            if asked <= 0.0:
                return
        self.pool.submit(self.stage, asked, self._worked, opp, share=self.share)

    def coverage_factor(self, given_share: float) -> float:
        """f0 + (1 - f0) x g(x): the presales factor of a deal given the share x of its asked SE hours."""
        f0, k = self._f0, self._k
        x = 0.0 if given_share < 0.0 else 1.0 if given_share > 1.0 else given_share  # (clipped without min/max)
        return f0 + self._f0_gap * (1.0 - math.exp(-k * x)) / self._g1

    def _ration(self, opp: Opportunity, asked: float) -> float:
        """The SE hours the deal gets (at most its share of the month's SE hours); sets its factor.
        A deal given no hours (no SE on staff) proceeds at once at the presales win factor."""
        cov = self.coverage
        assert cov is not None
        ration = cov.ration_months * self.month_hours / (1 + len(self.pool.queue))
        given = asked if asked <= ration else ration
        self.hours_asked += asked
        self.hours_given += given
        opp.factor = self.coverage_factor(given / asked) if asked > 0 else 1.0
        if given <= 0.0:
            self.skipped += 1
            if self.log is not None:
                self.log.add(opp.case, "opportunity", "Presales skipped", opp.segment, opp.source)
            opp.part_done()
        return given

    def record(self, into: Results) -> None:
        """Deals that proceeded without an SE (and, with coverage, the share of asked SE hours given)."""
        into.counters["presales_skipped"] = self.skipped
        if self.coverage is not None:
            into.counters["presales_hours_given_share"] = (
                self.hours_given / self.hours_asked if self.hours_asked > 0 else float("nan")
            )

    def _worked(self, task: Task) -> None:
        """The SE's work on the deal is done."""
        task.ctx.part_done()
