"""Plots of customers and cash: health over time and its distribution, cash, burn and runway."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from orgsim.outputs.plots.common import (
    BAD,
    GOOD,
    NEUTRAL,
    WORST,
    fan,
    metrics_like,
    money_axis,
    month_axis,
    n_reps,
    one_scenario,
    subtitle,
    wide,
)
from orgsim.scenario import Customers

__all__ = ["cash_runway", "health", "health_bands", "health_distribution", "runway_series"]

# the health thresholds a scenario gets when it sets none (health_distribution's defaults)
DEFAULT_HEALTHY = float(Customers.model_fields["healthy_threshold"].default)
DEFAULT_ACTIVE = float(Customers.model_fields["active_threshold"].default)


def health(monthly: pd.DataFrame, scenario: str | None = None, band: tuple[float, float] = (0.1, 0.9)) -> Figure:
    """Health and activity rates and product maturity over time, and active customers."""
    rows, scenario = one_scenario(monthly, scenario, "health")
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[3, 2])
    fan(ax, wide(rows, "health_rate"), "#55A868", "health rate", band)
    fan(ax, wide(rows, "activity_rate"), "#4C72B0", "activity rate", band)
    if "product_maturity" in set(rows["metric"]):
        pm = wide(rows, "product_maturity").median(axis=1)
        ax.plot(pm.index, pm.to_numpy(), color="#8172B3", linestyle="--", label="product maturity (median)")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("share of active accounts (maturity: 0–100%)")
    ax.set_title("Healthy and active accounts")
    month_axis(ax)
    ax.legend(loc="lower left", fontsize="small")
    fan(ax2, wide(rows, "customers"), "#DD8452", "customers", band)
    ax2.set_ylabel("active customers (accounts)")
    ax2.set_title("Customers")
    month_axis(ax2)
    ax2.legend(loc="upper left", fontsize="small")
    fig.suptitle(f"Customer health — {subtitle(scenario, n_reps(rows))}")
    return fig


def health_bands(monthly: pd.DataFrame) -> list[tuple[str, float, float]]:
    """The `health_band.<k>` metrics present, in order, with each band's health range [low, high)."""
    ks = sorted(int(m.split(".", 1)[1]) for m in metrics_like(monthly, "health_band.") if m.split(".", 1)[1].isdigit())
    return [(f"health_band.{k}", k / len(ks), (k + 1) / len(ks)) for k in ks]


