"""The shareable report of a run: one self-contained `report.html` and the plots as PNG files.

Works from what `orgsim run --out DIR` writes — `summary.json`, `monthly.csv`, `stages.csv`,
`funnel.csv`, `manifest.json` (and `counters.csv` when present) — so `orgsim report DIR` can
regenerate it later from the files alone; `run --out` hands it the same tables in memory.
The HTML embeds its images as base64 PNG and its CSS inline: no network, no JavaScript. Every
piece of text that comes from data is escaped with `html.escape`.

Sections: headline, findings (the bottleneck in plain sentences, derived from the data), KPIs
with 95% CIs, the plots, retention by segment and churn reasons, the scenario in words (org chart,
ownership rules, growth plan, segments, lead sources), funnel, stage and role tables, and the manifest.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from orgsim.metrics.registry import FUNNEL_KEYS, KPIS, fmt
from orgsim.outputs.findings import (
    BOTTLENECK_UTILISATION,
    BOTTLENECK_WAIT_HOURS,
    findings,
    headline,
    onset_month,
    ranked_findings,
)
from orgsim.outputs.html import CSS, E, ci_range, html_table, mean_of
from orgsim.outputs.readback import check_manifest, check_numbers, read_csv_text
from orgsim.outputs.report_inputs import inputs_section
from orgsim.outputs.report_retention import retention_figures, retention_section
from orgsim.outputs.report_scenario import scenario_section
from orgsim.scenario.errors import UsageError

__all__ = [
    "PLOT_FILES",
    "REPORT_FILE",
    "RunData",
    "findings",
    "headline",
    "load_run",
    "onset_month",
    "render_html",
    "report_files",
    "write_report",
]

REPORT_FILE = "report.html"
PLOT_NAMES = (
    "arr_fan",
    "arr_bridge",
    "funnel",
    "headcount_cost",
    "bottlenecks",
    "health",
    "health_distribution",
    "cash_runway",
    "retention_cohorts",
    "health_transitions",
)
PLOT_FILES = tuple(f"plots/{n}.png" for n in PLOT_NAMES)
PLOT_CAPTIONS = {
    "arr_fan": "ARR at the end of each month. The line is the median replication; the band holds the middle "
    "80% of replications — the spread you should plan for.",
    "arr_bridge": "Where the ending ARR comes from: starting ARR plus new deals plus expansion minus churn "
    "(means over replications).",
    "funnel": "Left: how many leads, MQLs, SQLs, opportunities and won deals the company makes, with the share "
    "that reaches each next step. Right: which lead source feeds each step.",
    "headcount_cost": "Left: people by department. Right: monthly cost (people by department, paid marketing, "
    "overhead, cost of goods sold) against monthly revenue; the gap is the operating burn.",
    "bottlenecks": "Where work waits for a free person. Left: tasks waiting at each month's end; middle: the "
    "wait per task; right: how busy each stage's people are. The stage where work waits longest is drawn in red "
    "(called the bottleneck only when its people are also busy enough: see the findings).",
    "health": "Left: share of active accounts that are healthy (renew and expand more) and active at all, "
    "with product maturity. Right: active customers.",
    "health_distribution": "How health is spread over the active accounts. Left: the share of accounts in each tenth "
    "of the 0–1 health score, month by month (mean over replications); the lines are the "
    "share below the active and the healthy threshold. Right: accounts per health band at "
    "the last month (mean; the whisker holds the middle 80% of replications).",
    "retention_cohorts": "Each quarter's new customers followed from signing (the thick line: the customers on the "
    "books at the start): the share of logos still on the books, and their ARR against their ARR at signing, "
    "gross (each account capped at its signing ARR) and net (expansion included). Pooled over replications; "
    "a cohort's curve ends where the run does.",
    "health_transitions": "Where accounts of each health band are one month later, summed over every month (mean "
    "per replication): colour is the share of the row, numbers are accounts. The diagonal is staying put; left "
    "of it is losing health. The last row is new customers, the last column churned ones.",
    "cash_runway": "Cash in the bank, the monthly net burn (costs minus collections) and the runway it "
    "leaves: months of cash at the burn of the last three months.",
}
NEEDED = ("summary.json", "monthly.csv", "stages.csv", "funnel.csv")


@dataclass
class RunData:
    """Everything a report is made from: the files of a run directory, as data."""

    summary: dict[str, Any]
    monthly: pd.DataFrame
    stages: pd.DataFrame
    funnel: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    counters: pd.DataFrame | None = None

    @property
    def scenario(self) -> dict[str, Any]:
        """The resolved scenario from the manifest ({} when there is no manifest)."""
        return self.manifest.get("scenario") or {}

    def role_departments(self) -> dict[str, str]:
        return {r: v.get("department", "other") for r, v in (self.scenario.get("roles") or {}).items()}

    def health_thresholds(self) -> dict[str, float]:
        """The scenario's healthy_threshold and active_threshold ({} when the manifest lacks them)."""
        c = self.scenario.get("customers") or {}
        return {k: float(c[k]) for k in ("healthy_threshold", "active_threshold") if isinstance(c.get(k), (int, float))}


