"""What every plot shares: colours, axis formats, reshaping monthly data, PNG output.

Figures are built without pyplot, so they work under any backend and leave no global state.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from orgsim.metrics.registry import KPI_DIRECTION, fmt
from orgsim.names import STAGES
from orgsim.outputs.text import NEGLIGIBLE_WAIT_HOURS

__all__ = [
    "BAD",
    "DEPARTMENTS",
    "DEPARTMENT_COLORS",
    "GOOD",
    "KPI_HIGHER_IS_BETTER",
    "NEUTRAL",
    "SCENARIO_COLORS",
    "SOURCE_COLORS",
    "STAGE_COLORS",
    "WORST",
    "fan",
    "metrics_like",
    "money_axis",
    "month_axis",
    "n_reps",
    "one_scenario",
    "png_bytes",
    "show_figures_inline_in_ipython",
    "subtitle",
    "unit_formatter",
    "wide",
    "worst_stage",
]

DEPARTMENTS = ("product", "sales", "marketing", "service", "functional")
DEPARTMENT_COLORS = {
    "product": "#8172B3",
    "sales": "#DD8452",
    "marketing": "#4C72B0",
    "service": "#55A868",
    "functional": "#937860",
    "paid_marketing": "#9DB9E0",
    "overhead": "#BBBBBB",
    "cogs": "#DA8BC3",
    "commission": "#F0B27A",
}
SOURCE_COLORS = {"paid": "#4C72B0", "content": "#64B5CD", "outbound": "#DD8452", "referral": "#55A868"}
STAGE_COLORS = dict(zip(STAGES, ("#4C72B0", "#64B5CD", "#DD8452", "#CCB974", "#8172B3", "#55A868")))
WORST, GOOD, BAD, NEUTRAL = "#C44E52", "#2E8B57", "#C44E52", "#8C8C8C"
SCENARIO_COLORS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C")

# which way is better, as the experiments judge it (headcount has no better direction: grey)
KPI_HIGHER_IS_BETTER = {k: d > 0 for k, d in KPI_DIRECTION.items() if d}


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (Agg canvas; no display needed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def unit_formatter(unit: str) -> FuncFormatter | PercentFormatter:
    """A tick formatter for a unit: percent for shares, else orgsim's number format."""
    if unit == "pct":
        return PercentFormatter(1.0)  # picks the decimals the axis range needs
    return FuncFormatter(lambda v, _: fmt(v, unit))


def money_axis(ax: Any, axis: str = "y") -> None:
    """Format an axis in money ($1.2M)."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(unit_formatter("money"))


def month_axis(ax: Any) -> None:
    """The x axis of a monthly series."""
    ax.set_xlabel("month of the simulation")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, alpha=0.3)


def one_scenario(df: pd.DataFrame, scenario: str | None, what: str) -> tuple[pd.DataFrame, str]:
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


def wide(monthly: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One metric as month x replication."""
    m = monthly[monthly["metric"] == metric]
    if m.empty:
        raise ValueError(f"monthly data has no metric {metric!r}")
    return m.pivot_table(index="month", columns="replication", values="value", aggfunc="first").sort_index()


def metrics_like(monthly: pd.DataFrame, prefix: str) -> list[str]:
    """The monthly metrics whose name starts with `prefix`, sorted."""
    return sorted({m for m in monthly["metric"].unique() if str(m).startswith(prefix)})


def n_reps(df: pd.DataFrame) -> int:
    """How many replications a table holds."""
    return int(df["replication"].nunique()) if "replication" in df.columns else 1


def fan(ax: Any, wide: pd.DataFrame, color: str, label: str, band: tuple[float, float]) -> None:
    """A median line and a quantile band across replications."""
    q = wide.quantile([band[0], 0.5, band[1]], axis=1).T
    x = q.index.to_numpy()
    ax.fill_between(
        x,
        q[band[0]],
        q[band[1]],
        color=color,
        alpha=0.2,
        linewidth=0,
        label=f"{label}: {band[0]:.0%}–{band[1]:.0%} of replications",
    )
    ax.plot(x, q[0.5], color=color, linewidth=2, label=f"{label}: median")


def subtitle(scenario: str, n: int) -> str:
    """ "scenario, n replications" for a figure title."""
    name = f"{scenario}, " if scenario else ""
    return f"{name}{n} replication{'s' if n != 1 else ''}"


def worst_stage(stages: pd.DataFrame) -> str | None:
    """The stage where work waits longest on average (drawn in red); None when no stage's mean
    wait reaches `NEGLIGIBLE_WAIT_HOURS`. Whether it is called the bottleneck is `is_bottleneck`'s
    rule (its wait and utilisation both above their thresholds), as on the terminal."""
    if stages.empty:
        return None
    waits = stages.groupby("stage", sort=False)["mean_wait_hours"].mean()
    if waits.max() < NEGLIGIBLE_WAIT_HOURS:
        return None
    return str(waits.idxmax())


def show_figures_inline_in_ipython() -> None:
    """In a Jupyter kernel, a returned Figure displays as a PNG even before `%matplotlib inline`.

    These figures are made without pyplot, so IPython knows no formatter for them; register one
    (only where none is registered, so a user's own setup wins).
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    ip = get_ipython()
    formatter = getattr(ip, "display_formatter", None)  # None outside IPython; absent in Solara's server
    if formatter is None:
        return
    png = formatter.formatters["image/png"]
    try:
        png.lookup_by_type(Figure)
    except KeyError:
        png.for_type(Figure, png_bytes)
