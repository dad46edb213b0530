"""The scenario: a company described as data. Every default lives here.

Pydantic models, frozen and strict about unknown keys (`extra="forbid"`), mirror the YAML format
of `scenarios/series-a.yaml` key for key. Cross-field rules that need the whole scenario (segment
names in pods, roles in the hiring plan, structures that cannot work) are checked by
`Scenario.problems()` (the rules are in `orgsim.scenario.checks`) so the loader can report them
all at once, with paths. The calendar, departments, limits and number kinds are in
`orgsim.scenario.base`; distributions (`Dist`) in `orgsim.scenario.dist`.

Figures in comments marked [id] come from `data/benchmarks.yaml`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from orgsim.scenario.acquisition import Funnel, LeadSources
from orgsim.scenario.base import (
    MAX_HEADCOUNT,
    MAX_HORIZON_MONTHS,
    MAX_STARTING_CUSTOMERS,
    MONTH_DAYS,
    Finite,
    Model,
    Money,
    NonNeg,
    NonNegMoney,
    Pos,
    PosMoney,
    Prob,
)
from orgsim.scenario.checks import problems
from orgsim.scenario.dist import Dist, fixed
from orgsim.scenario.founders import Founders
from orgsim.scenario.functional import AdminSpan, Collections, Management
from orgsim.scenario.handoff import Handoff
from orgsim.scenario.retention import Contraction, Relationship, RenewalCurve, Reversion, TechTouch
from orgsim.scenario.severity import graded_warnings

# --------------------------------------------------------------------------------------------
# The company and its customers' segments
# --------------------------------------------------------------------------------------------


class TimeCfg(Model):
    productive_hours_per_day: Annotated[float, Field(gt=0, le=24, allow_inf_nan=False)] = 6.0
    """Hours of task work a person gives per calendar day; 24 = continuous time (validation)."""
    start_date: _dt.date = _dt.date(2026, 1, 1)
    """The calendar date of day 0: event log timestamps count from it (nothing else depends on it)."""


class FundingRound(Model):
    """A funding round (YAML `company.funding[i]`): `amount` of cash arrives at the close of month
    `month` (1-based), or at the first month close where ARR is at least `arr_at_least`; once."""

    month: Annotated[int, Field(ge=1, le=MAX_HORIZON_MONTHS)] | None = None
    arr_at_least: NonNegMoney | None = None
    amount: PosMoney

    @model_validator(mode="after")
    def _one_trigger(self) -> FundingRound:
        if (self.month is None) == (self.arr_at_least is None):
            raise ValueError("a funding round needs exactly one trigger: `month` or `arr_at_least`")
        return self


class CompanySettings(Model):
    """The company as a whole: money and starting customers (YAML key `company:`; the running company
    is `orgsim.model.company.Company`)."""

    starting_cash: Money = 10_000_000.0
    gross_margin: Prob = 0.75  # typical subscription gross margin of private SaaS
    overhead_per_head_month: NonNegMoney = 1500.0  # tools, space, G&A per person
    payment_terms_days: NonNeg = 30.0
    billing: Literal["annual_upfront", "monthly"] = "annual_upfront"
    starting_customers: dict[str, Annotated[int, Field(ge=0, le=MAX_STARTING_CUSTOMERS)]] = Field(default_factory=dict)
    commission_rate: Prob = 0.0
    """Sales commission, a share of new and expansion ARR, paid (as cost) in the month it is booked;
    counted in S&M cost and so in CAC. 0 = none (off) [ae_commission_pct_acv: 9% of ACV]."""
    funding: list[FundingRound] = Field(default_factory=list)
    """Funding rounds: cash that arrives at a month or an ARR milestone; [] = none (as before)."""
    default_grace_months: Annotated[int, Field(ge=0, le=MAX_HORIZON_MONTHS)] | None = 0
    """Months a company whose cash is below zero keeps operating (hiring frozen) waiting for funding
    before it defaults and stops; 0 = it stops at the close of the first month below zero; null =
    it never stops (hiring stays frozen while cash is below zero). Assumption, no public figure."""
    collections: Collections | None = None
    """Finance collects: DSO and bad debt rise when finance is overloaded; null = off (as before)."""
    admin_span: AdminSpan | None = None
    """HR/admin span of control: time to hire stretches beyond it; null = off (as before)."""
    management: Management | None = None
    """Managers' span of control over SDRs/AEs: task hours fall beyond it; null = off (as before)."""


