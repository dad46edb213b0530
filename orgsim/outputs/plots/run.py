"""Plots of one run: ARR, where it comes from, the funnel, people and cost, where work waits.

`run_figures` makes every run plot of a scenario, in the order a report shows them (with the
customer and cash plots of `orgsim.outputs.plots.health`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from orgsim.metrics.registry import fmt
from orgsim.names import SOURCES, STAGES
from orgsim.outputs.plots.common import (
    BAD,
    DEPARTMENT_COLORS,
    DEPARTMENTS,
    GOOD,
    NEUTRAL,
    SCENARIO_COLORS,
    SOURCE_COLORS,
    STAGE_COLORS,
    WORST,
    fan,
    metrics_like,
    money_axis,
    month_axis,
    n_reps,
    one_scenario,
    subtitle,
    wide,
    worst_stage,
)
from orgsim.outputs.plots.health import (
    cash_runway,
    health,
    health_bands,
    health_distribution,
)
from orgsim.outputs.text import is_bottleneck

__all__ = ["arr_bridge", "arr_fan", "bottlenecks", "funnel", "headcount_and_cost", "run_figures"]


def arr_fan(monthly: pd.DataFrame, metric: str = "arr", band: tuple[float, float] = (0.1, 0.9)) -> Figure:
    """ARR (or another money metric) over time: median and a band across replications, per scenario."""
    fig = Figure(figsize=(9, 5), layout="constrained")
    ax = fig.add_subplot()
    names = list(dict.fromkeys(monthly["scenario"].astype(str))) if "scenario" in monthly else [""]
    for i, name in enumerate(names):
        rows = monthly if name == "" else monthly[monthly["scenario"].astype(str) == name]
        fan(ax, wide(rows, metric), SCENARIO_COLORS[i % len(SCENARIO_COLORS)], name or metric, band)
    label = "ARR" if metric == "arr" else metric
    ax.set_title(f"{label} over time (median and {band[0]:.0%}–{band[1]:.0%} band of {n_reps(monthly)} replications)")
    ax.set_ylabel(f"{label} (USD, end of month)")
    money_axis(ax)
    month_axis(ax)
    ax.legend(loc="upper left", fontsize="small")
    return fig


def arr_bridge(monthly: pd.DataFrame, scenario: str | None = None) -> Figure:
    """ARR waterfall over the horizon (means over replications): start + new + expansion − churn = end."""
    rows, scenario = one_scenario(monthly, scenario, "arr_bridge")
    arr = wide(rows, "arr")
    new, exp, churn = (wide(rows, k) for k in ("new_arr", "expansion_arr", "churned_arr"))
    first = arr.index.min()
    start = float((arr.loc[first] - new.loc[first] - exp.loc[first] + churn.loc[first]).mean())
    steps = [
        ("starting ARR", start, "total"),
        ("new", float(new.sum().mean()), "up"),
        ("expansion", float(exp.sum().mean()), "up"),
        ("churn", -float(churn.sum().mean()), "down"),
    ]
    end = float(arr.iloc[-1].mean())
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    level, colors = 0.0, {"total": "#4C72B0", "up": GOOD, "down": BAD}
    for i, (_label, value, kind) in enumerate(steps):
        bottom = 0.0 if kind == "total" else (level if value >= 0 else level + value)
        ax.bar(i, abs(value), bottom=bottom, color=colors[kind], width=0.6)
        sign = "" if kind == "total" else ("+" if value >= 0 else "−")
        ax.annotate(
            f"{sign}{fmt(abs(value), 'money')}",
            (i, bottom + abs(value)),
            ha="center",
            va="bottom",
            xytext=(0, 3),
            textcoords="offset points",
        )
        level = value if kind == "total" else level + value
        ax.plot([i + 0.3, i + 0.7], [level, level], color="#555555", linewidth=0.8)
    ax.bar(len(steps), end, color="#4C72B0", width=0.6)
    ax.annotate(
        fmt(end, "money"), (len(steps), end), ha="center", va="bottom", xytext=(0, 3), textcoords="offset points"
    )
    ax.set_xticks(range(len(steps) + 1), [s[0] for s in steps] + ["ending ARR"])
    ax.set_ylabel("ARR (USD)")
    money_axis(ax)
    ax.grid(True, axis="y", alpha=0.3)
    months = len(arr.index)
    ax.set_title(f"ARR bridge over {months} months ({subtitle(scenario, arr.shape[1])}, means)")
    ax.legend(
        handles=[
            Patch(color=colors["total"], label="ARR level"),
            Patch(color=GOOD, label="added"),
            Patch(color=BAD, label="lost"),
        ],
        loc="upper left",
        fontsize="small",
    )
    ax.set_ylim(0, max(start, end, level) * 1.12 or 1)
    return fig


def funnel(funnel_df: pd.DataFrame, scenario: str | None = None) -> Figure:
    """Leads to won deals with step conversions, and where leads, MQLs and SQLs come from."""
    rows, scenario = one_scenario(funnel_df, scenario, "funnel")
    steps = ["leads", "mql", "sql", "opportunities", "won"]
    means = rows[steps].mean()
    fig = Figure(figsize=(12, 5), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[3, 2])
    top = float(means.iloc[0]) or 1.0
    names = ["leads", "MQL", "SQL", "opportunities", "won"]
    for i, step in enumerate(steps):
        v = float(means[step])
        ax.barh(i, v, left=(top - v) / 2, color="#4C72B0", height=0.7)
        prev = float(means.iloc[i - 1]) if i else 0.0
        conv = f" — {v / prev:.1%} of {names[i - 1]}" if prev else ""
        text = f"{v:,.0f} {names[i]}{conv}"
        if v / top > 0.6:
            ax.text(top / 2, i, text, ha="center", va="center", color="white", fontsize=9, fontweight="bold")
        else:
            ax.text((top + v) / 2 + top * 0.01, i, text, ha="left", va="center", fontsize=9)
    ax.set_yticks(range(len(steps)), names)
    ax.invert_yaxis()
    ax.set_xticks([])
    ax.set_xlim(0, top)
    won_rate = float(means["won"]) / top
    ax.set_title(f"Funnel (mean count per replication; lead → won {won_rate:.2%})")
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)

    sources = [s for s in SOURCES if f"leads.{s}" in rows.columns]
    bottoms = np.zeros(3)
    for s in sources:
        vals = np.array([rows[f"{st}.{s}"].mean() for st in ("leads", "mql", "sql")])
        totals = np.array([max(float(means[st]), 1e-12) for st in ("leads", "mql", "sql")])
        share = vals / totals
        lead_to_sql = vals[2] / vals[0] if vals[0] else float("nan")
        fate = "all are SQLs (booked meetings)" if lead_to_sql >= 0.999 else f"{lead_to_sql:.1%} become SQLs"
        label = f"{s}: {vals[0]:,.0f} leads, {fate}"
        ax2.bar(range(3), share, bottom=bottoms, color=SOURCE_COLORS.get(s, NEUTRAL), label=label, width=0.6)
        for j in range(3):
            if share[j] >= 0.06:
                ax2.text(j, bottoms[j] + share[j] / 2, f"{share[j]:.0%}", ha="center", va="center", fontsize=8)
        bottoms += share
    ax2.set_xticks(range(3), ["leads", "MQL", "SQL"])
    ax2.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax2.set_ylabel("share of the step")
    ax2.set_title("Where they come from, by source")
    ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize="small", ncol=1, frameon=False)
    fig.suptitle(f"From lead to won deal — {subtitle(scenario, n_reps(rows))}")
    return fig


def headcount_and_cost(
    monthly: pd.DataFrame, role_departments: Mapping[str, str], scenario: str | None = None
) -> Figure:
    """Headcount by department (stacked) and monthly cost by department against revenue (means)."""
    rows, scenario = one_scenario(monthly, scenario, "headcount_and_cost")
    fig = Figure(figsize=(12, 5), layout="constrained")
    ax, ax2 = fig.subplots(1, 2)
    by_dept: dict[str, pd.Series] = {}
    for metric in metrics_like(rows, "headcount."):
        role = metric.split(".", 1)[1]
        dept = role_departments.get(role, "other")
        s = wide(rows, metric).mean(axis=1)
        by_dept[dept] = by_dept[dept] + s if dept in by_dept else s
    depts = [d for d in DEPARTMENTS if d in by_dept] + sorted(set(by_dept) - set(DEPARTMENTS))
    if depts:
        x = by_dept[depts[0]].index.to_numpy()
        ax.stackplot(
            x,
            *[by_dept[d].to_numpy() for d in depts],
            colors=[DEPARTMENT_COLORS.get(d, NEUTRAL) for d in depts],
            labels=[f"{d} ({by_dept[d].iloc[-1]:.0f} at end)" for d in depts],
            alpha=0.9,
        )
    ax.set_title("Headcount by department (mean, people)")
    ax.set_ylabel("people")
    month_axis(ax)
    ax.legend(loc="upper left", fontsize="small")

    cost_parts = [(d, f"cost.{d}") for d in DEPARTMENTS] + [
        ("paid_marketing", "cost.paid_marketing"),
        ("overhead", "cost.overhead"),
        ("cogs", "cost.cogs"),
        ("commission", "cost.commission"),  # only with company.commission_rate > 0; part of cost.total
    ]
    present = [(label, m) for label, m in cost_parts if m in set(rows["metric"])]
    bottom = None
    for label, metric in present:
        s = wide(rows, metric).mean(axis=1)
        x = s.index.to_numpy()
        ax2.bar(
            x,
            s.to_numpy(),
            bottom=bottom,
            color=DEPARTMENT_COLORS.get(label, NEUTRAL),
            width=0.85,
            label=label.replace("_", " ")
            + ("" if label in ("paid_marketing", "overhead", "cogs", "commission") else " people"),
        )
        bottom = s.to_numpy() if bottom is None else bottom + s.to_numpy()
    if "revenue" in set(rows["metric"]):
        rev = wide(rows, "revenue").mean(axis=1)
        ax2.plot(rev.index, rev.to_numpy(), color="black", linewidth=2, label="revenue")
    ax2.set_title("Monthly cost by department vs revenue (mean)")
    ax2.set_ylabel("USD per month")
    money_axis(ax2)
    month_axis(ax2)
    ax2.legend(loc="upper left", fontsize="small", ncol=2)
    fig.suptitle(f"People and cost — {subtitle(scenario, n_reps(rows))}")
    return fig


def bottlenecks(monthly: pd.DataFrame, stages: pd.DataFrame, scenario: str | None = None) -> Figure:
    """Where work waits: queue length by stage over time, mean/p90 wait and utilisation by stage.

    The stage where work waits longest is drawn in red in every panel, labelled "(bottleneck)" when
    its mean wait and utilisation are both above the thresholds (`is_bottleneck`), else "(longest wait)".
    """
    rows, scenario = one_scenario(monthly, scenario, "bottlenecks")
    st, _ = one_scenario(stages, scenario if "scenario" in stages.columns else None, "bottlenecks")
    worst = worst_stage(st)
    table = st.groupby("stage", sort=False)[["mean_wait_hours", "p90_wait_hours", "utilization"]].mean()
    order = [s for s in STAGES if s in table.index] + [s for s in table.index if s not in STAGES]
    table = table.loc[order]
    worst_label = "longest wait"
    if worst is not None:
        w, u = (float(table.to_dict()[k][worst]) for k in ("mean_wait_hours", "utilization"))
        worst_label = "bottleneck" if is_bottleneck(w, u) else "longest wait"
    fig = Figure(figsize=(13, 5), layout="constrained")
    ax, ax2, ax3 = fig.subplots(1, 3, width_ratios=[5, 3, 3])
    for stage in order:
        metric = f"queue.{stage}"
        if metric not in set(rows["metric"]):
            continue
        q = wide(rows, metric).mean(axis=1)
        is_worst = stage == worst
        ax.plot(
            q.index,
            q.to_numpy(),
            color=WORST if is_worst else STAGE_COLORS.get(stage, NEUTRAL),
            linewidth=3 if is_worst else 1.3,
            alpha=1 if is_worst else 0.8,
            label=f"{stage}{f' ({worst_label})' if is_worst else ''}",
            zorder=3 if is_worst else 2,
        )
    ax.set_title("Tasks waiting at month end, by stage (mean)")
    ax.set_ylabel("tasks in queue")
    ax.set_ylim(bottom=0)
    month_axis(ax)
    ax.legend(loc="upper left", fontsize="small")

    y = np.arange(len(order))
    colors = [WORST if s == worst else STAGE_COLORS.get(s, NEUTRAL) for s in order]
    mean_days = table["mean_wait_hours"].to_numpy() / 24
    p90_days = table["p90_wait_hours"].to_numpy() / 24
    ax2.barh(y, mean_days, color=colors, height=0.6)
    ax2.scatter(p90_days, y, marker="|", s=250, color="black", zorder=3)
    for yi, m, p in zip(y, mean_days, p90_days):
        ax2.annotate(
            f"{m:.1f} d (p90 {p:.1f})", (max(m, p), yi), xytext=(5, -4), textcoords="offset points", fontsize=8
        )
    ax2.set_xlim(0, max(float(np.nanmax(p90_days, initial=0.0)), float(np.nanmax(mean_days, initial=0.0)), 0.1) * 1.9)
    ax2.set_yticks(y, order)
    ax2.invert_yaxis()
    ax2.set_xlabel("days waiting for a free person")
    ax2.set_title("Wait per task (mean bar, p90 tick)")
    ax2.legend(
        handles=[
            Patch(color=NEUTRAL, label="mean wait"),
            Line2D([], [], marker="|", markersize=12, color="black", linestyle="none", label="p90 wait"),
        ],
        loc="lower right",
        fontsize="small",
    )
    ax2.grid(True, axis="x", alpha=0.3)

    util = table["utilization"].to_numpy()
    ax3.barh(y, util, color=colors, height=0.6)
    for yi, u in zip(y, util):
        ax3.annotate(f"{u:.0%}", (u, yi), xytext=(3, -4), textcoords="offset points", fontsize=8)
    ax3.set_yticks(y, order)
    ax3.invert_yaxis()
    ax3.set_xlim(0, 1.15)
    ax3.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax3.set_xlabel("share of staffed time busy on the stage")
    ax3.set_title("Utilisation")
    ax3.grid(True, axis="x", alpha=0.3)
    head = f"{worst_label.capitalize()}: {worst}" if worst else "No stage makes work wait"
    fig.suptitle(f"{head} — where work waits ({subtitle(scenario, n_reps(st))})")
    return fig


def run_figures(
    monthly: pd.DataFrame,
    stages: pd.DataFrame,
    funnel_df: pd.DataFrame,
    role_departments: Mapping[str, str],
    healthy_threshold: float | None = None,
    active_threshold: float | None = None,
) -> dict[str, Figure]:
    """Every run plot of one scenario, by file stem (the order a report shows them in).

    `health_distribution` is left out when the monthly data has no health bands (a run directory
    written before orgsim recorded them); the thresholds are the scenario's, for that plot.
    """
    figs = {
        "arr_fan": arr_fan(monthly),
        "arr_bridge": arr_bridge(monthly),
        "funnel": funnel(funnel_df),
        "headcount_cost": headcount_and_cost(monthly, role_departments),
        "bottlenecks": bottlenecks(monthly, stages),
        "health": health(monthly),
    }
    if health_bands(monthly):
        figs["health_distribution"] = health_distribution(
            monthly, healthy_threshold=healthy_threshold, active_threshold=active_threshold
        )
    figs["cash_runway"] = cash_runway(monthly)
    return figs
