"""Terminal reports (rich): a run's KPI, funnel and stage tables; compare, sweep and focus tables.

Input is the document `--json` writes (`Results.to_dict()`, `Comparison.to_dict()`...) or the
result object that makes it, so what the terminal shows and what the JSON holds can never
disagree. Nothing here runs a simulation.
"""

from __future__ import annotations

import math
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from orgsim.metrics.registry import FUNNEL_KEYS, KPI_DIRECTION, KPI_KEYS, STAGE_KEYS, fmt, unit_of

__all__ = [
    "failure_block", "render_compare", "render_focus", "render_run", "render_sweep",
    "reproduce_command",
]

BOTTLENECK = "<- bottleneck"



def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
                 show_edge=False, pad_edge=False, caption_justify="left", caption_style="dim")



def _ci(stat: dict[str, Any], unit: str) -> str:
    lo, hi = stat.get("ci95") or (None, None)
    if lo is None or hi is None:
        return "-"
    return f"{fmt(lo, unit)} .. {fmt(hi, unit)}"


def header(doc: dict[str, Any], wall_s: float, workers: int | str | None = None) -> Text:
    """One line: scenario, replications, seed, horizon, wall time (and workers: a count or a label)."""
    t = Text()
    t.append(str(doc["scenario"]), style="bold")
    parts = [
        f"{doc['replications']} replication{'s' if doc['replications'] != 1 else ''}",
        f"seed {doc['seed']}",
        f"{doc['horizon_months']} months",
        f"{wall_s:.{1 if wall_s >= 1 else 2}f} s wall",
    ]
    if isinstance(workers, str):
        parts.append(workers)
    elif workers is not None:
        parts.append(f"{workers} worker{'s' if workers != 1 else ''}")
    t.append(": " + ", ".join(parts))
    return t


def kpi_table(doc: dict[str, Any]) -> Table:
    """KPI, mean, 95% CI, and n where a KPI was undefined in some replications."""
    reps = doc["replications"]
    partial = any(doc["kpis"][k].get("n", reps) < reps for k in KPI_KEYS)
    t = _table("KPIs (mean over replications, 95% CI)")
    t.add_column("kpi")
    t.add_column("mean", justify="right")
    t.add_column("95% CI", justify="right")
    if partial:
        t.add_column("n", justify="right")
    for k in KPI_KEYS:
        s, unit = doc["kpis"][k], unit_of(k)
        row = [k, fmt(s["mean"], unit), _ci(s, unit)]
        if partial:
            n = s.get("n", reps)
            row.append(f"{n}/{reps}" if n < reps else "")
        t.add_row(*row)
    if partial:
        t.caption = "n: replications where the KPI is defined (e.g. CAC needs a new customer)"
    return t


def funnel_table(doc: dict[str, Any]) -> Table:
    """Leads to won, with the conversion from the step before (ratio of means)."""
    t = _table("Funnel (counts over the horizon)")
    t.add_column("step")
    t.add_column("mean", justify="right")
    t.add_column("95% CI", justify="right")
    t.add_column("conversion", justify="right")
    prev: float | None = None
    for k in FUNNEL_KEYS:
        s = doc["funnel"][k]
        mean = s["mean"]
        conv = fmt(mean / prev, "pct") if prev and mean is not None else ""
        t.add_row(k, fmt(mean), _ci(s, "count"), conv)
        prev = mean
    t.caption = "sql includes SDRs' outbound meetings"
    return t


# A mean wait shorter than this (3 minutes) is no queue: work is picked up as it arrives. Every
# report (terminal, plots, report.html) names a bottleneck only above it.
NEGLIGIBLE_WAIT_HOURS = 0.05


def bottleneck(doc: dict[str, Any]) -> str | None:
    """The stage where work waits longest on average (None when nothing waits noticeably)."""
    waits = {name: (st["mean_wait_hours"]["mean"] or 0.0) for name, st in doc["stages"].items()}
    if not waits:
        return None
    name = max(waits, key=lambda n: waits[n])
    return name if waits[name] >= NEGLIGIBLE_WAIT_HOURS else None


def stage_table(doc: dict[str, Any]) -> Table:
    """Per stage: arrivals, completed, mean and p90 wait (hours), utilisation; marks the bottleneck."""
    worst = bottleneck(doc)
    t = _table("Stages of the value chain (mean over replications)")
    t.add_column("stage", no_wrap=True)
    for head in ("arrivals", "completed", "mean\nwait h", "p90\nwait h", "util"):
        t.add_column(head, justify="right")
    t.add_column("", no_wrap=True)
    for name, st in doc["stages"].items():
        m = {k: st[k]["mean"] for k in STAGE_KEYS}
        mark = name == worst
        t.add_row(
            name,
            fmt(m["arrivals"]),
            fmt(m["completed"]),
            fmt(m["mean_wait_hours"], "hours"),
            fmt(m["p90_wait_hours"], "hours"),
            fmt(m["utilization"], "pct"),
            BOTTLENECK if mark else "",
            style="bold" if mark else None,
        )
    return t


