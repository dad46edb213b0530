"""Terminal reports (rich): a run's KPI, funnel, stage and role tables, and the words every output shares.

The tables of compare, sweep and focus are in `orgsim.outputs.text_experiments`.

Input is the document `--json` writes (`Results.to_dict()`, `Comparison.to_dict()`...) or the
result object that makes it, so what the terminal shows and what the JSON holds can never
disagree. Nothing here runs a simulation.
"""

from __future__ import annotations

import errno
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from orgsim.metrics.registry import FUNNEL_KEYS, KPI_KEYS, STAGE_KEYS, fmt, unit_of
from orgsim.outputs.bottleneck import (
    BOTTLENECK_UTILISATION,
    BOTTLENECK_WAIT_HOURS,
    NEGLIGIBLE_WAIT_HOURS,
    bottleneck,
    is_bottleneck,
    longest_wait,
)

__all__ = [
    "BOTTLENECK_UTILISATION",
    "BOTTLENECK_WAIT_HOURS",
    "NEGLIGIBLE_WAIT_HOURS",
    "StdoutConsole",
    "bottleneck",
    "cash_line",
    "ci_text",
    "diff_text",
    "failure_block",
    "header",
    "is_bottleneck",
    "longest_wait",
    "p_text",
    "param_text",
    "precision_line",
    "render_run",
    "reproduce_command",
    "retention_table",
    "role_table",
    "table",
    "wide_console",
]

BOTTLENECK = "<- bottleneck"
LONGEST = "<- longest"


def table(title: str) -> Table:
    """A table in the style of every orgsim terminal table."""
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        caption_justify="left",
        caption_style="dim",
    )


def ci_text(stat: dict[str, Any], unit: str) -> str:
    """A statistic's 95% CI as "low .. high" in its unit; "-" when undefined."""
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
    t = table("KPIs (mean over replications, 95% CI)")
    t.add_column("kpi")
    t.add_column("mean", justify="right")
    t.add_column("95% CI", justify="right")
    if partial:
        t.add_column("n", justify="right")
    for k in KPI_KEYS:
        s, unit = doc["kpis"][k], unit_of(k)
        row = [k, fmt(s["mean"], unit), ci_text(s, unit)]
        if partial:
            n = s.get("n", reps)
            row.append(f"{n}/{reps}" if n < reps else "")
        t.add_row(*row)
    if partial:
        t.caption = (
            "n: replications where the KPI is defined (e.g. CAC needs a new customer; the burn multiple is undefined "
            "when the company burns cash with no net new ARR, worse than any value)"
        )
    if reps == 1:  # a t-interval needs two values
        t.caption = f"{t.caption or ''}\none replication: no confidence interval (run -n 2 or more)".lstrip()
    return t


def funnel_table(doc: dict[str, Any]) -> Table:
    """Leads to won, with the conversion from the step before (ratio of means)."""
    t = table("Funnel (counts over the horizon)")
    t.add_column("step")
    t.add_column("mean", justify="right")
    t.add_column("95% CI", justify="right")
    t.add_column("conversion", justify="right")
    prev: float | None = None
    for k in FUNNEL_KEYS:
        s = doc["funnel"][k]
        mean = s["mean"]
        conv = fmt(mean / prev, "pct") if prev and mean is not None else ""
        t.add_row(k, fmt(mean), ci_text(s, "count"), conv)
        prev = mean
    t.caption = "sql includes SDRs' outbound meetings"
    return t


def stage_table(doc: dict[str, Any]) -> Table:
    """Per stage: arrivals, completed, mean and p90 wait (hours), utilisation; marks the bottleneck
    and, when another stage, the longest wait."""
    worst, longest = bottleneck(doc), longest_wait(doc)
    t = table("Stages of the value chain (mean over replications)")
    t.add_column("stage", no_wrap=True)
    for head in ("arrivals", "completed", "mean\nwait h", "p90\nwait h", "util"):
        t.add_column(head, justify="right")
    t.add_column("", no_wrap=True)
    for name, st in doc["stages"].items():
        m = {k: st[k]["mean"] for k in STAGE_KEYS}
        mark = name == worst
        note = BOTTLENECK if mark else LONGEST if name == longest else ""
        t.add_row(
            name,
            fmt(m["arrivals"]),
            fmt(m["completed"]),
            fmt(m["mean_wait_hours"], "hours"),
            fmt(m["p90_wait_hours"], "hours"),
            fmt(m["utilization"], "pct"),
            note,
            style="bold" if mark else None,
        )
    t.caption = (
        f"bottleneck: the longest mean wait of the stages waiting at least {BOTTLENECK_WAIT_HOURS:g} h at "
        f"utilisation at least {BOTTLENECK_UTILISATION:.0%}; longest: the longest wait, when not the bottleneck"
    )
    return t


