"""The files and the report of an experiment: `orgsim compare|sweep|focus ... --out DIR`.

Like a run directory (`orgsim.outputs.report`), an experiment directory holds the JSON result (the very
text `--json` writes: `compare.json`, `sweep.json` or `focus.json`), tidy CSV tables (Parquet
copies too when pyarrow is installed), `manifest.json` (its `"command"` says which experiment
made the directory), `plots/*.png` and one self-contained `report.html` written for a founder.

The report is always rendered from the texts of those files: `--out` parses the texts it is about
to write, `orgsim report DIR` reads them back from DIR, so both give the same report. Nothing here
runs a simulation, and only `write_files` and `write_report` write; everything else returns data.
The HTML reuses the run report's CSS and table helper (`orgsim.outputs.html`); the words and
tables of each experiment are built by `orgsim.outputs.pages`. It, embeds its images as base64 PNG and holds
no JavaScript; every piece of text that comes from data is escaped.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from orgsim.outputs import plots
from orgsim.outputs.files import csv_text, dumps_json, parquet_files
from orgsim.outputs.html import CSS, E, figure_html, html_table, paragraphs
from orgsim.outputs.pages import compare, focus, hire as hire_page, sweep
from orgsim.outputs.readback import check_manifest, check_numbers, read_csv_text
from orgsim.outputs.report import REPORT_FILE
from orgsim.scenario.errors import UsageError

if TYPE_CHECKING:
    from orgsim.experiments.comparison import Comparison
    from orgsim.experiments.focus_result import FocusResult
    from orgsim.experiments.hire_result import HireResult
    from orgsim.experiments.sweeps import SweepResult

__all__ = [
    "COMMANDS",
    "PLOTS",
    "ExperimentData",
    "compare_tables",
    "experiment_command",
    "experiment_files",
    "focus_tables",
    "hire_tables",
    "load_experiment",
    "render_html",
    "report_files",
    "sweep_tables",
    "write_files",
    "write_report",
]


COMMANDS = ("compare", "sweep", "focus", "hire")
MANIFEST = "manifest.json"
PLOTS = {"compare": ("differences", "arr_fan"), "sweep": ("sweep",), "focus": ("ranking",), "hire": ("options",)}
# The CSV tables a report is made from (with the columns it needs), besides the JSON and the manifest.
REPORT_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "compare": {
        "differences": ("arm", "kpi", "mean", "ci95_low", "ci95_high"),
        "monthly": ("scenario", "replication", "month", "metric", "value"),
    },
    "sweep": {
        "sweep": ("point", "kpi", "replications", "mean", "ci95_low", "ci95_high"),
        "kpis": ("point", "replication"),
    },
    "focus": {"ranking": ("rank", "order", "status", "replications", "mean", "ci95_low", "ci95_high")},
    "hire": {
        "ranking": ("rank", "hires", "status", "replications", "mean", "diff_mean", "diff_ci95_low", "diff_ci95_high")
    },
}
RESULT_KEYS: dict[str, tuple[str, ...]] = {
    "compare": ("arms", "differences"),
    "sweep": ("scenario", "vary", "points"),
    "focus": ("scenario", "by", "orders", "statement"),
    "hire": ("scenario", "by", "options", "baseline", "recommendation"),
}
EXTRA_CSS = (
    "tr.better td{background:#eaf6ee} tr.worse td{background:#fbeaea} "
    "tr.best td{background:#eaf6ee;font-weight:600} div.scroll{overflow-x:auto}"
)
MANIFEST_FIELDS = (
    "command",
    "orgsim_version",
    "scenario_files",
    "overrides",
    "seed",
    "replications",
    "workers",
    "settings",
    "created_utc",
    "runtime_s",
    "python",
    "files",
)
_PAGES = {"compare": compare, "sweep": sweep, "focus": focus, "hire": hire_page}


@dataclass
class ExperimentData:
    """Everything an experiment report is made from: the files of its directory, as data."""

    command: str
    result: dict[str, Any]  # compare.json, sweep.json or focus.json
    tables: dict[str, pd.DataFrame]  # the CSV tables of REPORT_TABLES[command], by stem
    manifest: dict[str, Any]


# ---- tables from result objects --------------------------------------------------------------


def compare_tables(cmp: Comparison) -> dict[str, pd.DataFrame]:
    """summary (per scenario and KPI: n, mean, std, 95% CI), differences (each scenario minus the
    first, per KPI), kpis (per scenario and replication) and monthly (tidy, with a scenario column)."""
    summary = pd.concat([a.summary().reset_index().assign(scenario=a.name) for a in cmp.arms], ignore_index=True)
    return {
        "summary": summary[["scenario", "kpi", "n", "mean", "std", "ci95_low", "ci95_high"]],
        "differences": cmp.differences(),
        "kpis": pd.concat([a.kpis for a in cmp.arms], ignore_index=True),
        "monthly": pd.concat([a.monthly for a in cmp.arms], ignore_index=True),
    }


def sweep_tables(result: SweepResult) -> dict[str, pd.DataFrame]:
    """sweep (one row per point and KPI: parameters, mean, 95% CI) and kpis (per point and replication)."""
    return {"sweep": result.to_frame(), "kpis": result.kpis}


def focus_tables(result: FocusResult) -> dict[str, pd.DataFrame]:
    """ranking (one row per order, best first) and kpis (per order and replication, an order column first)."""
    from orgsim.experiments.focus_result import label

    frames = []
    for order, res in result.results.items():
        frame = res.kpis
        frame.insert(0, "order", label(order))
        frames.append(frame)
    return {"ranking": result.ranking(), "kpis": pd.concat(frames, ignore_index=True)}


def hire_tables(result: HireResult) -> dict[str, pd.DataFrame]:
    """ranking (one row per option, best first) and kpis (per option and replication, a hires column first)."""
    from orgsim.experiments.hire_result import mix_label

    frames = []
    for mix, res in result.results.items():
        frame = res.kpis
        frame.insert(0, "hires", mix_label(mix))
        frames.append(frame)
    return {"ranking": result.ranking(), "kpis": pd.concat(frames, ignore_index=True)}


# ---- files: render, load, write --------------------------------------------------------------


def _report_names(command: str) -> list[str]:
    return [*(f"plots/{name}.png" for name in PLOTS[command]), REPORT_FILE]


def experiment_files(
    command: str, json_text: str, tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], dpi: int = 100
) -> dict[str, bytes]:
    """Every file of an experiment directory as bytes by relative path (nothing written): the JSON
    result, each table as CSV (and Parquet with pyarrow), manifest.json (`manifest` with "command"
    and "files" added), plots/*.png and report.html, the report rendered from those texts."""
    texts = {f"{command}.json": json_text, **{f"{stem}.csv": csv_text(df) for stem, df in tables.items()}}
    parquet = parquet_files(tables)
    names = [*texts, *parquet, MANIFEST, *_report_names(command)]
    texts[MANIFEST] = dumps_json({**manifest, "command": command, "files": names})
    report = report_files(_parse(command, texts, Path()), dpi=dpi)
    return {**{name: text.encode("utf-8") for name, text in texts.items()}, **parquet, **report}


def experiment_command(directory: str | Path) -> str | None:
    """ "compare", "sweep" or "focus" when DIR's manifest.json says that experiment wrote DIR; else None."""
    try:
        doc = json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    command = doc.get("command") if isinstance(doc, dict) else None
    return command if command in COMMANDS else None


def load_experiment(directory: str | Path) -> ExperimentData:
    """Read an experiment directory written by `--out`; UsageError names what is missing or unreadable."""
    d = Path(directory)
    command = experiment_command(d)
    if command is None:
        raise UsageError(f"{d}: no manifest.json of `orgsim compare`, `sweep` or `focus --out DIR`")
    names = [f"{command}.json", MANIFEST, *(f"{stem}.csv" for stem in REPORT_TABLES[command])]
    missing = [n for n in names if not (d / n).is_file()]
    if missing:
        raise UsageError(f"{d}: missing {', '.join(missing)}; is this a directory written by `orgsim {command} --out`?")
    texts = {}
    for name in names:
        try:
            texts[name] = (d / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"{d / name}: cannot read it: {e}") from None
    return _parse(command, texts, d)


def _parse(command: str, texts: Mapping[str, str], where: Path) -> ExperimentData:
    result = _json(texts, f"{command}.json", where)
    lacking = [k for k in RESULT_KEYS[command] if k not in result]
    if lacking:
        raise UsageError(f"{where / f'{command}.json'}: no {', '.join(lacking)}; was it written by `orgsim {command}`?")
    vary = result.get("vary")
    params: dict[str, Any] = vary if isinstance(vary, dict) else {}  # a sweep's parameters: any value
    tables = {
        stem: _csv(texts, f"{stem}.csv", columns, where, skip=params)
        for stem, columns in REPORT_TABLES[command].items()
    }
    manifest = _json(texts, MANIFEST, where)
    check_manifest(manifest, where / MANIFEST)
    return ExperimentData(command, result, tables, manifest)


def _json(texts: Mapping[str, str], name: str, where: Path) -> dict[str, Any]:
    try:
        doc = json.loads(texts[name])
    except ValueError as e:
        raise UsageError(f"{where / name}: cannot read it as JSON: {e}") from None
    if not isinstance(doc, dict):
        raise UsageError(f"{where / name}: expected a JSON object")
    return doc


def _csv(
    texts: Mapping[str, str], name: str, columns: Sequence[str], where: Path, skip: Iterable[str] = ()
) -> pd.DataFrame:
    df = read_csv_text(where / name, io.StringIO(texts[name]))
    lacking = [c for c in columns if c not in df.columns]
    if lacking:
        raise UsageError(f"{where / name}: missing column(s) {', '.join(lacking)}")
    return check_numbers(df, where / name, skip)


def write_files(directory: str | Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write rendered files under DIR (created if missing), each atomically and all or none; returns their paths."""
    from orgsim.outputs.transaction import write_files_together

    return write_files_together(directory, files)


def write_report(directory: str | Path, dpi: int = 100) -> list[Path]:
    """Regenerate report.html and plots/*.png of an experiment directory from its files alone."""
    return write_files(directory, report_files(load_experiment(directory), dpi=dpi))


# ---- the report ------------------------------------------------------------------------------


def report_files(data: ExperimentData, dpi: int = 100) -> dict[str, bytes]:
    """plots/*.png and report.html of an experiment, as bytes by relative path (nothing written)."""
    figures = _PAGES[data.command].build_figures(data)
    images = {name: plots.png_bytes(fig, dpi=dpi) for name, fig in figures.items()}
    files = {f"plots/{name}.png": png for name, png in images.items()}
    files[REPORT_FILE] = render_html(data, images).encode("utf-8")
    return files


def render_html(data: ExperimentData, images: Mapping[str, bytes]) -> str:
    """The report as one HTML string; `images` maps plot name -> PNG bytes (embedded as data: URIs)."""
    page = _PAGES[data.command].build_page(data)
    m = data.manifest
    facts = [
        *page.facts,
        *([f"created {m['created_utc']}"] if m.get("created_utc") else []),
        *([f"orgsim {m['orgsim_version']}"] if m.get("orgsim_version") else []),
    ]
    body = [
        f'<h1>{E(page.title)}</h1><p class="sub">{E(" · ".join(facts))}</p>',
        "<h2>What was run</h2>" + paragraphs(page.method),
        '<h2>What it shows</h2><section class="lead">' + paragraphs(page.headline) + "</section>",
        page.tables,
        "<h2>Plots</h2>" + "".join(figure_html(name, png, page.captions.get(name, "")) for name, png in images.items()),
        _manifest_section(m),
        "<footer>Made by orgsim, a discrete-event simulation of a SaaS company's customer value chain. "
        "Every number is an average over simulated replications of the scenarios above, not a forecast.</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{E(page.title)} — orgsim {E(data.command)} report</title><style>{CSS}{EXTRA_CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def _manifest_section(m: Mapping[str, Any]) -> str:
    rows = [[k, _manifest_value(m[k])] for k in MANIFEST_FIELDS if k in m]
    resolved = "".join(
        f"<details><summary>Resolved scenario {E(name)} (every value, defaults included)</summary>"
        f"<pre>{E(json.dumps(sc, indent=2, ensure_ascii=False))}</pre></details>"
        for name, sc in (m.get("scenarios") or {}).items()
    )
    return (
        '<h2>Manifest</h2><p class="sub">What produced these numbers; the same seed and scenarios give the '
        "same results.</p>" + html_table(["field", "value"], rows) + resolved
    )


def _manifest_value(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_manifest_value(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in value.items()) or "(none)"
    return str(value)
