"""Terminal tables of experiments (rich): compare, sweep and focus.

Input is the result object whose `to_dict()` the `--json` file holds, so what the terminal shows
and what the JSON holds can never disagree. Nothing here runs a simulation.
"""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from orgsim.metrics.registry import KPI_DIRECTION, KPI_KEYS, fmt, unit_of
from orgsim.outputs.text import (
    ci_text,
    diff_text,
    p_text,
    param_text,
    precision_line,
    table,
)

__all__ = [
    "SWEEP_KPIS",
    "cash_out_text",
    "compare_header",
    "compare_table",
    "render_compare",
    "render_focus",
    "render_sweep",
]


def _stars(p: float | None) -> str:
    if p is None:
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def _ci_diff(lo: float | None, hi: float | None, unit: str) -> str:
    if lo is None or hi is None:
        return "-"
    return f"{diff_text(lo, unit)} .. {diff_text(hi, unit)}"


def compare_header(cmp: Any) -> Text:
    """One line: the scenarios, paired replications, seed, horizon (each arm's, "6 / 9 months", when
    they differ), wall time, executor."""
    base = cmp.arms[0]
    t = Text()
    t.append(" vs ".join(cmp.names), style="bold")
    n = base.n
    horizons = [a.scenario.horizon_months for a in cmp.arms]
    parts = [
        f"{n} paired replication{'s' if n != 1 else ''}",
        f"seed {base.seed}",
        f"{' / '.join(str(h) for h in horizons) if len(set(horizons)) > 1 else horizons[0]} months",
        f"{cmp.runtime_s:.1f} s wall",
    ]
    if cmp.executor:
        parts.append(cmp.executor)
    t.append(": " + ", ".join(parts))
    return t


def _defined(result: Any, kpi: str) -> int:
    return sum(v is not None for v in result.values(kpi))


def cash_out_text(result: Any) -> str:
    """ "cash runs out in 2 of 6 replications (first in month 17.5 on average)" or "cash never runs out (6)"."""
    outs = [v for v in result.values("cash_out") if v is not None]
    n_out = int(sum(outs))
    if not n_out:
        return f"cash never runs out ({len(outs)} replication{'s' if len(outs) != 1 else ''})"
    months = [v for v in result.values("cash_out_month") if v is not None]
    if len(outs) == 1:
        return "cash runs out" + (f" in month {months[0]:.0f}" if months else "") + " (1 replication)"
    return (
        f"cash runs out in {n_out} of {len(outs)} replications (first in month {sum(months) / len(months):.1f} "
        "on average)"
    )


def compare_table(cmp: Any, arm: Any, kpis: tuple[str, ...] = KPI_KEYS) -> Table:
    """One arm against the first: means, paired difference, CI, p, probability of being better."""
    base = cmp.arms[0]
    t = table(f"{arm.name} - {base.name} (paired differences; * p<0.05, ** p<0.01, *** p<0.001)")
    t.add_column("kpi", no_wrap=True)
    t.add_column(base.name, justify="right", no_wrap=True)
    t.add_column(arm.name, justify="right", no_wrap=True)
    for head in ("difference", "95% CI", "p", "P(better)", "better in"):
        t.add_column(head, justify="right", no_wrap=True)
    t.add_column("", no_wrap=True)
    any_disagree = False
    for k in kpis:
        d = cmp.difference(arm, k)
        unit = unit_of(k)
        mark = _stars(d["p_value"])
        if d["tests_disagree"]:
            mark += "†"
            any_disagree = True
        style = None
        if d["significant"] and d["direction"]:
            style = "green" if d["direction"] * d["mean"] > 0 else "red"
        nb, na = _defined(base, k), _defined(arm, k)
        label = k if nb == base.n and na == arm.n else f"{k} ({min(nb, na)} of {base.n})"
        t.add_row(
            label,
            fmt(d["base_mean"], unit),
            fmt(d["arm_mean"], unit),
            diff_text(d["mean"], unit),
            _ci_diff(d["ci95"][0], d["ci95"][1], unit),
            p_text(d["p_value"]),
            "-" if d.get("prob_better") is None else f"{d['prob_better'] * 100:.1f}%",
            "-" if d.get("share_better") is None else f"{d['share_better'] * 100:.0f}%",
            mark,
            style=style,
        )
    caption = (
        "difference: arm - first arm, replication by replication (common random numbers); 95% CI and p "
        "from the paired t-test. P(better): probability that the arm's mean is better (t approximation). "
        "better in: share of replications in which the arm did better (ties count half). "
        "Green/red: significantly better/worse; headcount_end has no better direction. "
        "(k of n): the KPI is defined in only k replications of an arm (burn multiple: undefined when burning "
        "with no net new ARR, worse than any value)."
    )
    if any_disagree:
        caption += (
            " †: the Wilcoxon signed-rank test disagrees about significance at 5% - the differences are "
            "skewed or heavy-tailed; trust the rank test there."
        )
    t.caption = caption
    return t