class SegmentEffort(Model):
    opportunity: Dist  # AE hours per opportunity
    presales: Dist | None = None  # SE hours per opportunity (segments that need presales)
    delivery: Dist | None = None  # hours of the delivering team per won deal; null = no delivery task


class Segment(Model):
    lead_mix: Prob
    acv: Dist
    sales_cycle_days: Dist  # buyer's calendar time [sales_cycle_velocity]
    win_rate: Prob  # opportunity -> won [win_rate_close_rate_hubspot]
    needs_presales: bool = False
    delivered_by: Literal["sales", "implementation", "csm"] = "sales"
    go_live_days: Dist = Field(default_factory=lambda: fixed(0.0))
    contract_months: Annotated[int, Field(ge=1, le=120)] = 12
    renewal_rate: Prob = 0.9  # at the healthy threshold [grr_overall]
    effort_hours: SegmentEffort
    expansion_monthly_probability: Prob | None = None
    """This segment's monthly expansion chance at health 1; null = customers.expansion.monthly_probability
    (median NRR - GRR rises with ACV [nrr_by_acv_lt12k ... nrr_by_acv_gt250k])."""


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------


class Role(Model):
    department: Literal["marketing", "sales", "service", "product", "functional"]
    headcount: Annotated[int, Field(ge=0, le=MAX_HEADCOUNT)] = 0
    annual_cost: NonNegMoney = 0.0
    ramp_months: NonNeg = 0.0
    max_open_opportunities: Annotated[int, Field(ge=1)] | None = None
    pods: dict[str, Prob] | None = None
    enablement_share: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.0
    book_size: Annotated[int, Field(ge=0)] | None = None
    hires_per_month: NonNeg | None = None
    productivity_cv: Annotated[float, Field(ge=0, le=3, allow_inf_nan=False)] = 0.0
    """Spread of people's productivity: each person's speed is multiplied by a lognormal factor of
    mean 1 and this coefficient of variation, drawn when they join; 0 = everyone 1 (off)."""
    washout_probability: Prob = 0.0
    """Chance that a person hired during the run washes out: leaves at the end of ramp (a leaver,
    backfilled when hiring.backfill); 0 = off [sales_hire_failure_rate: 25-40%]."""
    arr_per_csm: NonNegMoney | None = None
    """CSMs: ARR one CSM covers; books fill largest account first until either book_size accounts or
    this ARR is reached; null = no ARR limit [arr_per_csm_growth: $1M; arr_per_csm_at_scale: $2M]."""
    quota_arr_per_year: NonNegMoney | None = None
    """AEs: annual quota of new ARR (bookings of the deals they own); null = no quota (the
    quota_attainment KPI is then undefined)."""


class CommonEffort(Model):
    qualify: Dist = Field(default_factory=lambda: Dist(dist="gamma", mean=2.0, cv=0.6))
    expansion: Dist = Field(default_factory=lambda: Dist(dist="gamma", mean=4.0, cv=0.5))
    renewal: Dist = Field(default_factory=lambda: Dist(dist="gamma", mean=3.0, cv=0.5))
    account_care_per_month: NonNeg = 2.0
    mql_review: Dist | None = None
    """Marketer hours to review each lead; null = automated scoring, no marketer time."""


AeWork = Literal["opportunity", "delivery", "expansion", "renewal", "qualification", "key_person"]
CsmWork = Literal["onboarding", "care", "expansion", "renewal"]


class Priorities(Model):
    """The order in which a person of a shared role takes queued work, highest priority first
    (oldest first within a kind; kinds not listed come last). A role absent (null) = FIFO."""

    ae: list[AeWork] | None = None
    csm: list[CsmWork] | None = None


