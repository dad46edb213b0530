"""The report of `orgsim hire`: the answer, the options against no hire (dots with 95% CI whiskers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from orgsim.metrics.registry import fmt
from orgsim.outputs.html import html_table, scroll
from orgsim.outputs.pages.words import Page, as_number, diff_range, kpi_label, kpi_unit
from orgsim.outputs.plots.common import GOOD, unit_formatter
from orgsim.outputs.text import diff_text

if TYPE_CHECKING:
    from orgsim.outputs.report_experiments import ExperimentData

__all__ = ["build_figures", "build_page", "options_plot"]


def build_page(data: ExperimentData) -> Page:
    doc = data.result
    by, month, k = doc["by"], doc.get("at_month"), len(doc["options"])
    better = "higher" if doc.get("goal") == "max" else "lower"
    cons = [f"mean {kpi} ≥ {v:g}" for kpi, v in (doc.get("minimum") or {}).items()] + [
        f"mean {kpi} ≤ {v:g}" for kpi, v in (doc.get("maximum") or {}).items()
    ]
    method = [
        f"Every mix of the next {doc.get('next')} hires over {', '.join(doc.get('roles') or [])} ({k - 1} mixes), and "
        f"no hire, on {doc['scenario']}, with seed {doc.get('seed')}; ranked by {kpi_label(by)} at month {month} "
        f"({better} is better). The hires are requisitions opened in month 1: they are recruited, ramp and cost as "
        "any hire does. Common random numbers: replication i of every option drew the same random numbers, so each "
        "mix is compared with no hire replication by replication.",
        f"Sequential elimination (as `orgsim focus`): every option first ran {doc.get('n0')} replications; options "
        f"clearly worse than the leader were dropped at each look and the rest ran {doc.get('batch')} more, up to "
        f"{doc.get('max_replications')} each.",
        *([f"Options had to meet {' and '.join(cons)}; those that did not were dropped."] if cons else []),
    ]
    headline = [doc["recommendation"], doc.get("statement", "")]
    info = doc.get("sensitivity") or {}
    if doc.get("sensitive_to") and info.get("kind") == "measured":
        headline.append(
            f"The answer is most sensitive to {', '.join(doc['sensitive_to'])}: the top of the {info.get('method')} "
            f"ranking of {info.get('kpi')} measured by `orgsim sensitivity` ({info.get('file')})."
        )
    elif doc.get("sensitive_to"):
        headline.append(
            "The answer rests on these inputs of the scenario: " + ", ".join(doc["sensitive_to"]) + ". This is a rule "
            "of thumb (the inputs the hired roles' value is made of), not a measured ranking: rank them with "
            "`orgsim sensitivity SCENARIO --params KEY=LOW..HIGH ... --json sens.json` and pass "
            "`orgsim hire --sensitivity sens.json` before acting on a close call."
        )
    captions = {
        "options": f"Each option's paired difference in {kpi_label(by)} at month {month} against no hire (dot: mean; "
        "whiskers: 95% CI), best first. Roles are categories: the order is the ranking, not a scale."
    }
    facts = [f"{k} options", f"ranked by {by} at month {month}", f"seed {doc.get('seed')}"]
    facts.append(f"{doc.get('replications_used', 0):,} replications")
    return Page(
        f"Who to hire next at {doc['scenario']}", facts, method, headline, _table(data.tables["ranking"], doc), captions
    )


def _table(ranking: pd.DataFrame, doc: Mapping[str, Any]) -> str:
    unit = kpi_unit(doc["by"])
    rows, classes = [], []
    for r in ranking.to_dict(orient="records"):
        base = r["hires"] == "no hire"
        rows.append(
            [
                str(r["rank"]),
                str(r["hires"]),
                str(r["status"]) + (f" ({r['note']})" if isinstance(r.get("note"), str) and r["note"] else ""),
                str(r["replications"]),
                fmt(as_number(r["mean"]), unit),
                "" if base else diff_text(as_number(r.get("diff_mean")), unit),
                "" if base else diff_range(as_number(r.get("diff_ci95_low")), as_number(r.get("diff_ci95_high")), unit),
            ]
        )
        classes.append("best" if r["status"] == "chosen" else "")
    head = ["#", "hires", "status", "replications", f"mean {doc['by']}", "vs no hire", "95% CI"]
    return (
        '<h2>Options</h2><p class="sub">Best first. vs no hire: the paired difference over the replications both '
        "ran, with its 95% CI.</p>" + scroll(html_table(head, rows, {0, 3, 4, 5, 6}, classes))
    )


def options_plot(ranking: pd.DataFrame, kpi: str, month: Any = None) -> Figure:
    """Dots with 95% CI whiskers: each option minus no hire, best (the ranking's first row) at the top."""
    df = ranking.dropna(subset=["diff_mean"]).reset_index(drop=True)
    fig = Figure(figsize=(9, 1.2 + 0.3 * max(len(df), 1)), layout="constrained")
    ax = fig.add_subplot()
    for i, r in enumerate(df.to_dict(orient="records")):
        m = float(r["diff_mean"])
        lo, hi = as_number(r.get("diff_ci95_low")), as_number(r.get("diff_ci95_high"))
        lo, hi = (m if lo is None else lo), (m if hi is None else hi)
        color = GOOD if r["status"] == "chosen" else "#888888" if r["hires"] == "no hire" else "#4C72B0"
        ax.errorbar(m, i, xerr=[[m - lo], [hi - m]], fmt="o", color=color, capsize=3, markersize=5)
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.set_yticks(np.arange(len(df)), [f"{int(r['rank'])}. {r['hires']}" for _, r in df.iterrows()])
    ax.set_ylim(len(df) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(unit_formatter(kpi_unit(kpi)))
    at = f" at month {month}" if month is not None else ""
    ax.set_xlabel(f"{kpi_label(kpi)}{at}: option − no hire (mean, 95% CI)")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title(f"Who to hire next: each option against no hire, ranked by {kpi_label(kpi)}{at}")
    return fig


def build_figures(data: ExperimentData) -> dict[str, Figure]:
    return {"options": options_plot(data.tables["ranking"], data.result["by"], data.result.get("at_month"))}
