"""The files and report of `orgsim sensitivity --out DIR`: JSON, tables, a tornado chart, report.html.

Like the other experiments (`orgsim.outputs.report_experiments`): every file is rendered as bytes
first (nothing written here), the report from the result's JSON, with the run report's CSS and
table helpers; images are embedded, no JavaScript, every piece of text from data is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgsim.metrics.registry import KPI_LABELS, fmt, unit_of
from orgsim.outputs.files import csv_text, dumps_json, parquet_files
from orgsim.outputs.html import CSS, E, figure_html, html_table, paragraphs
from orgsim.outputs.report import REPORT_FILE
from orgsim.scenario.errors import UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from orgsim.experiments.sensitivity import SensitivityResult

__all__ = ["headline", "is_sensitivity_dir", "report_files", "sensitivity_files", "tornado_figure", "write_report"]


def tornado_figure(doc: Mapping[str, Any]) -> Figure:
    """One panel per KPI: each input alone at its low (light) and high (dark) end, widest swing on top."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from orgsim.outputs.plots.common import unit_formatter

    kpis = list(doc["kpis"])
    n = max(len(doc["params"]), 1)
    fig = Figure(figsize=(7.5 * len(kpis), 0.45 * n + 1.6), layout="constrained")
    for ax, k in zip(fig.subplots(1, len(kpis), squeeze=False)[0], kpis):
        rows = [r for r in doc["kpis"][k]["tornado"] if r["low"] is not None and r["high"] is not None][::-1]
        base = doc["kpis"][k]["tornado"][0]["baseline"] if rows else 0.0
        for y, r in enumerate(rows):
            ax.barh(y, r["low"] - base, left=base, color="#9ecae1", label="input at its low end" if y == 0 else None)
            ax.barh(y, r["high"] - base, left=base, color="#3182bd", label="input at its high end" if y == 0 else None)
        ax.axvline(base, color="#333", lw=1)
        ax.set_yticks(range(len(rows)), [r["param"] for r in rows], fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.xaxis.set_major_formatter(unit_formatter(unit_of(k)))
        ax.set_title(f"{KPI_LABELS.get(k, k)} (line: the scenario as written)", fontsize=10)
        ax.legend(fontsize=8, loc="lower right")
    return fig


def _index_cells(method: str, row: Mapping[str, Any], unit: str) -> list[str]:
    if method == "morris":
        conf = row["mu_star_conf"] or 0.0
        return [fmt(row["mu_star"], unit), f"± {fmt(conf, unit)}", fmt(row["mu"], unit), fmt(row["sigma"], unit)]
    return [
        f"{row['S1']:.2f} ± {row['S1_conf']:.2f}" if row["S1"] is not None else "-",
        f"{row['ST']:.2f} ± {row['ST_conf']:.2f}" if row["ST"] is not None else "-",
    ]


def headline(doc: Mapping[str, Any]) -> list[str]:
    """One sentence per KPI naming the inputs that matter most."""
    lines = []
    for k, block in doc["kpis"].items():
        ranking = block["ranking"]
        if not ranking:
            continue
        top = ranking[0]["param"]
        second = f", then {ranking[1]['param']}" if len(ranking) > 1 else ""
        swing = next((r for r in block["tornado"] if r["param"] == top), None)
        moved = (
            f"; alone over its range it moves {KPI_LABELS.get(k, k)} from {fmt(swing['low'], unit_of(k))} "
            f"to {fmt(swing['high'], unit_of(k))}"
            if swing and swing["low"] is not None
            else ""
        )
        lines.append(f"{KPI_LABELS.get(k, k)} depends most on {top}{second}{moved}.")
    return lines


def _page(doc: Mapping[str, Any], images: Mapping[str, bytes], manifest: Mapping[str, Any]) -> str:
    method = doc["method"]
    design = doc["design"]
    head = ["rank", "input", "low", "high", "scenario"] + (
        ["mu* (mean |effect|)", "95% CI", "mu", "sigma"] if method == "morris" else ["S1 ± CI", "ST ± CI"]
    )
    tables = []
    for k, block in doc["kpis"].items():
        unit = unit_of(k)
        rows = [
            [str(i + 1), r["param"], f"{doc['params'][r['param']]['low']:g}", f"{doc['params'][r['param']]['high']:g}"]
            + [str(doc["params"][r["param"]]["baseline"])]
            + _index_cells(method, r, unit)
            for i, r in enumerate(block["ranking"])
        ]
        tables.append(f"<h3>{E(KPI_LABELS.get(k, k))}</h3>" + html_table(head, rows, numeric=range(5, len(head))))
    what = (
        f"Morris screening: {design.get('trajectories')} trajectories over {design.get('levels')} levels"
        if method == "morris"
        else f"Sobol indices: {design.get('samples')} base samples (Saltelli)"
    )
    method_lines = [
        f"{what}, {design['points']} sample points of {len(doc['params'])} inputs; each point is scenario "
        f"{doc['scenario']} with those values, run for {doc['horizon_months']} months with {doc['replications']} "
        f"replications on seed {doc['seed']} (the same random numbers at every point) and averaged.",
        "mu* is the mean absolute change of the KPI when one input moves one grid step (2/3 of its range with "
        "4 levels), scaled to the input's whole range, in the KPI's unit; "
        "sigma large beside mu* means the effect depends on the other inputs. S1 is the share of the KPI's variance "
        "an input explains alone, ST with its interactions. The tornado moves one input at a time and ignores "
        "interactions; read it beside the ranking.",
    ]
    title = f"Which assumption matters most: {doc['scenario']}"
    body = [
        f'<h1>{E(title)}</h1><p class="sub">{E(method)} · seed {doc["seed"]} · {doc["replications"]} replications'
        f" per point</p>",
        "<h2>What was run</h2>" + paragraphs(method_lines),
        '<h2>What it shows</h2><section class="lead">' + paragraphs(headline(doc)) + "</section>",
        "<h2>Ranking</h2>" + "".join(tables),
        "<h2>Plots</h2>"
        + "".join(figure_html(n, png, "Each input alone at its low and high end.") for n, png in images.items()),
        "<h2>Manifest</h2><pre>"
        + E(json.dumps({k: v for k, v in manifest.items() if k != "scenarios"}, indent=2))
        + "</pre>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{E(title)} — orgsim sensitivity report</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def sensitivity_files(
    result: SensitivityResult, json_text: str, manifest: Mapping[str, Any], dpi: int = 100
) -> dict[str, bytes]:
    """Every file of `--out DIR` as bytes by relative path: sensitivity.json, ranking.csv, points.csv
    (Parquet copies with pyarrow), manifest.json, plots/tornado.png, report.html."""
    tables = {"ranking": result.ranking(), "points": result.points}
    texts = {"sensitivity.json": json_text, **{f"{stem}.csv": csv_text(df) for stem, df in tables.items()}}
    parquet = parquet_files(tables)
    names = [*texts, *parquet, "manifest.json", "plots/tornado.png", REPORT_FILE]
    full = {**manifest, "command": "sensitivity", "files": names}
    texts["manifest.json"] = dumps_json(full)
    return {
        **{n: t.encode("utf-8") for n, t in texts.items()},
        **parquet,
        **report_files(json.loads(json_text), full, dpi),
    }


def report_files(doc: Mapping[str, Any], manifest: Mapping[str, Any], dpi: int = 100) -> dict[str, bytes]:
    """plots/tornado.png and report.html from the result's JSON and the manifest (nothing written)."""
    from orgsim.outputs.plots.common import png_bytes

    images = {"tornado": png_bytes(tornado_figure(doc), dpi=dpi)}
    return {
        **{f"plots/{n}.png": png for n, png in images.items()},
        REPORT_FILE: _page(doc, images, manifest).encode("utf-8"),
    }


def is_sensitivity_dir(directory: str | Path) -> bool:
    """True when DIR's manifest.json says `orgsim sensitivity --out` wrote it."""
    try:
        doc = json.loads((Path(directory) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("command") == "sensitivity"


def write_report(directory: str | Path, dpi: int = 100) -> list[Path]:
    """`orgsim report DIR` for a sensitivity directory: report.html and the tornado from its files alone."""
    from orgsim.outputs.report_experiments import write_files

    d = Path(directory)
    try:
        doc = json.loads((d / "sensitivity.json").read_text(encoding="utf-8"))
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        files = report_files(doc, manifest, dpi)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UsageError(f"{d}: cannot rebuild the sensitivity report from sensitivity.json: {e}") from None
    return write_files(d, files)