class Ownership(Model):
    qualification: Literal["sdr", "ae"] = "sdr"
    routing: Literal["segment", "round_robin", "least_loaded"] = "round_robin"
    deal_work: Literal["pod", "owner"] = "pod"
    """Who does an opportunity's AE work (and delivers it, when sales delivers): "pod" = the first
    AE of the deal's pod (or any AE, without pods) who is free, AE time pooled as one queue;
    "owner" = the AE the SQL was routed to, from their own queue, so routing rules decide loads."""
    expansion_by_sales_months: NonNeg = 6.0
    renewal: Literal["csm", "ae"] = "csm"
    referral_relationship: Literal["sales", "none"] = "sales"
    presales_unavailable: Literal["wait", "proceed"] = "wait"
    priorities: Priorities = Field(default_factory=Priorities)


# --------------------------------------------------------------------------------------------
# Customers, product
# --------------------------------------------------------------------------------------------


class Health(Model):
    start: Prob = 0.75
    onboarding_wait_penalty_per_month: NonNeg = 0.1
    covered_drift_per_month: Finite = 0.01
    """Applies to a covered account whose monthly care task (effort_hours.account_care_per_month)
    was done within the month; otherwise the account drifts as if uncovered."""
    uncovered_drift_per_month: Finite = -0.03
    product_weight_per_month: Finite = 0.05
    noise_sd: NonNeg = 0.05
    reversion: Reversion | None = None
    """Mean-reverting health (replaces the covered/uncovered drifts); null = the additive drifts."""


class Expansion(Model):
    monthly_probability: Prob = 0.04
    size_of_arr: Dist = Field(default_factory=lambda: Dist(dist="lognormal", mean=0.3, cv=0.5))


class Customers(Model):
    healthy_threshold: Prob = 0.6
    active_threshold: Prob = 0.3
    handoff: Handoff | None = None
    """The cost of handing a deal from sales to another delivering team, and of sales delivering
    complex deals (`orgsim.scenario.handoff`); null = off."""
    health: Health = Field(default_factory=Health)
    renewal_health_slope: NonNeg = 0.5
    expansion: Expansion = Field(default_factory=Expansion)
    renewal_lead_days: NonNeg = 0.0
    """Days before term end at which the renewal task is opened (0 = at term end)."""
    late_renewal_penalty_per_month: Prob = 0.1
    """Renewal probability lost per month the renewal task finishes after the term ended: a
    customer left without a renewal conversation drifts away (owners who are busy elsewhere
    renew late)."""
    renewal_curve: RenewalCurve | None = None
    """Logistic renewal probability by health; null = the linear renewal_health_slope rule."""
    contraction: Contraction | None = None
    """Downsell at renewal for accounts below healthy; null = none."""
    churn_floor_per_year: Prob = 0.0
    """Annual chance an account is lost whatever its health (the business closes or is acquired),
    applied at renewal for the term's length; 0 = off."""
    tech_touch: TechTouch | None = None
    """Pooled tech-touch care for some segments; null = every account competes for CSM books."""
    relationship: Relationship | None = None
    """Relationship strength of each account with its owners (sales, CSM); null = off."""


class ProductFit(Model):
    """Product-market fit across the funnel (YAML key `product.fit:`): below `threshold` maturity,
    lead -> MQL, MQL -> SQL and win rates are scaled by floor + (1 - floor) x maturity / threshold."""

    threshold: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    floor: Prob = 0.0


class ProductSettings(Model):
    """How the product matures with engineering (YAML key `product:`; the running product is
    `orgsim.model.product.Product`)."""

    maturity_start: Prob = 0.6
    engineer_months_to_mature: Pos = 600.0
    win_rate_effect: Prob = 0.5
    fit: ProductFit | None = None
    """Product-market fit across the funnel; null = off (conversions do not depend on fit)."""


class MarketSettings(Model):
    """A finite market (YAML key `market:`): every source's leads of a segment fall as the segment's
    penetration rises; the running market is `orgsim.model.market.Market`."""

    addressable_accounts: dict[str, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)
    """Accounts that could buy, by segment; a segment not named is unlimited (off)."""
    saturation_exponent: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 1.0
    """k in (1 - penetration)^k, the share of a segment's leads still found."""
    recent_loss_months: Annotated[int, Field(ge=0, le=MAX_HORIZON_MONTHS)] = 12
    """Customers lost this many months ago or less still count as penetrated (they will not buy again soon)."""


# --------------------------------------------------------------------------------------------
# Hiring
# --------------------------------------------------------------------------------------------


