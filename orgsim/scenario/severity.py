"""Every warning of a valid scenario with its severity, most serious first; and the warnings that
`orgsim.scenario.stalls` does not give: a run that can win nothing, and settings that fall outside
the horizon or convert nothing.

Severity (the same three words as the findings of a run report, `orgsim.outputs.findings`):

- ``critical``: the run is doomed whatever the luck: no customer can ever be won (no lead source,
  a funnel step at 0, every segment's win rate 0).
- ``warning``: growth is held back: work waits for a role hired later, a segment whose deals are
  all lost, outbound meetings asked of people given no time to prospect, money spent on leads that
  never convert, people staffed or hired into a role whose work never arises.
- ``info``: a setting that does nothing (pods no one uses, a requisition or funding round that
  lands after the horizon, a source whose leads never become MQLs).

`graded_warnings` returns (severity, dotted path, message) triples; `Scenario.warnings()` is the
same list without the severity. Each rule reads the scenario as the model does (the funnel in
docs/explanation/model/marketing.md and sdr.md: a lead becomes an MQL at its source's `mql_rate`,
an MQL an SQL at `funnel.mql_to_sql`, outbound meetings are SQLs, an SQL an opportunity at
`funnel.sql_to_opportunity`, an opportunity is won at its segment's `win_rate` times factors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgsim.scenario.base import MONTH_DAYS
from orgsim.scenario.stalls import idle_settings, later_hires, no_leads

if TYPE_CHECKING:
    from orgsim.scenario.schema import Scenario

__all__ = ["SEVERITIES", "graded_warnings", "severity_rank"]

SEVERITIES = ("critical", "warning", "info")

Graded = list[tuple[str, str, str]]  # (severity, dotted path, message)


def severity_rank(severity: str) -> int:
    """0 for critical, 1 for warning, 2 for info (unknown words last)."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def graded_warnings(sc: Scenario) -> Graded:
    """Every warning of `sc` as (severity, dotted path, message), most serious first (stable)."""
    out: Graded = []

    def add(severity: str, pairs: list[tuple[str, str]]) -> None:
        out.extend((severity, p, m) for p, m in pairs)

    leads: list[tuple[str, str]] = []
    no_leads(sc, leads)
    for path, msg in leads:  # the whole run without a source is doomed; one source idle holds growth back
        add("critical" if path == "lead_sources" else "warning", [(path, msg)])
    if not any(p == "lead_sources" for p, _ in leads):
        _zero_wins(sc, out)
    later: list[tuple[str, str]] = []
    later_hires(sc, later)
    add("warning", later)
    _unconverted(sc, out)
    _no_work(sc, out)
    idle: list[tuple[str, str]] = []
    idle_settings(sc, idle)
    add("info", idle)
    _after_horizon(sc, out)
    _care_beyond_a_month(sc, out)
    return sorted(out, key=lambda w: severity_rank(w[0]))


def _inbound(sc: Scenario) -> dict[str, bool]:
    """Inbound sources that give leads at all (their MQL rate aside)."""
    ls = sc.lead_sources
    return {
        "paid": ls.paid.budget_per_month > 0,
        "content": ls.content.leads_per_marketer_month > 0 and sc.role_ever_staffed("marketer"),
        "referral": ls.referral.per_healthy_account_year > 0 and sum(sc.company.starting_customers.values()) > 0,
    }


def _outbound(sc: Scenario) -> bool:
    ob = sc.lead_sources.outbound
    sdr = ob.sdr_time_share > 0 and ob.meetings_per_sdr_month > 0 and sc.role_ever_staffed("sdr")
    ae = ob.ae_prospects and ob.meetings_per_ae_month > 0 and sc.role_ever_staffed("ae")
    return sdr or ae


