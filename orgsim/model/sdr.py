"""SDR: qualification, MQL -> SQL (the second link of the value chain).

Qualification is a task for the SDR pool, or for the AEs where the structure has no SDRs
(`ownership.qualification: ae`). The chance that an MQL becomes an SQL decays with the time it
waited for someone to call it back (speed to lead). An SQL goes on to sales
(``next.accept(lead)``), which makes it an opportunity and routes it to an AE
(`orgsim.model.sales`). Meetings booked by outbound prospecting are SQLs already and go straight on.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from orgsim.distributions import Sampler
from orgsim.model.entities import Accepts, Lead
from orgsim.model.marketing import ProductFit
from orgsim.model.routing import segment_pods
from orgsim.rng import Streams
from orgsim.scenario import Scenario

if TYPE_CHECKING:
    from orgsim.model.nurture import Nurture
    from orgsim.model.pools import Pool, Task
    from orgsim.model.stages import Results, StageStats
    from orgsim.model.trace import EventLog

__all__ = ["SDR", "speed_to_lead_factor"]


def speed_to_lead_factor(sc: Scenario, wait_days: float) -> float:
    """floor + (1 - floor) x 0.5 ^ (wait / half-life); 1 when speed to lead is off."""
    stl = sc.funnel.speed_to_lead
    if stl is None:
        return 1.0
    return stl.floor + (1.0 - stl.floor) * 0.5 ** (wait_days * 24.0 / stl.halflife_hours)


class SDR:
    """Qualifies MQLs and hands SQLs to sales.

    Args:
        sc: the scenario (reads ``funnel``, ``ownership.qualification``, ``ownership.routing``,
            ``lead_sources.outbound.sdr_time_share``, ``effort_hours.qualify``, AE pods).
        streams: random streams (``effort.qualify``, ``convert.mql_to_sql``).
        pool: who qualifies: the SDR pool, or the AE pool with ``ownership.qualification: ae``.
        stage: the sdr stage.
        next: who receives SQLs (sales).
        log: the event log, when one is kept.
        product: the product, whose fit scales MQL -> SQL (None: fit is not modelled).
        nurture: where disqualified MQLs go when recycling is on (None: off).
    """

    def __init__(
        self,
        *,
        sc: Scenario,
        streams: Streams,
        pool: Pool,
        stage: StageStats,
        next: Accepts[Lead],
        log: EventLog | None = None,
        product: ProductFit | None = None,
        nurture: Nurture | None = None,
    ):
        self.sc = sc
        self.pool = pool
        self.stage = stage
        self.next = next
        self.log = log
        self.product = product if sc.product.fit is not None else None
        self.nurture = nurture
        self.funnel: Counter[str] = Counter()
        self.by_ae = sc.ownership.qualification == "ae"
        # SDRs give their prospecting share of time to outbound, the rest to inbound tasks
        self.share = 1.0 if self.by_ae else 1.0 - sc.lead_sources.outbound.sdr_time_share
        self.effort = Sampler(sc.effort_hours.qualify, streams.generator("effort.qualify"))
        self.convert = streams.uniforms("convert.mql_to_sql")
        # AEs who qualify do it within their segment's pod
        self.pods = self.by_ae and segment_pods(sc)

    def accept(self, lead: Lead) -> None:
        """An MQL to qualify (an SDR's task), or a booked meeting (an SQL already) for sales."""
        if lead.sql:
            self.next.accept(lead)
            return
        self.pool.submit(
            self.stage,
            self.effort(),
            self._qualified,
            lead,
            pod=lead.segment if self.pods else None,
            share=self.share,
            kind="qualification",
        )

    def record(self, into: Results) -> None:
        """SQLs by source and MQLs disqualified."""
        into.count(self.funnel)

    def _qualified(self, task: Task) -> None:
        """The qualification task is done: SQL (with speed to lead) or lost."""
        p = self.sc.funnel.mql_to_sql * speed_to_lead_factor(self.sc, task.wait)
        if self.product is not None:  # product-market fit
            p *= self.product.fit  # (`fit_factor()`, kept by the product as maturity moves)
        lead: Lead = task.ctx
        log = self.log
        if not self.convert.bernoulli(p):
            self.funnel["lost.qualification"] += 1
            if log is not None:
                log.add(lead.case, "lead", "Disqualified", lead.segment, lead.source)
            if self.nurture is not None:
                self.nurture.accept(lead, "disqualified")
            return
        if log is not None:
            log.add(lead.case, "lead", "Sales qualified", lead.segment, lead.source)
        self.funnel[f"sql.{lead.source}"] += 1
        lead.sql = True
        self.next.accept(lead)