def role_table(doc: dict[str, Any]) -> Table:
    """Per role with staff or work: utilisation over every task it serves, 95% CI, headcount and
    backlog at the end, meetings it booked by prospecting."""
    t = table("Roles (mean over replications)")
    t.add_column("role", no_wrap=True)
    for head in ("util", "util 95% CI", "headcount\nat end", "backlog\nat end", "meetings\nbooked"):
        t.add_column(head, justify="right")
    for name, r in doc.get("roles", {}).items():
        m = {k: r[k]["mean"] for k in ("utilization", "headcount_end", "backlog", "meetings_booked")}
        if m["utilization"] is None or not (m["headcount_end"] or m["utilization"] or m["backlog"]):
            continue  # a role no stage sends tasks (engineers...), or one nobody holds and nobody waits for
        t.add_row(
            name,
            fmt(m["utilization"], "pct"),
            ci_text(r["utilization"], "pct"),
            fmt(m["headcount_end"]),
            fmt(m["backlog"]),
            fmt(m["meetings_booked"]) if m["meetings_booked"] else "",
        )
    t.caption = "util: busy time over staffed time available for tasks, over every stage the role serves"
    return t


def render_run(console: Console, doc: dict[str, Any], wall_s: float, workers: int | str | None = None) -> None:
    """Print the whole run report to `console`."""
    console.print(header(doc, wall_s, workers), soft_wrap=True)
    if doc.get("precision"):
        console.print(precision_line(doc["precision"]), soft_wrap=True)
    cash = cash_line(doc)
    if cash is not None:
        console.print(cash, soft_wrap=True)
    parts: list[Table | Text] = [kpi_table(doc), Text(""), funnel_table(doc), Text(""), stage_table(doc)]
    if doc.get("roles"):
        parts += [Text(""), role_table(doc)]
    if doc.get("retention"):
        parts += [Text(""), retention_table(doc)]
    console.print(Group(*parts))
    if doc.get("founders"):
        console.print(founders_line(doc["founders"]), soft_wrap=True)


def founders_line(f: dict[str, Any]) -> Text:
    """ "founders: 3,434 hours of business work (care 3,434), maturity forgone 0.011" (means)."""
    kinds = ", ".join(f"{k.removeprefix('hours.')} {fmt(v['mean'])}" for k, v in f.items() if k.startswith("hours."))
    return Text(
        f"founders: {fmt(f['hours']['mean'])} hours of business work ({kinds}), "
        f"maturity forgone {f['maturity_forgone']['mean']:.3f} (means over replications)"
    )


def cash_line(doc: dict[str, Any]) -> Text | None:
    """ "cash: runs out in 2 of 6 replications (first in month 17.5 on average)", or that it never does."""
    k = doc["kpis"]
    if "cash_out" not in k:
        return None
    reps = doc["replications"]
    n_out = round((k["cash_out"].get("mean") or 0.0) * reps)
    if not n_out:
        return Text(f"cash: never runs out ({reps} replication{'s' if reps != 1 else ''})")
    m = k.get("cash_out_month", {}).get("mean")
    when = "" if m is None else f" in month {m:.0f}" if reps < 2 else f" (first in month {m:.1f} on average)"
    return Text(f"cash: runs out{f' in {n_out} of {reps} replications' if reps > 1 else ''}{when}", style="bold red")