def render_run(console: Console, doc: dict[str, Any], wall_s: float, workers: int | str | None = None) -> None:
    """Print the whole run report to `console`."""
    console.print(header(doc, wall_s, workers), soft_wrap=True)
    if doc.get("precision"):
        console.print(precision_line(doc["precision"]), soft_wrap=True)
    console.print(Group(kpi_table(doc), Text(""), funnel_table(doc), Text(""), stage_table(doc)))


# ---- experiments: precision, compare, sweep, focus ------------------------------------------


def precision_line(info: dict[str, Any]) -> Text:
    """How many replications --precision took, and whether the target was reached."""
    widths = info.get("relative_half_width") or {}
    shown = ", ".join(
        f"{k} ±{'-' if w is None else f'{w * 100:.2f}%'}" for k, w in widths.items()
    )
    target = f"{info['relative'] * 100:g}%"
    n, cap = info["replications"], info["max_replications"]
    batches = " -> ".join(str(b) for b in info.get("batches", []))
    if info.get("reached"):
        text = f"precision: 95% CI half-width within {target} of the mean after {n} replications ({shown}; batches {batches})"
        return Text(text)
    text = (f"precision: NOT reached - stopped at the cap of {cap} replications with {shown} "
            f"(target {target}; raise --max-replications or relax --precision)")
    return Text(text, style="bold yellow")


