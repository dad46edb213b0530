"""Work that no one can do: structures that would leave tasks waiting in an empty queue.

Every kind of task in the model has a role that does it (the table is in
docs/reference/scenario-format.md, "What is refused"). When the scenario never has anyone in that
role, the tasks would wait forever and the run would quietly report the consequences;
`stall_problems` refuses those structures (the rules that `checks._structure` does not already
hold). When the role has no one at the start but is hired later (the hiring plan or the growth
plan), or when a setting can do nothing because its role is never staffed (a lead source with no
one to work it, pods no task uses), the scenario runs and `stall_warnings` says what waits or
does nothing, as (dotted path, message) pairs.

Hiring is read as the model does it (`orgsim.model.workforce`): the plan opens requisitions in
its months; the growth plan hires only into departments of its focus order, the focus department
at `focus_share` and the others at the rest (none when `focus_share` is 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orgsim.scenario.base import MONTH_DAYS
from orgsim.scenario.founders import founders_take

if TYPE_CHECKING:
    from orgsim.scenario.schema import Scenario

__all__ = [
    "first_requisition_month",
    "idle_settings",
    "later_hires",
    "no_leads",
    "stall_problems",
    "stall_warnings",
]

Problems = list[tuple[str, str]]

# the role's name in messages ("an SDR", "no CSM")
_TITLE = {"sdr": "SDR", "ae": "AE", "se": "SE", "csm": "CSM", "marketer": "marketer", "implementer": "implementer"}


def _a(role: str) -> str:
    title = _TITLE.get(role, role)
    return f"{'an' if title[0] in 'AEIOUaeiou' or title in ('SDR', 'SE') else 'a'} {title}"


@dataclass(frozen=True)
class _Need:
    """A kind of task the scenario creates and the role that does it."""

    path: str  # the field that asks for the work
    role: str
    work: str  # what waits, in words
    start_day: float  # the earliest day such a task can arise
    kind: str | None = None  # the task's kind, when founders may take it (`founders_take`)


def first_requisition_month(sc: Scenario, role: str) -> int | None:
    """The first month (0-based) in which the run opens a requisition for `role`; None = never.

    The hiring plan's months are exact; the growth plan is followed month by month as the
    workforce does (a stage by `months_per_stage`; with `arr_milestones`, whose stages depend on
    ARR, the earliest the role's department could be in focus).
    """
    months = [req.month - 1 for req in sc.hiring.plan if req.role == role]
    g = sc.hiring.growth
    if g is not None and g.hires_per_month > 0 and g.focus_order:
        fo = g.focus_order
        last = len(fo) - 1
        acc = 0.0
        for m in range(sc.horizon_months):
            if months and m >= min(months):
                break
            if g.arr_milestones is None and g.months_per_stage is not None:
                foci = [fo[min(int(m // g.months_per_stage), last)]]
            else:
                foci = list(fo)  # the stage depends on ARR: the most the role could get
            acc += max(_growth_rate(sc, focus, role) for focus in foci)
            if acc + 1e-9 >= 1:
                months.append(m)
                break
    return min(months) if months else None


def _growth_rate(sc: Scenario, focus: str, role: str) -> float:
    """Hires a month the growth plan gives `role` while `focus` is in focus (as the workforce shares them)."""
    g = sc.hiring.growth
    assert g is not None
    others = [d for d in g.focus_order if d != focus and g.mix.get(d)]
    rate = 0.0
    for dept in [focus, *others]:
        mix = g.mix.get(dept, {})
        w = mix.get(role, 0.0)
        if w > 0 and sum(mix.values()) > 0:
            share = (g.focus_share if others else 1.0) if dept == focus else (1.0 - g.focus_share) / len(others)
            rate += g.hires_per_month * share * w / sum(mix.values())
    return rate


def _needs(sc: Scenario) -> list[_Need]:
    """Every kind of task the scenario creates, with its role (AE work is always there)."""
    own = sc.ownership
    if founders_take(sc, "opportunity"):  # founders sell while there is no AE: AE work kind by kind
        out = _ae_needs(sc)
    else:
        out = [_Need("roles.ae", "ae", "opportunities (and every other AE task)", 0.0, "opportunity")]
    if own.qualification == "sdr":
        out.append(_Need("ownership.qualification", "sdr", "MQLs to qualify", 0.0, "qualification"))
    if sc.effort_hours.mql_review is not None:
        out.append(_Need("effort_hours.mql_review", "marketer", "leads to review", 0.0))
    for name, seg in sc.segments.items():
        team = {"implementation": "implementer", "csm": "csm"}.get(seg.delivered_by)
        if team and seg.effort_hours.delivery is not None:
            out.append(_Need(f"segments.{name}.delivered_by", team, f"{name} deliveries", 0.0, "onboarding"))
        if seg.needs_presales and own.presales_unavailable == "wait":
            out.append(_Need(f"segments.{name}.needs_presales", "se", f"{name} deals", 0.0))
    oldest = _oldest_start_days(sc)
    if own.renewal == "csm":
        terms = min(s.contract_months for s in sc.segments.values()) * MONTH_DAYS if sc.segments else 0.0
        first = 0.0 if oldest else max(terms - sc.customers.renewal_lead_days, 0.0)
        out.append(_Need("ownership.renewal", "csm", "renewals", first, "renewal"))
    if max(sc.expansion_probabilities().values(), default=0.0) > 0:
        window = own.expansion_by_sales_months * MONTH_DAYS
        first = max(window - oldest, 0.0)
        if first < (sc.horizon_months - 1) * MONTH_DAYS:  # expansions are drawn at the start of a month
            months = f"{own.expansion_by_sales_months:g} month{'s' if own.expansion_by_sales_months != 1 else ''}"
            out.append(
                _Need("ownership.expansion_by_sales_months", "csm", f"expansions after {months}", first, "expansion")
            )
    return out


def _ae_needs(sc: Scenario) -> list[_Need]:
    """AE work kind by kind, for a scenario whose founders sell while there is no AE: the deals
    are theirs, and each other kind of AE task needs an AE or founders who take it too."""
    own = sc.ownership
    out = [_Need("roles.ae", "ae", "opportunities", 0.0, "opportunity")]
    for name, seg in sc.segments.items():
        if seg.delivered_by == "sales" and seg.effort_hours.delivery is not None:
            out.append(_Need(f"segments.{name}.delivered_by", "ae", f"{name} deliveries by sales", 0.0, "delivery"))
    if own.qualification == "ae":
        out.append(_Need("ownership.qualification", "ae", "MQLs to qualify", 0.0, "qualification"))
    if own.renewal == "ae":
        out.append(_Need("ownership.renewal", "ae", "renewals", 0.0, "renewal"))
    if max(sc.expansion_probabilities().values(), default=0.0) > 0 and own.expansion_by_sales_months > 0:
        out.append(_Need("ownership.expansion_by_sales_months", "ae", "expansions by sales", 0.0, "expansion"))
    return out


def stall_problems(sc: Scenario, out: Problems) -> None:
    """Refuse work that no one can ever do (beyond what `checks._structure` refuses)."""
    for need in _needs(sc):
        if sc.role_ever_staffed(need.role):
            continue
        if need.role == "ae" and need.kind != "opportunity" and not founders_take(sc, need.kind or ""):
            out.append(
                (
                    need.path,
                    f"gives AEs {need.work}, but the scenario never has an AE (roles.ae) and founders.kinds "
                    f"has no {need.kind!r}, so they would wait forever; staff AEs or add {need.kind!r} to "
                    "founders.kinds",
                )
            )
        elif need.path == "effort_hours.mql_review":
            out.append(
                (
                    need.path,
                    f"asks for marketer time per lead but the scenario never has {_a('marketer')} (roles.marketer), "
                    "so no lead would ever become an MQL; staff marketers or set it to null (automated scoring)",
                )
            )
        elif need.path == "ownership.expansion_by_sales_months" and not founders_take(sc, "expansion"):
            out.append(
                (
                    need.path,
                    f"{need.work} pass from sales to CSMs, but the scenario never has a CSM (roles.csm), so "
                    "they would wait forever; staff CSMs, keep expansion with sales (expansion_by_sales_months "
                    f">= {_sales_only_months(sc):g}) or set customers.expansion.monthly_probability"
                    f"{_own_expansion(sc)} to 0",
                )
            )


def _own_expansion(sc: Scenario) -> str:
    """ " and segments.S.expansion_monthly_probability" for the segments with their own chance above 0."""
    own = [n for n, s in sc.segments.items() if s.expansion_monthly_probability]
    return "".join(f" and segments.{n}.expansion_monthly_probability" for n in own)


def _oldest_start_days(sc: Scenario) -> float:
    """Age of the oldest customer on the books at the start: up to a whole term (0 without any)."""
    ages = [
        sc.segments[s].contract_months for s, n in sc.company.starting_customers.items() if n > 0 and s in sc.segments
    ]
    return max(ages, default=0) * MONTH_DAYS


def _sales_only_months(sc: Scenario) -> float:
    """The `expansion_by_sales_months` from which no expansion within the horizon passes to CSMs."""
    return sc.horizon_months - 1 + _oldest_start_days(sc) / MONTH_DAYS


def stall_warnings(sc: Scenario) -> Problems:
    """What waits until someone is hired, and settings that do nothing: (dotted path, message).

    The scenario's warnings with their severity, and the rest of them, are
    `orgsim.scenario.severity.graded_warnings`."""
    out: Problems = []
    later_hires(sc, out)
    idle_settings(sc, out)
    no_leads(sc, out)
    return out


def no_leads(sc: Scenario, out: Problems) -> None:
    """No lead source that can give a lead (every source defaults to 0), and outbound meetings
    asked of people who are given no time to prospect: a run that wins nothing, said once each."""
    ls, ob = sc.lead_sources, sc.lead_sources.outbound
    if ob.meetings_per_sdr_month > 0 and ob.sdr_time_share == 0 and sc.role_ever_staffed("sdr"):
        out.append(
            (
                "lead_sources.outbound.meetings_per_sdr_month",
                f"is {ob.meetings_per_sdr_month:g} but lead_sources.outbound.sdr_time_share is 0, so SDRs never "
                "prospect and outbound books no meetings; give SDRs a share of their time (e.g. 0.4)",
            )
        )
    if ob.meetings_per_ae_month > 0 and not ob.ae_prospects:
        out.append(
            (
                "lead_sources.outbound.meetings_per_ae_month",
                f"is {ob.meetings_per_ae_month:g} but lead_sources.outbound.ae_time_share (and "
                "ae_time_share_without_sdrs) is 0, so AEs never prospect and book no meetings",
            )
        )
    sources = {
        "paid": ls.paid.budget_per_month > 0,
        "content": ls.content.leads_per_marketer_month > 0 and sc.role_ever_staffed("marketer"),
        "outbound": ob.sdr_time_share > 0 and ob.meetings_per_sdr_month > 0 and sc.role_ever_staffed("sdr"),
        "ae_outbound": ob.ae_prospects and ob.meetings_per_ae_month > 0 and sc.role_ever_staffed("ae"),
        "referral": ls.referral.per_healthy_account_year > 0 and sum(sc.company.starting_customers.values()) > 0,
    }
    if not any(sources.values()):
        out.append(
            (
                "lead_sources",
                "no source gives a lead, so the run wins no customers: paid.budget_per_month is 0, content needs "
                "leads_per_marketer_month > 0 and a marketer, outbound needs sdr_time_share and "
                "meetings_per_sdr_month > 0 and an SDR (or ae_time_share and meetings_per_ae_month), referral needs "
                "per_healthy_account_year > 0 and company.starting_customers",
            )
        )


def later_hires(sc: Scenario, out: Problems) -> None:
    """Roles with no one at the start whose work arises before the first hire can join."""
    by_role: dict[str, list[_Need]] = {}
    for need in _needs(sc):
        r = sc.roles.get(need.role)
        if r is None or r.headcount > 0 or not sc.role_ever_staffed(need.role):
            continue  # staffed now, or refused by the problems
        by_role.setdefault(need.role, []).append(need)
    for role, needs in by_role.items():
        m = first_requisition_month(sc, role)
        join_day = math.inf if m is None else m * MONTH_DAYS + sc.hiring.time_to_hire_days.expected
        early = [n for n in needs if n.start_day < join_day]
        if not early:
            continue
        # work the founders take while the role has nobody does not wait for the hire, but it
        # costs them time (at most founders.business_share_max of it)
        theirs = [n for n in early if n.kind is not None and founders_take(sc, n.kind)]
        waiting = [n for n in early if n not in theirs]
        when = "is never opened within the horizon" if m is None else f"opens in month {m + 1}"
        msg = f"is 0 at the start and the first requisition {when}; until {_a(role)} joins, "
        if waiting:
            msg += ", ".join(f"{n.work} ({n.path})" for n in waiting) + " wait"
            if theirs:
                msg += "; the founders take " + ", ".join(f"{n.work} ({n.path})" for n in theirs)
        else:
            msg += "the founders take " + ", ".join(f"{n.work} ({n.path})" for n in theirs)
        if theirs:
            msg += ", within founders.business_share_max of their time"
        out.append((f"roles.{role}.headcount", msg))


def idle_settings(sc: Scenario, out: Problems) -> None:
    """Lead sources with no one to work them, presales that never happens, pods nothing uses."""
    ls = sc.lead_sources
    if ls.outbound.sdr_time_share > 0 and ls.outbound.meetings_per_sdr_month > 0 and not sc.role_ever_staffed("sdr"):
        out.append(
            (
                "lead_sources.outbound.sdr_time_share",
                "outbound books no meetings: the scenario never has an SDR (roles.sdr)",
            )
        )
    if ls.content.leads_per_marketer_month > 0 and not sc.role_ever_staffed("marketer"):
        out.append(
            (
                "lead_sources.content.leads_per_marketer_month",
                "content gives no leads: the scenario never has a marketer (roles.marketer)",
            )
        )
    presales = [n for n, s in sc.segments.items() if s.needs_presales]
    if presales and sc.ownership.presales_unavailable == "proceed" and not sc.role_ever_staffed("se"):
        out.append(
            (
                "ownership.presales_unavailable",
                f"every deal of {', '.join(presales)} proceeds without presales (win rate x "
                f"funnel.no_presales_win_factor, {sc.funnel.no_presales_win_factor:g}): the scenario never has an SE "
                "(roles.se)",
            )
        )
    for name, role in sc.roles.items():
        if role.pods is None:
            continue
        if name != "ae":
            out.append((f"roles.{name}.pods", "has no effect: only AEs work in segment pods"))
        elif sc.ownership.routing != "segment":
            out.append(
                (
                    f"roles.{name}.pods",
                    f"has no effect: ownership.routing is {sc.ownership.routing!r}; pods need 'segment'",
                )
            )
    recruiters = [n for n, r in sc.roles.items() if r.hires_per_month]
    for name in recruiters[1:]:
        out.append(
            (
                f"roles.{name}.hires_per_month",
                f"is ignored: only the first recruiting role (roles.{recruiters[0]}) closes hires",
            )
        )
