"""Plots of experiments: paired differences (compare), focus orders ranked (focus), a sweep's grid."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from orgsim.metrics.registry import KPI_KEYS, KPI_LABELS, fmt, unit_of
from orgsim.outputs.plots.common import (
    BAD,
    GOOD,
    KPI_HIGHER_IS_BETTER,
    NEUTRAL,
    unit_formatter,
)

__all__ = ["differences_forest", "focus_ranking", "is_categorical", "sorted_values", "sweep"]


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


_STAT_COLUMNS = {"kpi", "mean", "std", "n", "ci95_low", "ci95_high", "p_value", "scenario", "arm"}


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
            m, lo, hi = d.loc[arm, ["mean", "ci95_low", "ci95_high"]].to_numpy(dtype=float)
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
        ax.xaxis.set_major_formatter(unit_formatter(unit))
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.set_title(_kpi_label(k), fontsize=10)
        ax.grid(True, axis="x", alpha=0.3)
    base = f" − {baseline}" if baseline else " − baseline"
    fig.suptitle(
        f"Difference per KPI: arm{base} (mean and 95% CI of paired replications)\n"
        "green = clearly better, red = clearly worse, "
        "grey = no clear difference (or neither is better, as for headcount)"
    )
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
    for i, (_, r) in enumerate(df.iterrows()):  # the index is 0..n-1 (reset above): i is the row's position
        color = GOOD if i == 0 else "#4C72B0"
        ax.errorbar(
            r["mean"],
            i,
            xerr=[[r["mean"] - r["ci95_low"]], [r["ci95_high"] - r["mean"]]],
            fmt="o",
            color=color,
            capsize=3,
            markersize=5,
        )
    ax.set_yticks(y, [f"{i + 1}. {_order_label(o)}" for i, o in enumerate(df["order"])])
    ax.set_ylim(len(df) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(unit_formatter(unit))
    ax.set_xlabel(_kpi_label(kpi).replace(" (pp)", ""))
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    way = "highest" if better_high else "lowest"
    ax.set_title(f"Growth-stage focus orders ranked by {KPI_LABELS.get(kpi, kpi)} ({way} first; mean and 95% CI)")
    return fig


def is_categorical(values: Iterable[Any]) -> bool:
    """True when some value is not a number (roles, ownership modes, focus orders): categories
    keep the order the user gave them and are never read as a scale or a trend."""
    return not all(isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)) for v in values)


def sorted_values(values: Iterable[Any]) -> list[Any]:
    """Distinct values of a sweep axis: numbers sorted; categories as first seen (the user's order
    in a sweep's table, whose rows follow the grid)."""
    vals = list(dict.fromkeys(values))
    if is_categorical(vals):
        return vals
    return sorted(vals)


def sweep(
    results: pd.DataFrame, kpis: Sequence[str] | None = None, baseline: Mapping[str, float] | None = None
) -> Figure:
    """A parameter sweep: response curves with 95% CI bands (one parameter; dots with CI whiskers
    for categories) or heatmaps (two).

    Input: tidy rows with one column per swept parameter plus kpi, mean, ci95_low, ci95_high.
    One panel per KPI. `baseline`: KPI -> the scenario's mean as written, drawn as a dashed line
    (one-parameter panels).
    """
    params = [c for c in results.columns if c not in _STAT_COLUMNS]
    if not 1 <= len(params) <= 2:
        raise ValueError(
            f"sweep plots draw one or two parameters; the data has {len(params)}: "
            f"{', '.join(params) or 'none'} (filter it to fewer first)"
        )
    keys = _ordered_kpis(results["kpi"], kpis)
    ncols = min(3, len(keys))
    nrows = -(-len(keys) // ncols)
    fig = Figure(figsize=(4.6 * ncols, 3.8 * nrows + 0.6), layout="constrained")
    for ax, k in zip(_grid(fig, len(keys), ncols), keys):
        d = results[results["kpi"] == k]
        unit = unit_of(k)
        if len(params) == 1:
            p = params[0]
            xs = sorted_values(d[p])
            d = d.set_index(p).loc[xs]
            numeric = not is_categorical(xs)
            x = np.asarray(xs, dtype=float) if numeric else np.arange(len(xs))
            mean, lo, hi = (d[c].astype(float).to_numpy() for c in ("mean", "ci95_low", "ci95_high"))
            if numeric:
                ax.fill_between(x, lo, hi, color="#4C72B0", alpha=0.2, linewidth=0, label="95% CI")
                ax.plot(x, mean, "o-", color="#4C72B0", label="mean")
            else:  # categories: dots with whiskers, no line (no order between them to draw)
                err = np.vstack([np.clip(mean - lo, 0, None), np.clip(hi - mean, 0, None)])
                ax.errorbar(x, mean, yerr=err, fmt="o", color="#4C72B0", capsize=4, label="mean and 95% CI")
                ax.set_xticks(x, [str(v) for v in xs])
                ax.set_xlim(-0.5, len(xs) - 0.5)
            if numeric and all(float(v).is_integer() for v in xs):
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if baseline and baseline.get(k) is not None:
                ax.axhline(baseline[k], color="#888", ls="--", lw=1, label="as written")
            ax.set_xlabel(p)
            ax.yaxis.set_major_formatter(unit_formatter(unit))
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize="small")
        else:
            px, py = params
            xs, ys = sorted_values(d[px]), sorted_values(d[py])
            grid = d.pivot_table(index=py, columns=px, values="mean", aggfunc="first").reindex(index=ys, columns=xs)
            im = ax.imshow(
                grid.to_numpy(dtype=float),
                aspect="auto",
                origin="lower",
                cmap="viridis" if KPI_HIGHER_IS_BETTER.get(k, True) else "viridis_r",
            )
            ax.set_xticks(range(len(xs)), [str(v) for v in xs])
            ax.set_yticks(range(len(ys)), [str(v) for v in ys])
            ax.set_xlabel(px)
            ax.set_ylabel(py)
            finite = grid.to_numpy(dtype=float)
            mid = np.nanmean(finite) if np.isfinite(finite).any() else 0.0
            for (iy, ix), v in np.ndenumerate(finite):
                if np.isfinite(v):
                    ax.text(
                        ix,
                        iy,
                        fmt(v, unit),
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if (v < mid) == KPI_HIGHER_IS_BETTER.get(k, True) else "black",
                    )
            fig.colorbar(im, ax=ax, format=unit_formatter(unit), shrink=0.85)
        ax.set_title(_kpi_label(k).replace(" (pp)", ""), fontsize=10)
    what = f"response to {params[0]}" if len(params) == 1 else f"{params[0]} × {params[1]} (mean; brighter = better)"
    fig.suptitle(f"Sweep: {what}")
    return fig