def render_compare(console: Console, cmp: Any) -> None:
    """Print a comparison: a header, then one table per arm against the first."""
    console.print(compare_header(cmp), soft_wrap=True)
    info = cmp.arms[0].meta.get("precision")
    if info:
        console.print(precision_line(info), soft_wrap=True)
    for arm in cmp.arms:
        line = cash_out_text(arm)
        console.print(Text(f"{arm.name}: {line}", style="red" if "runs out" in line else ""), soft_wrap=True)
    for arm in cmp.arms[1:]:
        console.print(Text(""))
        console.print(compare_table(cmp, arm))


SWEEP_KPIS = ("arr_end", "new_customers", "cac_payback_months", "cash_end", "cash_out")


def _pm(stat: dict[str, Any], unit: str) -> str:
    lo, hi = stat.get("ci95") or (None, None)
    if stat.get("mean") is None:
        return "-"
    if lo is None or hi is None:
        return fmt(stat["mean"], unit)
    return f"{fmt(stat['mean'], unit)} ± {fmt((hi - lo) / 2, unit)}"


def render_sweep(console: Console, result: Any, kpis: tuple[str, ...] = SWEEP_KPIS) -> None:
    """Print a sweep: one row per point with its parameters and each KPI's mean ± CI half-width;
    the best point of each KPI (by its direction) in bold."""
    from orgsim.experiments.stats import (
        describe_kpi,  # not at import: pandas and scipy only when needed
    )

    first = result.results[0]
    head = Text()
    head.append(first.name, style="bold")
    reps = sorted({r.n for r in result.results})
    reps_text = f"{reps[0]}" if len(reps) == 1 else f"{reps[0]}..{reps[-1]}"
    months = sorted({r.scenario.horizon_months for r in result.results})  # several when horizon_months is varied
    months_text = f"{months[0]}" if len(months) == 1 else f"{months[0]}..{months[-1]}"
    head.append(
        f": sweep of {len(result.points)} points, {reps_text} replications each, seed {result.seed} "
        f"(the same random numbers at every point), {months_text} months, "
        f"{result.runtime_s:.1f} s wall, {result.executor}"
    )
    console.print(head, soft_wrap=True)
    stats_ = [[describe_kpi(k, r.values(k)) for k in kpis] for r in result.results]
    best = {}
    for j, k in enumerate(kpis):
        direction = KPI_DIRECTION.get(k, 0)
        means = [(i, s[j]["mean"]) for i, s in enumerate(stats_) if s[j]["mean"] is not None]
        if direction and means:
            best[j] = max(means, key=lambda im: direction * im[1])[0]
    t = table("KPIs by point (mean ± 95% CI half-width; best of each column in bold)")
    for key in result.keys:
        t.add_column(key, justify="right", overflow="fold")
    show_n = len(reps) > 1
    if show_n:
        t.add_column("n", justify="right")
    for k in kpis:
        t.add_column(k, justify="right")
    for i, (p, res) in enumerate(zip(result.points, result.results)):
        cells: list[str | Text] = [param_text(p[key]) for key in result.keys]
        if show_n:
            cells.append(str(res.n))
        for j, k in enumerate(kpis):
            cell = _pm(stats_[i][j], unit_of(k))
            cells.append(Text(cell, style="bold") if best.get(j) == i else cell)
        t.add_row(*cells)
    if result.baseline is not None:  # the scenario as written: a reference row, never the best
        res = result.baseline
        row = ["as written"] + [""] * (len(result.keys) - 1) + ([str(res.n)] if show_n else [])
        row += [_pm(describe_kpi(k, res.values(k)), unit_of(k)) for k in kpis]
        t.add_row(*row, style="italic")
    console.print(t)
    broke = [i for i, res in enumerate(result.results) if any(v for v in res.values("cash_out") if v is not None)]
    if broke:
        console.print(
            Text(
                f"cash runs out at {len(broke)} of {len(result.points)} points (cash_out > 0%): a best cash_end "
                "there is the least bad of companies that go bankrupt",
                style="red",
            ),
            soft_wrap=True,
        )


