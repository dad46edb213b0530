"""Cross-field rules of a scenario: what no single field can check (docs/explanation/design.md, section 5).

`problems(sc)` returns (dotted path, message) pairs, in a fixed order: segments and their mixes,
the hiring plan, the growth plan, customers, structures that cannot work (work owned by a role
that never has anyone; more of them in `orgsim.scenario.stalls`, which also words the warnings
of `Scenario.warnings()`) and sizes that would not finish. The loader adds the line of each path.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from orgsim.scenario.base import GROWTH_DEPARTMENTS, MAX_HEADCOUNT, MAX_LEADS_PER_MONTH
from orgsim.scenario.founders import founders_take
from orgsim.scenario.functional import functional_problems
from orgsim.scenario.stalls import stall_problems

if TYPE_CHECKING:
    from orgsim.scenario.schema import Growth, Scenario

__all__ = ["problems"]

Problems = list[tuple[str, str]]


def problems(sc: Scenario) -> Problems:
    """Cross-field problems as (dotted path, message); empty when the scenario is coherent."""
    out: Problems = []
    _segments(sc, out)
    _hiring_plan(sc, out)
    if sc.hiring.growth is not None:
        _growth(sc, sc.hiring.growth, out)
    _customers(sc, out)
    _priorities(sc, out)
    _structure(sc, out)
    _people(sc, out)
    functional_problems(sc, out)
    stall_problems(sc, out)  # more work no one can ever do (orgsim.scenario.stalls)
    _sizes(sc, out)
    return out


def _priorities(sc: Scenario, out: Problems) -> None:
    """A kind of work listed twice in a role's priorities."""
    for role in ("ae", "csm"):
        order = getattr(sc.ownership.priorities, role)
        for i, kind in enumerate(order or []):
            if kind in order[:i]:
                out.append((f"ownership.priorities.{role}[{i}]", f"{kind!r} is listed twice; list each kind once"))


def _people(sc: Scenario, out: Problems) -> None:
    """People who differ: quota is an AE's; a wash-out happens at the end of a ramp, so needs one."""
    for name, r in sc.roles.items():
        if r.quota_arr_per_year is not None and name != "ae":
            out.append((f"roles.{name}.quota_arr_per_year", "only AEs carry a quota (roles.ae); remove it here"))
        if r.washout_probability > 0 and r.ramp_months <= 0:
            out.append(
                (
                    f"roles.{name}.washout_probability",
                    f"a hire washes out at the end of ramp, but ramp_months is 0 (got {r.washout_probability:g});"
                    " set ramp_months or use 0",
                )
            )


def _segments(sc: Scenario, out: Problems) -> None:
    """Segment names, mixes that must sum to 1, presales effort where presales is needed."""
    segs = list(sc.segments)
    if not segs:
        out.append(("segments", "at least one segment is needed"))

    def check_mix(path: str, mix: dict[str, float], what: str) -> None:
        for k in mix:
            if k not in sc.segments:
                out.append((f"{path}.{k}", f"unknown segment {k!r}; segments are {', '.join(segs)}"))
        total = sum(mix.values())
        if mix and abs(total - 1) > 1e-6:
            out.append((path, f"{what} must sum to 1 (got {total:.6g})"))

    total_mix = sum(s.lead_mix for s in sc.segments.values())
    if segs and abs(total_mix - 1) > 1e-6:
        out.append(("segments", f"lead_mix over segments must sum to 1 (got {total_mix:.6g})"))
    if sc.lead_sources.outbound.segment_mix is not None:
        check_mix("lead_sources.outbound.segment_mix", sc.lead_sources.outbound.segment_mix, "segment_mix")
    for where, keys in (
        ("company.starting_customers", sc.company.starting_customers),
        ("market.addressable_accounts", sc.market.addressable_accounts),
    ):
        for k in keys:
            if k not in sc.segments:
                out.append((f"{where}.{k}", f"unknown segment {k!r}; segments are {', '.join(segs)}"))

    for name, seg in sc.segments.items():
        p = f"segments.{name}"
        if seg.needs_presales and seg.effort_hours.presales is None:
            out.append((f"{p}.effort_hours.presales", "needed because needs_presales is true"))
    for name, role in sc.roles.items():
        if role.pods is not None:
            check_mix(f"roles.{name}.pods", role.pods, "pods")


def _hiring_plan(sc: Scenario, out: Problems) -> None:
    """Requisitions for known roles within the horizon; attrition by known role."""
    for i, req in enumerate(sc.hiring.plan):
        if req.role not in sc.roles:
            out.append((f"hiring.plan[{i}].role", f"unknown role {req.role!r}; roles are {', '.join(sc.roles)}"))
        elif req.month > sc.horizon_months:
            out.append((f"hiring.plan[{i}].month", f"is after the horizon ({req.month} > {sc.horizon_months})"))
    for k in sc.hiring.attrition_per_year:
        if k != "default" and k not in sc.roles:
            out.append((f"hiring.attrition_per_year.{k}", f"unknown role {k!r}; use a role name or 'default'"))
        elif sc.hiring.attrition_per_year[k] > 12:
            out.append(
                (
                    f"hiring.attrition_per_year.{k}",
                    f"must be a yearly rate <= 12 (got {sc.hiring.attrition_per_year[k]})",
                )
            )


