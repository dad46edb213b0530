"""The files and report of `orgsim optimize --out DIR`: the best plan as a scenario, the study, tables, plots.

Like the other experiments (`orgsim.outputs.report_experiments`, `report_sensitivity`): every file
is rendered as bytes first, nothing is written here. `scenario.yaml` is the optimised scenario as
it was run (its `extends:` chain and `--set` overrides resolved into one file) and `best.yaml`
extends it, setting only the varied keys: `extends` may name only files in the scenario's own
directory tree (`orgsim.scenario.loader`), so the base is kept beside the plan and the directory
can be moved or shared whole. The plots are drawn from the trials table alone (no Optuna plotting,
which needs pyplot or plotly).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from orgsim.experiments.optimize_result import show_value
from orgsim.metrics.registry import KPI_LABELS, fmt, unit_of
from orgsim.outputs.files import csv_text, dumps_json
from orgsim.outputs.html import CSS, E, figure_html, html_table, paragraphs
from orgsim.outputs.report import REPORT_FILE
from orgsim.scenario.errors import UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from orgsim.experiments.optimize_result import OptimizeResult

__all__ = ["best_yaml", "is_optimize_dir", "optimize_files", "scenario_yaml", "write_report"]

STUDY_FILE = "study.db"


def scenario_yaml(result: OptimizeResult, source: str) -> str:
    head = (
        f"# The scenario `orgsim optimize` ran: {source} with its extends and --set overrides resolved.\n"
        "# best.yaml extends this file.\n"
    )
    return head + yaml.safe_dump(result.base.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def best_yaml(result: OptimizeResult, source: str) -> str:
    """The winner as a scenario: `extends: scenario.yaml` and the varied keys, nothing else."""
    doc = {"extends": "scenario.yaml", "name": f"{result.scenario}-optimized", **result.best_overrides()}
    lines = [
        f"# The best plan orgsim optimize found for {source}: {result.answer}",
        f"# {result.statement}",
        f"# Goal {result.kpi} ({'max' if result.direction > 0 else 'min'}) at month {result.at_month}; seed "
        f"{result.seed}; {len(result.study.trials)} trials of {result.replications} replications.",
    ]
    return "\n".join(_comment(x) for x in lines) + "\n" + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _comment(text: str) -> str:
    import textwrap

    return "\n".join("# " + line for line in textwrap.wrap(text.removeprefix("# "), 110, break_on_hyphens=False))


def _front(trials: pd.DataFrame, goal: str, direction: int) -> pd.Series:
    """Pareto-optimal trials on (goal in its better direction, cash_min higher)."""
    x, y = trials[goal] * direction, trials["cash_min"]
    return pd.Series([not ((x >= a) & (y >= b) & ((x > a) | (y > b))).any() for a, b in zip(x, y)], index=trials.index)


def pareto_figure(trials: pd.DataFrame, doc: Mapping[str, Any]) -> Figure:
    from matplotlib.figure import Figure

    from orgsim.outputs.plots.common import unit_formatter

    goal, direction = doc["goal"]["kpi"], 1 if doc["goal"]["direction"] == "max" else -1
    t = trials[(trials["state"] == "COMPLETE") & trials[goal].notna() & trials["cash_min"].notna()]
    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    ax = fig.subplots()
    for feasible, colour, name in ((True, "#3182bd", "feasible"), (False, "#bbbbbb", "breaks a constraint")):
        part = t[t["feasible"] == feasible]
        ax.scatter(part[goal], part["cash_min"], s=18, color=colour, label=f"trial, {name}")
    if len(t):
        front = t[_front(t, goal, direction)].sort_values(goal)
        ax.plot(front[goal], front["cash_min"], color="#e6550d", marker="o", ms=5, lw=1.2, label="Pareto front")
    best = doc.get("best")
    if best:
        ax.scatter(
            [best["kpis"][goal]["mean"]],
            [best["kpis"]["cash_min"]["mean"]],
            marker="*",
            s=220,
            color="#31a354",
            zorder=5,
            label="confirmed best",
        )
    base = doc["baseline"]["kpis"]
    ax.scatter(
        [base[goal]["mean"]],
        [base["cash_min"]["mean"]],
        marker="D",
        s=60,
        color="#222",
        zorder=5,
        label="scenario's own plan",
    )
    ax.xaxis.set_major_formatter(unit_formatter(unit_of(goal)))
    ax.yaxis.set_major_formatter(unit_formatter("money"))
    ax.set_xlabel(f"{KPI_LABELS.get(goal, goal)} (mean of {doc['replications']} replications)")
    ax.set_ylabel("Lowest cash balance (mean)")
    ax.legend(fontsize=8)
    return fig


def history_figure(trials: pd.DataFrame, doc: Mapping[str, Any]) -> Figure:
    from matplotlib.figure import Figure

    from orgsim.outputs.plots.common import unit_formatter

    goal, direction = doc["goal"]["kpi"], 1 if doc["goal"]["direction"] == "max" else -1
    t = trials[trials["state"] == "COMPLETE"].sort_values("trial")
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.subplots()
    ax.scatter(
        t["trial"],
        t["goal"],
        s=14,
        c=["#3182bd" if f else "#bbbbbb" for f in t["feasible"]],
        label="trial (grey: breaks a constraint)",
    )
    best = (t["goal"].where(t["feasible"]) * direction).cummax() * direction
    ax.step(t["trial"], best, where="post", color="#e6550d", label="best feasible so far")
    ax.yaxis.set_major_formatter(unit_formatter(unit_of(goal)))
    ax.set_xlabel("trial")
    ax.set_ylabel(KPI_LABELS.get(goal, goal))
    ax.legend(fontsize=8)
    return fig


def importance_figure(doc: Mapping[str, Any]) -> Figure:
    from matplotlib.figure import Figure

    imp = doc.get("importances") or {}
    fig = Figure(figsize=(7.5, 0.45 * max(len(imp), 1) + 1.4), layout="constrained")
    ax = fig.subplots()
    names = list(imp)[::-1]
    ax.barh(range(len(names)), [imp[n] for n in names], color="#3182bd")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("PED-ANOVA importance (share)")
    if not imp:
        ax.text(0.5, 0.5, "too few trials to estimate importances", ha="center", transform=ax.transAxes)
    return fig


def _page(doc: Mapping[str, Any], images: Mapping[str, bytes], manifest: Mapping[str, Any]) -> str:
    goal = doc["goal"]["kpi"]
    unit = unit_of(goal)
    rows = []
    for r in doc["confirmation"]:
        gain = r["gain_over_baseline"]
        rows.append(
            [
                str(r["rank"]),
                "the scenario's own plan"
                if r["plan"] == "baseline"
                else ", ".join(f"{k}={show_value(v)}" for k, v in r["params"].items()),
                r["status"],
                str(r["replications"]),
                fmt(r["goal"]["mean"], unit),
                "-"
                if not gain
                else f"{fmt(gain['mean'], unit)} [{fmt(gain['ci95'][0], unit)}, {fmt(gain['ci95'][1], unit)}]",
                r["note"],
            ]
        )
    t = doc["trials"]
    space = "; ".join(f"{k}: {json.dumps(v)}" for k, v in doc["space"].items())
    what = [
        f"Optuna TPE searched {len(doc['space'])} scenario keys ({space}) for the best mean {goal} at month "
        f"{doc['at_month']} ({doc['goal']['direction']}), under {', '.join(c['kpi'] + c['op'] + format(c['bound'], 'g') for c in doc['constraints']) or 'no constraint'}.",  # noqa: E501
        f"{t['total']} trials ({t['this_run']} in this run, {t['feasible']} feasible), each the mean of "
        f"{doc['replications']} replications on seed {doc['seed']} (the same random numbers for every plan).",
        "The best plans and the scenario's own were then confirmed by sequential elimination with paired "
        "replications (the procedure of orgsim focus and orgsim hire).",
    ]
    captions = {
        "pareto": f"Every trial: {KPI_LABELS.get(goal, goal)} against the lowest cash balance; the front is the "
        "trials no other beats on both.",
        "history": "Each trial's mean, and the best feasible mean so far.",
        "importances": "How much each key explains of where the good trials lie (PED-ANOVA, optuna.importance).",
    }
    title = f"The best plan: {doc['scenario']}"
    body = [
        f'<h1>{E(title)}</h1><p class="sub">seed {doc["seed"]} · {doc["replications"]} replications per trial</p>',
        '<h2>Answer</h2><section class="lead">' + paragraphs([doc["answer"], doc["statement"]]) + "</section>",
        "<h2>What was run</h2>" + paragraphs(what),
        "<h2>Confirmation</h2>"
        + html_table(
            ["rank", "plan", "status", "replications", "mean", "gain over own plan [95% CI]", "note"],
            rows,
            numeric=(0, 3, 4, 5),
        ),
        "<h2>Plots</h2>" + "".join(figure_html(n, png, captions[n]) for n, png in images.items()),
        "<h2>Manifest</h2><pre>"
        + E(json.dumps({k: v for k, v in manifest.items() if k != "scenarios"}, indent=2))
        + "</pre>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{E(title)} — orgsim optimize report</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def optimize_files(
    result: OptimizeResult,
    json_text: str,
    manifest: Mapping[str, Any],
    study_db: bytes | None,
    source: str,
    dpi: int = 100,
) -> dict[str, bytes]:
    """Every file of `--out DIR` by relative path: optimize.json, trials.csv, confirmation.csv,
    scenario.yaml, best.yaml, study.db, manifest.json, plots/{pareto,history,importances}.png, report.html."""
    from orgsim.outputs.plots.common import png_bytes

    doc = json.loads(json_text)
    trials = result.trials_frame()
    confirmation = pd.DataFrame(
        [
            {
                **{k: v for k, v in r.items() if k not in ("params", "goal", "gain_over_baseline", "constraints")},
                **{f"param:{k}": json.dumps(v) if isinstance(v, list) else v for k, v in r["params"].items()},
                "mean": r["goal"]["mean"],
                "ci95_low": r["goal"]["ci95"][0],
                "ci95_high": r["goal"]["ci95"][1],
                "gain_mean": (r["gain_over_baseline"] or {}).get("mean"),
                "gain_ci95_low": ((r["gain_over_baseline"] or {}).get("ci95") or [None])[0],
                "gain_ci95_high": ((r["gain_over_baseline"] or {}).get("ci95") or [None, None])[1],
            }
            for r in doc["confirmation"]
        ]
    )
    texts = {
        "optimize.json": json_text,
        "trials.csv": csv_text(trials),
        "confirmation.csv": csv_text(confirmation),
        "scenario.yaml": scenario_yaml(result, source),
        "best.yaml": best_yaml(result, source),
    }
    images = {
        "pareto": png_bytes(pareto_figure(trials, doc), dpi=dpi),
        "history": png_bytes(history_figure(trials, doc), dpi=dpi),
        "importances": png_bytes(importance_figure(doc), dpi=dpi),
    }
    binaries = {STUDY_FILE: study_db} if study_db is not None else {}
    names = [*texts, *binaries, "manifest.json", *(f"plots/{n}.png" for n in images), REPORT_FILE]
    full = {**manifest, "command": "optimize", "files": names}
    texts["manifest.json"] = dumps_json(full)
    return {
        **{n: t.encode("utf-8") for n, t in texts.items()},
        **binaries,
        **{f"plots/{n}.png": png for n, png in images.items()},
        REPORT_FILE: _page(doc, images, full).encode("utf-8"),
    }


def is_optimize_dir(directory: str | Path) -> bool:
    """True when DIR's manifest.json says `orgsim optimize --out` wrote it."""
    try:
        doc = json.loads((Path(directory) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("command") == "optimize"


def write_report(directory: str | Path, dpi: int = 100) -> list[Path]:
    """`orgsim report DIR` for an optimize directory: report.html and the plots from optimize.json,
    trials.csv and manifest.json alone."""
    from orgsim.outputs.plots.common import png_bytes
    from orgsim.outputs.report_experiments import write_files

    d = Path(directory)
    try:
        doc = json.loads((d / "optimize.json").read_text(encoding="utf-8"))
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        trials = pd.read_csv(d / "trials.csv")
        trials["feasible"] = trials["feasible"].astype(bool)
        images = {
            "pareto": png_bytes(pareto_figure(trials, doc), dpi=dpi),
            "history": png_bytes(history_figure(trials, doc), dpi=dpi),
            "importances": png_bytes(importance_figure(doc), dpi=dpi),
        }
        page = _page(doc, images, manifest)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UsageError(f"{d}: cannot rebuild the optimize report from optimize.json and trials.csv: {e}") from None
    files = {**{f"plots/{n}.png": png for n, png in images.items()}, REPORT_FILE: page.encode("utf-8")}
    return write_files(d, files)
