"""Plots of results: DataFrames in, matplotlib Figure out. Nothing here runs a simulation.

Every function takes the DataFrames `Results` gives (`monthly`, `stages`, `funnel`) or that a run
directory holds as CSV (`monthly.csv`, ...), or the tables of comparisons, focus orders and sweeps,
and returns a `matplotlib.figure.Figure` with a title, axis units and a legend, readable on its own.
Figures are built without pyplot, so they work under any backend (Agg on a server, inline in
Jupyter) and leave no global state behind; `png_bytes` renders one to PNG.

Run plots (one scenario each, except `arr_fan`, which overlays every scenario it is given):
`arr_fan`, `arr_bridge`, `funnel`, `headcount_and_cost`, `bottlenecks`, `health`, `health_distribution`,
`cash_runway`.
Experiment plots: `differences_forest` (Comparison.differences()), `focus_ranking`, `sweep`.
"""

from __future__ import annotations

import io
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from orgsim.metrics.registry import KPI_DIRECTION, KPI_KEYS, KPI_LABELS, fmt, unit_of
from orgsim.names import SOURCES, STAGES
from orgsim.outputs.text import NEGLIGIBLE_WAIT_HOURS
from orgsim.scenario import Customers

__all__ = [
    "DEPARTMENT_COLORS", "KPI_HIGHER_IS_BETTER", "KPI_LABELS", "STAGES", "arr_bridge", "arr_fan", "bottlenecks",
    "cash_runway", "differences_forest", "focus_ranking", "funnel", "headcount_and_cost", "health",
    "health_distribution", "png_bytes",
    "run_figures", "sweep", "worst_stage",
]

DEPARTMENTS = ("product", "sales", "marketing", "service", "functional")
DEPARTMENT_COLORS = {
    "product": "#8172B3", "sales": "#DD8452", "marketing": "#4C72B0", "service": "#55A868",
    "functional": "#937860", "paid_marketing": "#9DB9E0", "overhead": "#BBBBBB", "cogs": "#DA8BC3",
}
SOURCE_COLORS = {"paid": "#4C72B0", "content": "#64B5CD", "outbound": "#DD8452", "referral": "#55A868"}
STAGE_COLORS = dict(zip(STAGES, ("#4C72B0", "#64B5CD", "#DD8452", "#CCB974", "#8172B3", "#55A868")))
WORST, GOOD, BAD, NEUTRAL = "#C44E52", "#2E8B57", "#C44E52", "#8C8C8C"
SCENARIO_COLORS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C")

# which way is better, as the experiments judge it (headcount has no better direction: grey)
KPI_HIGHER_IS_BETTER = {k: d > 0 for k, d in KPI_DIRECTION.items() if d}
_STAT_COLUMNS = {"kpi", "mean", "std", "n", "ci95_low", "ci95_high", "p_value", "scenario", "arm"}
# the health thresholds a scenario gets when it sets none (health_distribution's defaults)
DEFAULT_HEALTHY = float(Customers.model_fields["healthy_threshold"].default)
DEFAULT_ACTIVE = float(Customers.model_fields["active_threshold"].default)


# ---- helpers ---------------------------------------------------------------------------------


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (Agg canvas; no display needed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def _unit_formatter(unit: str) -> FuncFormatter | PercentFormatter:
    if unit == "pct":
        return PercentFormatter(1.0)  # picks the decimals the axis range needs
    return FuncFormatter(lambda v, _: fmt(v, unit))


def _money_axis(ax: Any, axis: str = "y") -> None:
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(_unit_formatter("money"))


def _month_axis(ax: Any) -> None:
    ax.set_xlabel("month of the simulation")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, alpha=0.3)


def _one_scenario(df: pd.DataFrame, scenario: str | None, what: str) -> tuple[pd.DataFrame, str]:
    """Rows of one scenario: the one asked for, or the only one present."""
    if "scenario" not in df.columns:
        return df, scenario or ""
    names = list(dict.fromkeys(df["scenario"].astype(str)))
    if scenario is None:
        if len(names) > 1:
            raise ValueError(f"{what}: the data holds {len(names)} scenarios ({', '.join(names)}); pass scenario=")
        scenario = names[0] if names else ""
    elif scenario not in names:
        raise ValueError(f"{what}: no scenario {scenario!r} in the data (has {', '.join(names)})")
    return df[df["scenario"].astype(str) == scenario], scenario