def _growth(sc: Scenario, g: Growth, out: Problems) -> None:
    """The growth plan: a focus order of known departments, role mixes, stage lengths."""
    fo = g.focus_order
    bad = [d for d in fo if d not in GROWTH_DEPARTMENTS]
    if bad:
        out.append(
            ("hiring.growth.focus_order", f"unknown department {bad[0]!r}; choose from {', '.join(GROWTH_DEPARTMENTS)}")
        )
    elif len(set(fo)) != len(fo):
        out.append(("hiring.growth.focus_order", f"must not repeat a department (got {fo})"))
    elif not fo:
        out.append(("hiring.growth.focus_order", "needs at least one department"))
    for dept, mix in g.mix.items():
        if dept not in GROWTH_DEPARTMENTS:
            out.append(
                (f"hiring.growth.mix.{dept}", f"unknown department; choose from {', '.join(GROWTH_DEPARTMENTS)}")
            )
        for role in mix:
            if role not in sc.roles:
                out.append(
                    (f"hiring.growth.mix.{dept}.{role}", f"unknown role {role!r}; roles are {', '.join(sc.roles)}")
                )
            elif sc.roles[role].department != dept:
                out.append(
                    (
                        f"hiring.growth.mix.{dept}.{role}",
                        f"role {role!r} belongs to {sc.roles[role].department}, not {dept}",
                    )
                )
        if mix and sum(mix.values()) <= 0:
            out.append((f"hiring.growth.mix.{dept}", "weights must not all be zero"))
    if g.hires_per_month > 0:
        for dept in fo:
            if dept in GROWTH_DEPARTMENTS and not g.mix.get(dept):
                out.append((f"hiring.growth.mix.{dept}", f"needed: {dept} is in focus_order and hires_per_month > 0"))
    if g.arr_milestones is not None:
        if len(g.arr_milestones) != max(len(fo) - 1, 0):
            out.append(
                (
                    "hiring.growth.arr_milestones",
                    f"needs one ARR per stage after the first ({max(len(fo) - 1, 0)}), got {len(g.arr_milestones)}",
                )
            )
        elif any(b < a for a, b in itertools.pairwise(g.arr_milestones)):
            out.append(("hiring.growth.arr_milestones", "must not decrease"))
    elif g.months_per_stage is None:
        out.append(("hiring.growth.months_per_stage", "needed when arr_milestones is not given"))


def _customers(sc: Scenario, out: Problems) -> None:
    c = sc.customers
    if c.active_threshold > c.healthy_threshold:
        out.append(
            (
                "customers.active_threshold",
                f"must be <= healthy_threshold ({c.active_threshold} > {c.healthy_threshold})",
            )
        )
    known = sorted(sc.segments)
    if c.health.reversion is not None:
        for seg in c.health.reversion.baseline:
            if seg != "default" and seg not in sc.segments:
                out.append(
                    (
                        f"customers.health.reversion.baseline.{seg}",
                        f"unknown segment {seg!r}; the segments are {known} (or 'default')",
                    )
                )
    if c.tech_touch is not None:
        for seg in c.tech_touch.segments:
            if seg not in sc.segments:
                out.append(("customers.tech_touch.segments", f"unknown segment {seg!r}; the segments are {known}"))


def _structure(sc: Scenario, out: Problems) -> None:
    # Structures that cannot work: work owned by a role that never has anyone.
    own = sc.ownership
    # (work the founders take all along is no stall: `orgsim.scenario.founders.founders_take`)
    if own.qualification == "sdr" and not sc.role_ever_staffed("sdr") and not founders_take(sc, "qualification"):
        out.append(
            (
                "ownership.qualification",
                "is 'sdr' but the scenario never has an SDR (roles.sdr); use 'ae' or staff SDRs",
            )
        )
    if not sc.role_ever_staffed("ae") and not founders_take(sc, "opportunity"):
        out.append(("roles.ae", "the scenario never has an AE, so no opportunity can be worked; add AEs"))
    if own.renewal == "csm" and not sc.role_ever_staffed("csm") and not founders_take(sc, "renewal"):
        out.append(
            ("ownership.renewal", "is 'csm' but the scenario never has a CSM (roles.csm); use 'ae' or staff CSMs")
        )
    needs = {"implementation": "implementer", "csm": "csm"}
    for name, seg in sc.segments.items():
        r = needs.get(seg.delivered_by)
        if r and not sc.role_ever_staffed(r) and not founders_take(sc, "onboarding"):
            out.append(
                (
                    f"segments.{name}.delivered_by",
                    f"is {seg.delivered_by!r} but the scenario never has an {r} (roles.{r})",
                )
            )
        if seg.needs_presales and own.presales_unavailable == "wait" and not sc.role_ever_staffed("se"):
            out.append(
                (
                    f"segments.{name}.needs_presales",
                    "deals would wait forever: no SE is ever staffed and ownership.presales_unavailable is 'wait'",
                )
            )


def _sizes(sc: Scenario, out: Problems) -> None:
    # Sizes that would not finish.
    ps = sc.lead_sources.paid
    if ps.budget_per_month / ps.cost_per_lead > MAX_LEADS_PER_MONTH:
        out.append(
            (
                "lead_sources.paid.budget_per_month",
                f"buys {ps.budget_per_month / ps.cost_per_lead:.3g} leads a month; "
                f"the limit is {MAX_LEADS_PER_MONTH:,}",
            )
        )
    marketers = sc.roles.get("marketer")
    if marketers and marketers.headcount * sc.lead_sources.content.leads_per_marketer_month > MAX_LEADS_PER_MONTH:
        out.append(
            ("lead_sources.content.leads_per_marketer_month", f"gives more than {MAX_LEADS_PER_MONTH:,} leads a month")
        )
    g = sc.hiring.growth
    if g is not None and g.hires_per_month * sc.horizon_months > MAX_HEADCOUNT:
        out.append(("hiring.growth.hires_per_month", f"would hire more than {MAX_HEADCOUNT:,} people"))
