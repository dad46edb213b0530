"""The article's claims as paired experiments, measured on several companies.

Each `Claim` is one rule of the article (docs/about-the-article.md) turned into two arms of one
company: the article's choice and a sensible alternative, both written as `--set` style overrides
computed from the company's scenario (so a claim applies to any company that has the roles it
needs), the KPI that decides it and the predicted sign of (article arm - alternative).
`claims_measure.measure` runs them. Nothing here is tuned to make a claim hold: the arms are the
article's rule and its alternative, with the company's own numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from orgsim.scenario import Scenario

__all__ = ["ARTICLE_ORDER", "CLAIMS", "Claim"]

Overrides = dict[str, Any]
ARTICLE_ORDER = ["product", "sales", "marketing", "service"]


@dataclass(frozen=True)
class Claim:
    """One rule of the article as a paired experiment.

    Attributes:
        key: a short id (stable: tests and the generated page use it).
        title: the rule in a few words.
        statement: what the article says, in English.
        article_arm, alternative_arm: the two arms in words.
        kpi: the KPI that decides the claim.
        predicted: +1 if the article arm should have the larger KPI, -1 the smaller.
        article: overrides that make the company follow the article ({} = as it is).
        alternative: overrides for the alternative.
        applies: None when the company can express both arms, else the reason it cannot.
    """

    key: str
    title: str
    statement: str
    article_arm: str
    alternative_arm: str
    kpi: str
    predicted: int
    article: Callable[[Scenario], Overrides]
    alternative: Callable[[Scenario], Overrides]
    applies: Callable[[Scenario], str | None]


# ---- helpers for the arms ------------------------------------------------------------------


def _staffed(sc: Scenario, role: str) -> bool:
    """The role is on staff at the start or hired by the growth plan or the hiring plan."""
    r = sc.roles.get(role)
    if r is None:
        return False
    g = sc.hiring.growth
    grown = g is not None and g.hires_per_month > 0 and any(mix.get(role, 0) > 0 for mix in g.mix.values())
    planned = any(p.role == role and p.count > 0 for p in sc.hiring.plan)
    return r.headcount > 0 or grown or planned


def _without(sc: Scenario, roles: Sequence[str]) -> Overrides:
    """Nobody in `roles`: no headcount, no growth-plan weight, no hiring-plan requisitions."""
    out: Overrides = {f"roles.{r}.headcount": 0 for r in roles}
    g = sc.hiring.growth
    if g is not None:
        for dept, mix in g.mix.items():
            for r in roles:
                if r in mix:
                    out[f"hiring.growth.mix.{dept}.{r}"] = 0
    if any(p.role in roles for p in sc.hiring.plan):
        out["hiring.plan"] = [p.model_dump() for p in sc.hiring.plan if p.role not in roles]
    return out


def _need(sc: Scenario, *roles: str) -> str | None:
    missing = [r for r in roles if not _staffed(sc, r)]
    return f"no {', '.join(missing)} on staff or hired" if missing else None


def _functional(sc: Scenario) -> list[str]:
    return [n for n, r in sc.roles.items() if r.department == "functional" and _staffed(sc, n)]


def _cheapest(sc: Scenario) -> str:
    return min(sc.segments, key=lambda s: sc.segments[s].acv.mean or 0.0)


def _complex(sc: Scenario) -> list[str]:
    cheap = _cheapest(sc)
    return [s for s in sc.segments if s != cheap]


def _focus_applies(sc: Scenario) -> str | None:
    g = sc.hiring.growth
    if g is None or g.hires_per_month <= 0:
        return "no growth plan (hiring.growth)"
    if sorted(g.focus_order) != sorted(ARTICLE_ORDER):
        return f"the growth plan's departments are {', '.join(g.focus_order)}"
    return None


def _no_sdr(sc: Scenario) -> Overrides:
    return {
        **_without(sc, ["sdr"]),
        "ownership.qualification": "ae",
        "lead_sources.outbound.sdr_time_share": 0,
    }


def _sales_delivers(sc: Scenario) -> Overrides:
    return {**{f"segments.{s}.delivered_by": "sales" for s in sc.segments}, **_without(sc, ["implementer"])}


def _either(*reasons: str | None) -> str | None:
    return next((r for r in reasons if r), None)


# ---- the claims ----------------------------------------------------------------------------

CLAIMS: tuple[Claim, ...] = (
    Claim(
        "departments",
        "Business units and functional departments",
        "Every company has business units (product, sales, marketing, service) and functional "
        "departments (HR, finance, administration) that support them.",
        "the company with its functional staff (recruiters, finance, admin)",
        "the same company without any functional staff",
        "arr_end",
        +1,
        lambda sc: {},
        lambda sc: _without(sc, _functional(sc)),
        lambda sc: None if _functional(sc) else "no functional department on staff",
    ),
    Claim(
        "focus_order",
        "Order of focus: product, sales, marketing, service",
        "As the company grows the CEO's focus moves from product to sales, then marketing, then service.",
        "growth plan focus order product > sales > marketing > service",
        "service first: service > product > sales > marketing",
        "arr_end",
        +1,
        lambda sc: {"hiring.growth.focus_order": list(ARTICLE_ORDER)},
        lambda sc: {"hiring.growth.focus_order": ["service", "product", "sales", "marketing"]},
        _focus_applies,
    ),
    Claim(
        "sdr_routing",
        "SDRs qualify and route leads by rules",
        "Where market leads are many, SDRs classify and grade them and assign them to sales teams "
        "and salespeople by preset rules.",
        "SDRs qualify inbound leads, prospect and route SQLs to AEs by the company's rule",
        "no SDRs: AEs qualify their own leads (ownership.qualification ae)",
        "new_customers",
        +1,
        lambda sc: {},
        _no_sdr,
        lambda sc: (
            _need(sc, "sdr", "ae")
            or (None if sc.ownership.qualification == "sdr" else "qualification is not the SDRs'")
        ),
    ),
    Claim(
        "sales_acquisition",
        "Sales acquires customers as well as closing them",
        "Sales has two duties: acquiring customers (with marketing, or by its own prospecting) and "
        "lead to cash. (orgsim models the prospecting; collection is not a sales task in the model.)",
        "AEs prospect part of their time (lead_sources.outbound.ae_time_share as the company sets it)",
        "AEs only work the leads they are given (ae_time_share 0)",
        "new_customers",
        +1,
        lambda sc: {},
        lambda sc: {
            "lead_sources.outbound.ae_time_share": 0,
            "lead_sources.outbound.ae_time_share_without_sdrs": 0,
        },
        lambda sc: (
            _need(sc, "ae")
            or (None if sc.lead_sources.outbound.ae_time_share > 0 else "the company's AEs do not prospect")
        ),
    ),
    Claim(
        "presales_enablement",
        "Presales enables sales rather than carrying deals",
        "Presales should not carry big deals but enable sales: industry solutions and training.",
        "SEs give roles.se.enablement_share of their time to enabling AEs",
        "SEs only work deals (enablement_share 0)",
        "new_customers",
        +1,
        lambda sc: {},
        lambda sc: {"roles.se.enablement_share": 0},
        lambda sc: (
            _need(sc, "se", "ae")
            or (None if sc.roles["se"].enablement_share > 0 else "the company's SEs do no enablement")
        ),
    ),
    Claim(
        "low_price_by_sales",
        "Low-price deals are delivered by the salesperson",
        "Low-price deals can be delivered by the salesperson, lowering the handover cost.",
        "the cheapest segment delivered by the AE who sold it",
        "the cheapest segment handed to the implementation team",
        "health_rate",
        +1,
        lambda sc: {f"segments.{_cheapest(sc)}.delivered_by": "sales"},
        lambda sc: {f"segments.{_cheapest(sc)}.delivered_by": "implementation"},
        lambda sc: _need(sc, "ae", "implementer"),
    ),
    Claim(
        "complex_by_implementation",
        "Complex deals are delivered by implementation",
        "Complex products need a CSM or a dedicated implementation department to deliver them.",
        "segments other than the cheapest delivered as the company delivers them (implementation)",
        "the AEs deliver every deal; no implementers",
        "arr_end",
        +1,
        lambda sc: {},
        _sales_delivers,
        lambda sc: (
            _need(sc, "ae", "implementer")
            or (
                None
                if any(sc.segments[s].delivered_by != "sales" for s in _complex(sc))
                else "the company's AEs already deliver every deal"
            )
        ),
    ),
    Claim(
        "csm_renewals",
        "The CSM owns health and renewals",
        "Renewal is the CSM's, not sales'; one department owns the renewal rate (a count ratio), "
        "and the CSM owns customers' health.",
        "renewals worked by CSMs (ownership.renewal csm)",
        "renewals worked by AEs (ownership.renewal ae)",
        "logo_renewal_rate",
        +1,
        lambda sc: {"ownership.renewal": "csm"},
        lambda sc: {"ownership.renewal": "ae"},
        lambda sc: _need(sc, "csm", "ae"),
    ),
    Claim(
        "expansion_six_months",
        "Expansion by sales for six months, then the CSM",
        "Expansion within six months of a new contract is sales', after that the CSM's.",
        "sales owns expansion for 6 months (ownership.expansion_by_sales_months 6)",
        "CSMs own expansion from day one (expansion_by_sales_months 0)",
        "expansion_arr",
        +1,
        lambda sc: {"ownership.expansion_by_sales_months": 6},
        lambda sc: {"ownership.expansion_by_sales_months": 0},
        lambda sc: _need(sc, "csm", "ae"),
    ),
    Claim(
        "referral_relationship",
        "Referrals come through the sales relationship",
        "After handing the customer to the CSM, sales stays responsible for the key person's "
        "feelings, and most referrals come from there.",
        "sales keeps the key-person relationship (ownership.referral_relationship sales)",
        "nobody keeps it (referral_relationship none)",
        "new_customers",
        +1,
        lambda sc: {"ownership.referral_relationship": "sales"},
        lambda sc: {"ownership.referral_relationship": "none"},
        lambda sc: (
            _need(sc, "ae")
            or (None if sc.lead_sources.referral.per_healthy_account_year > 0 else "the company gets no referrals")
        ),
    ),
)
