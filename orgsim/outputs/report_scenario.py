"""The scenario of a run report in words: org chart, ownership rules, growth plan, segments, sources.

Input is the resolved scenario the run's manifest.json holds (plain data), so a report can be
rebuilt from the files alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from orgsim.metrics.registry import fmt
from orgsim.outputs.html import E, html_table

if TYPE_CHECKING:
    from orgsim.outputs.report import RunData

__all__ = ["scenario_section"]


def _dist_mean(d: Any) -> float | None:
    if isinstance(d, (int, float)):
        return float(d)
    if not isinstance(d, Mapping):
        return None
    kind = d.get("dist")
    if kind == "fixed":
        return d.get("value") if d.get("value") is not None else d.get("mean")
    if kind == "uniform":
        return (d["low"] + d["high"]) / 2
    if kind == "triangular":
        return (d["low"] + d["mode"] + d["high"]) / 3
    if kind == "empirical":
        vals, w = d.get("values") or [], d.get("weights") or [1.0] * len(d.get("values") or [])
        return sum(v * x for v, x in zip(vals, w)) / sum(w) if vals and sum(w) else None
    return d.get("mean")


def _org_chart(run: RunData) -> str:
    from orgsim.outputs import plots  # its colours; matplotlib only when a report is drawn

    roles = run.scenario.get("roles") or {}
    if not roles:
        return "<p>No resolved scenario in manifest.json: the organisation is unknown.</p>"
    end_month = run.monthly["month"].max()
    last = run.monthly[run.monthly["month"] == end_month]
    by_dept: dict[str, list[tuple[str, dict]]] = {}
    for role, r in roles.items():
        by_dept.setdefault(r.get("department", "other"), []).append((role, r))
    cards = []
    for dept in [d for d in plots.DEPARTMENTS if d in by_dept] + sorted(set(by_dept) - set(plots.DEPARTMENTS)):
        start = sum(int(r.get("headcount", 0)) for _, r in by_dept[dept])
        items, end_total = [], 0.0
        for role, r in by_dept[dept]:
            end = last[last["metric"] == f"headcount.{role}"]["value"].mean()
            end = float(end) if pd.notna(end) else float(r.get("headcount", 0))
            end_total += end
            items.append(
                f"<li>{E(role)}: {int(r.get('headcount', 0))} → {end:.0f}"
                f' <span class="sub">({E(fmt(r.get("annual_cost", 0), "money"))}/yr)</span></li>'
            )
        color = plots.DEPARTMENT_COLORS.get(dept, plots.NEUTRAL)
        cards.append(
            f'<div class="dept" style="--c:{E(color)}"><h4>{E(dept)}</h4>'
            f'<div class="n">{start} people at the start → {end_total:.0f} at month {int(end_month)}</div>'
            f"<ul>{''.join(items)}</ul></div>"
        )
    return (
        '<h3>Organisation</h3><p class="sub">Headcount by department and role: at the start → mean at '
        f'the end of the horizon, with the annual cost of one person.</p><div class="org">{"".join(cards)}</div>'
    )


def _ownership(sc: Mapping[str, Any]) -> list[str]:
    own = sc.get("ownership") or {}
    roles = sc.get("roles") or {}
    out = []
    if own.get("qualification") == "ae":
        out.append("AEs qualify marketing-qualified leads themselves (MQL → SQL); there is no SDR step.")
    else:
        out.append("SDRs qualify marketing-qualified leads (MQL → SQL) and book outbound meetings.")
    routing = own.get("routing")
    if routing == "segment":
        pods = (roles.get("ae") or {}).get("pods") or {}
        split = ", ".join(f"{k} {v:.0%}" for k, v in pods.items())
        out.append("SQLs go to AEs by segment (pods" + (f": {split} of AEs" if split else "") + ").")
    elif routing == "least_loaded":
        out.append("SQLs go to the AE with the fewest open opportunities.")
    else:
        out.append("SQLs go to AEs in turn (round robin).")
    ae_cap = (roles.get("ae") or {}).get("max_open_opportunities")
    if ae_cap:
        out.append(f"An AE works at most {ae_cap} open opportunities at a time; further SQLs wait for a slot.")
    delivered: dict[str, list[str]] = {}
    for seg, s in (sc.get("segments") or {}).items():
        delivered.setdefault(s.get("delivered_by", "sales"), []).append(seg)
    who = {"sales": "the AE who sold them", "implementation": "the implementation team", "csm": "CSMs"}
    for team, segs in delivered.items():
        names = " and ".join([", ".join(segs[:-1]), segs[-1]] if len(segs) > 1 else segs)
        out.append(f"Deals in {names} are delivered by {who.get(team, team)}.")
    months = own.get("expansion_by_sales_months", 0)
    out.append(f"Sales owns expansion for the first {months:g} months of a new contract; customer success after that.")
    out.append("CSMs run renewals." if own.get("renewal", "csm") == "csm" else "AEs run renewals.")
    if own.get("referral_relationship") == "sales":
        boost = ((sc.get("lead_sources") or {}).get("referral") or {}).get("relationship_boost", 1)
        out.append(f"Sales keeps the key-person relationship after the sale, which multiplies referrals by {boost:g}.")
    else:
        out.append("Nobody keeps the key-person relationship after the sale (no referral boost).")
    if own.get("presales_unavailable") == "proceed":
        out.append("A deal that needs presales and finds no SE free goes ahead without one, at a lower win rate.")
    else:
        out.append("A deal that needs presales waits until an SE is free.")
    return out


def _growth(sc: Mapping[str, Any]) -> list[str]:
    h = sc.get("hiring") or {}
    out = []
    g = h.get("growth")
    if g and g.get("hires_per_month"):
        order = g.get("focus_order") or []
        if g.get("arr_milestones"):
            ms = [f"{d} at ARR ≥ {fmt(m, 'money')}" for d, m in zip(order[1:], g["arr_milestones"])]
            stages = f"{order[0]} first, then " + ", then ".join(ms) if order else ""
        else:
            n = g.get("months_per_stage") or 0
            stages = ", then ".join(f"{d} (from month {int(i * n) + 1})" for i, d in enumerate(order))
        out.append(
            f"Growth plan: {g['hires_per_month']:g} hires a month; each stage sends {g.get('focus_share', 0):.0%} "
            f"of hires to its focus department: {stages}."
        )
        for dept, mix in (g.get("mix") or {}).items():
            total = sum(mix.values()) or 1
            out.append(f"Hires for {dept}: " + ", ".join(f"{r} {v / total:.0%}" for r, v in mix.items()) + ".")
    plan = h.get("plan") or []
    if plan:
        out.append(
            "Planned requisitions: "
            + "; ".join(f"month {p['month']}: +{p.get('count', 1)} {p['role']}" for p in plan)
            + "."
        )
    if not out:
        out.append("No hiring beyond backfill: the organisation keeps its starting headcount.")
    tth = _dist_mean(h.get("time_to_hire_days"))
    attr = h.get("attrition_per_year") or {}
    extra = f"; annual attrition {attr.get('default', 0):.0%}" + "".join(
        f", {r} {v:.0%}" for r, v in attr.items() if r != "default"
    )
    if tth is not None:
        out.append(
            f"A hire takes {tth:.0f} days on average{extra}; leavers are "
            f"{'backfilled' if h.get('backfill', True) else 'not replaced'}."
        )
    return out


def scenario_section(run: RunData) -> str:
    """The scenario section of a run report (HTML)."""
    sc = run.scenario
    parts = ["<h2>The scenario in words</h2>"]
    if sc.get("description"):
        parts.append(f"<p>{E(str(sc['description']).strip())}</p>")
    parts.append(_org_chart(run))
    if sc:
        parts.append(
            '<h3>Who owns what</h3><ul class="rules">' + "".join(f"<li>{E(x)}</li>" for x in _ownership(sc)) + "</ul>"
        )
        parts.append(
            '<h3>Hiring and growth</h3><ul class="rules">' + "".join(f"<li>{E(x)}</li>" for x in _growth(sc)) + "</ul>"
        )
        rows = []
        for seg, s in (sc.get("segments") or {}).items():
            rows.append(
                [
                    seg,
                    f"{s.get('lead_mix', 0):.0%}",
                    fmt(_dist_mean(s.get("acv")), "money"),
                    f"{_dist_mean(s.get('sales_cycle_days')) or 0:.0f} days",
                    f"{s.get('win_rate', 0):.0%}",
                    "yes" if s.get("needs_presales") else "no",
                    str(s.get("delivered_by", "")),
                    f"{s.get('renewal_rate', 0):.0%}",
                ]
            )
        parts.append(
            "<h3>Customer segments</h3>"
            + html_table(
                [
                    "segment",
                    "lead mix",
                    "mean ACV",
                    "sales cycle",
                    "win rate",
                    "presales",
                    "delivered by",
                    "renewal rate",
                ],
                rows,
                {1, 2, 3, 4, 7},
            )
        )
        ls = sc.get("lead_sources") or {}
        paid, content = ls.get("paid") or {}, ls.get("content") or {}
        out_b, ref = ls.get("outbound") or {}, ls.get("referral") or {}
        src = [
            f"Paid: {fmt(paid.get('budget_per_month', 0), 'money')} a month "
            f"at {fmt(paid.get('cost_per_lead', 0), 'money')} per lead.",
            f"Content: {content.get('leads_per_marketer_month', 0):g} leads per marketer a month.",
            f"Outbound: SDRs spend {out_b.get('sdr_time_share', 0):.0%} of their time prospecting, "
            f"booking {out_b.get('meetings_per_sdr_month', 0):g} meetings each a month.",
            f"Referrals: {ref.get('per_healthy_account_year', 0):g} per healthy account a year.",
        ]
        parts.append('<h3>Lead sources</h3><ul class="rules">' + "".join(f"<li>{E(x)}</li>" for x in src) + "</ul>")
    return "".join(parts)
