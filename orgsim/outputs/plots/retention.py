"""Plots of retention: cohort curves and health-band transitions (`Results.to_dict()["retention"]`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from orgsim.outputs.plots.common import month_axis

__all__ = ["cohort_curves", "health_transitions"]

CURVES = (
    ("logo_retention", "Logo retention"),
    ("grr", "Gross ARR retention"),
    ("nrr", "Net ARR retention"),
)


def cohort_curves(curves: pd.DataFrame, title: str = "", min_accounts: float = 5.0) -> Figure:
    """Logo, gross and net ARR retention by months since signing, one line per signing cohort.

    Args:
        curves: `Results.cohort_curves()` (or `orgsim.experiments.retention_summary.cohort_frame`):
            cohort, month, accounts, logo_retention, grr, nrr.
        title: the scenario and replications, for the figure's title.
        min_accounts: ages where a cohort has fewer accounts observable (mean per replication) are
            not drawn (too few to read a rate from).
    """
    fig = Figure(figsize=(13, 4.6), layout="constrained")
    axes = fig.subplots(1, 3, sharex=True)
    cohorts = list(dict.fromkeys(curves["cohort"].astype(str)))
    later = [c for c in cohorts if c != "start"]
    cmap = colormaps["viridis"]
    for ax, (col, name) in zip(axes, CURVES):
        for c in cohorts:
            rows = curves[(curves["cohort"] == c) & (curves["accounts"] >= min_accounts)].dropna(subset=[col])
            if rows.empty:
                continue
            if c == "start":
                style = {"color": "black", "linewidth": 2.2, "label": "customers at start"}
            else:
                i = later.index(c)
                style = {"color": cmap(i / max(len(later) - 1, 1)), "linewidth": 1.2, "label": f"signed {c}"}
            ax.plot(rows["month"].to_numpy(), rows[col].to_numpy(), **style)
        ax.set_title(name)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        month_axis(ax)
        ax.set_xlabel("months since signing (start: since month 0)")
        ax.axhline(1.0, color="grey", linewidth=0.6, linestyle=":")
    axes[0].set_ylabel("share of the cohort's accounts / ARR at signing")
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside right center", fontsize="small", title="cohort (quarter of the run)")
    fig.suptitle("Retention by signing cohort" + (f" — {title}" if title else ""))
    return fig


def health_transitions(counts: Sequence[Sequence[float]], bands: Sequence[str], title: str = "") -> Figure:
    """Month-to-month moves between health bands, summed over the months (mean per replication).

    Colour: the share of each row (where the accounts of a band at one month end are at the next);
    numbers: accounts. The last row is accounts new to the books, the last column accounts that left
    them (churned).
    """
    m = np.asarray(counts, dtype=float)
    rows = m.sum(axis=1, keepdims=True)
    share = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
    fig = Figure(figsize=(9, 7.5), layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    n = len(bands)
    from_labels = [*bands[:-1], "new"]
    to_labels = [*bands[:-1], "churned"]
    ax.set_xticks(range(n), to_labels, rotation=45, ha="right")
    ax.set_yticks(range(n), from_labels)
    ax.set_xlabel("health band at the month end")
    ax.set_ylabel("health band at the previous month end")
    for i in range(n):
        for j in range(n):
            if m[i, j] >= 0.5:
                ax.text(j, i, f"{m[i, j]:,.0f}", ha="center", va="center", fontsize=7,
                        color="white" if share[i, j] > 0.6 else "black")  # fmt: skip
    fig.colorbar(im, ax=ax, label="share of the row", format=PercentFormatter(1.0))
    fig.suptitle("Health-band transitions, month to month" + (f" — {title}" if title else ""))
    return fig
