"""The report of `orgsim focus`: the chosen growth-stage focus order, the ranking, the cost saved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure

from orgsim.metrics.registry import fmt
from orgsim.outputs import plots
from orgsim.outputs.html import ci_range, html_table, scroll
from orgsim.outputs.pages.words import (
    Page,
    as_number,
    cell_text,
    diff_range,
    kpi_label,
    kpi_unit,
    stat_text,
)
from orgsim.outputs.text import diff_text
from orgsim.outputs.text_experiments import SWEEP_KPIS

if TYPE_CHECKING:
    from orgsim.outputs.report_experiments import ExperimentData

__all__ = ["build_figures", "build_page"]


def build_page(data: ExperimentData) -> Page:
    doc, ranking = data.result, data.tables["ranking"]
    by, k = doc["by"], len(doc["orders"])
    better = "higher" if doc.get("goal") == "max" else "lower"
    method = [
        f"{k} growth-stage focus orders of {doc['scenario']} — the order in which its growth plan sends most hires to "
        f"each department — ranked by {kpi_label(by)} ({better} is better), with seed {doc.get('seed')}. Common random "
        "numbers: replication i of every order drew the same random numbers, so orders are compared replication "
        "by replication.",
        _focus_method(doc),
        *_constraint_sentence(doc),
        *(f"Note: {note}." for note in doc.get("notes") or []),
    ]
    headline = [*_chosen_sentence(doc), doc["statement"], _saving_sentence(doc)]
    captions = {
        "ranking": f"Every focus order's mean {kpi_label(by)} with its 95% confidence interval, best at the top. "
        "The green band is the best order's interval: orders reaching into it are not clearly "
        "worse than the best."
    }
    facts = [
        f"{k} orders",
        f"ranked by {by}",
        f"seed {doc.get('seed')}",
        f"{doc.get('replications_used', 0):,} replications",
    ]
    return Page(
        f"Focus orders of {doc['scenario']}, ranked by {kpi_label(by)}",
        facts,
        method,
        headline,
        _ranking_table(ranking, doc) + _order_kpi_table(doc),
        captions,
    )


def _arrows(order: Sequence[str] | str) -> str:
    return " → ".join(order) if isinstance(order, list) else str(order).replace(" > ", " → ")


def _focus_method(doc: Mapping[str, Any]) -> str:
    if doc.get("method") == "equal":
        return f"Every order ran {doc.get('n0')} replications (equal allocation; no order was dropped early)."
    return (
        f"Sequential elimination: every order first ran {doc.get('n0')} replications; at each look, orders "
        "clearly worse than the leader were dropped (one-sided paired tests, Bonferroni-adjusted over rivals and "
        f"looks) and the rest ran {doc.get('batch')} more, up to {doc.get('max_replications')} each."
    )


def _constraint_sentence(doc: Mapping[str, Any]) -> list[str]:
    parts = [f"mean {kpi} ≥ {v:g}" for kpi, v in (doc.get("minimum") or {}).items()] + [
        f"mean {kpi} ≤ {v:g}" for kpi, v in (doc.get("maximum") or {}).items()
    ]
    return [f"Orders had to meet {' and '.join(parts)}; those that did not were dropped."] if parts else []


def _chosen_sentence(doc: Mapping[str, Any]) -> list[str]:
    chosen = next((o for o in doc["orders"] if o.get("status") == "chosen"), None)
    if chosen is None:
        return []
    stat = (chosen.get("kpis") or {}).get(doc["by"])
    return [
        f"Chosen order: {_arrows(chosen['order'])}, with a mean {kpi_label(doc['by'])} of "
        f"{stat_text(stat, kpi_unit(doc['by']))} over {chosen.get('replications')} replications."
    ]


def _saving_sentence(doc: Mapping[str, Any]) -> str:
    used, equal = doc.get("replications_used", 0), doc.get("equal_allocation", 0)
    if doc.get("method") == "equal":
        return f"It took {used:,} replications in all ({len(doc['orders'])} orders × {doc.get('n0')})."
    return (
        f"It took {used:,} replications in {len(doc.get('rounds') or [])} looks; running every order as many "
        f"replications as the chosen one got would have taken {equal:,}: {doc.get('saving', 0) * 100:.0f}% "
        "saved."
    )


def _ranking_table(ranking: pd.DataFrame, doc: Mapping[str, Any]) -> str:
    unit = kpi_unit(doc["by"])
    extra = [k for k in [*(doc.get("minimum") or {}), *(doc.get("maximum") or {})] if k in ranking.columns]
    rows, classes = [], []
    for r in ranking.to_dict(orient="records"):
        status, look = str(r["status"]), as_number(r.get("left_at_look"))
        if status in ("eliminated", "infeasible") and look:
            status += f" at look {look:.0f}"
        if isinstance(r.get("note"), str) and r["note"]:
            status += f" ({r['note']})"
        chosen = r["status"] == "chosen"
        rows.append(
            [
                str(r["rank"]),
                _arrows(r["order"]),
                status,
                str(r["replications"]),
                fmt(as_number(r["mean"]), unit),
                ci_range({"ci95": [as_number(r["ci95_low"]), as_number(r["ci95_high"])]}, unit),
                "" if chosen else diff_text(as_number(r.get("diff_mean")), unit),
                ""
                if chosen
                else diff_range(as_number(r.get("diff_ci95_low")), as_number(r.get("diff_ci95_high")), unit),
                *(fmt(as_number(r.get(k)), kpi_unit(k)) for k in extra),
            ]
        )
        classes.append("best" if chosen else "")
    head = [
        "#",
        "focus order",
        "status",
        "replications",
        f"mean {doc['by']}",
        "95% CI",
        "vs chosen",
        "95% CI",
        *(f"mean {k}" for k in extra),
    ]
    return (
        '<h2>Ranking</h2><p class="sub">Best first. vs chosen: the paired difference to the chosen order over '
        "the replications both ran, with its 95% CI.</p>" + scroll(html_table(head, rows, {0, 3, 4, 5, 6, 7}, classes))
    )


def _order_kpi_table(doc: Mapping[str, Any]) -> str:
    kpis = list(dict.fromkeys([doc["by"], *SWEEP_KPIS]))
    rows = [
        [_arrows(o["order"]), *(cell_text(_stat_row((o.get("kpis") or {}).get(k)), kpi_unit(k)) for k in kpis)]
        for o in doc["orders"]
    ]
    return '<h2>Other KPIs by order</h2><p class="sub">Mean (95% CI) over each order\'s replications.</p>' + scroll(
        html_table(["focus order", *(kpi_label(k) for k in kpis)], rows, range(1, len(kpis) + 1))
    )


def _stat_row(stat: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A JSON statistic ({"mean", "ci95"}) as a table row (mean, ci95_low, ci95_high)."""
    if stat is None:
        return None
    lo, hi = stat.get("ci95") or (None, None)
    return {"mean": stat.get("mean"), "ci95_low": lo, "ci95_high": hi}


def build_figures(data: ExperimentData) -> dict[str, Figure]:
    return {"ranking": plots.focus_ranking(data.tables["ranking"], kpi=data.result["by"], goal=data.result.get("goal"))}
