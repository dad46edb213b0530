"""The terminal report of a run: a header line and KPI, funnel and stage tables (rich).

Input is the `Results.to_dict()` document (the same numbers the JSON holds), so what the
terminal shows and what `--json` writes can never disagree. Nothing here runs a simulation.
"""

from __future__ import annotations

import math
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from orgsim.metrics import FUNNEL_KEYS, KPI_KEYS, STAGE_KEYS

__all__ = ["KPI_UNITS", "fmt", "render_run"]

# How each KPI is shown; the keys are the contract names of DESIGN.md section 2.
KPI_UNITS: dict[str, str] = {
    "arr_end": "money", "new_customers": "count", "new_arr": "money", "expansion_arr": "money",
    "churned_arr": "money", "logo_renewal_rate": "pct", "grr": "pct", "nrr": "pct", "cac": "money",
    "cac_payback_months": "months", "ltv_to_cac": "ratio", "magic_number": "ratio",
    "burn_multiple": "ratio", "cash_end": "money", "runway_months": "months",
    "health_rate": "pct", "activity_rate": "pct", "headcount_end": "count",
}
BOTTLENECK = "<- bottleneck"


def fmt(value: float | None, unit: str = "count") -> str:
    """A number for people: $1.23M, 98.7%, 21.0 mo, 5.80x, 1,234 or 12.5; '-' when undefined."""
    if value is None or not math.isfinite(value):
        return "-"
    if unit == "money":
        sign, v = ("-" if value < 0 else ""), abs(value)
        for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if v >= div * 0.9995:
                return f"{sign}${v / div:.{_decimals(v / div)}f}{suffix}"
        return f"{sign}${v:,.0f}"
    if unit == "pct":
        return f"{value * 100:.1f}%"
    if unit == "months":
        return f"{value:.1f} mo"
    if unit == "ratio":
        return f"{value:.2f}x"
    if unit == "hours":
        return f"{value:,.1f}"
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
                 show_edge=False, pad_edge=False, caption_justify="left", caption_style="dim")


def _decimals(x: float) -> int:
    return 2 if x < 10 else 1 if x < 100 else 0


def _ci(stat: dict[str, Any], unit: str) -> str:
    lo, hi = stat.get("ci95") or (None, None)
    if lo is None or hi is None:
        return "-"
    return f"{fmt(lo, unit)} .. {fmt(hi, unit)}"


def header(doc: dict[str, Any], wall_s: float, workers: int | None = None) -> Text:
    """One line: scenario, replications, seed, horizon, wall time (and workers)."""
    t = Text()
    t.append(str(doc["scenario"]), style="bold")
    parts = [
        f"{doc['replications']} replication{'s' if doc['replications'] != 1 else ''}",
        f"seed {doc['seed']}",
        f"{doc['horizon_months']} months",
        f"{wall_s:.{1 if wall_s >= 1 else 2}f} s wall",
    ]
    if workers is not None:
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
        s, unit = doc["kpis"][k], KPI_UNITS.get(k, "count")
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


def bottleneck(doc: dict[str, Any]) -> str | None:
    """The stage where work waits longest on average (None when nothing waits)."""
    waits = {name: (st["mean_wait_hours"]["mean"] or 0.0) for name, st in doc["stages"].items()}
    if not waits:
        return None
    name = max(waits, key=lambda n: waits[n])
    return name if waits[name] > 0 else None


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


def render_run(console: Console, doc: dict[str, Any], wall_s: float, workers: int | None = None) -> None:
    """Print the whole run report to `console`."""
    console.print(header(doc, wall_s, workers), soft_wrap=True)
    console.print(Group(kpi_table(doc), Text(""), funnel_table(doc), Text(""), stage_table(doc)))