def _zero_wins(sc: Scenario, out: Graded) -> None:
    """The first place where the funnel is cut to zero, as one critical line; segments whose deals
    are all lost while others win, as warnings."""
    ls, f = sc.lead_sources, sc.funnel
    giving = [s for s, on in _inbound(sc).items() if on]
    mqls = [s for s in giving if getattr(ls, s).mql_rate > 0]
    inbound_sqls = bool(mqls) and f.mql_to_sql > 0
    doom: tuple[str, str] | None = None
    if giving and not mqls and not _outbound(sc):
        rates = ", ".join(f"lead_sources.{s}.mql_rate" for s in giving)
        doom = (
            f"lead_sources.{giving[0]}.mql_rate",
            f"is 0 for every source that gives leads ({rates}) and no outbound source books meetings, so no lead "
            "becomes an MQL and the run wins no customers",
        )
    elif mqls and f.mql_to_sql == 0 and not _outbound(sc):
        doom = (
            "funnel.mql_to_sql",
            "is 0 and no outbound source books meetings, so no lead becomes an SQL and the run wins no customers",
        )
    elif (inbound_sqls or _outbound(sc)) and f.sql_to_opportunity == 0:
        doom = ("funnel.sql_to_opportunity", "is 0, so no SQL becomes an opportunity and the run wins no customers")
    if doom is not None:
        out.append(("critical", *doom))
        return
    winners = [n for n, s in sc.segments.items() if s.win_rate > 0]
    if not winners:
        out.append(
            (
                "critical",
                "segments",
                "every segment's win_rate is 0 ("
                + ", ".join(f"segments.{n}.win_rate" for n in sc.segments)
                + "), so every opportunity is lost and the run wins no customers",
            )
        )
        return
    mix = ls.outbound.segment_mix or {}
    for name, seg in sc.segments.items():
        share = max(seg.lead_mix, mix.get(name, 0.0))
        if seg.win_rate == 0 and share > 0:
            out.append(
                (
                    "warning",
                    f"segments.{name}.win_rate",
                    f"is 0 but segments.{name}.lead_mix is {seg.lead_mix:g}"
                    + (f" (lead_sources.outbound.segment_mix.{name} {mix[name]:g})" if name in mix else "")
                    + f": every {name} opportunity is lost, and its leads take sellers' time for nothing",
                )
            )


def _unconverted(sc: Scenario, out: Graded) -> None:
    """Sources that give leads none of which becomes an MQL (only when another source still sells)."""
    ls = sc.lead_sources
    for source, on in _inbound(sc).items():
        if not on or getattr(ls, source).mql_rate > 0:
            continue
        if source == "paid":
            out.append(
                (
                    "warning",
                    "lead_sources.paid.mql_rate",
                    f"is 0, so lead_sources.paid.budget_per_month ({ls.paid.budget_per_month:,.0f} a month) buys "
                    "leads none of which becomes an MQL: money spent for nothing",
                )
            )
        else:
            out.append(
                (
                    "info",
                    f"lead_sources.{source}.mql_rate",
                    f"is 0, so the {source} source's leads never become MQLs: it does nothing",
                )
            )


def _staffing_path(sc: Scenario, role: str) -> str:
    """The field that puts people in `role`: its starting headcount, else its first requisition in
    the hiring plan, else its first weight in the growth plan's mix."""
    if sc.roles[role].headcount > 0:
        return f"roles.{role}.headcount"
    for i, req in enumerate(sc.hiring.plan):
        if req.role == role:
            return f"hiring.plan[{i}].role"
    g = sc.hiring.growth
    assert g is not None  # role_ever_staffed: some mix hires it
    dept = next(d for d, mix in g.mix.items() if mix.get(role, 0) > 0)
    return f"hiring.growth.mix.{dept}.{role}"


