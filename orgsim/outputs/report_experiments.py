"""The files and the report of an experiment: `orgsim compare|sweep|focus ... --out DIR`.

Like a run directory (`orgsim.outputs.report`), an experiment directory holds the JSON result (the very
text `--json` writes: `compare.json`, `sweep.json` or `focus.json`), tidy CSV tables (Parquet
copies too when pyarrow is installed), `manifest.json` (its `"command"` says which experiment
made the directory), `plots/*.png` and one self-contained `report.html` written for a founder.

The report is always rendered from the texts of those files: `--out` parses the texts it is about
to write, `orgsim report DIR` reads them back from DIR, so both give the same report. Nothing here
runs a simulation, and only `write_files` and `write_report` write; everything else returns data.
The HTML reuses the run report's CSS and table helper, embeds its images as base64 PNG and holds
no JavaScript; every piece of text that comes from data is escaped.
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure

from orgsim.outputs import plots
from orgsim.outputs.plots.experiments import sorted_values
from orgsim.scenario.errors import UsageError
from orgsim.experiments.stats import paired_difference, significant
from orgsim.metrics.registry import KPI_DIRECTION, KPI_KEYS, KPI_LABELS, fmt, unit_of
from orgsim.outputs.files import csv_text, dumps_json, write_bytes_atomic
from orgsim.outputs.report import CSS, E, REPORT_FILE, _ci, _mean, _table, parquet_files
from orgsim.outputs.text import diff_text, p_text, param_text
from orgsim.outputs.text_experiments import SWEEP_KPIS

if TYPE_CHECKING:
    from orgsim.experiments.comparison import Comparison
    from orgsim.experiments.focus_orders import FocusResult
    from orgsim.experiments.sweeps import SweepResult

__all__ = [
    "COMMANDS", "PLOTS", "ExperimentData", "compare_tables", "experiment_command", "experiment_files",
    "focus_tables", "load_experiment", "render_html", "report_files", "sweep_tables",
    "write_files", "write_report",
]

COMMANDS = ("compare", "sweep", "focus")
MANIFEST = "manifest.json"
PLOTS = {"compare": ("differences", "arr_fan"), "sweep": ("sweep",), "focus": ("ranking",)}
# The CSV tables a report is made from (with the columns it needs), besides the JSON and the manifest.
REPORT_TABLES = {
    "compare": {"differences": ("arm", "kpi", "mean", "ci95_low", "ci95_high"),
                "monthly": ("scenario", "replication", "month", "metric", "value")},
    "sweep": {"sweep": ("point", "kpi", "replications", "mean", "ci95_low", "ci95_high"),
              "kpis": ("point", "replication")},
    "focus": {"ranking": ("rank", "order", "status", "replications", "mean", "ci95_low", "ci95_high")},
}
RESULT_KEYS = {"compare": ("arms", "differences"), "sweep": ("scenario", "vary", "points"),
               "focus": ("scenario", "by", "orders", "statement")}
# Compare's headline: the noun for each KPI and the word for "less" of it.
HEADLINE_KPIS = {"arr_end": ("ARR", "less"), "cash_end": ("cash", "less"), "new_customers": ("new customers", "fewer")}
TABLE_ROWS = 100  # a sweep table shows at most this many points (the best by the main KPI)
EXTRA_CSS = ("tr.better td{background:#eaf6ee} tr.worse td{background:#fbeaea} "
             "tr.best td{background:#eaf6ee;font-weight:600} div.scroll{overflow-x:auto}")
MANIFEST_FIELDS = ("command", "orgsim_version", "scenario_files", "overrides", "seed", "replications", "workers",
                   "settings", "created_utc", "runtime_s", "python", "files")


@dataclass
class ExperimentData:
    """Everything an experiment report is made from: the files of its directory, as data."""

    command: str
    result: dict[str, Any]  # compare.json, sweep.json or focus.json
    tables: dict[str, pd.DataFrame]  # the CSV tables of REPORT_TABLES[command], by stem
    manifest: dict[str, Any]


# ---- tables and manifest from result objects -------------------------------------------------


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
    from orgsim.experiments.focus_orders import label

    frames = []
    for order, res in result.results.items():
        frame = res.kpis
        frame.insert(0, "order", label(order))
        frames.append(frame)
    return {"ranking": result.ranking(), "kpis": pd.concat(frames, ignore_index=True)}


# ---- files: render, load, write --------------------------------------------------------------


def _report_names(command: str) -> list[str]:
    return [*(f"plots/{name}.png" for name in PLOTS[command]), REPORT_FILE]


def experiment_files(command: str, json_text: str, tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any],
                     dpi: int = 100) -> dict[str, bytes]:
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
    """"compare", "sweep" or "focus" when DIR's manifest.json says that experiment wrote DIR; else None."""
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
    tables = {stem: _csv(texts, f"{stem}.csv", columns, where) for stem, columns in REPORT_TABLES[command].items()}
    return ExperimentData(command, result, tables, _json(texts, MANIFEST, where))