def retention_table(doc: dict[str, Any]) -> Table:
    """Per segment: logo renewal rate, GRR and NRR (mean, 95% CI), churned logos; churn reasons below."""
    ret = doc["retention"]
    t = table("Retention by segment (mean over replications, 95% CI)")
    t.add_column("segment", no_wrap=True)
    segments = ret.get("by_segment", {})
    contracted = any(v["contracted_arr"]["mean"] for v in segments.values())
    heads = ["renewal", "GRR", "GRR 95% CI", "NRR", "churned"] + (["contracted"] if contracted else [])
    for head in heads:
        t.add_column(head, justify="right", no_wrap=True)
    for seg, v in segments.items():
        row = [
            seg,
            fmt(v["logo_renewal_rate"]["mean"], "pct"),
            fmt(v["grr"]["mean"], "pct"),
            ci_text(v["grr"], "pct"),
            fmt(v["nrr"]["mean"], "pct"),
            fmt(v["churned"]["mean"]),
        ]
        t.add_row(*row, *([fmt(v["contracted_arr"]["mean"], "money")] if contracted else []))
    why = ret.get("reasons", {})
    churn = ", ".join(f"{k} {fmt(s['mean'])}" for k, s in why.get("churn", {}).items())
    contraction = ", ".join(
        f"{k} {fmt(s['mean'], 'money' if k.endswith('arr') else 'count')}"
        for k, s in why.get("contraction", {}).items()
    )
    t.caption = (
        "renewal: logo renewal rate, every renewal decided; GRR, NRR: the segment's trailing-12-month cohort. "
        f"Churned logos by reason: {churn or 'none'}" + (f"; contraction: {contraction}" if contraction else "")
    )
    return t


# ---- words shared by the experiments' tables and reports -------------------------------------


def precision_line(info: dict[str, Any]) -> Text:
    """How many replications --precision took, and whether the target was reached."""
    widths = info.get("relative_half_width") or {}
    shown = ", ".join(f"{k} ±{'-' if w is None else f'{w * 100:.2f}%'}" for k, w in widths.items())
    target = f"{info['relative'] * 100:g}%"
    n, cap = info["replications"], info["max_replications"]
    batches = " -> ".join(str(b) for b in info.get("batches", []))
    if info.get("reached"):
        text = (
            f"precision: 95% CI half-width within {target} of the mean after {n} replications "
            f"({shown}; batches {batches})"
        )
        return Text(text)
    text = (
        f"precision: NOT reached - stopped at the cap of {cap} replications with {shown} "
        f"(target {target}; raise --max-replications or relax --precision)"
    )
    return Text(text, style="bold yellow")


def p_text(p: float | None) -> str:
    """A p-value to three decimals ("<0.001" below that; "-" when undefined)."""
    if p is None:
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _signed(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    s = fmt(value, unit)
    return s if value < 0 or s == "-" else "+" + s


def diff_text(value: float | None, unit: str) -> str:
    """A difference: percentages as points (pp), the rest in the KPI's unit, with a sign."""
    if value is None:
        return "-"
    if unit == "pct":
        return f"{value * 100:+.2f} pp"
    return _signed(value, unit)


def param_text(v: Any) -> str:
    """A sweep parameter's value as written on the command line."""
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    return str(v)


class StdoutConsole(Console):
    """The console the commands print their tables on: a write to a closed pipe (`orgsim run ... | head -1`)
    raises `BrokenPipeError`, which `orgsim.cli.main` ends with its closed-pipe status; rich's own default
    exits 1, the status of an internal error."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "the reader of the output went away")


def wide_console(min_width: int = 200) -> Console:
    """A console for wide tables: the terminal's width on a terminal; when writing to a file or
    pipe (where rich would assume 80 columns), at least `min_width`, unless COLUMNS says otherwise."""
    import os

    console = StdoutConsole(highlight=False)
    if console.is_terminal or os.environ.get("COLUMNS"):
        return console
    return StdoutConsole(highlight=False, width=max(console.width, min_width))


# ---- failed replications ---------------------------------------------------------------------


def reproduce_command(
    scenario_file: str, seed: int, replication: int, overrides: Any = (), params: dict[str, Any] | None = None
) -> str:
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
    parts = [
        "orgsim",
        "run",
        scenario_file,
        "--seed",
        str(seed),
        "--replications",
        "1",
        "--first-replication",
        str(replication),
        "--workers",
        "1",
    ]
    for s in sets:
        parts += ["--set", s]
    parts.append("--debug")
    return " ".join(shlex.quote(p) for p in parts)


def failure_block(
    failures: list[dict[str, Any]], commands: list[str], total: int | None = None, stopped: bool = False
) -> str:
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
