"""The report of `orgsim sweep`: the best point, the runner-up, how each parameter moves the KPI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import pandas as pd
from matplotlib.figure import Figure

from orgsim.experiments.stats import paired_difference
from orgsim.metrics.registry import KPI_DIRECTION, fmt
from orgsim.outputs import plots
from orgsim.outputs.html import E, html_table, scroll
from orgsim.outputs.pages.words import (
    Page,
    amount_text,
    as_number,
    capitalised,
    cell_text,
    diff_range,
    kpi_label,
    kpi_unit,
    mean_ci_text,
    precision_sentence,
    verdict_of,
)
from orgsim.outputs.plots.experiments import is_categorical, sorted_values
from orgsim.outputs.text import param_text
from orgsim.outputs.text_experiments import SWEEP_KPIS

if TYPE_CHECKING:
    from orgsim.outputs.report_experiments import ExperimentData

__all__ = ["build_figures", "build_page"]

TABLE_ROWS = 100  # a sweep table shows at most this many points (the best by the main KPI)


def _sweep_kpis(data: ExperimentData) -> list[str]:
    """The KPIs the report shows (the command's --kpi), the first being the main one."""
    return list((data.manifest.get("settings") or {}).get("kpis") or SWEEP_KPIS)


def _ranked(frame: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """The points' rows of one KPI, best first (ties keep the grid order); undefined means left out."""
    rows = frame[frame["kpi"] == kpi].dropna(subset=["mean"])
    score = (KPI_DIRECTION.get(kpi) or 1) * rows["mean"]
    return rows.loc[score.sort_values(ascending=False, kind="stable").index]


def _point_text(row: Mapping[str, Any] | pd.Series, keys: Sequence[str]) -> str:
    return ", ".join(f"{k} = {param_text(row[k])}" for k in keys)


def build_page(data: ExperimentData) -> Page:
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
        *precision_sentence((doc["points"][0] if doc["points"] else {}).get("precision")),
    ]
    ranked = _ranked(frame, kpis[0])
    captions = {"sweep": _sweep_caption(keys, ranked)}
    facts = [
        f"{len(doc['points'])} points",
        f"{reps_text} replications each",
        f"seed {doc.get('seed')}",
        f"{doc.get('horizon_months')} months",
    ]
    return Page(
        f"Sweep of {doc['scenario']}: {', '.join(keys)}",
        facts,
        method,
        _sweep_headline(ranked, data.tables["kpis"], keys, kpis[0]) + _baseline_sentence(doc, kpis[0]),
        _sweep_table(frame, keys, kpis, ranked),
        captions,
    )


def _sweep_headline(ranked: pd.DataFrame, kpis_table: pd.DataFrame, keys: Sequence[str], kpi: str) -> list[str]:
    label, unit = kpi_label(kpi), kpi_unit(kpi)
    if ranked.empty:
        return [f"{capitalised(label)} is undefined at every point."]
    best = ranked.iloc[0]
    way = "highest" if (KPI_DIRECTION.get(kpi) or 1) > 0 else "lowest"
    out = [
        f"The best point for {label} ({way} mean) is {_point_text(best, keys)}: "
        f"{mean_ci_text(best['mean'], as_number(best['ci95_low']), as_number(best['ci95_high']), unit)}."
    ]
    if len(ranked) > 1:
        out.append(_runner_up_sentence(best, ranked.iloc[1], kpis_table, keys, kpi))
    out += [_response_sentence(ranked, key, keys, kpi) for key in keys if ranked[key].nunique() > 1]
    return out


def _baseline_sentence(doc: Mapping[str, Any], kpi: str) -> list[str]:
    """The scenario as written (sweep --baseline), beside the points."""
    stat = ((doc.get("baseline") or {}).get("kpis") or {}).get(kpi)
    if not stat or stat.get("mean") is None:
        return []
    lo, hi = stat.get("ci95") or (None, None)
    return [
        f"The scenario as written (no varied value, the same random numbers): {kpi_label(kpi)} "
        f"{mean_ci_text(stat['mean'], as_number(lo), as_number(hi), kpi_unit(kpi))}."
    ]


def _runner_up_sentence(
    best: pd.Series, runner: pd.Series, kpis_table: pd.DataFrame, keys: Sequence[str], kpi: str
) -> str:
    """How far the best point is ahead of the next, from the paired replications of both."""

    def values(point: Any) -> pd.Series:
        return kpis_table[kpis_table["point"] == point].set_index("replication")[kpi]

    a, b = values(best["point"]), values(runner["point"])
    both = a.index.intersection(b.index)
    d = paired_difference(a[both].tolist(), b[both].tolist())
    unit = kpi_unit(kpi)
    gap = "no better than" if not d["mean"] else f"{amount_text(d['mean'], unit)} ahead of"
    return (
        f"The best point is {gap} the runner-up, {_point_text(runner, keys)} "
        f"({fmt(runner['mean'], unit)}; "
        f"95% CI of the paired difference: {diff_range(d['ci95'][0], d['ci95'][1], unit)}); "
        f"{verdict_of(d, 'the two points')}."
    )


def _response_sentence(ranked: pd.DataFrame, key: str, keys: Sequence[str], kpi: str) -> str:
    """How the KPI's mean moves along one parameter (averaged over the others); for categories (roles,
    modes, orders) which is best and worst, never a trend."""
    values = sorted_values(ranked[key])
    effect = ranked.groupby(key, sort=False)["mean"].mean().reindex(values)
    unit, steps = kpi_unit(kpi), effect.diff().dropna()
    others = " (averaged over the other parameters)" if len(keys) > 1 else ""
    if is_categorical(values):
        higher = (KPI_DIRECTION.get(kpi) or 1) >= 0
        order = effect.sort_values(ascending=not higher, kind="stable")
        best, worst = order.index[0], order.index[-1]
        return (
            f"Of the {len(values)} values of {key}{others}, {kpi_label(kpi)} is best at {param_text(best)} "
            f"({fmt(order.iloc[0], unit)}) and worst at {param_text(worst)} ({fmt(order.iloc[-1], unit)}); "
            "these are categories, not a scale."
        )
    if len({fmt(v, unit) for v in effect}) == 1:
        return (
            f"{capitalised(kpi_label(kpi))} stays at {fmt(effect.iloc[0], unit)} whatever {key} is, "
            f"from {param_text(values[0])} to {param_text(values[-1])}{others}."
        )
    if len(steps) == 1:
        shape = ""
    elif (steps > 0).all():
        shape = ", rising at every step"
    elif (steps < 0).all():
        shape = ", falling at every step"
    else:
        higher = (KPI_DIRECTION.get(kpi) or 1) > 0
        top, best = (effect.idxmax(), effect.max()) if higher else (effect.idxmin(), effect.min())
        shape = f", best at {key} = {param_text(top)} ({fmt(best, unit)})"
    return (
        f"As {key} goes from {param_text(values[0])} to {param_text(values[-1])}{others}, {kpi_label(kpi)} moves from "
        f"{fmt(effect.iloc[0], unit)} to {fmt(effect.iloc[-1], unit)}{shape}."
    )


def _sweep_table(frame: pd.DataFrame, keys: Sequence[str], kpis: Sequence[str], ranked: pd.DataFrame) -> str:
    # pandas-stubs type a record's keys as Hashable; here they are the column names
    records = cast(list[dict[str, Any]], frame.to_dict(orient="records"))
    cells = {(r["point"], r["kpi"]): r for r in records}
    points = frame.drop_duplicates("point").to_dict(orient="records")  # grid order
    shown = set(ranked["point"].head(TABLE_ROWS)) if len(ranked) else {p["point"] for p in points[:TABLE_ROWS]}
    best = ranked["point"].iloc[0] if len(ranked) else None
    rows, classes = [], []
    for p in (p for p in points if p["point"] in shown):
        rows.append(
            [
                *(param_text(p[k]) for k in keys),
                str(p["replications"]),
                *(cell_text(cells.get((p["point"], kpi)), kpi_unit(kpi)) for kpi in kpis),
            ]
        )
        classes.append("best" if p["point"] == best else "")
    note = f"Mean (95% CI) of each KPI at every point; the best point by {kpi_label(kpis[0])} is highlighted." + (
        f" The {TABLE_ROWS} best points of {len(points)} are shown; sweep.csv holds them all."
        if len(points) > len(rows)
        else ""
    )
    head = [*keys, "replications", *(kpi_label(k) for k in kpis)]
    return f'<h2>KPIs by point</h2><p class="sub">{E(note)}</p>' + scroll(
        html_table(head, rows, range(len(keys), len(head)), classes)
    )


def _plot_keys(keys: Sequence[str]) -> tuple[list[str], list[str]]:
    """The parameters a sweep plot draws (at most two) and those it holds fixed."""
    return list(keys[:2]), list(keys[2:])


def _sweep_caption(keys: Sequence[str], ranked: pd.DataFrame) -> str:
    drawn, fixed = _plot_keys(keys)
    if len(drawn) == 1:
        text = (
            f"One panel per KPI: the mean at every value of {drawn[0]} (line) and its 95% confidence interval (band)."
        )
    else:
        text = (
            f"One panel per KPI: the mean at every combination of {drawn[0]} (across) and {drawn[1]} (up); "
            "brighter is better."
        )
    if fixed and len(ranked):
        text += f" The other parameters are held at the best point's values: {_point_text(ranked.iloc[0], fixed)}."
    return text


def build_figures(data: ExperimentData) -> dict[str, Figure]:
    frame, kpis = data.tables["sweep"], _sweep_kpis(data)
    drawn, fixed = _plot_keys(list(data.result["vary"]))
    if fixed:
        best = _ranked(frame, kpis[0]).iloc[0]
        frame = frame[(frame[fixed] == best[fixed]).all(axis=1)].drop(columns=fixed)
    base = (data.result.get("baseline") or {}).get("kpis") or {}
    lines = {k: base[k]["mean"] for k in kpis if isinstance((base.get(k) or {}).get("mean"), (int, float))}
    return {"sweep": plots.sweep(frame.drop(columns=["point", "replications"]), kpis=kpis, baseline=lines or None)}