def render_focus(console: Console, result: Any) -> None:
    """Print the focus-order tournament: ranking, chosen order, confidence statement and cost."""
    unit = unit_of(result.by)
    head = Text()
    head.append(result.scenario, style="bold")
    better = "higher" if result.goal > 0 else "lower"
    head.append(
        f": {len(result.orders)} focus orders ranked by {result.by} ({better} is better), seed {result.seed}, "
        f"{result.runtime_s:.1f} s wall, {result.executor}"
    )
    console.print(head, soft_wrap=True)
    for note in result.notes:
        console.print(Text(f"note: {note}", style="yellow"), soft_wrap=True)
    rk = result.ranking()
    t = table(f"Focus orders by mean {result.by} (95% CI); difference to the chosen order is paired")
    t.add_column("#", justify="right")
    t.add_column("focus order", no_wrap=True)
    t.add_column("status")
    t.add_column("reps", justify="right")
    t.add_column("mean", justify="right")
    t.add_column("95% CI", justify="right")
    t.add_column("vs chosen", justify="right")
    t.add_column("95% CI", justify="right")
    extra = [k for k in [*result.minimum, *result.maximum] if k != result.by]
    for k in extra:
        t.add_column(f"mean {k}", justify="right")
    for row in rk.to_dict(orient="records"):
        status = row["status"]
        look = _nan_none(row["left_at_look"])
        if status in ("eliminated", "infeasible") and look:
            status = f"{status} @{int(look)}"
        if row["note"] and row["status"] == "infeasible":
            status += f" ({row['note']})"
        cells = [
            str(row["rank"]),
            row["order"],
            status,
            str(row["replications"]),
            fmt(row["mean"], unit),
            ci_text({"ci95": [row["ci95_low"], row["ci95_high"]]}, unit),
            "" if row["status"] == "chosen" else diff_text(_nan_none(row.get("diff_mean")), unit),
            ""
            if row["status"] == "chosen"
            else _ci_diff(_nan_none(row.get("diff_ci95_low")), _nan_none(row.get("diff_ci95_high")), unit),
        ]
        cells += [fmt(_nan_none(row.get(k)), unit_of(k)) for k in extra]
        t.add_row(*cells, style="bold" if row["status"] == "chosen" else None)
    console.print(t)
    console.print(Text(""))
    chosen = " > ".join(result.chosen) if result.chosen else "none"
    console.print(Text.assemble(("chosen: ", "bold"), chosen), soft_wrap=True)
    console.print(result.statement, soft_wrap=True, highlight=False)
    used, eq = result.replications_used, result.equal_allocation
    if result.sequential:
        console.print(
            f"replications: {used:,} used in {len(result.selection.rounds)} looks; equal allocation "
            f"({len(result.orders)} orders x {eq // max(len(result.orders), 1)}) would need {eq:,}: "
            f"saved {result.saving * 100:.0f}%",
            soft_wrap=True,
            highlight=False,
        )
    else:
        console.print(
            f"replications: {used:,} ({len(result.orders)} orders x {result.n0}, equal allocation)",
            soft_wrap=True,
            highlight=False,
        )


def _nan_none(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v
