"""Every plot renders from a real (small) result, and shows what its title says it shows.

Assertions look inside the Figure: axes, titles, lines, bars, labels and the numbers the bars
carry, compared with the results they were drawn from.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure
from plots_support import ROOT

from orgsim.metrics import KPI_KEYS
from orgsim.outputs import plots
from orgsim.outputs.text import bottleneck, longest_wait

PNG = b"\x89PNG\r\n\x1a\n"


def texts(fig: Figure) -> str:
    """Every title, label, tick label, legend entry and text of a figure, joined."""
    parts = [fig.get_suptitle()]
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        parts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels() + ax.texts]
        if ax.get_legend():
            parts += [t.get_text() for t in ax.get_legend().get_texts()]
    return "\n".join(parts)


def legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def bars(ax) -> list:
    return [p for c in ax.containers if isinstance(c, BarContainer) for p in c.patches]


def renders(fig: Figure) -> None:
    data = plots.png_bytes(fig, dpi=40)
    assert data.startswith(PNG) and len(data) > 5_000


def test_arr_fan_one_scenario(result):
    fig = plots.arr_fan(result.monthly)
    (ax,) = fig.axes
    assert "ARR over time" in ax.get_title() and "2 replications" in ax.get_title()
    assert len(ax.lines) == 1 and len(ax.collections) == 1  # median line and 10-90% band
    assert legend(ax) == ["series-a: 10%–90% of replications", "series-a: median"]
    assert "USD" in ax.get_ylabel() and ax.get_xlabel() == "month of the simulation"
    median = np.median(
        result.monthly.query("metric == 'arr'").pivot(index="month", columns="replication", values="value"), axis=1
    )
    np.testing.assert_allclose(ax.lines[0].get_ydata(), median)
    assert ax.yaxis.get_major_formatter()(2_500_000, 0) == "$2.50M"
    renders(fig)


def test_arr_fan_overlays_scenarios(comparison):
    fig = plots.arr_fan(pd.concat([a.monthly for a in comparison.arms]))
    (ax,) = fig.axes
    assert len(ax.lines) == 2 and len(ax.collections) == 2
    assert {to_hex(line.get_color()) for line in ax.lines} == {"#4c72b0", "#dd8452"}
    assert [t for t in legend(ax) if t.endswith("median")] == ["series-a: median", "no-sdr: median"]


def test_arr_bridge_adds_up(result):
    fig = plots.arr_bridge(result.monthly)
    (ax,) = fig.axes
    assert "ARR bridge over 12 months" in ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["starting ARR", "new", "expansion", "churn", "ending ARR"]
    heights = [p.get_height() for p in bars(ax)]
    assert len(heights) == 5
    start, new, expansion, churn, end = heights
    kpis = result.kpis.mean(numeric_only=True)
    assert new == pytest.approx(kpis["new_arr"]) and expansion == pytest.approx(kpis["expansion_arr"])
    assert churn == pytest.approx(kpis["churned_arr"]) and end == pytest.approx(kpis["arr_end"])
    assert start + new + expansion - churn == pytest.approx(end)
    assert legend(ax) == ["ARR level", "added", "lost"]
    renders(fig)


def test_arr_bridge_needs_one_scenario(comparison):
    both = pd.concat([a.monthly for a in comparison.arms])
    with pytest.raises(ValueError, match="2 scenarios .*pass scenario="):
        plots.arr_bridge(both)
    (ax,) = plots.arr_bridge(both, scenario="no-sdr").axes
    assert "no-sdr" in ax.get_title()


def test_funnel_counts_conversions_and_sources(result):
    fig = plots.funnel(result.funnel)
    ax, ax2 = fig.axes
    widths = [p.get_width() for p in bars(ax)]
    means = result.funnel[["leads", "mql", "sql", "opportunities", "won"]].mean()
    np.testing.assert_allclose(widths, means.to_numpy())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["leads", "MQL", "SQL", "opportunities", "won"]
    mql_text = next(t.get_text() for t in ax.texts if " MQL " in t.get_text())
    assert f"{means['mql'] / means['leads']:.1%} of leads" in mql_text
    # right: four sources stacked to 100% at leads, MQL and SQL
    assert len(bars(ax2)) == 12
    tops = {}
    for p in bars(ax2):
        x = round(p.get_x() + p.get_width() / 2)
        tops[x] = max(tops.get(x, 0), p.get_y() + p.get_height())
    assert tops == pytest.approx({0: 1.0, 1: 1.0, 2: 1.0})
    labels = legend(ax2)
    assert len(labels) == 4 and labels[0].startswith("paid: ") and "outbound: " in labels[2]
    assert "lead → won" in ax.get_title() and "by source" in ax2.get_title()
    renders(fig)


def test_headcount_and_cost(result, departments):
    fig = plots.headcount_and_cost(result.monthly, departments)
    ax, ax2 = fig.axes
    assert ax.get_title() == "Headcount by department (mean, people)"
    assert len(ax.collections) == 5  # product, sales, marketing, service, functional stacked
    assert [t.split(" (")[0] for t in legend(ax)] == ["product", "sales", "marketing", "service", "functional"]
    top = ax.collections[-1].get_paths()[0].vertices[:, 1].max()
    end = result.monthly.query("metric == 'headcount'").groupby("month")["value"].mean()
    assert top == pytest.approx(end.max())
    # right: 8 cost categories (9 with commission, as in series-a) x 12 months of bars, and revenue as a line
    categories = 8 + ("cost.commission" in set(result.monthly["metric"]))
    assert len(bars(ax2)) == categories * 12
    assert [line.get_label() for line in ax2.lines] == ["revenue"]
    assert ax2.get_ylabel() == "USD per month"
    stacked = max(p.get_y() + p.get_height() for p in bars(ax2) if round(p.get_x() + p.get_width() / 2) == 12)
    total = result.monthly.query("metric == 'cost.total' and month == 12")["value"].mean()
    assert stacked == pytest.approx(total, rel=1e-6)  # the parts add up to cost.total
    renders(fig)


def test_bottlenecks_highlight_the_worst_stage(result):
    fig = plots.bottlenecks(result.monthly, result.stages)
    ax, ax2, ax3 = fig.axes
    # red: the longest wait, labelled "bottleneck" only above both thresholds (here presales is the
    # bottleneck and sales, at 72% utilisation, waits longest)
    worst = longest_wait(result.to_dict())
    word = "bottleneck" if bottleneck(result.to_dict()) == worst else "longest wait"
    assert worst is not None and plots.worst_stage(result.stages) == worst
    assert fig.get_suptitle().startswith(f"{word.capitalize()}: {worst}")
    assert len(ax.lines) == 6
    thick = [line for line in ax.lines if line.get_linewidth() == 3]
    assert [line.get_label() for line in thick] == [f"{worst} ({word})"]
    assert to_hex(thick[0].get_color()) == plots.WORST.lower()
    assert [t.get_text() for t in ax2.get_yticklabels()] == list(plots.STAGES)
    for axis, column, scale in ((ax2, "mean_wait_hours", 1 / 24), (ax3, "utilization", 1.0)):
        bs = bars(axis)
        assert len(bs) == 6
        red = [s for s, b in zip(plots.STAGES, bs) if to_hex(b.get_facecolor()) == plots.WORST.lower()]
        assert red == [worst]
        expected = result.stages.groupby("stage")[column].mean().reindex(plots.STAGES) * scale
        np.testing.assert_allclose([b.get_width() for b in bs], expected.to_numpy())
    assert ax2.get_xlabel() == "days waiting for a free person" and ax3.get_title() == "Utilisation"
    renders(fig)


def test_health(result):
    fig = plots.health(result.monthly)
    ax, ax2 = fig.axes
    assert ax.get_title() == "Healthy and active accounts" and ax2.get_title() == "Customers"
    assert [line.get_label() for line in ax.lines] == [
        "health rate: median",
        "activity rate: median",
        "product maturity (median)",
    ]
    assert len(ax.collections) == 2 and ax.get_ylim() == (0, 1.05)
    assert ax.yaxis.get_major_formatter()(0.5, 0) == "50%"
    assert len(ax2.lines) == 1 and "customers" in ax2.get_ylabel()
    renders(fig)


def _bands(monthly: pd.DataFrame, month: int | None = None) -> pd.DataFrame:
    """health_band.0..9 as columns, one row per (replication, month)."""
    rows = monthly[monthly["metric"].str.startswith("health_band.")]
    if month is not None:
        rows = rows[rows["month"] == month]
    wide = rows.pivot_table(index=["replication", "month"], columns="metric", values="value")
    return wide[[f"health_band.{k}" for k in range(10)]]


def test_health_bands_split_the_customers(result):
    """Every month of a real run, the bands add up to the customers, and the accounts at or above a
    threshold on a band edge (0.3, 0.6) are the ones the rates count."""
    bands = _bands(result.monthly)
    assert len(bands) == 2 * 12 and (bands.to_numpy() >= 0).all()
    other = result.monthly.pivot_table(index=["replication", "month"], columns="metric", values="value").loc[
        bands.index
    ]
    np.testing.assert_array_equal(bands.sum(axis=1), other["customers"])
    assert (other["customers"] > 0).all()
    np.testing.assert_allclose(bands.iloc[:, 3:].sum(axis=1) / other["customers"], other["activity_rate"], rtol=1e-12)
    np.testing.assert_allclose(bands.iloc[:, 6:].sum(axis=1) / other["customers"], other["health_rate"], rtol=1e-12)
    assert bands.iloc[:, :6].to_numpy().sum() > 0  # not every account healthy: the bands do discriminate


def test_health_bands_invariant_catches_a_miscount():
    from plots_support import load

    from orgsim.engine import run_replication
    from orgsim.invariants import violations

    rec = run_replication(load(), 1, 0)
    assert violations(rec) == []
    rec.monthly["health_band.9"][5] += 1
    assert violations(rec) == ["monthly health_band.* do not add up to customers"]


def test_health_distribution(result):
    fig = plots.health_distribution(result.monthly, healthy_threshold=0.6, active_threshold=0.3)
    ax, ax2 = fig.axes
    assert fig.get_suptitle() == "Customer health distribution — series-a, 2 replications"
    assert ax.get_title() == "Accounts by health band over time" and ax2.get_title() == "Accounts by health at month 12"
    # left: ten stacked bands, healthiest first in the legend, then the two thresholds
    assert len(ax.collections) == 10
    assert legend(ax) == [f"0.{k}–{(k + 1) / 10:.1f}" for k in range(9, -1, -1)] + [
        "below the active threshold (health < 0.3)",
        "below the healthy threshold (health < 0.6)",
    ]
    assert ax.get_ylim() == (0, 1) and ax.yaxis.get_major_formatter()(0.25, 0) == "25%"
    top = ax.collections[-1].get_paths()[0].vertices[:, 1]
    assert top.max() == pytest.approx(1.0)  # the mean shares fill the whole column
    rates = result.monthly.pivot_table(index="month", columns="metric", values="value", aggfunc="mean")
    active, healthy = ax.lines
    np.testing.assert_allclose(active.get_ydata(), 1 - rates["activity_rate"], atol=1e-12)
    np.testing.assert_allclose(healthy.get_ydata(), 1 - rates["health_rate"], atol=1e-12)
    # right: mean accounts per band at the last month, the 10-90% range, the thresholds
    last = _bands(result.monthly, month=12)
    heights = [b.get_height() for b in bars(ax2)]
    np.testing.assert_allclose(heights, last.mean().to_numpy())
    (eb,) = [c for c in ax2.containers if isinstance(c, ErrorbarContainer)]
    segs = eb.lines[2][0].get_segments()
    np.testing.assert_allclose([s[0][1] for s in segs], last.quantile(0.1).to_numpy())
    np.testing.assert_allclose([s[1][1] for s in segs], last.quantile(0.9).to_numpy())
    assert [line.get_xdata()[0] for line in ax2.lines if "threshold" in line.get_label()] == [0.3, 0.6]
    assert legend(ax2) == [
        "accounts, mean of replications",
        "10%–90% of replications",
        "active threshold (0.3)",
        "healthy threshold (0.6)",
    ]
    assert ax2.get_xlabel() == "account health (0–1)" and ax2.get_xlim() == (0, 1)
    renders(fig)


def test_health_distribution_thresholds_off_the_band_edges(result):
    """A threshold between band edges is drawn from the rate the model recorded for it."""
    fig = plots.health_distribution(result.monthly, healthy_threshold=0.65)
    ax, ax2 = fig.axes
    assert [line.get_label() for line in ax.lines] == [
        "below the active threshold (health < 0.3)",
        "below the healthy threshold (health < 0.65)",
    ]
    rate = result.monthly.query("metric == 'health_rate'").groupby("month")["value"].mean()
    np.testing.assert_allclose(ax.lines[1].get_ydata(), 1 - rate, atol=1e-12)
    assert [line.get_xdata()[0] for line in ax2.lines if "threshold" in line.get_label()] == [0.3, 0.65]


def test_health_distribution_skipped_without_bands(result, departments):
    """Older run directories have no health bands: the plot says so, run_figures leaves it out."""
    old = result.monthly[~result.monthly["metric"].str.startswith("health_band.")]
    with pytest.raises(ValueError, match="no health_band"):
        plots.health_distribution(old)
    figs = plots.run_figures(old, result.stages, result.funnel, departments)
    assert list(figs) == ["arr_fan", "arr_bridge", "funnel", "headcount_cost", "bottlenecks", "health", "cash_runway"]


def test_cash_and_runway(result):
    fig = plots.cash_runway(result.monthly)
    ax, ax2, ax3 = fig.axes
    assert [a.get_title() for a in fig.axes] == [
        "Cash in the bank",
        "Net burn: all costs − collections (mean; red = burning, green = cash-generating)",
        "Runway: cash ÷ mean net burn of the last 3 months (capped at 120)",
    ]
    assert len(bars(ax2)) == 12 and ax3.get_ylabel() == "months"
    # the last month's runway is the runway_months KPI, replication by replication
    runway = plots.runway_series(result.monthly)
    np.testing.assert_allclose(runway.iloc[-1].to_numpy(), result.kpis["runway_months"].to_numpy())
    assert (runway.to_numpy() <= 120).all()
    renders(fig)


def test_run_figures_are_the_report_plots(result, departments):
    figs = plots.run_figures(result.monthly, result.stages, result.funnel, departments)
    assert list(figs) == [
        "arr_fan",
        "arr_bridge",
        "funnel",
        "headcount_cost",
        "bottlenecks",
        "health",
        "health_distribution",
        "cash_runway",
    ]
    assert all(isinstance(f, Figure) for f in figs.values())


def test_differences_forest(comparison):
    diffs = comparison.differences()
    assert {"arm", "kpi", "mean", "ci95_low", "ci95_high"} <= set(diffs.columns)
    fig = plots.differences_forest(diffs, baseline="series-a")
    # one panel per KPI with a difference (quota_attainment is undefined without a quota, dso_days
    # and bad_debt without company.collections, ae_to_sdr_ratio in the arm with no SDR)
    keys = [k for k in KPI_KEYS if diffs.loc[diffs["kpi"] == k, "mean"].notna().any()]
    assert len(fig.axes) == len(keys) >= len(KPI_KEYS) - 4
    assert "arm − series-a" in fig.get_suptitle()
    for ax, k in zip(fig.axes, keys):
        assert ax.get_title().startswith(plots.KPI_LABELS[k])
        assert [t.get_text() for t in ax.get_yticklabels()] == ["no-sdr"]
        (eb,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        row = diffs[diffs["kpi"] == k].iloc[0]
        assert eb.lines[0].get_xdata()[0] == pytest.approx(row["mean"])
        colour = to_hex(eb.lines[0].get_color())
        clear = row["ci95_low"] > 0 or row["ci95_high"] < 0
        # grey when no clear difference, and for headcount, which has no better direction
        assert (colour == plots.NEUTRAL.lower()) == (not clear or k == "headcount_end")
        if clear and k in ("arr_end", "cac"):
            better = (row["mean"] > 0) == (k == "arr_end")
            assert colour == (plots.GOOD if better else plots.BAD).lower()
    small = plots.differences_forest(diffs, kpis=["arr_end", "cac", "nrr"])
    assert [a.get_title() for a in small.axes] == ["ARR at end (USD)", "CAC (USD)", "net revenue retention (pp)"]
    with pytest.raises(ValueError, match="no rows for KPI bogus"):
        plots.differences_forest(diffs, kpis=["bogus"])
    renders(small)


def test_focus_ranking(focus_table):
    fig = plots.focus_ranking(focus_table, kpi="arr_end")
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 3 and labels[0].startswith("1. ")
    best = focus_table.loc[focus_table["mean"].idxmax(), "order"]
    assert labels[0] == "1. " + " → ".join(best)
    ebs = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    xs = [c.lines[0].get_xdata()[0] for c in ebs]
    assert xs == sorted(xs, reverse=True) and len(xs) == 3
    assert "ranked by ARR at end" in ax.get_title() and legend(ax) == ["best order's 95% CI"]
    # a KPI where lower is better ranks the other way
    low = plots.focus_ranking(focus_table.assign(order=focus_table["order"].map(",".join)), kpi="cac")
    assert [t.get_text() for t in low.axes[0].get_yticklabels()][0] == "1. " + " → ".join(
        focus_table.loc[focus_table["mean"].idxmin(), "order"]
    )
    # focus --goal overrides the KPI's direction, and the plot follows it
    most = plots.focus_ranking(focus_table, kpi="cac", goal="max")
    assert [t.get_text() for t in most.axes[0].get_yticklabels()][0] == labels[0]
    assert "highest first" in most.axes[0].get_title()
    with pytest.raises(ValueError, match="goal must be 'max' or 'min'"):
        plots.focus_ranking(focus_table, goal="best")
    renders(fig)


def test_sweep_one_parameter_response_curves(sweep_table):
    one = sweep_table[sweep_table["roles.ae.headcount"] == 4].drop(columns="roles.ae.headcount")
    fig = plots.sweep(one)
    assert len(fig.axes) == 2 and fig.get_suptitle() == "Sweep: response to roles.sdr.headcount"
    for ax, k in zip(fig.axes, ("arr_end", "cac")):
        (line,) = ax.lines
        assert list(line.get_xdata()) == [2.0, 6.0]
        np.testing.assert_allclose(line.get_ydata(), one[one["kpi"] == k].sort_values("roles.sdr.headcount")["mean"])
        assert len(ax.collections) == 1 and ax.get_xlabel() == "roles.sdr.headcount"
    renders(fig)


def test_sweep_two_parameters_heatmap(sweep_table):
    fig = plots.sweep(sweep_table, kpis=["arr_end"])
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # the heatmap and its colour bar
    (im,) = ax.images
    grid = im.get_array()
    assert grid.shape == (2, 2)
    want = sweep_table[sweep_table["kpi"] == "arr_end"].pivot(
        index="roles.ae.headcount", columns="roles.sdr.headcount", values="mean"
    )
    np.testing.assert_allclose(grid, want.to_numpy())
    assert ax.get_xlabel() == "roles.sdr.headcount" and ax.get_ylabel() == "roles.ae.headcount"
    assert len(ax.texts) == 4 and all(t.get_text().startswith("$") for t in ax.texts)
    renders(fig)


def test_sweep_refuses_three_parameters(sweep_table):
    with pytest.raises(ValueError, match="one or two parameters; the data has 3"):
        plots.sweep(sweep_table.assign(extra=1))


def test_plots_need_no_pyplot_or_display():
    code = (
        "import sys, orgsim.outputs.plots; from orgsim.outputs.report import report_files; "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'"
    )
    p = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert p.returncode == 0, p.stderr


def test_cohort_curves(result):
    curves = result.cohort_curves()
    assert {"cohort", "month", "accounts", "logo_retention", "grr", "nrr"} <= set(curves.columns)
    fig = plots.cohort_curves(curves, "test", min_accounts=0.5)
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["Logo retention", "Gross ARR retention", "Net ARR retention"]
    labels = [line.get_label() for line in axes[0].lines]
    assert "customers at start" in labels and any(x.startswith("signed q") for x in labels)
    start = next(line for line in axes[0].lines if line.get_label() == "customers at start")
    assert start.get_ydata()[0] == 1.0 and max(start.get_ydata()) <= 1.0  # logos only leave
    renders(fig)


def test_health_transitions_heatmap(result):
    ht = result.to_dict()["retention"]["health_transitions"]
    fig = plots.health_transitions(ht["counts"], ht["bands"], "test")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "new"
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "churned"
    shares = ax.images[0].get_array()
    rows = np.asarray(ht["counts"]).sum(axis=1) > 0
    assert np.allclose(np.asarray(shares).sum(axis=1)[rows], 1.0)  # each row's shares add up
    renders(fig)
