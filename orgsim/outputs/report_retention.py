"""The retention part of the report: its section, its two figures and its findings.

Everything comes from the ``"retention"`` block of summary.json (`orgsim.experiments.retention_summary`);
a run directory written before that block existed simply has no retention section.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from orgsim.experiments.retention_summary import cohort_frame
from orgsim.metrics.registry import fmt
from orgsim.outputs.html import ci_range, html_table, mean_of

if TYPE_CHECKING:  # matplotlib is imported when figures are drawn: `orgsim run` without --out needs none
    from matplotlib.figure import Figure

__all__ = ["GRR_GAP", "retention_figures", "retention_findings", "retention_section"]

GRR_GAP = 0.05  # a segment whose GRR is this far (5 pp) below the best segment's is a finding
SLIP_SHARE = 0.02  # ... and so is a monthly slip of this share of healthy accounts below the healthy band


def _block(summary: Mapping[str, Any]) -> dict[str, Any]:
    ret = summary.get("retention")
    return ret if isinstance(ret, dict) else {}


def retention_figures(summary: Mapping[str, Any]) -> dict[str, Figure]:
    """``retention_cohorts`` and ``health_transitions`` ({} without a retention block)."""
    from orgsim.outputs.plots.retention import cohort_curves, health_transitions

    ret = _block(summary)
    if not ret:
        return {}
    title = f"{summary.get('scenario', '')}, {summary.get('replications', '?')} replications"
    out = {"retention_cohorts": cohort_curves(cohort_frame(ret), title)}
    ht = ret.get("health_transitions") or {}
    if ht.get("counts"):
        out["health_transitions"] = health_transitions(ht["counts"], ht["bands"], title)
    return out


def retention_section(summary: Mapping[str, Any]) -> str:
    """Retention by segment (logo renewal, GRR, NRR with CIs, churn and contraction) and churn reasons."""
    ret = _block(summary)
    if not ret:
        return ""
    rows = [
        [
            seg,
            fmt(mean_of(v.get("logo_renewal_rate")), "pct"),
            fmt(mean_of(v.get("grr")), "pct"),
            ci_range(v.get("grr"), "pct"),
            fmt(mean_of(v.get("nrr")), "pct"),
            ci_range(v.get("nrr"), "pct"),
            fmt(mean_of(v.get("churned"))),
            fmt(mean_of(v.get("churned_arr")), "money"),
            fmt(mean_of(v.get("contracted_arr")), "money"),
            fmt(mean_of(v.get("expanded_arr")), "money"),
        ]
        for seg, v in (ret.get("by_segment") or {}).items()
    ]
    head = ["segment", "logo renewal", "GRR", "95% CI", "NRR", "95% CI", "churned logos", "churned ARR"]
    head += ["contracted ARR", "expanded ARR"]
    why = ret.get("reasons") or {}
    reason_rows = [["churn", k, fmt(mean_of(s)), ci_range(s, "count")] for k, s in (why.get("churn") or {}).items()]
    reason_rows += [
        ["contraction", k, fmt(mean_of(s), "money" if k.endswith("arr") else "count"), ci_range(s, "count")]
        for k, s in (why.get("contraction") or {}).items()
    ]
    note = (
        "<p>GRR and NRR: the segment's accounts on the books 12 months before the end, their ARR at the end "
        "against then (as the KPIs). Logo renewal: renewals over renewals decided in the whole run. Churned, "
        "contracted and expanded ARR: over the whole run (mean per replication). The cohort plot follows each "
        "quarter's new customers from signing; the transition plot shows where accounts of each health band "
        "are a month later.</p>"
    )
    return (
        "<h2>Retention</h2>"
        + note
        + html_table(head, rows, set(range(1, len(head))))
        + "<h3>Churn and contraction by reason</h3>"
        + html_table(["what", "reason", "mean per replication", "95% CI"], reason_rows, {2, 3})
    )


def retention_findings(summary: Mapping[str, Any], healthy_threshold: float = 0.6) -> list[str]:
    """Sentences on what stands out: a segment whose GRR lags the best by `GRR_GAP` or more; churn
    reasons other than health; a monthly slip below the healthy band of `SLIP_SHARE` or more."""
    ret = _block(summary)
    out = []
    grr = {s: (mean_of(v.get("grr")), v.get("grr")) for s, v in (ret.get("by_segment") or {}).items()}
    grr = {s: g for s, g in grr.items() if g[0] is not None}
    if len(grr) >= 2:
        worst = min(grr, key=lambda s: grr[s][0] or 0.0)
        best = max(grr, key=lambda s: grr[s][0] or 0.0)
        w, b = grr[worst][0] or 0.0, grr[best][0] or 0.0
        if b - w >= GRR_GAP:
            out.append(
                f"Gross revenue retention is lowest in {worst}: {fmt(w, 'pct')} (95% CI "
                f"{ci_range(grr[worst][1], 'pct')}) against {fmt(b, 'pct')} in {best}."
            )
    churn = {k: mean_of(s) or 0.0 for k, s in ((ret.get("reasons") or {}).get("churn") or {}).items()}
    total = sum(churn.values())
    if total > 0 and set(churn) != {"health"}:
        top = max(churn, key=lambda k: churn[k])
        out.append(f"The main reason for churn is {top}: {churn[top] / total:.0%} of churned logos.")
    counts = (ret.get("health_transitions") or {}).get("counts")
    if counts:
        first = int(round(healthy_threshold * 10))
        healthy_rows = counts[first:10]
        slipped = sum(sum(r[:first]) for r in healthy_rows)
        stayed = sum(sum(r[:10]) for r in healthy_rows)
        if stayed > 0 and slipped / stayed >= SLIP_SHARE:
            out.append(
                f"Each month {slipped / stayed:.1%} of healthy accounts (health >= {healthy_threshold:g}) slip "
                "below the healthy threshold."
            )
    return out
