"""The scenario: a company described as data. Every default lives here.

Pydantic models, frozen and strict about unknown keys (`extra="forbid"`), mirror the YAML format
of `scenarios/series-a.yaml` key for key. Cross-field rules that need the whole scenario (segment
names in pods, roles in the hiring plan, structures that cannot work) are checked by
`Scenario.problems()` so the loader can report them all at once, with paths.

Figures in comments marked [id] come from `shared/data/benchmarks.yaml`.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MONTH_DAYS = 365.25 / 12
DEPARTMENTS = ("marketing", "sales", "service", "product", "functional")
GROWTH_DEPARTMENTS = ("product", "sales", "marketing", "service")

# Limits that keep a run finite; anything beyond them is almost surely a typo.
MAX_HORIZON_MONTHS = 240
MAX_HEADCOUNT = 100_000
MAX_LEADS_PER_MONTH = 1_000_000

Prob = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Pos = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


# --------------------------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------------------------


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


class Dist(Model):
    """A distribution of a non-negative quantity.

    A bare number in YAML means ``{dist: fixed, value: number}``. Parameters by kind:
    fixed (value or mean), exponential (mean), gamma and lognormal (mean, cv),
    uniform (low, high), triangular (low, mode, high), empirical (values, optional weights).
    """

    dist: Literal["fixed", "exponential", "gamma", "lognormal", "uniform", "triangular", "empirical"]
    value: NonNeg | None = None
    mean: NonNeg | None = None
    cv: NonNeg | None = None
    low: NonNeg | None = None
    mode: NonNeg | None = None
    high: NonNeg | None = None
    values: list[NonNeg] | None = None
    weights: list[NonNeg] | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, data: Any) -> Any:
        if isinstance(data, bool):
            return data  # let the field validation reject it with a clear message
        if isinstance(data, (int, float)):
            return {"dist": "fixed", "value": data}
        return data

    @model_validator(mode="after")
    def _parameters(self) -> "Dist":
        need: dict[str, tuple[str, ...]] = {
            "fixed": (),
            "exponential": ("mean",),
            "gamma": ("mean", "cv"),
            "lognormal": ("mean", "cv"),
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "empirical": ("values",),
        }
        allowed = {
            "fixed": {"value", "mean"},
            "exponential": {"mean"},
            "gamma": {"mean", "cv"},
            "lognormal": {"mean", "cv"},
            "uniform": {"low", "high"},
            "triangular": {"low", "mode", "high"},
            "empirical": {"values", "weights"},
        }[self.dist]
        given = {k for k in ("value", "mean", "cv", "low", "mode", "high", "values", "weights") if getattr(self, k) is not None}
        missing = [k for k in need[self.dist] if getattr(self, k) is None]
        if self.dist == "fixed" and self.value is None and self.mean is None:
            missing = ["value"]
        if missing:
            raise ValueError(f"{_article(self.dist)} {self.dist} distribution needs {', '.join(missing)}")
        extra = sorted(given - allowed)
        if extra:
            raise ValueError(
                f"{_article(self.dist)} {self.dist} distribution does not take {', '.join(extra)} (it takes {', '.join(sorted(allowed))})"
            )
        if self.dist in ("gamma", "lognormal") and self.cv == 0:
            raise ValueError(f"a {self.dist} distribution needs cv > 0 (use dist: fixed for no variation)")
        if self.dist == "uniform" and self.low > self.high:
            raise ValueError(f"uniform needs low <= high (got low={self.low}, high={self.high})")
        if self.dist == "triangular" and not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"triangular needs low <= mode <= high and low < high (got {self.low}, {self.mode}, {self.high})"
            )
        if self.dist == "empirical":
            if not self.values:
                raise ValueError("an empirical distribution needs at least one value")
            if self.weights is not None:
                if len(self.weights) != len(self.values):
                    raise ValueError(
                        f"weights must have one entry per value ({len(self.values)} values, {len(self.weights)} weights)"
                    )
                if sum(self.weights) <= 0:
                    raise ValueError("weights must not all be zero")
        return self

    @property
    def expected(self) -> float:
        """The analytic mean."""
        if self.dist == "fixed":
            return float(self.value if self.value is not None else self.mean)
        if self.dist in ("exponential", "gamma", "lognormal"):
            return float(self.mean)
        if self.dist == "uniform":
            return (self.low + self.high) / 2
        if self.dist == "triangular":
            return (self.low + self.mode + self.high) / 3
        w = self.weights or [1.0] * len(self.values)
        return sum(v * x for v, x in zip(self.values, w)) / sum(w)

    @property
    def variance(self) -> float:
        """The analytic variance."""
        m = self.expected
        if self.dist == "fixed":
            return 0.0
        if self.dist == "exponential":
            return m * m
        if self.dist in ("gamma", "lognormal"):
            return (self.cv * m) ** 2
        if self.dist == "uniform":
            return (self.high - self.low) ** 2 / 12
        if self.dist == "triangular":
            a, c, b = self.low, self.mode, self.high
            return (a * a + b * b + c * c - a * b - a * c - b * c) / 18
        w = self.weights or [1.0] * len(self.values)
        s = sum(w)
        return sum(x * (v - m) ** 2 for v, x in zip(self.values, w)) / s


def fixed(value: float) -> Dist:
    return Dist(dist="fixed", value=value)


# --------------------------------------------------------------------------------------------
# The company and its customers' segments
# --------------------------------------------------------------------------------------------


class TimeCfg(Model):
    productive_hours_per_day: Annotated[float, Field(gt=0, le=24, allow_inf_nan=False)] = 6.0
    """Hours of task work a person gives per calendar day; 24 = continuous time (validation)."""
    start_date: _dt.date = _dt.date(2026, 1, 1)
    """The calendar date of day 0: event log timestamps count from it (nothing else depends on it)."""


class CompanySettings(Model):
    """The company as a whole: money and starting customers (YAML key `company:`; the running company
    is `orgsim.model.company.Company`)."""

    starting_cash: Finite = 10_000_000.0
    gross_margin: Prob = 0.75  # typical subscription gross margin of private SaaS
    overhead_per_head_month: NonNeg = 1500.0  # tools, space, G&A per person
    payment_terms_days: NonNeg = 30.0
    billing: Literal["annual_upfront", "monthly"] = "annual_upfront"
    starting_customers: dict[str, Annotated[int, Field(ge=0, le=1_000_000)]] = Field(default_factory=dict)


class SegmentEffort(Model):
    opportunity: Dist  # AE hours per opportunity
    presales: Dist | None = None  # SE hours per opportunity (segments that need presales)
    delivery: Dist | None = None  # hours of the delivering team per won deal; null = no delivery task


class Segment(Model):
    lead_mix: Prob
    acv: Dist
    sales_cycle_days: Dist  # buyer's calendar time [sales_cycle_velocity]
    win_rate: Prob  # opportunity -> won [funnel_sql_to_won]
    needs_presales: bool = False
    delivered_by: Literal["sales", "implementation", "csm"] = "sales"
    go_live_days: Dist = Field(default_factory=lambda: fixed(0.0))
    contract_months: Annotated[int, Field(ge=1, le=120)] = 12
    renewal_rate: Prob = 0.9  # at the healthy threshold [grr_overall]
    effort_hours: SegmentEffort


# --------------------------------------------------------------------------------------------
# Lead sources and funnel
# --------------------------------------------------------------------------------------------


class PaidSource(Model):
    budget_per_month: NonNeg = 0.0
    cost_per_lead: Pos = 200.0  # [cpl_b2b_saas_blended]
    cost_elasticity: NonNeg = 0.0
    reference_budget_per_month: Pos | None = None
    """Budget at which cost_per_lead holds. The loader sets it to the file's budget_per_month, so
    an override or sweep of the budget moves cost per lead by cost_elasticity."""
    mql_rate: Prob = 0.15  # [funnel_inquiry_to_mql]


class ContentSource(Model):
    leads_per_marketer_month: NonNeg = 0.0
    mql_rate: Prob = 0.2


class OutboundSource(Model):
    sdr_time_share: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.0
    meetings_per_sdr_month: NonNeg = 0.0  # SQLs booked per fully ramped SDR [sdr_sqls_per_month]
    segment_mix: dict[str, Prob] | None = None  # defaults to the segments' lead_mix


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


class Funnel(Model):
    mql_to_sql: Prob = 0.45  # [funnel_mql_to_sal] x [funnel_sal_to_sql]
    speed_to_lead: SpeedToLead | None = None  # null = no decay with waiting
    sql_to_opportunity: Prob = 0.7
    no_presales_win_factor: Prob = 0.6
    enablement_max_uplift: NonNeg = 0.0
    enablement_hours_per_ae_month: NonNeg = 4.0


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------


class Role(Model):
    department: Literal["marketing", "sales", "service", "product", "functional"]
    headcount: Annotated[int, Field(ge=0, le=MAX_HEADCOUNT)] = 0
    annual_cost: NonNeg = 0.0
    ramp_months: NonNeg = 0.0
    max_open_opportunities: Annotated[int, Field(ge=1)] | None = None
    pods: dict[str, Prob] | None = None
    enablement_share: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.0
    book_size: Annotated[int, Field(ge=0)] | None = None
    hires_per_month: NonNeg | None = None


class CommonEffort(Model):
    qualify: Dist = Field(default_factory=lambda: Dist(dist="gamma", mean=2.0, cv=0.6))
    expansion: Dist = Field(default_factory=lambda: Dist(dist="gamma", mean=4.0, cv=0.5))
    renewal: Dist = Field(default_factory=lambda: Dist(dist="gamma", mean=3.0, cv=0.5))
    account_care_per_month: NonNeg = 2.0
    mql_review: Dist | None = None
    """Marketer hours to review each lead; null = automated scoring, no marketer time."""


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


class Expansion(Model):
    monthly_probability: Prob = 0.04
    size_of_arr: Dist = Field(default_factory=lambda: Dist(dist="lognormal", mean=0.3, cv=0.5))


class Customers(Model):
    healthy_threshold: Prob = 0.6
    active_threshold: Prob = 0.3
    health: Health = Field(default_factory=Health)
    renewal_health_slope: NonNeg = 0.5
    expansion: Expansion = Field(default_factory=Expansion)
    renewal_lead_days: NonNeg = 0.0
    """Days before term end at which the renewal task is opened (0 = at term end)."""
    late_renewal_penalty_per_month: Prob = 0.1
    """Renewal probability lost per month the renewal task finishes after the term ended: a
    customer left without a renewal conversation drifts away (owners who are busy elsewhere
    renew late)."""


class ProductSettings(Model):
    """How the product matures with engineering (YAML key `product:`; the running product is
    `orgsim.model.product.Product`)."""

    maturity_start: Prob = 0.6
    engineer_months_to_mature: Pos = 600.0
    win_rate_effect: Prob = 0.5


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
    hiring: Hiring = Field(default_factory=Hiring)

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

    def problems(self) -> list[tuple[str, str]]:
        """Cross-field problems as (dotted path, message); empty when the scenario is coherent."""
        out: list[tuple[str, str]] = []
        segs = list(self.segments)
        if not segs:
            out.append(("segments", "at least one segment is needed"))

        def check_mix(path: str, mix: dict[str, float], what: str) -> None:
            for k in mix:
                if k not in self.segments:
                    out.append((f"{path}.{k}", f"unknown segment {k!r}; segments are {', '.join(segs)}"))
            total = sum(mix.values())
            if mix and abs(total - 1) > 1e-6:
                out.append((path, f"{what} must sum to 1 (got {total:.6g})"))

        total_mix = sum(s.lead_mix for s in self.segments.values())
        if segs and abs(total_mix - 1) > 1e-6:
            out.append(("segments", f"lead_mix over segments must sum to 1 (got {total_mix:.6g})"))
        if self.lead_sources.outbound.segment_mix is not None:
            check_mix("lead_sources.outbound.segment_mix", self.lead_sources.outbound.segment_mix, "segment_mix")
        for k in self.company.starting_customers:
            if k not in self.segments:
                out.append((f"company.starting_customers.{k}", f"unknown segment {k!r}; segments are {', '.join(segs)}"))

        for name, seg in self.segments.items():
            p = f"segments.{name}"
            if seg.needs_presales and seg.effort_hours.presales is None:
                out.append((f"{p}.effort_hours.presales", "needed because needs_presales is true"))
        for name, role in self.roles.items():
            if role.pods is not None:
                check_mix(f"roles.{name}.pods", role.pods, "pods")
        for i, req in enumerate(self.hiring.plan):
            if req.role not in self.roles:
                out.append((f"hiring.plan[{i}].role", f"unknown role {req.role!r}; roles are {', '.join(self.roles)}"))
            elif req.month > self.horizon_months:
                out.append((f"hiring.plan[{i}].month", f"is after the horizon ({req.month} > {self.horizon_months})"))
        for k in self.hiring.attrition_per_year:
            if k != "default" and k not in self.roles:
                out.append((f"hiring.attrition_per_year.{k}", f"unknown role {k!r}; use a role name or 'default'"))
            elif self.hiring.attrition_per_year[k] > 12:
                out.append((f"hiring.attrition_per_year.{k}", f"must be a yearly rate <= 12 (got {self.hiring.attrition_per_year[k]})"))

        g = self.hiring.growth
        if g is not None:
            fo = g.focus_order
            bad = [d for d in fo if d not in GROWTH_DEPARTMENTS]
            if bad:
                out.append(("hiring.growth.focus_order", f"unknown department {bad[0]!r}; choose from {', '.join(GROWTH_DEPARTMENTS)}"))
            elif len(set(fo)) != len(fo):
                out.append(("hiring.growth.focus_order", f"must not repeat a department (got {fo})"))
            elif not fo:
                out.append(("hiring.growth.focus_order", "needs at least one department"))
            for dept, mix in g.mix.items():
                if dept not in GROWTH_DEPARTMENTS:
                    out.append((f"hiring.growth.mix.{dept}", f"unknown department; choose from {', '.join(GROWTH_DEPARTMENTS)}"))
                for role, w in mix.items():
                    if role not in self.roles:
                        out.append((f"hiring.growth.mix.{dept}.{role}", f"unknown role {role!r}; roles are {', '.join(self.roles)}"))
                    elif self.roles[role].department != dept:
                        out.append((f"hiring.growth.mix.{dept}.{role}", f"role {role!r} belongs to {self.roles[role].department}, not {dept}"))
                if mix and sum(mix.values()) <= 0:
                    out.append((f"hiring.growth.mix.{dept}", "weights must not all be zero"))
            if g.hires_per_month > 0:
                for dept in fo:
                    if dept in GROWTH_DEPARTMENTS and not g.mix.get(dept):
                        out.append((f"hiring.growth.mix.{dept}", f"needed: {dept} is in focus_order and hires_per_month > 0"))
            if g.arr_milestones is not None:
                if len(g.arr_milestones) != max(len(fo) - 1, 0):
                    out.append(("hiring.growth.arr_milestones", f"needs one ARR per stage after the first ({max(len(fo) - 1, 0)}), got {len(g.arr_milestones)}"))
                elif any(b < a for a, b in itertools.pairwise(g.arr_milestones)):
                    out.append(("hiring.growth.arr_milestones", "must not decrease"))
            elif g.months_per_stage is None:
                out.append(("hiring.growth.months_per_stage", "needed when arr_milestones is not given"))

        c = self.customers
        if c.active_threshold > c.healthy_threshold:
            out.append(("customers.active_threshold", f"must be <= healthy_threshold ({c.active_threshold} > {c.healthy_threshold})"))

        # Structures that cannot work: work owned by a role that never has anyone.
        own = self.ownership
        if own.qualification == "sdr" and not self.role_ever_staffed("sdr"):
            out.append(("ownership.qualification", "is 'sdr' but the scenario never has an SDR (roles.sdr); use 'ae' or staff SDRs"))
        if not self.role_ever_staffed("ae"):
            out.append(("roles.ae", "the scenario never has an AE, so no opportunity can be worked; add AEs"))
        if own.renewal == "csm" and not self.role_ever_staffed("csm"):
            out.append(("ownership.renewal", "is 'csm' but the scenario never has a CSM (roles.csm); use 'ae' or staff CSMs"))
        needs = {"implementation": "implementer", "csm": "csm"}
        for name, seg in self.segments.items():
            r = needs.get(seg.delivered_by)
            if r and not self.role_ever_staffed(r):
                out.append((f"segments.{name}.delivered_by", f"is {seg.delivered_by!r} but the scenario never has an {r} (roles.{r})"))
            if seg.needs_presales and own.presales_unavailable == "wait" and not self.role_ever_staffed("se"):
                out.append((f"segments.{name}.needs_presales", "deals would wait forever: no SE is ever staffed and ownership.presales_unavailable is 'wait'"))

        # Sizes that would not finish.
        ps = self.lead_sources.paid
        if ps.budget_per_month / ps.cost_per_lead > MAX_LEADS_PER_MONTH:
            out.append(("lead_sources.paid.budget_per_month", f"buys {ps.budget_per_month / ps.cost_per_lead:.3g} leads a month; the limit is {MAX_LEADS_PER_MONTH:,}"))
        marketers = self.roles.get("marketer")
        if marketers and marketers.headcount * self.lead_sources.content.leads_per_marketer_month > MAX_LEADS_PER_MONTH:
            out.append(("lead_sources.content.leads_per_marketer_month", f"gives more than {MAX_LEADS_PER_MONTH:,} leads a month"))
        if g is not None and g.hires_per_month * self.horizon_months > MAX_HEADCOUNT:
            out.append(("hiring.growth.hires_per_month", f"would hire more than {MAX_HEADCOUNT:,} people"))
        return out

    @property
    def horizon_days(self) -> float:
        return self.horizon_months * MONTH_DAYS