def _no_work(sc: Scenario, out: Graded) -> None:
    """Roles the scenario staffs or hires whose work never arises: each hire is cost with no effect
    (implementers with no segment to deliver, SDRs who neither qualify nor prospect, marketers with
    no content leads to make or review) or mostly idle (SEs with no deal that needs presales, who
    only enable AEs)."""
    segs, own, ls = sc.segments.values(), sc.ownership, sc.lead_sources
    idle: dict[str, str] = {}
    if not any(s.delivered_by == "implementation" for s in segs):
        idle["implementer"] = (
            "implementers only deliver segments with delivered_by 'implementation', and no segment is (segments.*."
            "delivered_by), so they have no work; hire no implementers or hand a segment's deliveries to them"
        )
    if not any(s.needs_presales for s in segs):
        se = sc.roles.get("se")
        share = se.enablement_share if se is not None else 0.0
        if share > 0 and sc.funnel.enablement_max_uplift > 0:
            idle["se"] = (
                f"no segment needs presales (segments.*.needs_presales), so SEs only enable AEs (roles.se."
                f"enablement_share, {share:g} of their time) and are idle the rest; hire no SEs or give a segment "
                "presales"
            )
        else:
            idle["se"] = (
                "no segment needs presales (segments.*.needs_presales) and SEs enable no one, so they have no work"
            )
    ob = ls.outbound
    if own.qualification == "ae" and not (ob.sdr_time_share > 0 and ob.meetings_per_sdr_month > 0):
        idle["sdr"] = (
            "AEs qualify the leads (ownership.qualification 'ae') and SDRs do not prospect (lead_sources.outbound."
            "sdr_time_share or meetings_per_sdr_month is 0), so SDRs have no work"
        )
    if ls.content.leads_per_marketer_month == 0 and sc.effort_hours.mql_review is None:
        idle["marketer"] = (
            "lead_sources.content.leads_per_marketer_month is 0 and effort_hours.mql_review is null (marketers make "
            "content leads and review MQLs), so they have no work"
        )
    for role, why in idle.items():
        if sc.role_ever_staffed(role):
            out.append(("warning", _staffing_path(sc, role), f"puts people in roles.{role}, but {why}"))


def _after_horizon(sc: Scenario, out: Graded) -> None:
    """Funding rounds dated after the horizon; requisitions whose hires join after it."""
    h = sc.horizon_months
    for i, r in enumerate(sc.company.funding):
        if r.month is not None and r.month > h:
            out.append(
                (
                    "info",
                    f"company.funding[{i}].month",
                    f"is {r.month}, after the horizon ({h} months): this round never arrives in the run",
                )
            )
    tth = sc.hiring.time_to_hire_days.expected
    for i, req in enumerate(sc.hiring.plan):
        join_day = (req.month - 1) * MONTH_DAYS + tth
        if req.month <= h and join_day >= h * MONTH_DAYS:
            out.append(
                (
                    "info",
                    f"hiring.plan[{i}].month",
                    f"is {req.month}: with hiring.time_to_hire_days {tth:g} days on average, the hire would join "
                    f"after the horizon ({h} months): on average it does nothing in the run",
                )
            )


def _care_beyond_a_month(sc: Scenario, out: Graded) -> None:
    """Care tasks longer than a CSM's month: care counts only when done within its month, so such a
    task never counts and its accounts are never cared for (a stall no queue shows)."""
    month = sc.time.productive_hours_per_day * MONTH_DAYS  # a CSM's hours in a month
    tt = sc.customers.tech_touch
    if tt is not None and tt.care_hours_per_month * tt.accounts_per_task > month:
        hours = tt.care_hours_per_month * tt.accounts_per_task
        out.append(
            (
                "warning",
                "customers.tech_touch.accounts_per_task",
                f"is {tt.accounts_per_task}: a program task takes {tt.accounts_per_task} x "
                f"{tt.care_hours_per_month:g} = {hours:,.1f} CSM hours, more than a CSM's month "
                f"({month:,.1f} productive hours), so it is never done within its month and the pooled "
                "accounts are never cared for; use fewer accounts per task",
            )
        )
    care = sc.effort_hours.account_care_per_month
    if care > month:
        out.append(
            (
                "warning",
                "effort_hours.account_care_per_month",
                f"is {care:g} CSM hours, more than a CSM's month ({month:,.1f} productive hours): an account's care "
                "task is never done within its month, so covered accounts are never cared for",
            )
        )
