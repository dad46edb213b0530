"""The scenario's acquisition side: lead sources and the funnel from lead to decided deal.

Part of the schema (`orgsim.scenario.schema` imports these models into `Scenario`); split out so
each module stays small. Figures in comments marked [id] come from `data/benchmarks.yaml`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from orgsim.scenario.base import Model, NonNeg, NonNegMoney, Pos, PosMoney, Prob
from orgsim.scenario.dist import Dist, fixed

__all__ = [
    "ContentSource",
    "DealMomentum",
    "Funnel",
    "LeadSources",
    "OutboundSource",
    "PaidSource",
    "PresalesCoverage",
    "Recycling",
    "ReferralSource",
    "SpeedToLead",
]


class PaidSource(Model):
    budget_per_month: NonNegMoney = 0.0
    cost_per_lead: PosMoney = 200.0  # [cpl_b2b_saas_blended]
    cost_elasticity: NonNeg = 0.0
    reference_budget_per_month: PosMoney | None = None
    """Budget at which cost_per_lead holds. The loader sets it to the budget of the first file of
    the `extends` chain that sets one, so a budget raised by an override, a sweep or a child file
    moves cost per lead by cost_elasticity alike."""
    mql_rate: Prob = 0.15  # [funnel_inquiry_to_mql]


class ContentSource(Model):
    leads_per_marketer_month: NonNeg = 0.0
    mql_rate: Prob = 0.2
    returns_exponent: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 1.0
    """beta in leads = leads_per_marketer_month x (ramped marketers)^beta; 1 = linear (neutral)."""


class OutboundSource(Model):
    sdr_time_share: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.0
    meetings_per_sdr_month: NonNeg = 0.0  # SQLs booked per fully ramped SDR [sdr_sqls_per_month]
    segment_mix: dict[str, Prob] | None = None  # defaults to the segments' lead_mix
    ae_time_share: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.0
    """Share of AE time spent prospecting (AE self-sourcing); their tasks get the rest. 0 = off
    (assumption, no public figure; see docs/explanation/model/marketing.md)."""
    meetings_per_ae_month: NonNeg = 0.0
    """SQLs booked per fully ramped AE per month at the reference share (ae_time_share, or
    ae_time_share_without_sdrs when ae_time_share is 0); a month at another share books in
    proportion. An SDR books 18+ a month full time [sdr_sqls_per_month]."""
    ae_time_share_without_sdrs: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] | None = None
    """Share of AE time spent prospecting in a month that starts with no SDR on staff; null = ae_time_share."""

    def ae_share(self, sdrs_on_staff: bool) -> float:
        """The share of AE time spent prospecting in a month, with or without SDRs on staff."""
        if not sdrs_on_staff and self.ae_time_share_without_sdrs is not None:
            return self.ae_time_share_without_sdrs
        return self.ae_time_share

    @property
    def ae_reference_share(self) -> float:
        """The share at which meetings_per_ae_month holds."""
        return self.ae_time_share if self.ae_time_share > 0 else self.ae_time_share_without_sdrs or 0.0

    @property
    def ae_prospects(self) -> bool:
        """Whether AEs prospect in any month (self-sourcing is on)."""
        return self.ae_reference_share > 0


class ReferralSource(Model):
    per_healthy_account_year: NonNeg = 0.0
    relationship_boost: NonNeg = 1.0
    mql_rate: Prob = 0.6


class LeadSources(Model):
    paid: PaidSource = Field(default_factory=PaidSource)
    content: ContentSource = Field(default_factory=ContentSource)
    outbound: OutboundSource = Field(default_factory=OutboundSource)
    referral: ReferralSource = Field(default_factory=ReferralSource)


class SpeedToLead(Model):
    halflife_hours: Pos
    floor: Prob = 0.0


class DealMomentum(Model):
    """An opportunity's win probability decays with the days it waits for its sellers beyond the
    buyer's own cycle; past `patience_days` it goes dark (no decision). See
    docs/explanation/model/sales.md. Null keys are off; the defaults change nothing."""

    halflife_days: Pos | None = None
    """Delay after which the decaying part of the win probability halves; null = no decay.
    Typical: 35 (deals slipped > 8 weeks win 67% less [win_rate_trend_2024])."""
    patience_days: NonNeg | None = None
    """Delay after which the buyer goes dark (lost, no decision); null = never."""
    floor: Prob = 0.0
    """Part of the win probability that never decays."""


class Recycling(Model):
    """Lost and dark opportunities and disqualified MQLs go to nurture and may come back as MQLs
    (docs/explanation/model/sdr.md). Probabilities of 0 (the defaults) are off."""

    lost: Prob = 0.0
    """Probability that an opportunity lost (decided, not won) comes back as an MQL."""
    no_decision: Prob = 0.0
    """Probability that an opportunity that went dark comes back as an MQL."""
    disqualified: Prob = 0.0
    """Probability that a disqualified MQL comes back as an MQL."""
    delay_days: Dist = Field(default_factory=lambda: fixed(180.0))
    """Days in nurture before a recycled lead is an MQL again."""

    @property
    def on(self) -> bool:
        return self.lost > 0 or self.no_decision > 0 or self.disqualified > 0


class PresalesCoverage(Model):
    """SE hours in proportion: deals get the SE hours the team can spare, and the win-rate uplift
    saturates in the hours given (docs/explanation/model/presales.md). Absent (null) = off."""

    ration_months: Pos = 1.0
    """A deal gets at most ration_months x (SE deal hours per month) / (1 + deals waiting for an SE)
    of the hours it asks for. Assumption, no public figure."""
    curvature: Pos = 3.0
    """k of g(x) = (1 - exp(-k x)) / (1 - exp(-k)): the share of the presales uplift a deal gets
    from the share x of its asked hours it was given. Assumption, no public figure."""
    enablement_half_hours_per_ae_month: Pos | None = None
    """Enablement hours per AE per month that give half of enablement_max_uplift (uplift = max x
    h / (h + this)); null = today's linear curve capped at enablement_hours_per_ae_month."""


class Funnel(Model):
    mql_to_sql: Prob = 0.45  # [funnel_mql_to_sal] x [funnel_sal_to_sql]
    speed_to_lead: SpeedToLead | None = None  # null = no decay with waiting
    sql_to_opportunity: Prob = 0.7
    no_presales_win_factor: Prob = 0.6
    enablement_max_uplift: NonNeg = 0.0
    enablement_hours_per_ae_month: NonNeg = 4.0
    deal_momentum: DealMomentum = Field(default_factory=DealMomentum)
    recycling: Recycling = Field(default_factory=Recycling)
    presales_coverage: PresalesCoverage | None = None  # null = SE hours all-or-nothing, as before