class Requisition(Model):
    month: Annotated[int, Field(ge=1)]
    role: str
    count: Annotated[int, Field(ge=1, le=MAX_HEADCOUNT)] = 1


class Growth(Model):
    focus_order: list[str]
    hires_per_month: NonNeg = 0.0
    focus_share: Prob = 0.7
    months_per_stage: Pos | None = 9.0
    arr_milestones: list[NonNeg] | None = None
    """ARR at which each stage after the first begins; replaces months_per_stage when given."""
    mix: dict[str, dict[str, NonNeg]] = Field(default_factory=dict)


class Hiring(Model):
    time_to_hire_days: Dist = Field(default_factory=lambda: Dist(dist="gamma", mean=50.0, cv=0.3))
    attrition_per_year: dict[str, NonNeg] = Field(default_factory=lambda: {"default": 0.12})
    backfill: bool = True
    ramp_start_productivity: Prob = 0.25
    """Speed of a new hire on day one; rises linearly to 1 over ramp_months."""
    plan: list[Requisition] = Field(default_factory=list)
    growth: Growth | None = None
    founder_hires_per_month: Pos | None = None
    """With no recruiter on staff, the founders close at most this many hires a month, one after
    another; null = they close every hire at once at no cost (as before)."""

    @field_validator("attrition_per_year", mode="before")
    @classmethod
    def _scalar_attrition(cls, v: Any) -> Any:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return {"default": v}
        return v

    def attrition(self, role: str) -> float:
        return self.attrition_per_year.get(role, self.attrition_per_year.get("default", 0.0))


# --------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------


class Scenario(Model):
    name: str = "scenario"
    description: str = ""
    horizon_months: Annotated[int, Field(ge=1, le=MAX_HORIZON_MONTHS)] = 36
    replications: Annotated[int, Field(ge=1, le=100_000)] = 30
    seed: Annotated[int, Field(ge=0)] = 0
    time: TimeCfg = Field(default_factory=TimeCfg)
    company: CompanySettings = Field(default_factory=CompanySettings)
    segments: dict[str, Segment]
    lead_sources: LeadSources = Field(default_factory=LeadSources)
    funnel: Funnel = Field(default_factory=Funnel)
    roles: dict[str, Role]
    effort_hours: CommonEffort = Field(default_factory=CommonEffort)
    ownership: Ownership = Field(default_factory=Ownership)
    customers: Customers = Field(default_factory=Customers)
    product: ProductSettings = Field(default_factory=ProductSettings)
    market: MarketSettings = Field(default_factory=MarketSettings)
    hiring: Hiring = Field(default_factory=Hiring)
    founders: Founders | None = None  # founders' time (`orgsim.scenario.founders`); null = no founders

    # ---- derived facts used by the model and by the checks -----------------------------------

    def role_ever_staffed(self, role: str) -> bool:
        """True when the role has people at the start or may get some by hiring."""
        r = self.roles.get(role)
        if r is None:
            return False
        if r.headcount > 0:
            return True
        if any(req.role == role for req in self.hiring.plan):
            return True
        g = self.hiring.growth
        if g and g.hires_per_month > 0:
            return any(role in mix and mix[role] > 0 for mix in g.mix.values())
        return False

    def expansion_probabilities(self) -> dict[str, float]:
        """Each segment's monthly expansion chance at health 1: its own, else the company's."""
        p = self.customers.expansion.monthly_probability
        return {
            n: p if s.expansion_monthly_probability is None else s.expansion_monthly_probability
            for n, s in self.segments.items()
        }

    def problems(self) -> list[tuple[str, str]]:
        """Cross-field problems as (dotted path, message); empty when the scenario is coherent."""
        return problems(self)

    def warnings(self) -> list[tuple[str, str]]:
        """What the scenario runs with but probably does not mean, as (dotted path, message): work
        that waits until its role is first hired, settings that can do nothing (the rules are in
        `orgsim.scenario.stalls`), a run that can win nothing, settings outside the horizon; most
        serious first (`orgsim.scenario.severity.graded_warnings` gives each one's severity). Empty
        for a scenario without such structures."""
        return [(path, msg) for _, path, msg in graded_warnings(self)]

    @property
    def horizon_days(self) -> float:
        return self.horizon_months * MONTH_DAYS