def load_run(directory: str | Path) -> RunData:
    """Read a run directory written by `orgsim run --out`; UsageError names what is missing."""
    d = Path(directory)
    if not d.is_dir():
        raise UsageError(f"{d}: no such directory (give the DIR of `orgsim run --out DIR`)")
    missing = [n for n in NEEDED if not (d / n).is_file()]
    if missing:
        raise UsageError(f"{d}: missing {', '.join(missing)}; is this a directory written by `orgsim run --out`?")

    def read_json(name: str) -> dict[str, Any]:
        try:
            doc = json.loads((d / name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise UsageError(f"{d / name}: cannot read it as JSON: {e}") from None
        if not isinstance(doc, dict):
            raise UsageError(f"{d / name}: expected a JSON object")
        return doc

    def read_csv(name: str, columns: tuple[str, ...]) -> pd.DataFrame:
        df = read_csv_text(d / name, d / name)
        lacking = [c for c in columns if c not in df.columns]
        if lacking:
            raise UsageError(f"{d / name}: missing column(s) {', '.join(lacking)}")
        return check_numbers(df, d / name)

    summary = read_json("summary.json")
    for key in ("kpis", "stages", "funnel"):
        if not isinstance(summary.get(key), dict):
            raise UsageError(f"{d / 'summary.json'}: has no {key!r} block; was it written by `orgsim run`?")
    manifest = read_json("manifest.json") if (d / "manifest.json").is_file() else {}
    check_manifest(manifest, d / "manifest.json")
    return RunData(
        summary=summary,
        monthly=read_csv("monthly.csv", ("replication", "month", "metric", "value")),
        stages=read_csv("stages.csv", ("replication", "stage", "mean_wait_hours", "p90_wait_hours", "utilization")),
        funnel=read_csv("funnel.csv", ("replication", *FUNNEL_KEYS)),
        manifest=manifest,
        counters=read_csv("counters.csv", ("replication",)) if (d / "counters.csv").is_file() else None,
    )


# ---- HTML ------------------------------------------------------------------------------------


def _kpi_section(run: RunData) -> str:
    reps = run.summary.get("replications", 0)
    rows = []
    for k, spec in KPIS.items():
        st = run.summary["kpis"].get(k)
        if st is None:
            continue
        n = st.get("n", reps)
        rows.append(
            [
                spec.label,
                k,
                spec.format(mean_of(st)),
                ci_range(st, spec.unit),
                f"{n}/{reps}" if isinstance(n, int) and n < reps else "",
                spec.definition,
            ]
        )
    note = (
        '<p class="sub">Mean over replications with its 95% confidence interval (Student t). '
        "n shows where a KPI was undefined in some replications (e.g. CAC with no new customer).</p>"
    )
    return "<h2>KPIs</h2>" + note + html_table(["KPI", "key", "mean", "95% CI", "n", "definition"], rows, {2, 3, 4})


def _funnel_stage_tables(run: RunData) -> str:
    f = run.summary.get("funnel") or {}
    rows, prev = [], None
    for k in FUNNEL_KEYS:
        m = mean_of(f.get(k))
        conv = fmt(m / prev, "pct") if prev and m is not None else ""
        rows.append([k, fmt(m), ci_range(f.get(k), "count"), conv])
        prev = m
    out = "<h2>Funnel and stages</h2>" + html_table(["step", "mean", "95% CI", "from the step before"], rows, {1, 2, 3})
    stages = run.summary.get("stages") or {}
    worst = max(stages, key=lambda n: mean_of(stages[n].get("mean_wait_hours")) or 0.0) if stages else None
    if worst and not (mean_of(stages[worst].get("mean_wait_hours")) or 0) > 0:
        worst = None
    rows, classes = [], []
    for name, st in stages.items():
        rows.append(
            [
                name,
                fmt(mean_of(st.get("arrivals"))),
                fmt(mean_of(st.get("completed"))),
                fmt(mean_of(st.get("mean_wait_hours")), "hours"),
                fmt(mean_of(st.get("p90_wait_hours")), "hours"),
                fmt(mean_of(st.get("utilization")), "pct"),
                "bottleneck" if name == worst else "",
            ]
        )
        classes.append("worst" if name == worst else "")
    out += html_table(
        ["stage", "tasks arrived", "completed", "mean wait (h)", "p90 wait (h)", "utilisation", ""],
        rows,
        {1, 2, 3, 4, 5},
        classes,
    )
    return out + _role_table(run.summary.get("roles") or {})


def _role_table(roles: Mapping[str, Any]) -> str:
    """Per role that some stage sends tasks: utilisation over all of them, headcount and backlog at the end."""
    rows = [
        [
            name,
            fmt(mean_of(r.get("utilization")), "pct"),
            ci_range(r.get("utilization"), "pct"),
            fmt(mean_of(r.get("headcount_end"))),
            fmt(mean_of(r.get("backlog"))),
            fmt(mean_of(r.get("meetings_booked"))),
        ]
        for name, r in roles.items()
        if mean_of(r.get("utilization")) is not None
    ]
    if not rows:
        return ""
    note = (
        "<p>Utilisation over every task the role serves (busy time over staffed time available for tasks); "
        "backlog: tasks waiting for the role at the end, plus opportunities waiting for an AE with room.</p>"
    )
    head = ["role", "utilisation", "95% CI", "headcount at end", "backlog at end", "meetings booked"]
    return "<h3>Roles</h3>" + note + html_table(head, rows, {1, 2, 3, 4, 5})


def _manifest_section(run: RunData) -> str:
    m = run.manifest
    if not m:
        return "<h2>Manifest</h2><p>No manifest.json in the run directory.</p>"
    keys = [
        "orgsim_version",
        "scenario_file",
        "scenario_sha256",
        "overrides",
        "seed",
        "replications",
        "workers",
        "created_utc",
        "runtime_s",
        "python",
        "files",
    ]
    rows = [
        [k, (", ".join(map(str, m[k])) or "(none)") if isinstance(m[k], list) else str(m[k])] for k in keys if k in m
    ]
    resolved = json.dumps(m.get("scenario", {}), indent=2, ensure_ascii=False)
    return (
        '<h2>Manifest</h2><p class="sub">What produced these numbers; the same seed and scenario give the '
        "same results.</p>"
        + html_table(["field", "value"], rows)
        + "<details><summary>Resolved scenario (every value, defaults included)</summary>"
        + f"<pre>{E(resolved)}</pre></details>"
    )


def _findings_section(run: RunData, thresholds: Mapping[str, float]) -> str:
    """Findings ranked (cash, then what stops growth, then the rest), each with its severity."""
    items = "".join(
        f'<li class="{f.severity}{" worst" if " is the bottleneck" in f.text else ""}">'
        f'<span class="sev">{E(f.severity)}</span> {E(f.text)}</li>'
        for f in ranked_findings(run, **thresholds)
    )
    wait = thresholds.get("min_wait_hours", BOTTLENECK_WAIT_HOURS)
    busy = thresholds.get("busy", BOTTLENECK_UTILISATION)
    note = (
        '<p class="sub">Cash first, then what stops growth, then the rest. A stage is called the bottleneck only '
        f"when its work waits at least {wait:g} hours on average and its people are busy at least {busy:.0%} "
        "of their time.</p>"
    )
    return f'<h2>Findings</h2>{note}<ul class="findings">{items}</ul>'


def render_html(run: RunData, images: Mapping[str, bytes], thresholds: Mapping[str, float] | None = None) -> str:
    """The report as one HTML string; `images` maps plot name -> PNG bytes (embedded as data: URIs);
    `thresholds`: `min_wait_hours` and `busy` (utilisation) for the bottleneck, as `ranked_findings`."""
    thresholds = dict(thresholds or {})
    s = run.summary
    name = str(s.get("scenario", "scenario"))
    sub = (
        f"{s.get('replications', '?')} replications · seed {s.get('seed', '?')} · {s.get('horizon_months', '?')} months"
        + (f" · created {run.manifest['created_utc']}" if run.manifest.get("created_utc") else "")
        + (f" · orgsim {run.manifest['orgsim_version']}" if run.manifest.get("orgsim_version") else "")
    )
    figs = []
    for key, png in images.items():
        data = base64.b64encode(png).decode("ascii")
        figs.append(
            f'<figure><img alt="{E(key.replace("_", " "))}" src="data:image/png;base64,{data}">'
            f"<figcaption>{E(PLOT_CAPTIONS.get(key, ''))}</figcaption></figure>"
        )
    body = [
        f'<h1>{E(name)}</h1><p class="sub">{E(sub)}</p>',
        '<section class="lead">' + "".join(f"<p>{E(x)}</p>" for x in headline(run)) + "</section>",
        _findings_section(run, thresholds),
        inputs_section(run.manifest),
        _kpi_section(run),
        "<h2>Plots</h2>" + "".join(figs),
        retention_section(run.summary),
        scenario_section(run),
        _funnel_stage_tables(run),
        _manifest_section(run),
        "<footer>Made by orgsim, a discrete-event simulation of a SaaS company's customer value chain. "
        "Every number is an average over simulated replications of the scenario above, not a forecast.</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{E(name)} — orgsim report</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def report_files(run: RunData, dpi: int = 100, thresholds: Mapping[str, float] | None = None) -> dict[str, bytes]:
    """plots/*.png and report.html for a run, as bytes by relative path (nothing written)."""
    from orgsim.outputs import plots  # matplotlib only when figures are drawn: `orgsim run` without --out needs none

    figures = plots.run_figures(run.monthly, run.stages, run.funnel, run.role_departments(), **run.health_thresholds())
    figures.update(retention_figures(run.summary))  # (none for a run written before retention outputs)
    images = {name: plots.png_bytes(fig, dpi=dpi) for name, fig in figures.items()}
    files = {f"plots/{name}.png": png for name, png in images.items()}
    files[REPORT_FILE] = render_html(run, images, thresholds).encode("utf-8")
    return files


def write_report(
    directory: str | Path,
    dpi: int = 100,
    thresholds: Mapping[str, float] | None = None,
    sensitivity: dict[str, Any] | None = None,
) -> list[Path]:
    """Regenerate report.html and plots/*.png in a run directory, atomically, all or none; returns the paths.
    `sensitivity` (`top_inputs.measured_all`) replaces the ranking kept in manifest.json, for this report only."""
    from orgsim.outputs.transaction import write_files_together

    d = Path(directory)
    run = load_run(d)
    if sensitivity is not None:
        run.manifest["sensitivity"] = sensitivity
    files = report_files(run, dpi=dpi, thresholds=thresholds)  # everything rendered before anything is written
    return write_files_together(d, files)