def _wide(monthly: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One metric as month x replication."""
    m = monthly[monthly["metric"] == metric]
    if m.empty:
        raise ValueError(f"monthly data has no metric {metric!r}")
    return m.pivot_table(index="month", columns="replication", values="value", aggfunc="first").sort_index()


def _metrics_like(monthly: pd.DataFrame, prefix: str) -> list[str]:
    return sorted({m for m in monthly["metric"].unique() if str(m).startswith(prefix)})


def _n_reps(df: pd.DataFrame) -> int:
    return int(df["replication"].nunique()) if "replication" in df.columns else 1


def _fan(ax: Any, wide: pd.DataFrame, color: str, label: str, band: tuple[float, float]) -> None:
    q = wide.quantile([band[0], 0.5, band[1]], axis=1).T
    x = q.index.to_numpy()
    ax.fill_between(x, q[band[0]], q[band[1]], color=color, alpha=0.2, linewidth=0,
                    label=f"{label}: {band[0]:.0%}–{band[1]:.0%} of replications")
    ax.plot(x, q[0.5], color=color, linewidth=2, label=f"{label}: median")


def _subtitle(scenario: str, n: int) -> str:
    name = f"{scenario}, " if scenario else ""
    return f"{name}{n} replication{'s' if n != 1 else ''}"


def worst_stage(stages: pd.DataFrame) -> str | None:
    """The stage where work waits longest on average (the terminal report's bottleneck); None when
    no stage's mean wait reaches `NEGLIGIBLE_WAIT_HOURS`."""
    if stages.empty:
        return None
    waits = stages.groupby("stage", sort=False)["mean_wait_hours"].mean()
    if waits.max() < NEGLIGIBLE_WAIT_HOURS:
        return None
    return str(waits.idxmax())


# ---- run plots -------------------------------------------------------------------------------


def arr_fan(monthly: pd.DataFrame, metric: str = "arr", band: tuple[float, float] = (0.1, 0.9)) -> Figure:
    """ARR (or another money metric) over time: median and a band across replications, per scenario."""
    fig = Figure(figsize=(9, 5), layout="constrained")
    ax = fig.add_subplot()
    names = list(dict.fromkeys(monthly["scenario"].astype(str))) if "scenario" in monthly else [""]
    for i, name in enumerate(names):
        rows = monthly if name == "" else monthly[monthly["scenario"].astype(str) == name]
        _fan(ax, _wide(rows, metric), SCENARIO_COLORS[i % len(SCENARIO_COLORS)], name or metric, band)
    label = "ARR" if metric == "arr" else metric
    ax.set_title(f"{label} over time (median and {band[0]:.0%}–{band[1]:.0%} band of {_n_reps(monthly)} replications)")
    ax.set_ylabel(f"{label} (USD, end of month)")
    _money_axis(ax)
    _month_axis(ax)
    ax.legend(loc="upper left", fontsize="small")
    return fig


def arr_bridge(monthly: pd.DataFrame, scenario: str | None = None) -> Figure:
    """ARR waterfall over the horizon (means over replications): start + new + expansion − churn = end."""
    rows, scenario = _one_scenario(monthly, scenario, "arr_bridge")
    arr = _wide(rows, "arr")
    new, exp, churn = (_wide(rows, k) for k in ("new_arr", "expansion_arr", "churned_arr"))
    first = arr.index.min()
    start = float((arr.loc[first] - new.loc[first] - exp.loc[first] + churn.loc[first]).mean())
    steps = [("starting ARR", start, "total"), ("new", float(new.sum().mean()), "up"),
             ("expansion", float(exp.sum().mean()), "up"), ("churn", -float(churn.sum().mean()), "down")]
    end = float(arr.iloc[-1].mean())
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    level, colors = 0.0, {"total": "#4C72B0", "up": GOOD, "down": BAD}
    for i, (label, value, kind) in enumerate(steps):
        bottom = 0.0 if kind == "total" else (level if value >= 0 else level + value)
        ax.bar(i, abs(value), bottom=bottom, color=colors[kind], width=0.6)
        sign = "" if kind == "total" else ("+" if value >= 0 else "−")
        ax.annotate(f"{sign}{fmt(abs(value), 'money')}", (i, bottom + abs(value)), ha="center", va="bottom",
                    xytext=(0, 3), textcoords="offset points")
        level = value if kind == "total" else level + value
        ax.plot([i + 0.3, i + 0.7], [level, level], color="#555555", linewidth=0.8)
    ax.bar(len(steps), end, color="#4C72B0", width=0.6)
    ax.annotate(fmt(end, "money"), (len(steps), end), ha="center", va="bottom", xytext=(0, 3), textcoords="offset points")
    ax.set_xticks(range(len(steps) + 1), [s[0] for s in steps] + ["ending ARR"])
    ax.set_ylabel("ARR (USD)")
    _money_axis(ax)
    ax.grid(True, axis="y", alpha=0.3)
    months = len(arr.index)
    ax.set_title(f"ARR bridge over {months} months ({_subtitle(scenario, arr.shape[1])}, means)")
    ax.legend(handles=[Patch(color=colors["total"], label="ARR level"), Patch(color=GOOD, label="added"),
                       Patch(color=BAD, label="lost")], loc="upper left", fontsize="small")
    ax.set_ylim(0, max(start, end, level) * 1.12 or 1)
    return fig


def funnel(funnel_df: pd.DataFrame, scenario: str | None = None) -> Figure:
    """Leads to won deals with step conversions, and where leads, MQLs and SQLs come from."""
    rows, scenario = _one_scenario(funnel_df, scenario, "funnel")
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
    fig.suptitle(f"From lead to won deal — {_subtitle(scenario, _n_reps(rows))}")
    return fig


def headcount_and_cost(monthly: pd.DataFrame, role_departments: Mapping[str, str], scenario: str | None = None) -> Figure:
    """Headcount by department (stacked) and monthly cost by department against revenue (means)."""
    rows, scenario = _one_scenario(monthly, scenario, "headcount_and_cost")
    fig = Figure(figsize=(12, 5), layout="constrained")
    ax, ax2 = fig.subplots(1, 2)
    by_dept: dict[str, pd.Series] = {}
    for metric in _metrics_like(rows, "headcount."):
        role = metric.split(".", 1)[1]
        dept = role_departments.get(role, "other")
        s = _wide(rows, metric).mean(axis=1)
        by_dept[dept] = by_dept[dept] + s if dept in by_dept else s
    depts = [d for d in DEPARTMENTS if d in by_dept] + sorted(set(by_dept) - set(DEPARTMENTS))
    if depts:
        x = by_dept[depts[0]].index.to_numpy()
        ax.stackplot(x, *[by_dept[d].to_numpy() for d in depts], colors=[DEPARTMENT_COLORS.get(d, NEUTRAL) for d in depts],
                     labels=[f"{d} ({by_dept[d].iloc[-1]:.0f} at end)" for d in depts], alpha=0.9)
    ax.set_title("Headcount by department (mean, people)")
    ax.set_ylabel("people")
    _month_axis(ax)
    ax.legend(loc="upper left", fontsize="small")

    cost_parts = [(d, f"cost.{d}") for d in DEPARTMENTS] + [
        ("paid_marketing", "cost.paid_marketing"), ("overhead", "cost.overhead"), ("cogs", "cost.cogs")]
    present = [(label, m) for label, m in cost_parts if m in set(rows["metric"])]
    bottom = None
    for label, metric in present:
        s = _wide(rows, metric).mean(axis=1)
        x = s.index.to_numpy()
        ax2.bar(x, s.to_numpy(), bottom=bottom, color=DEPARTMENT_COLORS.get(label, NEUTRAL), width=0.85,
                label=label.replace("_", " ") + ("" if label in ("paid_marketing", "overhead", "cogs") else " people"))
        bottom = s.to_numpy() if bottom is None else bottom + s.to_numpy()
    if "revenue" in set(rows["metric"]):
        rev = _wide(rows, "revenue").mean(axis=1)
        ax2.plot(rev.index, rev.to_numpy(), color="black", linewidth=2, label="revenue")
    ax2.set_title("Monthly cost by department vs revenue (mean)")
    ax2.set_ylabel("USD per month")
    _money_axis(ax2)
    _month_axis(ax2)
    ax2.legend(loc="upper left", fontsize="small", ncol=2)
    fig.suptitle(f"People and cost — {_subtitle(scenario, _n_reps(rows))}")
    return fig


def bottlenecks(monthly: pd.DataFrame, stages: pd.DataFrame, scenario: str | None = None) -> Figure:
    """Where work waits: queue length by stage over time, mean/p90 wait and utilisation by stage.

    The worst stage (longest mean wait) is drawn in red in every panel.
    """
    rows, scenario = _one_scenario(monthly, scenario, "bottlenecks")
    st, _ = _one_scenario(stages, scenario if "scenario" in stages.columns else None, "bottlenecks")
    worst = worst_stage(st)
    table = st.groupby("stage", sort=False)[["mean_wait_hours", "p90_wait_hours", "utilization"]].mean()
    order = [s for s in STAGES if s in table.index] + [s for s in table.index if s not in STAGES]
    table = table.loc[order]
    fig = Figure(figsize=(13, 5), layout="constrained")
    ax, ax2, ax3 = fig.subplots(1, 3, width_ratios=[5, 3, 3])
    for stage in order:
        metric = f"queue.{stage}"
        if metric not in set(rows["metric"]):
            continue
        q = _wide(rows, metric).mean(axis=1)
        is_worst = stage == worst
        ax.plot(q.index, q.to_numpy(), color=WORST if is_worst else STAGE_COLORS.get(stage, NEUTRAL),
                linewidth=3 if is_worst else 1.3, alpha=1 if is_worst else 0.8,
                label=f"{stage}{' (bottleneck)' if is_worst else ''}", zorder=3 if is_worst else 2)
    ax.set_title("Tasks waiting at month end, by stage (mean)")
    ax.set_ylabel("tasks in queue")
    ax.set_ylim(bottom=0)
    _month_axis(ax)
    ax.legend(loc="upper left", fontsize="small")

    y = np.arange(len(order))
    colors = [WORST if s == worst else STAGE_COLORS.get(s, NEUTRAL) for s in order]
    mean_days = table["mean_wait_hours"].to_numpy() / 24
    p90_days = table["p90_wait_hours"].to_numpy() / 24
    ax2.barh(y, mean_days, color=colors, height=0.6)
    ax2.scatter(p90_days, y, marker="|", s=250, color="black", zorder=3)
    for yi, m, p in zip(y, mean_days, p90_days):
        ax2.annotate(f"{m:.1f} d (p90 {p:.1f})", (max(m, p), yi), xytext=(5, -4), textcoords="offset points", fontsize=8)
    ax2.set_xlim(0, max(float(np.nanmax(p90_days, initial=0.0)), float(np.nanmax(mean_days, initial=0.0)), 0.1) * 1.9)
    ax2.set_yticks(y, order)
    ax2.invert_yaxis()
    ax2.set_xlabel("days waiting for a free person")
    ax2.set_title("Wait per task (mean bar, p90 tick)")
    ax2.legend(handles=[Patch(color=NEUTRAL, label="mean wait"),
                        Line2D([], [], marker="|", markersize=12, color="black", linestyle="none", label="p90 wait")],
               loc="lower right", fontsize="small")
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
    head = f"Bottleneck: {worst}" if worst else "No stage makes work wait"
    fig.suptitle(f"{head} — where work waits ({_subtitle(scenario, _n_reps(st))})")
    return fig


def health(monthly: pd.DataFrame, scenario: str | None = None, band: tuple[float, float] = (0.1, 0.9)) -> Figure:
    """Health and activity rates and product maturity over time, and active customers."""
    rows, scenario = _one_scenario(monthly, scenario, "health")
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[3, 2])
    _fan(ax, _wide(rows, "health_rate"), "#55A868", "health rate", band)
    _fan(ax, _wide(rows, "activity_rate"), "#4C72B0", "activity rate", band)
    if "product_maturity" in set(rows["metric"]):
        pm = _wide(rows, "product_maturity").median(axis=1)
        ax.plot(pm.index, pm.to_numpy(), color="#8172B3", linestyle="--", label="product maturity (median)")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("share of active accounts (maturity: 0–100%)")
    ax.set_title("Healthy and active accounts")
    _month_axis(ax)
    ax.legend(loc="lower left", fontsize="small")
    _fan(ax2, _wide(rows, "customers"), "#DD8452", "customers", band)
    ax2.set_ylabel("active customers (accounts)")
    ax2.set_title("Customers")
    _month_axis(ax2)
    ax2.legend(loc="upper left", fontsize="small")
    fig.suptitle(f"Customer health — {_subtitle(scenario, _n_reps(rows))}")
    return fig


def health_bands(monthly: pd.DataFrame) -> list[tuple[str, float, float]]:
    """The `health_band.<k>` metrics present, in order, with each band's health range [low, high)."""
    ks = sorted(int(m.split(".", 1)[1]) for m in _metrics_like(monthly, "health_band.") if m.split(".", 1)[1].isdigit())
    return [(f"health_band.{k}", k / len(ks), (k + 1) / len(ks)) for k in ks]


def _mean_where(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Mean over the last axis (replications) of the entries where `ok`; 0 where none is."""
    n = ok.sum(axis=-1)
    return np.where(ok, values, 0.0).sum(axis=-1) / np.maximum(n, 1)


def health_distribution(
    monthly: pd.DataFrame, scenario: str | None = None, healthy_threshold: float | None = None,
    active_threshold: float | None = None, band: tuple[float, float] = (0.1, 0.9),
) -> Figure:
    """How customer health is spread: the share of active accounts in each health band over time
    (mean shares), and accounts per band at the last month (mean, with a band across replications).

    Needs the `health_band.<k>` monthly metrics (band k: health in [k/n, (k+1)/n)). The thresholds
    are the scenario's `customers.healthy_threshold` and `active_threshold`: pass the run's own
    (the report takes them from the manifest); without them the scenario defaults (0.6 and 0.3) are drawn.
    """
    rows, scenario = _one_scenario(monthly, scenario, "health_distribution")
    bands = health_bands(rows)
    if not bands:
        raise ValueError("monthly data has no health_band.* metrics (runs made before orgsim recorded them)")
    healthy = DEFAULT_HEALTHY if healthy_threshold is None else float(healthy_threshold)
    active = DEFAULT_ACTIVE if active_threshold is None else float(active_threshold)
    wides = [_wide(rows, m) for m, _, _ in bands]
    months = wides[0].index.to_numpy()
    counts = np.stack([w.to_numpy(dtype=float) for w in wides])  # band x month x replication
    total = counts.sum(axis=0)
    ok = total > 0  # replications with accounts that month
    shares = counts / np.where(ok, total, 1.0)
    mean_share = _mean_where(shares, ok)  # band x month; each month's shares add up to 1 (or 0: no accounts)
    colors = [to_hex(colormaps["RdYlGn"](0.05 + 0.9 * (lo + hi) / 2)) for _, lo, hi in bands]

    fig = Figure(figsize=(12, 4.8), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[3, 2])
    ax.stackplot(months, *mean_share, colors=colors, labels=[f"{lo:.1f}–{hi:.1f}" for _, lo, hi in bands], alpha=0.9)
    edges = [lo for _, lo, _ in bands]
    for thr, name, rate, style in ((active, "active", "activity_rate", ":"), (healthy, "healthy", "health_rate", "--")):
        # the share below a threshold: the stack's edge there, or 1 - the rate the model records for it
        at = [i for i, e in enumerate(edges) if np.isclose(e, thr)]
        if at:
            below = mean_share[: at[0]].sum(axis=0)
        elif rate in set(rows["metric"]):
            rates = _wide(rows, rate).reindex(index=wides[0].index, columns=wides[0].columns).to_numpy()
            below = _mean_where(1.0 - rates, ok)
        else:
            continue
        ax.plot(months, below, color="black", linestyle=style, linewidth=1.6,
                label=f"below the {name} threshold (health < {thr:g})")
    ax.set_ylim(0, 1)
    ax.set_xlim(months.min(), months.max())
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("share of active accounts (mean)")
    ax.set_title("Accounts by health band over time")
    _month_axis(ax)
    handles, names = ax.get_legend_handles_labels()
    k = len(bands)  # healthiest band first, as the stack reads from the top; then the threshold lines
    ax.legend(handles[:k][::-1] + handles[k:], names[:k][::-1] + names[k:], title="health", loc="center left",
              bbox_to_anchor=(1.0, 0.5), fontsize="small", title_fontsize="small")

    last = counts[:, -1, :]  # band x replication
    lo, hi = np.quantile(last, band[0], axis=1), np.quantile(last, band[1], axis=1)
    width = bands[0][2] - bands[0][1]
    centres = np.array([(b_lo + b_hi) / 2 for _, b_lo, b_hi in bands])
    ax2.bar(centres, last.mean(axis=1), width=width * 0.9, color=colors)
    spread = ax2.errorbar(centres, (lo + hi) / 2, yerr=(hi - lo) / 2, fmt="none", ecolor="black", capsize=3, linewidth=1)
    lines = [ax2.axvline(thr, color="black", linestyle=style, linewidth=1.6, label=f"{name} threshold ({thr:g})")
             for thr, name, style in ((active, "active", ":"), (healthy, "healthy", "--"))]
    ax2.legend(handles=[Patch(color=NEUTRAL, label="accounts, mean of replications"), spread, *lines],
               labels=["accounts, mean of replications", f"{band[0]:.0%}–{band[1]:.0%} of replications",
                       *(line.get_label() for line in lines)], loc="upper left", fontsize="small")
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("account health (0–1)")
    ax2.set_ylabel("active accounts in the band")
    ax2.set_title(f"Accounts by health at month {int(months[-1])}")
    ax2.grid(True, axis="y", alpha=0.3)
    fig.suptitle(f"Customer health distribution — {_subtitle(scenario, counts.shape[2])}")
    return fig


def runway_series(monthly: pd.DataFrame, cap: float = 120.0) -> pd.DataFrame:
    """Runway per month and replication: cash ÷ mean net burn of the last 3 months (the KPI's rule)."""
    cash = _wide(monthly, "cash")
    burn = (_wide(monthly, "cost.total") - _wide(monthly, "collections")).rolling(3, min_periods=1).mean()
    runway = (cash.clip(lower=0) / burn.where(burn > 0)).clip(upper=cap)
    return runway.where(burn > 0, cap)


def cash_runway(monthly: pd.DataFrame, scenario: str | None = None, band: tuple[float, float] = (0.1, 0.9)) -> Figure:
    """Cash over time, monthly net burn, and runway (months of cash at the recent burn)."""
    rows, scenario = _one_scenario(monthly, scenario, "cash_runway")
    fig = Figure(figsize=(10, 8.5), layout="constrained")
    ax, ax2, ax3 = fig.subplots(3, 1, sharex=True, height_ratios=[3, 2, 2])
    cash = _wide(rows, "cash")
    _fan(ax, cash, "#4C72B0", "cash", band)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("cash (USD, end of month)")
    _money_axis(ax)
    ax.set_title("Cash in the bank")
    ax.legend(loc="best", fontsize="small")
    ax.grid(True, alpha=0.3)

    burn = (_wide(rows, "cost.total") - _wide(rows, "collections")).mean(axis=1)
    ax2.bar(burn.index, burn.to_numpy(), color=[BAD if b > 0 else GOOD for b in burn], width=0.85)
    ax2.axhline(0, color="black", linewidth=0.8)
    ax2.set_ylabel("USD per month")
    _money_axis(ax2)
    ax2.set_title("Net burn: all costs − collections (mean; red = burning, green = cash-generating)")
    ax2.grid(True, alpha=0.3)

    runway = runway_series(rows)
    med = runway.median(axis=1)
    ax3.plot(med.index, med.to_numpy(), color="#8172B3", linewidth=2, label="runway (median)")
    ax3.axhline(12, color=WORST, linestyle=":", linewidth=1, label="12 months")
    ax3.set_ylim(0, 125)
    ax3.set_ylabel("months")
    ax3.set_title("Runway: cash ÷ mean net burn of the last 3 months (capped at 120)")
    _month_axis(ax3)
    ax3.legend(loc="best", fontsize="small")
    fig.suptitle(f"Cash and runway — {_subtitle(scenario, cash.shape[1])}")
    return fig


def run_figures(
    monthly: pd.DataFrame, stages: pd.DataFrame, funnel_df: pd.DataFrame, role_departments: Mapping[str, str],
    healthy_threshold: float | None = None, active_threshold: float | None = None,
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
        figs["health_distribution"] = health_distribution(monthly, healthy_threshold=healthy_threshold,
                                                          active_threshold=active_threshold)
    figs["cash_runway"] = cash_runway(monthly)
    return figs


# ---- experiment plots ------------------------------------------------------------------------


def _kpi_label(kpi: str) -> str:
    unit = unit_of(kpi)
    suffix = {"money": " (USD)", "pct": " (pp)", "months": " (months)"}.get(unit, "")
    return f"{KPI_LABELS.get(kpi, kpi)}{suffix}"


def _grid(fig: Figure, n: int, ncols: int) -> list[Any]:
    nrows = max(1, -(-n // ncols))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel().tolist()
    for extra in axes[n:]:
        extra.remove()
    return axes[:n]


def _ordered_kpis(values: Iterable[str], kpis: Sequence[str] | None) -> list[str]:
    present = list(dict.fromkeys(values))
    if kpis is not None:
        missing = [k for k in kpis if k not in present]
        if missing:
            raise ValueError(f"no rows for KPI {', '.join(missing)} (the data has {', '.join(present)})")
        return list(kpis)
    return [k for k in KPI_KEYS if k in present] + [k for k in present if k not in KPI_KEYS]


def differences_forest(diffs: pd.DataFrame, kpis: Sequence[str] | None = None, baseline: str | None = None) -> Figure:
    """Forest plot: each arm minus the baseline, per KPI, mean and 95% CI (one panel per KPI).

    Green: the CI excludes zero and the change is good; red: excludes zero and bad; grey: no
    clear difference. Input: columns arm, kpi, mean, ci95_low, ci95_high (`Comparison.differences()`).
    """
    diffs = diffs.dropna(subset=["mean"])
    keys = _ordered_kpis(diffs["kpi"], kpis)
    arms = list(dict.fromkeys(diffs["arm"].astype(str)))
    ncols = min(3, len(keys))
    nrows = -(-len(keys) // ncols)
    fig = Figure(figsize=(4.2 * ncols, nrows * (1.1 + 0.4 * len(arms)) + 0.8), layout="constrained")
    for ax, k in zip(_grid(fig, len(keys), ncols), keys):
        d = diffs[diffs["kpi"] == k].set_index("arm").reindex(arms)
        unit = unit_of(k)
        for i, arm in enumerate(arms):
            m, lo, hi = d.loc[arm, ["mean", "ci95_low", "ci95_high"]].astype(float)
            if not np.isfinite(m):
                continue
            lo, hi = (m, m) if not (np.isfinite(lo) and np.isfinite(hi)) else (lo, hi)
            clear = (lo > 0 or hi < 0) and k in KPI_HIGHER_IS_BETTER
            better = (m > 0) == KPI_HIGHER_IS_BETTER.get(k, True)
            color = (GOOD if better else BAD) if clear else NEUTRAL
            ax.errorbar(m, i, xerr=[[m - lo], [hi - m]], fmt="o", color=color, capsize=4)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(range(len(arms)), arms)
        ax.set_ylim(len(arms) - 0.5, -0.5)
        ax.xaxis.set_major_formatter(_unit_formatter(unit))
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.set_title(_kpi_label(k), fontsize=10)
        ax.grid(True, axis="x", alpha=0.3)
    base = f" − {baseline}" if baseline else " − baseline"
    fig.suptitle(f"Difference per KPI: arm{base} (mean and 95% CI of paired replications)\n"
                 "green = clearly better, red = clearly worse, grey = no clear difference (or neither is better, as for headcount)")
    return fig


def _order_label(order: Any) -> str:
    if isinstance(order, (list, tuple)):
        return " → ".join(map(str, order))
    text = str(order)
    for sep in (">", ",", "|"):
        if sep in text:
            return " → ".join(p.strip() for p in text.split(sep) if p.strip())
    return text


def focus_ranking(ranks: pd.DataFrame, kpi: str = "arr_end", top: int | None = None, goal: str | None = None) -> Figure:
    """Growth-stage focus orders ranked by one KPI, best at the top, with 95% CIs.

    Input: columns order, mean, ci95_low, ci95_high. The band is the best order's CI: orders whose
    interval reaches into it are not clearly worse than the best. `goal` ("max" or "min", as
    `focus(goal=...)`) overrides the KPI's own direction.
    """
    if goal not in (None, "max", "min"):
        raise ValueError(f"goal must be 'max' or 'min' (got {goal!r})")
    better_high = goal == "max" if goal else KPI_HIGHER_IS_BETTER.get(kpi, True)
    df = ranks.dropna(subset=["mean"]).sort_values("mean", ascending=not better_high).reset_index(drop=True)
    df["ci95_low"] = df["ci95_low"].fillna(df["mean"])
    df["ci95_high"] = df["ci95_high"].fillna(df["mean"])
    if top is not None:
        df = df.head(top)
    unit = unit_of(kpi)
    fig = Figure(figsize=(10, 1.2 + 0.32 * len(df)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(df))
    if len(df):
        best = df.iloc[0]
        ax.axvspan(best["ci95_low"], best["ci95_high"], color=GOOD, alpha=0.12, label="best order's 95% CI")
    for i, r in df.iterrows():
        color = GOOD if i == 0 else "#4C72B0"
        ax.errorbar(r["mean"], i, xerr=[[r["mean"] - r["ci95_low"]], [r["ci95_high"] - r["mean"]]], fmt="o",
                    color=color, capsize=3, markersize=5)
    ax.set_yticks(y, [f"{i + 1}. {_order_label(o)}" for i, o in enumerate(df["order"])])
    ax.set_ylim(len(df) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(_unit_formatter(unit))
    ax.set_xlabel(_kpi_label(kpi).replace(" (pp)", ""))
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    way = "highest" if better_high else "lowest"
    ax.set_title(f"Growth-stage focus orders ranked by {KPI_LABELS.get(kpi, kpi)} ({way} first; mean and 95% CI)")
    return fig


def _sort_values(values: Iterable[Any]) -> list[Any]:
    vals = list(dict.fromkeys(values))
    try:
        return sorted(vals)
    except TypeError:
        return vals


def sweep(results: pd.DataFrame, kpis: Sequence[str] | None = None) -> Figure:
    """A parameter sweep: response curves with 95% CI bands (one parameter) or heatmaps (two).

    Input: tidy rows with one column per swept parameter plus kpi, mean, ci95_low, ci95_high.
    One panel per KPI.
    """
    params = [c for c in results.columns if c not in _STAT_COLUMNS]
    if not 1 <= len(params) <= 2:
        raise ValueError(f"sweep plots draw one or two parameters; the data has {len(params)}: "
                         f"{', '.join(params) or 'none'} (filter it to fewer first)")
    keys = _ordered_kpis(results["kpi"], kpis)
    ncols = min(3, len(keys))
    nrows = -(-len(keys) // ncols)
    fig = Figure(figsize=(4.6 * ncols, 3.8 * nrows + 0.6), layout="constrained")
    for ax, k in zip(_grid(fig, len(keys), ncols), keys):
        d = results[results["kpi"] == k]
        unit = unit_of(k)
        if len(params) == 1:
            p = params[0]
            xs = _sort_values(d[p])
            d = d.set_index(p).loc[xs]
            numeric = all(isinstance(x, (int, float, np.number)) and not isinstance(x, bool) for x in xs)
            x = np.asarray(xs, dtype=float) if numeric else np.arange(len(xs))
            ax.fill_between(x, d["ci95_low"].astype(float), d["ci95_high"].astype(float), color="#4C72B0", alpha=0.2,
                            linewidth=0, label="95% CI")
            ax.plot(x, d["mean"].astype(float), "o-", color="#4C72B0", label="mean")
            if not numeric:
                ax.set_xticks(x, [str(v) for v in xs])
            elif all(float(v).is_integer() for v in xs):
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel(p)
            ax.yaxis.set_major_formatter(_unit_formatter(unit))
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize="small")
        else:
            px, py = params
            xs, ys = _sort_values(d[px]), _sort_values(d[py])
            grid = d.pivot_table(index=py, columns=px, values="mean", aggfunc="first").reindex(index=ys, columns=xs)
            im = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", origin="lower",
                           cmap="viridis" if KPI_HIGHER_IS_BETTER.get(k, True) else "viridis_r")
            ax.set_xticks(range(len(xs)), [str(v) for v in xs])
            ax.set_yticks(range(len(ys)), [str(v) for v in ys])
            ax.set_xlabel(px)
            ax.set_ylabel(py)
            finite = grid.to_numpy(dtype=float)
            mid = np.nanmean(finite) if np.isfinite(finite).any() else 0.0
            for (iy, ix), v in np.ndenumerate(finite):
                if np.isfinite(v):
                    ax.text(ix, iy, fmt(v, unit), ha="center", va="center", fontsize=8,
                            color="white" if (v < mid) == KPI_HIGHER_IS_BETTER.get(k, True) else "black")
            fig.colorbar(im, ax=ax, format=_unit_formatter(unit), shrink=0.85)
        ax.set_title(_kpi_label(k).replace(" (pp)", ""), fontsize=10)
    what = f"response to {params[0]}" if len(params) == 1 else f"{params[0]} × {params[1]} (mean; brighter = better)"
    fig.suptitle(f"Sweep: {what}")
    return fig


def _show_figures_inline_in_ipython() -> None:
    """In a Jupyter kernel, a returned Figure displays as a PNG even before `%matplotlib inline`.

    These figures are made without pyplot, so IPython knows no formatter for them; register one
    (only where none is registered, so a user's own setup wins).
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    ip = get_ipython()
    if ip is None:
        return
    png = ip.display_formatter.formatters["image/png"]
    try:
        png.lookup_by_type(Figure)
    except KeyError:
        png.for_type(Figure, png_bytes)


_show_figures_inline_in_ipython()