def _json(texts: Mapping[str, str], name: str, where: Path) -> dict[str, Any]:
    try:
        doc = json.loads(texts[name])
    except ValueError as e:
        raise UsageError(f"{where / name}: cannot read it as JSON: {e}") from None
    if not isinstance(doc, dict):
        raise UsageError(f"{where / name}: expected a JSON object")
    return doc


def _csv(texts: Mapping[str, str], name: str, columns: Sequence[str], where: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(io.StringIO(texts[name]))
    except ValueError as e:
        raise UsageError(f"{where / name}: cannot read it as CSV: {e}") from None
    lacking = [c for c in columns if c not in df.columns]
    if lacking:
        raise UsageError(f"{where / name}: missing column(s) {', '.join(lacking)}")
    return df


def write_files(directory: str | Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write rendered files under DIR (created if missing), each atomically; returns their paths."""
    out = []
    for rel, data in files.items():
        path = Path(directory) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        out.append(write_bytes_atomic(path, data))
    return out


def write_report(directory: str | Path, dpi: int = 100) -> list[Path]:
    """Regenerate report.html and plots/*.png of an experiment directory from its files alone."""
    return write_files(directory, report_files(load_experiment(directory), dpi=dpi))


# ---- the report ------------------------------------------------------------------------------


@dataclass
class Page:
    """The words and tables of one experiment's report."""

    title: str
    facts: list[str]  # the line under the title
    method: list[str]  # what was run and how, in sentences
    headline: list[str]  # the answer, in sentences
    tables: str  # HTML
    captions: dict[str, str]  # plot name -> how to read it


def report_files(data: ExperimentData, dpi: int = 100) -> dict[str, bytes]:
    """plots/*.png and report.html of an experiment, as bytes by relative path (nothing written)."""
    figures = {"compare": _compare_figures, "sweep": _sweep_figures, "focus": _focus_figures}[data.command](data)
    images = {name: plots.png_bytes(fig, dpi=dpi) for name, fig in figures.items()}
    files = {f"plots/{name}.png": png for name, png in images.items()}
    files[REPORT_FILE] = render_html(data, images).encode("utf-8")
    return files


def render_html(data: ExperimentData, images: Mapping[str, bytes]) -> str:
    """The report as one HTML string; `images` maps plot name -> PNG bytes (embedded as data: URIs)."""
    page = {"compare": _compare_page, "sweep": _sweep_page, "focus": _focus_page}[data.command](data)
    m = data.manifest
    facts = [*page.facts, *([f"created {m['created_utc']}"] if m.get("created_utc") else []),
             *([f"orgsim {m['orgsim_version']}"] if m.get("orgsim_version") else [])]
    body = [
        f"<h1>{E(page.title)}</h1><p class=\"sub\">{E(' · '.join(facts))}</p>",
        "<h2>What was run</h2>" + _paragraphs(page.method),
        "<h2>What it shows</h2><section class=\"lead\">" + _paragraphs(page.headline) + "</section>",
        page.tables,
        "<h2>Plots</h2>" + "".join(_figure(name, png, page.captions.get(name, "")) for name, png in images.items()),
        _manifest_section(m),
        "<footer>Made by orgsim, a discrete-event simulation of a SaaS company's customer value chain. "
        "Every number is an average over simulated replications of the scenarios above, not a forecast.</footer>",
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{E(page.title)} — orgsim {E(data.command)} report</title><style>{CSS}{EXTRA_CSS}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n")


def _scroll(table: str) -> str:
    """A table that scrolls sideways when it is wider than the page (many arms, KPIs or parameters)."""
    return f'<div class="scroll">{table}</div>'


def _paragraphs(lines: Sequence[str]) -> str:
    return "".join(f"<p>{E(line)}</p>" for line in lines)


def _figure(name: str, png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img alt="{E(name.replace("_", " "))}" src="data:image/png;base64,{data}">'
            f"<figcaption>{E(caption)}</figcaption></figure>")


def _manifest_section(m: Mapping[str, Any]) -> str:
    rows = [[k, _manifest_value(m[k])] for k in MANIFEST_FIELDS if k in m]
    resolved = "".join(
        f"<details><summary>Resolved scenario {E(name)} (every value, defaults included)</summary>"
        f"<pre>{E(json.dumps(sc, indent=2, ensure_ascii=False))}</pre></details>"
        for name, sc in (m.get("scenarios") or {}).items())
    return ("<h2>Manifest</h2><p class=\"sub\">What produced these numbers; the same seed and scenarios give the "
            "same results.</p>" + _table(["field", "value"], rows) + resolved)


def _manifest_value(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_manifest_value(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in value.items()) or "(none)"
    return str(value)


# ---- words and numbers shared by the three reports -------------------------------------------


def _label(kpi: str) -> str:
    return KPI_LABELS.get(kpi, kpi)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _unit(kpi: str) -> str:
    return unit_of(kpi)


def _num(value: Any) -> float | None:
    """A number from a table cell; None for a missing one (NaN)."""
    return None if value is None or value != value else float(value)


def _amount(value: float, unit: str) -> str:
    """The size of a difference, without its sign; percentages in points."""
    return f"{abs(value) * 100:.1f} pp" if unit == "pct" else fmt(abs(value), unit)


def _diff_range(lo: float | None, hi: float | None, unit: str) -> str:
    return "-" if lo is None or hi is None else f"{diff_text(lo, unit)} to {diff_text(hi, unit)}"


def _mean_ci(mean: float | None, lo: float | None, hi: float | None, unit: str) -> str:
    """"$3.9M (95% CI $1.9M to $6.0M)", or the mean alone without an interval."""
    if mean is None:
        return "-"
    if lo is None or hi is None:
        return fmt(mean, unit)
    return f"{fmt(mean, unit)} (95% CI {fmt(lo, unit)} to {fmt(hi, unit)})"


def _stat_text(stat: Mapping[str, Any] | None, unit: str) -> str:
    """A JSON statistic ({"mean", "ci95"}) as `_mean_ci` text."""
    lo, hi = (stat or {}).get("ci95") or (None, None)
    return _mean_ci(_mean(stat), lo, hi, unit)


def _verdict(d: Mapping[str, Any], them: str) -> str:
    """Whether a paired difference is significant, in words, with its p-value."""
    p = d.get("p_value")
    if p is None:
        return "there are too few replications to test the difference"
    shown = p_text(p) if p_text(p).startswith("<") else f"={p_text(p)}"
    if significant(d):
        return f"the difference is significant (p{shown})"
    return f"the difference is not significant (p{shown}): {d.get('n')} paired replications cannot tell {them} apart"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _better_class(d: Mapping[str, Any]) -> str:
    """"better"/"worse" for a significant difference in a KPI with a direction; else ""."""
    direction, mean = d.get("direction") or 0, d.get("mean")
    if not significant(d) or not direction or not mean:
        return ""
    return "better" if direction * mean > 0 else "worse"


def _precision_sentence(info: Mapping[str, Any] | None) -> list[str]:
    if not info:
        return []
    targets = ", ".join(info.get("targets") or ["arr_end"])
    outcome = ("the target was reached" if info.get("reached")
               else f"the target was NOT reached at the cap of {info.get('max_replications')}")
    return [f"Replications were added in batches until the 95% CI half-width of {targets} was within "
            f"{info['relative'] * 100:g}% of its mean: {info['replications']} replications; {outcome}."]


# ---- compare ---------------------------------------------------------------------------------


def _compare_page(data: ExperimentData) -> Page:
    arms = data.result["arms"]
    names = list(arms)
    base, first = names[0], arms[names[0]]
    reps, seed, horizon = first.get("replications"), first.get("seed"), first.get("horizon_months")
    method = [
        f"{len(names)} scenarios — {', '.join(names)} — each simulated {reps} times over {horizon} months with seed "
        f"{seed}. {base} is the baseline: every other scenario is compared with it.",
        "Common random numbers: replication i of every scenario drew the same random numbers for the same things "
        "(the same leads arriving at the same moments, the same deals needing the same effort), so each difference "
        "is taken replication by replication and shows the effect of the change, not the luck of the draw. "
        "The 95% confidence intervals and p-values come from the paired t-test; a difference is significant when "
        "p < 0.05.",
        *_precision_sentence(first.get("precision")),
    ]
    headline = []
    for arm in names[1:]:
        diffs = data.result["differences"].get(arm, {})
        headline += [s for k in HEADLINE_KPIS if (s := _compare_sentence(arm, base, k, diffs.get(k) or {}))]
        headline.append(_other_differences(arm, diffs))
    tables = _arm_kpi_table(arms) + _differences_section(base, names[1:], data.result["differences"])
    captions = {
        "differences": f"Each scenario minus {base}, one panel per KPI: the dot is the mean paired difference, the "
                       "bar its 95% confidence interval. Green: clearly better; red: clearly worse; grey: the "
                       "interval includes zero — no clear difference.",
        "arr_fan": "ARR at the end of each month, every scenario overlaid: the line is the median replication, the "
                   "band holds the middle 80% of replications.",
    }
    facts = [f"{len(names)} scenarios", f"{reps} paired replications", f"seed {seed}", f"{horizon} months"]
    return Page(" vs ".join(names), facts, method, headline, tables, captions)


def _compare_sentence(arm: str, base: str, kpi: str, d: Mapping[str, Any]) -> str | None:
    """"no-sdr ends with $5.8M less ARR than series-a (95% CI ...); the difference is significant (p<0.001).\""""
    noun, less = HEADLINE_KPIS[kpi]
    mean, unit = d.get("mean"), _unit(kpi)
    if mean is None:
        return None
    if mean == 0 and not d.get("std"):
        return f"{arm} ends with the same {noun} as {base} in every replication."
    head = f"{arm} ends with {_amount(mean, unit)} {'more' if mean > 0 else less} {noun} than {base}"
    return f"{head} (95% CI of the difference: {_diff_range(*d['ci95'], unit)}); {_verdict(d, 'them')}."


def _other_differences(arm: str, diffs: Mapping[str, Mapping[str, Any]]) -> str:
    items = []
    for kpi, d in diffs.items():
        if kpi in HEADLINE_KPIS or not significant(d):
            continue
        verdict = _better_class(d)
        items.append(f"{_label(kpi)} {diff_text(d.get('mean'), _unit(kpi))}" + (f" ({verdict})" if verdict else ""))
    if not items:
        return f"No other KPI of {arm} differs significantly from the baseline."
    return f"Other significant differences for {arm} (p < 0.05): {'; '.join(items)}."


def _arm_kpi_table(arms: Mapping[str, Mapping[str, Any]]) -> str:
    head = ["KPI", *[h for name in arms for h in (f"{name} mean", "95% CI")]]
    rows = []
    for kpi in KPI_KEYS:
        row = [_label(kpi)]
        for doc in arms.values():
            stat = doc.get("kpis", {}).get(kpi)
            row += [fmt(_mean(stat), _unit(kpi)), _ci(stat, _unit(kpi))]
        rows.append(row)
    return ("<h2>KPIs by scenario</h2><p class=\"sub\">Mean over replications with its 95% confidence interval.</p>"
            + _scroll(_table(head, rows, range(1, len(head)))))


def _differences_section(base: str, others: Sequence[str], diffs: Mapping[str, Any]) -> str:
    note = (f"Each scenario minus {base}, replication by replication. p: paired t-test. P(better): probability "
            "that the scenario's mean is better. better in: share of replications in which it did better (ties "
            "count half). Green: significantly better; red: significantly worse. †: the Wilcoxon signed-rank test "
            "disagrees about significance at 5% (skewed or heavy-tailed differences); trust it there.")
    return (f"<h2>Differences</h2><p class=\"sub\">{E(note)}</p>"
            + "".join(_difference_table(base, arm, diffs.get(arm, {})) for arm in others))


def _difference_table(base: str, arm: str, diffs: Mapping[str, Mapping[str, Any]]) -> str:
    head = ["KPI", base, arm, "difference", "95% CI", "p", "P(better)", "better in"]
    rows, classes = [], []
    for kpi in KPI_KEYS:
        d, unit = diffs.get(kpi), _unit(kpi)
        if d is None:
            continue
        rows.append([_label(kpi), fmt(d.get("base_mean"), unit), fmt(d.get("arm_mean"), unit),
                     diff_text(d.get("mean"), unit), _diff_range(*d["ci95"], unit),
                     p_text(d.get("p_value")) + (" †" if d.get("tests_disagree") else ""),
                     _share(d.get("prob_better")), _share(d.get("share_better"))])
        classes.append(_better_class(d))
    return f"<h3>{E(arm)} − {E(base)}</h3>" + _scroll(_table(head, rows, range(1, len(head)), classes))


def _compare_figures(data: ExperimentData) -> dict[str, Figure]:
    base = next(iter(data.result["arms"]))
    return {"differences": plots.differences_forest(data.tables["differences"], baseline=base),
            "arr_fan": plots.arr_fan(data.tables["monthly"])}


# ---- sweep -----------------------------------------------------------------------------------


def _sweep_kpis(data: ExperimentData) -> list[str]:
    """The KPIs the report shows (the command's --kpi), the first being the main one."""
    return list((data.manifest.get("settings") or {}).get("kpis") or SWEEP_KPIS)


def _ranked(frame: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """The points' rows of one KPI, best first (ties keep the grid order); undefined means left out."""
    rows = frame[frame["kpi"] == kpi].dropna(subset=["mean"])
    score = (KPI_DIRECTION.get(kpi) or 1) * rows["mean"]
    return rows.loc[score.sort_values(ascending=False, kind="stable").index]


def _point_text(row: Mapping[str, Any], keys: Sequence[str]) -> str:
    return ", ".join(f"{k} = {param_text(row[k])}" for k in keys)


def _sweep_page(data: ExperimentData) -> Page:
    doc, frame = data.result, data.tables["sweep"]
    keys, kpis = list(doc["vary"]), _sweep_kpis(data)
    reps = sorted(set(frame["replications"]))
    reps_text = str(reps[0]) if len(reps) == 1 else f"{reps[0]} to {reps[-1]}"
    grid = "; ".join(f"{k} = {', '.join(param_text(v) for v in values)}" for k, values in doc["vary"].items())
    method = [
        f"{doc['scenario']} at {len(doc['points'])} points: every combination of {grid}.",
        f"Every point ran {reps_text} replications of {doc.get('horizon_months')} months with seed {doc.get('seed')}, "
        "with the same random numbers at every point (common random numbers), so neighbouring points differ by their "
        "parameters, not by luck. Means with 95% confidence intervals over replications.",
        *_precision_sentence((doc["points"][0] if doc["points"] else {}).get("precision")),
    ]
    ranked = _ranked(frame, kpis[0])
    captions = {"sweep": _sweep_caption(keys, ranked)}
    facts = [f"{len(doc['points'])} points", f"{reps_text} replications each", f"seed {doc.get('seed')}",
             f"{doc.get('horizon_months')} months"]
    return Page(f"Sweep of {doc['scenario']}: {', '.join(keys)}", facts, method,
                _sweep_headline(ranked, data.tables["kpis"], keys, kpis[0]), _sweep_table(frame, keys, kpis, ranked),
                captions)


def _sweep_headline(ranked: pd.DataFrame, kpis_table: pd.DataFrame, keys: Sequence[str], kpi: str) -> list[str]:
    label, unit = _label(kpi), _unit(kpi)
    if ranked.empty:
        return [f"{_capital(label)} is undefined at every point."]
    best = ranked.iloc[0]
    way = "highest" if (KPI_DIRECTION.get(kpi) or 1) > 0 else "lowest"
    out = [f"The best point for {label} ({way} mean) is {_point_text(best, keys)}: "
           f"{_mean_ci(best['mean'], _num(best['ci95_low']), _num(best['ci95_high']), unit)}."]
    if len(ranked) > 1:
        out.append(_runner_up_sentence(best, ranked.iloc[1], kpis_table, keys, kpi))
    out += [_response_sentence(ranked, key, keys, kpi) for key in keys if ranked[key].nunique() > 1]
    return out


def _runner_up_sentence(best: pd.Series, runner: pd.Series, kpis_table: pd.DataFrame, keys: Sequence[str],
                        kpi: str) -> str:
    """How far the best point is ahead of the next, from the paired replications of both."""
    def values(point: Any) -> pd.Series:
        return kpis_table[kpis_table["point"] == point].set_index("replication")[kpi]

    a, b = values(best["point"]), values(runner["point"])
    both = a.index.intersection(b.index)
    d = paired_difference(a[both].tolist(), b[both].tolist())
    unit = _unit(kpi)
    gap = "no better than" if not d["mean"] else f"{_amount(d['mean'], unit)} ahead of"
    return (f"The best point is {gap} the runner-up, {_point_text(runner, keys)} "
            f"({fmt(runner['mean'], unit)}; 95% CI of the paired difference: {_diff_range(*d['ci95'], unit)}); "
            f"{_verdict(d, 'the two points')}.")


def _response_sentence(ranked: pd.DataFrame, key: str, keys: Sequence[str], kpi: str) -> str:
    """How the KPI's mean moves along one parameter (averaged over the others)."""
    values = sorted_values(ranked[key])
    effect = ranked.groupby(key, sort=False)["mean"].mean().reindex(values)
    unit, steps = _unit(kpi), effect.diff().dropna()
    others = " (averaged over the other parameters)" if len(keys) > 1 else ""
    if len({fmt(v, unit) for v in effect}) == 1:
        return (f"{_capital(_label(kpi))} stays at {fmt(effect.iloc[0], unit)} whatever {key} is, from {param_text(values[0])} "
                f"to {param_text(values[-1])}{others}.")
    if len(steps) == 1:
        shape = ""
    elif (steps > 0).all():
        shape = ", rising at every step"
    elif (steps < 0).all():
        shape = ", falling at every step"
    else:
        top = effect.idxmax() if (KPI_DIRECTION.get(kpi) or 1) > 0 else effect.idxmin()
        shape = f", best at {key} = {param_text(top)} ({fmt(effect[top], unit)})"
    return (f"As {key} goes from {param_text(values[0])} to {param_text(values[-1])}{others}, {_label(kpi)} moves from "
            f"{fmt(effect.iloc[0], unit)} to {fmt(effect.iloc[-1], unit)}{shape}.")


def _sweep_table(frame: pd.DataFrame, keys: Sequence[str], kpis: Sequence[str], ranked: pd.DataFrame) -> str:
    cells = {(r["point"], r["kpi"]): r for r in frame.to_dict(orient="records")}
    points = frame.drop_duplicates("point").to_dict(orient="records")  # grid order
    shown = set(ranked["point"].head(TABLE_ROWS)) if len(ranked) else {p["point"] for p in points[:TABLE_ROWS]}
    best = ranked["point"].iloc[0] if len(ranked) else None
    rows, classes = [], []
    for p in (p for p in points if p["point"] in shown):
        rows.append([*(param_text(p[k]) for k in keys), str(p["replications"]),
                     *(_cell(cells.get((p["point"], kpi)), _unit(kpi)) for kpi in kpis)])
        classes.append("best" if p["point"] == best else "")
    note = (f"Mean (95% CI) of each KPI at every point; the best point by {_label(kpis[0])} is highlighted."
            + (f" The {TABLE_ROWS} best points of {len(points)} are shown; sweep.csv holds them all."
               if len(points) > len(rows) else ""))
    head = [*keys, "replications", *(_label(k) for k in kpis)]
    return (f"<h2>KPIs by point</h2><p class=\"sub\">{E(note)}</p>"
            + _scroll(_table(head, rows, range(len(keys), len(head)), classes)))


def _cell(row: Mapping[str, Any] | None, unit: str) -> str:
    """A table cell: "$3.9M ($1.9M – $6.0M)" (the column says it is the mean and 95% CI)."""
    if row is None or _num(row["mean"]) is None:
        return "-"
    interval = _ci({"ci95": [_num(row["ci95_low"]), _num(row["ci95_high"])]}, unit)
    return fmt(_num(row["mean"]), unit) + ("" if interval == "-" else f" ({interval})")


def _plot_keys(keys: Sequence[str]) -> tuple[list[str], list[str]]:
    """The parameters a sweep plot draws (at most two) and those it holds fixed."""
    return list(keys[:2]), list(keys[2:])


def _sweep_caption(keys: Sequence[str], ranked: pd.DataFrame) -> str:
    drawn, fixed = _plot_keys(keys)
    if len(drawn) == 1:
        text = (f"One panel per KPI: the mean at every value of {drawn[0]} (line) and its 95% confidence interval "
                "(band).")
    else:
        text = (f"One panel per KPI: the mean at every combination of {drawn[0]} (across) and {drawn[1]} (up); "
                "brighter is better.")
    if fixed and len(ranked):
        text += f" The other parameters are held at the best point's values: {_point_text(ranked.iloc[0], fixed)}."
    return text


def _sweep_figures(data: ExperimentData) -> dict[str, Figure]:
    frame, kpis = data.tables["sweep"], _sweep_kpis(data)
    drawn, fixed = _plot_keys(list(data.result["vary"]))
    if fixed:
        best = _ranked(frame, kpis[0]).iloc[0]
        frame = frame[(frame[fixed] == best[fixed]).all(axis=1)].drop(columns=fixed)
    return {"sweep": plots.sweep(frame.drop(columns=["point", "replications"]), kpis=kpis)}


# ---- focus -----------------------------------------------------------------------------------


def _focus_page(data: ExperimentData) -> Page:
    doc, ranking = data.result, data.tables["ranking"]
    by, k = doc["by"], len(doc["orders"])
    better = "higher" if doc.get("goal") == "max" else "lower"
    method = [
        f"{k} growth-stage focus orders of {doc['scenario']} — the order in which its growth plan sends most hires to "
        f"each department — ranked by {_label(by)} ({better} is better), with seed {doc.get('seed')}. Common random "
        "numbers: replication i of every order drew the same random numbers, so orders are compared replication "
        "by replication.",
        _focus_method(doc),
        *_constraint_sentence(doc),
        *(f"Note: {note}." for note in doc.get("notes") or []),
    ]
    headline = [*_chosen_sentence(doc), doc["statement"], _saving_sentence(doc)]
    captions = {"ranking": f"Every focus order's mean {_label(by)} with its 95% confidence interval, best at the top. "
                           "The green band is the best order's interval: orders reaching into it are not clearly "
                           "worse than the best."}
    facts = [f"{k} orders", f"ranked by {by}", f"seed {doc.get('seed')}",
             f"{doc.get('replications_used', 0):,} replications"]
    return Page(f"Focus orders of {doc['scenario']}, ranked by {_label(by)}", facts, method, headline,
                _ranking_table(ranking, doc) + _order_kpi_table(doc), captions)


def _arrows(order: Sequence[str] | str) -> str:
    return " → ".join(order) if isinstance(order, list) else str(order).replace(" > ", " → ")


def _focus_method(doc: Mapping[str, Any]) -> str:
    if doc.get("method") == "equal":
        return f"Every order ran {doc.get('n0')} replications (equal allocation; no order was dropped early)."
    return (f"Sequential elimination: every order first ran {doc.get('n0')} replications; at each look, orders "
            "clearly worse than the leader were dropped (one-sided paired tests, Bonferroni-adjusted over rivals and "
            f"looks) and the rest ran {doc.get('batch')} more, up to {doc.get('max_replications')} each.")


def _constraint_sentence(doc: Mapping[str, Any]) -> list[str]:
    parts = ([f"mean {kpi} ≥ {v:g}" for kpi, v in (doc.get("minimum") or {}).items()]
             + [f"mean {kpi} ≤ {v:g}" for kpi, v in (doc.get("maximum") or {}).items()])
    return [f"Orders had to meet {' and '.join(parts)}; those that did not were dropped."] if parts else []


def _chosen_sentence(doc: Mapping[str, Any]) -> list[str]:
    chosen = next((o for o in doc["orders"] if o.get("status") == "chosen"), None)
    if chosen is None:
        return []
    stat = (chosen.get("kpis") or {}).get(doc["by"])
    return [f"Chosen order: {_arrows(chosen['order'])}, with a mean {_label(doc['by'])} of "
            f"{_stat_text(stat, _unit(doc['by']))} over {chosen.get('replications')} replications."]


def _saving_sentence(doc: Mapping[str, Any]) -> str:
    used, equal = doc.get("replications_used", 0), doc.get("equal_allocation", 0)
    if doc.get("method") == "equal":
        return f"It took {used:,} replications in all ({len(doc['orders'])} orders × {doc.get('n0')})."
    return (f"It took {used:,} replications in {len(doc.get('rounds') or [])} looks; running every order as many "
            f"replications as the chosen one got would have taken {equal:,}: {doc.get('saving', 0) * 100:.0f}% "
            "saved.")


def _ranking_table(ranking: pd.DataFrame, doc: Mapping[str, Any]) -> str:
    unit = _unit(doc["by"])
    extra = [k for k in [*(doc.get("minimum") or {}), *(doc.get("maximum") or {})] if k in ranking.columns]
    rows, classes = [], []
    for r in ranking.to_dict(orient="records"):
        status, look = str(r["status"]), _num(r.get("left_at_look"))
        if status in ("eliminated", "infeasible") and look:
            status += f" at look {look:.0f}"
        if isinstance(r.get("note"), str) and r["note"]:
            status += f" ({r['note']})"
        chosen = r["status"] == "chosen"
        rows.append([str(r["rank"]), _arrows(r["order"]), status, str(r["replications"]),
                     fmt(_num(r["mean"]), unit), _ci({"ci95": [_num(r["ci95_low"]), _num(r["ci95_high"])]}, unit),
                     "" if chosen else diff_text(_num(r.get("diff_mean")), unit),
                     "" if chosen else _diff_range(_num(r.get("diff_ci95_low")), _num(r.get("diff_ci95_high")), unit),
                     *(fmt(_num(r.get(k)), _unit(k)) for k in extra)])
        classes.append("best" if chosen else "")
    head = ["#", "focus order", "status", "replications", f"mean {doc['by']}", "95% CI", "vs chosen", "95% CI",
            *(f"mean {k}" for k in extra)]
    return ("<h2>Ranking</h2><p class=\"sub\">Best first. vs chosen: the paired difference to the chosen order over "
            "the replications both ran, with its 95% CI.</p>" + _scroll(_table(head, rows, {0, 3, 4, 5, 6, 7}, classes)))


def _order_kpi_table(doc: Mapping[str, Any]) -> str:
    kpis = list(dict.fromkeys([doc["by"], *SWEEP_KPIS]))
    rows = [[_arrows(o["order"]), *(_cell(_stat_row((o.get("kpis") or {}).get(k)), _unit(k)) for k in kpis)]
            for o in doc["orders"]]
    return ("<h2>Other KPIs by order</h2><p class=\"sub\">Mean (95% CI) over each order's replications.</p>"
            + _scroll(_table(["focus order", *(_label(k) for k in kpis)], rows, range(1, len(kpis) + 1))))


def _stat_row(stat: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A JSON statistic ({"mean", "ci95"}) as a table row (mean, ci95_low, ci95_high)."""
    if stat is None:
        return None
    lo, hi = stat.get("ci95") or (None, None)
    return {"mean": stat.get("mean"), "ci95_low": lo, "ci95_high": hi}


def _focus_figures(data: ExperimentData) -> dict[str, Figure]:
    return {"ranking": plots.focus_ranking(data.tables["ranking"], kpi=data.result["by"], goal=data.result.get("goal"))}

