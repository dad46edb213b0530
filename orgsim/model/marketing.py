"""Marketing: where leads come from, and which become MQLs.

Each month the sources create leads as Poisson arrivals spread uniformly over the month:
paid (budget / cost per lead, which rises with spend by `cost_elasticity`), content (grows with
ramped marketer headcount), outbound (SDR prospecting books SQLs directly) and referrals
(healthy customers refer, more when sales keeps the key-person relationship). Marketing
qualification (lead -> MQL) is automated scoring at a source-specific rate, unless
`effort_hours.mql_review` asks for marketer time per lead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from orgsim.model import sdr
from orgsim.scenario import MONTH_DAYS

if TYPE_CHECKING:
    from orgsim.model.company import Company, Lead

SOURCES = ("paid", "content", "outbound", "referral")


def monthly_rates(co: "Company") -> dict[str, float]:
    """Expected leads per month by source, from the company's state now."""
    ls = co.sc.lead_sources
    paid = ls.paid
    rates = {"paid": 0.0, "content": 0.0, "outbound": 0.0, "referral": 0.0}
    if paid.budget_per_month > 0:
        ref = paid.reference_budget_per_month or paid.budget_per_month
        cpl = paid.cost_per_lead * (paid.budget_per_month / ref) ** paid.cost_elasticity
        rates["paid"] = paid.budget_per_month / cpl
    marketers = co.workforce.pool("marketer")
    if marketers is not None:
        rates["content"] = ls.content.leads_per_marketer_month * marketers.speed_sum()
    sdrs = co.workforce.pool("sdr")
    if sdrs is not None and ls.outbound.sdr_time_share > 0:
        rates["outbound"] = ls.outbound.meetings_per_sdr_month * sdrs.speed_sum()
    boost = ls.referral.relationship_boost if co.sc.ownership.referral_relationship == "sales" else 1.0
    rates["referral"] = co.success.healthy_count() * ls.referral.per_healthy_account_year / 12 * boost
    return rates


class Marketing:
    """Generates each month's leads and scores them."""

    def __init__(self, co: "Company"):
        self.co = co
        sc = co.sc
        self.segments = list(sc.segments)
        inbound_mix = np.array([sc.segments[s].lead_mix for s in self.segments], dtype=float)
        out = sc.lead_sources.outbound.segment_mix
        out_mix = np.array([out.get(s, 0.0) for s in self.segments]) if out else inbound_mix
        self.mix = {"paid": inbound_mix, "content": inbound_mix, "referral": inbound_mix, "outbound": out_mix}
        self.mql_rate = {
            "paid": sc.lead_sources.paid.mql_rate,
            "content": sc.lead_sources.content.mql_rate,
            "referral": sc.lead_sources.referral.mql_rate,
            "outbound": 1.0,  # booked meetings are sales-qualified already
        }
        self.gens = {s: co.streams.generator(f"arrivals.{s}") for s in SOURCES}
        self.review = co.sampler(sc.effort_hours.mql_review, "effort.mql_review") if sc.effort_hours.mql_review else None
        self.stage = co.stage("marketing", co.workforce.pool("marketer") if self.review else None)

    def start_of_month(self, month: int) -> None:
        """Draw this month's leads of every source and start their journeys."""
        co = self.co
        t0 = month * MONTH_DAYS
        rates = monthly_rates(co)
        for source in SOURCES:
            lam = rates[source]
            if lam <= 0:
                continue
            g = self.gens[source]
            n = int(g.poisson(lam))
            if n == 0:
                continue
            times = np.sort(g.random(n)) * MONTH_DAYS + t0
            segs = g.choice(len(self.segments), size=n, p=self.mix[source] / self.mix[source].sum())
            mql = g.random(n) < self.mql_rate[source]
            co.funnel[f"leads.{source}"] += n
            if source == "outbound":
                for t, s in zip(times.tolist(), segs.tolist()):
                    co.env.process(self._outbound(t, self.segments[s]))
                continue
            if self.review is None:
                self.stage.arrivals += n
                self.stage.completed += n
                self.stage.waits_days.extend([0.0] * n)
                for t, s, q in zip(times.tolist(), segs.tolist(), mql.tolist()):
                    if q:
                        co.funnel[f"mql.{source}"] += 1
                        co.env.process(self._inbound(t, source, self.segments[s]))
            else:
                for t, s, q in zip(times.tolist(), segs.tolist(), mql.tolist()):
                    co.env.process(self._reviewed(t, source, self.segments[s], q))

    def _inbound(self, at: float, source: str, segment: str):
        co = self.co
        yield co.env.timeout(at - co.env.now)
        lead = co.new_lead(source, segment)
        yield from sdr.qualify(co, lead)

    def _reviewed(self, at: float, source: str, segment: str, is_mql: bool):
        co = self.co
        yield co.env.timeout(at - co.env.now)
        yield from co.workforce.pools["marketer"].work(self.stage, self.review())
        if is_mql:
            co.funnel[f"mql.{source}"] += 1
            lead = co.new_lead(source, segment)
            yield from sdr.qualify(co, lead)

    def _outbound(self, at: float, segment: str):
        co = self.co
        yield co.env.timeout(at - co.env.now)
        co.funnel["mql.outbound"] += 1
        co.funnel["sql.outbound"] += 1
        lead: "Lead" = co.new_lead("outbound", segment)
        yield from sdr.route(co, lead)