def _mean_where(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Mean over the last axis (replications) of the entries where `ok`; 0 where none is."""
    n = ok.sum(axis=-1)
    return np.where(ok, values, 0.0).sum(axis=-1) / np.maximum(n, 1)


def health_distribution(
    monthly: pd.DataFrame,
    scenario: str | None = None,
    healthy_threshold: float | None = None,
    active_threshold: float | None = None,
    band: tuple[float, float] = (0.1, 0.9),
) -> Figure:
    # Over 60 lines: one figure of two panels that share the bands and thresholds computed first; a
    # matplotlib figure reads best as one sequence of calls.
    """How customer health is spread: the share of active accounts in each health band over time
    (mean shares), and accounts per band at the last month (mean, with a band across replications).

    Needs the `health_band.<k>` monthly metrics (band k: health in [k/n, (k+1)/n)). The thresholds
    are the scenario's `customers.healthy_threshold` and `active_threshold`: pass the run's own
    (the report takes them from the manifest); without them the scenario defaults (0.6 and 0.3) are drawn.
    """
    rows, scenario = one_scenario(monthly, scenario, "health_distribution")
    bands = health_bands(rows)
    if not bands:
        raise ValueError("monthly data has no health_band.* metrics (runs made before orgsim recorded them)")
    healthy = DEFAULT_HEALTHY if healthy_threshold is None else float(healthy_threshold)
    active = DEFAULT_ACTIVE if active_threshold is None else float(active_threshold)
    wides = [wide(rows, m) for m, _, _ in bands]
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
            rates = wide(rows, rate).reindex(index=wides[0].index, columns=wides[0].columns).to_numpy()
            below = _mean_where(1.0 - rates, ok)
        else:
            continue
        ax.plot(
            months,
            below,
            color="black",
            linestyle=style,
            linewidth=1.6,
            label=f"below the {name} threshold (health < {thr:g})",
        )
    ax.set_ylim(0, 1)
    ax.set_xlim(months.min(), months.max())
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("share of active accounts (mean)")
    ax.set_title("Accounts by health band over time")
    month_axis(ax)
    handles, names = ax.get_legend_handles_labels()
    k = len(bands)  # healthiest band first, as the stack reads from the top; then the threshold lines
    ax.legend(
        handles[:k][::-1] + handles[k:],
        names[:k][::-1] + names[k:],
        title="health",
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
        fontsize="small",
        title_fontsize="small",
    )

    last = counts[:, -1, :]  # band x replication
    lo, hi = np.quantile(last, band[0], axis=1), np.quantile(last, band[1], axis=1)
    width = bands[0][2] - bands[0][1]
    centres = np.array([(b_lo + b_hi) / 2 for _, b_lo, b_hi in bands])
    ax2.bar(centres, last.mean(axis=1), width=width * 0.9, color=colors)
    spread = ax2.errorbar(
        centres, (lo + hi) / 2, yerr=(hi - lo) / 2, fmt="none", ecolor="black", capsize=3, linewidth=1
    )
    lines = [
        ax2.axvline(thr, color="black", linestyle=style, linewidth=1.6, label=f"{name} threshold ({thr:g})")
        for thr, name, style in ((active, "active", ":"), (healthy, "healthy", "--"))
    ]
    ax2.legend(
        handles=[Patch(color=NEUTRAL, label="accounts, mean of replications"), spread, *lines],
        labels=[
            "accounts, mean of replications",
            f"{band[0]:.0%}–{band[1]:.0%} of replications",
            *(line.get_label() for line in lines),
        ],
        loc="upper left",
        fontsize="small",
    )
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("account health (0–1)")
    ax2.set_ylabel("active accounts in the band")
    ax2.set_title(f"Accounts by health at month {int(months[-1])}")
    ax2.grid(True, axis="y", alpha=0.3)
    fig.suptitle(f"Customer health distribution — {subtitle(scenario, counts.shape[2])}")
    return fig


def runway_series(monthly: pd.DataFrame, cap: float = 120.0) -> pd.DataFrame:
    """Runway per month and replication: cash ÷ mean net burn of the last 3 months (the KPI's rule)."""
    cash = wide(monthly, "cash")
    burn = (wide(monthly, "cost.total") - wide(monthly, "collections")).rolling(3, min_periods=1).mean()
    runway = (cash.clip(lower=0) / burn.where(burn > 0)).clip(upper=cap)
    return runway.where(burn > 0, cap)


def cash_runway(monthly: pd.DataFrame, scenario: str | None = None, band: tuple[float, float] = (0.1, 0.9)) -> Figure:
    """Cash over time, monthly net burn, and runway (months of cash at the recent burn)."""
    rows, scenario = one_scenario(monthly, scenario, "cash_runway")
    fig = Figure(figsize=(10, 8.5), layout="constrained")
    ax, ax2, ax3 = fig.subplots(3, 1, sharex=True, height_ratios=[3, 2, 2])
    cash = wide(rows, "cash")
    fan(ax, cash, "#4C72B0", "cash", band)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("cash (USD, end of month)")
    money_axis(ax)
    ax.set_title("Cash in the bank")
    ax.legend(loc="best", fontsize="small")
    ax.grid(True, alpha=0.3)

    burn = (wide(rows, "cost.total") - wide(rows, "collections")).mean(axis=1)
    ax2.bar(burn.index, burn.to_numpy(), color=[BAD if b > 0 else GOOD for b in burn], width=0.85)
    ax2.axhline(0, color="black", linewidth=0.8)
    ax2.set_ylabel("USD per month")
    money_axis(ax2)
    ax2.set_title("Net burn: all costs − collections (mean; red = burning, green = cash-generating)")
    ax2.grid(True, alpha=0.3)

    runway = runway_series(rows)
    med = runway.median(axis=1)
    ax3.plot(med.index, med.to_numpy(), color="#8172B3", linewidth=2, label="runway (median)")
    ax3.axhline(12, color=WORST, linestyle=":", linewidth=1, label="12 months")
    ax3.set_ylim(0, 125)
    ax3.set_ylabel("months")
    ax3.set_title("Runway: cash ÷ mean net burn of the last 3 months (capped at 120)")
    month_axis(ax3)
    ax3.legend(loc="best", fontsize="small")
    fig.suptitle(f"Cash and runway — {subtitle(scenario, cash.shape[1])}")
    return fig