def _p(p: float | None) -> str:
    if p is None:
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _stars(p: float | None) -> str:
    if p is None:
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def _signed(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    s = fmt(value, unit)
    return s if value < 0 or s == "-" else "+" + s


def _fmt_diff(value: float | None, unit: str) -> str:
    """A difference: percentages as points (pp), the rest in the KPI's unit, with a sign."""
    if value is None:
        return "-"
    if unit == "pct":
        return f"{value * 100:+.2f} pp"
    return _signed(value, unit)


def _ci_diff(lo: float | None, hi: float | None, unit: str) -> str:
    if lo is None or hi is None:
        return "-"
    return f"{_fmt_diff(lo, unit)} .. {_fmt_diff(hi, unit)}"


def compare_header(cmp: Any) -> Text:
    base = cmp.arms[0]
    t = Text()
    t.append(" vs ".join(cmp.names), style="bold")
    n = base.n
    parts = [f"{n} paired replication{'s' if n != 1 else ''}", f"seed {base.seed}",
             f"{base.scenario.horizon_months} months", f"{cmp.runtime_s:.1f} s wall"]
    if cmp.executor:
        parts.append(cmp.executor)
    t.append(": " + ", ".join(parts))
    return t


def compare_table(cmp: Any, arm: Any, kpis: tuple[str, ...] = KPI_KEYS) -> Table:
    """One arm against the first: means, paired difference, CI, p, probability of being better."""
    base = cmp.arms[0]
    t = _table(f"{arm.name} - {base.name} (paired differences; * p<0.05, ** p<0.01, *** p<0.001)")
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
        t.add_row(
            k, fmt(d["base_mean"], unit), fmt(d["arm_mean"], unit), _fmt_diff(d["mean"], unit),
            _ci_diff(*d["ci95"], unit), _p(d["p_value"]),
            "-" if d.get("prob_better") is None else f"{d['prob_better'] * 100:.1f}%",
            "-" if d.get("share_better") is None else f"{d['share_better'] * 100:.0f}%",
            mark, style=style,
        )
    caption = ("difference: arm - first arm, replication by replication (common random numbers); 95% CI and p "
               "from the paired t-test. P(better): probability that the arm's mean is better (t approximation). "
               "better in: share of replications in which the arm did better (ties count half). "
               "Green/red: significantly better/worse; headcount_end has no better direction.")
    if any_disagree:
        caption += (" †: the Wilcoxon signed-rank test disagrees about significance at 5% - the differences are "
                    "skewed or heavy-tailed; trust the rank test there.")
    t.caption = caption
    return t


def render_compare(console: Console, cmp: Any) -> None:
    """Print a comparison: a header, then one table per arm against the first."""
    console.print(compare_header(cmp), soft_wrap=True)
    info = cmp.arms[0].meta.get("precision")
    if info:
        console.print(precision_line(info), soft_wrap=True)
    for arm in cmp.arms[1:]:
        console.print(Text(""))
        console.print(compare_table(cmp, arm))


SWEEP_KPIS = ("arr_end", "new_customers", "cac_payback_months", "cash_end")


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
    from orgsim.experiments.stats import describe

    first = result.results[0]
    head = Text()
    head.append(first.name, style="bold")
    reps = sorted({r.n for r in result.results})
    reps_text = f"{reps[0]}" if len(reps) == 1 else f"{reps[0]}..{reps[-1]}"
    head.append(f": sweep of {len(result.points)} points, {reps_text} replications each, seed {result.seed} "
                f"(the same random numbers at every point), {first.scenario.horizon_months} months, "
                f"{result.runtime_s:.1f} s wall, {result.executor}")
    console.print(head, soft_wrap=True)
    stats_ = [[describe(r.values(k)) for k in kpis] for r in result.results]
    best = {}
    for j, k in enumerate(kpis):
        direction = KPI_DIRECTION.get(k, 0)
        means = [(i, s[j]["mean"]) for i, s in enumerate(stats_) if s[j]["mean"] is not None]
        if direction and means:
            best[j] = max(means, key=lambda im: direction * im[1])[0]
    t = _table("KPIs by point (mean ± 95% CI half-width; best of each column in bold)")
    for key in result.keys:
        t.add_column(key, justify="right", overflow="fold")
    show_n = len(reps) > 1
    if show_n:
        t.add_column("n", justify="right")
    for k in kpis:
        t.add_column(k, justify="right")
    for i, (p, res) in enumerate(zip(result.points, result.results)):
        cells = [_param(p[key]) for key in result.keys]
        if show_n:
            cells.append(str(res.n))
        for j, k in enumerate(kpis):
            cell = _pm(stats_[i][j], unit_of(k))
            cells.append(Text(cell, style="bold") if best.get(j) == i else cell)
        t.add_row(*cells)
    console.print(t)


def _param(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    return str(v)


def render_focus(console: Console, result: Any) -> None:
    """Print the focus-order tournament: ranking, chosen order, confidence statement and cost."""
    unit = unit_of(result.by)
    head = Text()
    head.append(result.scenario, style="bold")
    better = "higher" if result.goal > 0 else "lower"
    head.append(f": {len(result.orders)} focus orders ranked by {result.by} ({better} is better), seed {result.seed}, "
                f"{result.runtime_s:.1f} s wall, {result.executor}")
    console.print(head, soft_wrap=True)
    for note in result.notes:
        console.print(Text(f"note: {note}", style="yellow"), soft_wrap=True)
    rk = result.ranking()
    t = _table(f"Focus orders by mean {result.by} (95% CI); difference to the chosen order is paired")
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
            str(row["rank"]), row["order"], status, str(row["replications"]), fmt(row["mean"], unit),
            _ci({"ci95": [row["ci95_low"], row["ci95_high"]]}, unit),
            "" if row["status"] == "chosen" else _fmt_diff(_nan_none(row.get("diff_mean")), unit),
            "" if row["status"] == "chosen" else _ci_diff(_nan_none(row.get("diff_ci95_low")), _nan_none(row.get("diff_ci95_high")), unit),
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
            f"saved {result.saving * 100:.0f}%", soft_wrap=True, highlight=False)
    else:
        console.print(f"replications: {used:,} ({len(result.orders)} orders x {result.n0}, equal allocation)",
                      soft_wrap=True, highlight=False)


def _nan_none(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v


def wide_console(min_width: int = 200) -> Console:
    """A console for wide tables: the terminal's width on a terminal; when writing to a file or
    pipe (where rich would assume 80 columns), at least `min_width`, unless COLUMNS says otherwise."""
    import os

    console = Console(highlight=False)
    if console.is_terminal or os.environ.get("COLUMNS"):
        return console
    return Console(highlight=False, width=max(console.width, min_width))


# ---- failed replications ---------------------------------------------------------------------


def reproduce_command(scenario_file: str, seed: int, replication: int, overrides: Any = (),
                      params: dict[str, Any] | None = None) -> str:
    """The one command that runs just this replication again (same streams of (seed, replication)).

    `overrides` are the user's --set strings; `params` the values that made a sweep point or a
    focus order, given as more --set options.
    """
    import json
    import shlex

    sets = list(overrides)
    for key, value in (params or {}).items():
        text = value if isinstance(value, str) else json.dumps(value)
        sets.append(f"{key}={text}")
    parts = ["orgsim", "run", scenario_file, "--seed", str(seed), "--replications", "1",
             "--first-replication", str(replication), "--workers", "1"]
    for s in sets:
        parts += ["--set", s]
    parts.append("--debug")
    return " ".join(shlex.quote(p) for p in parts)


def failure_block(failures: list[dict[str, Any]], commands: list[str], total: int | None = None,
                  stopped: bool = False) -> str:
    """The warning printed (on stderr) when replications failed: one entry per failure."""
    n = len(failures)
    head = f"WARNING: {n} replication{'s' if n != 1 else ''}"
    if total is not None:
        head += f" of {total}"
    head += " failed (a bug in orgsim's model, not in your input)"
    head += "; nothing was written." if stopped else "; the results above cover only the replications that succeeded."
    lines = [head]
    for f, cmd in zip(failures, commands):
        where = f"{f.get('scenario') or 'scenario'}"
        if f.get("params"):
            where += " at " + ", ".join(f"{k}={v}" for k, v in f["params"].items())
        lines.append(f"  replication {f['replication']} (seed {f['seed']}) of {where}: {f['error']}")
        lines.append(f"    reproduce: {cmd}")
    return "\n".join(lines)
