"""The report of `orgsim compare`: which arm does better than the first, by how much, how sure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure

from orgsim.experiments.stats import significant
from orgsim.metrics.registry import KPI_KEYS, fmt
from orgsim.outputs import plots
from orgsim.outputs.html import E, ci_range, html_table, mean_of, scroll
from orgsim.outputs.pages.words import (
    Page,
    amount_text,
    better_class,
    diff_range,
    kpi_label,
    kpi_unit,
    precision_sentence,
    share_text,
    verdict_of,
)
from orgsim.outputs.text import diff_text, p_text

if TYPE_CHECKING:
    from orgsim.outputs.report_experiments import ExperimentData

__all__ = ["build_figures", "build_page"]

# Compare's headline: the noun for each KPI and the word for "less" of it.
HEADLINE_KPIS = {"arr_end": ("ARR", "less"), "cash_end": ("cash", "less"), "new_customers": ("new customers", "fewer")}


def build_page(data: ExperimentData) -> Page:
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
        *precision_sentence(first.get("precision")),
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
    """ "no-sdr ends with $5.8M less ARR than series-a (95% CI ...); the difference is significant (p<0.001).\""""
    noun, less = HEADLINE_KPIS[kpi]
    mean, unit = d.get("mean"), kpi_unit(kpi)
    if mean is None:
        return None
    if mean == 0 and not d.get("std"):
        return f"{arm} ends with the same {noun} as {base} in every replication."
    head = f"{arm} ends with {amount_text(mean, unit)} {'more' if mean > 0 else less} {noun} than {base}"
    return (
        f"{head} (95% CI of the difference: {diff_range(d['ci95'][0], d['ci95'][1], unit)}); {verdict_of(d, 'them')}."
    )


def _other_differences(arm: str, diffs: Mapping[str, Mapping[str, Any]]) -> str:
    items = []
    for kpi, d in diffs.items():
        if kpi in HEADLINE_KPIS or not significant(d):
            continue
        verdict = better_class(d)
        items.append(
            f"{kpi_label(kpi)} {diff_text(d.get('mean'), kpi_unit(kpi))}" + (f" ({verdict})" if verdict else "")
        )
    if not items:
        return f"No other KPI of {arm} differs significantly from the baseline."
    return f"Other significant differences for {arm} (p < 0.05): {'; '.join(items)}."


def _arm_kpi_table(arms: Mapping[str, Mapping[str, Any]]) -> str:
    head = ["KPI", *[h for name in arms for h in (f"{name} mean", "95% CI")]]
    rows = []
    for kpi in KPI_KEYS:
        row = [kpi_label(kpi)]
        for doc in arms.values():
            stat = doc.get("kpis", {}).get(kpi)
            row += [fmt(mean_of(stat), kpi_unit(kpi)), ci_range(stat, kpi_unit(kpi))]
        rows.append(row)
    return (
        '<h2>KPIs by scenario</h2><p class="sub">Mean over replications with its 95% confidence interval.</p>'
        + scroll(html_table(head, rows, range(1, len(head))))
    )


def _differences_section(base: str, others: Sequence[str], diffs: Mapping[str, Any]) -> str:
    note = (
        f"Each scenario minus {base}, replication by replication. p: paired t-test. P(better): probability "
        "that the scenario's mean is better. better in: share of replications in which it did better (ties "
        "count half). Green: significantly better; red: significantly worse. †: the Wilcoxon signed-rank test "
        "disagrees about significance at 5% (skewed or heavy-tailed differences); trust it there."
    )
    return f'<h2>Differences</h2><p class="sub">{E(note)}</p>' + "".join(
        _difference_table(base, arm, diffs.get(arm, {})) for arm in others
    )


def _difference_table(base: str, arm: str, diffs: Mapping[str, Mapping[str, Any]]) -> str:
    head = ["KPI", base, arm, "difference", "95% CI", "p", "P(better)", "better in"]
    rows, classes = [], []
    for kpi in KPI_KEYS:
        d, unit = diffs.get(kpi), kpi_unit(kpi)
        if d is None:
            continue
        rows.append(
            [
                kpi_label(kpi),
                fmt(d.get("base_mean"), unit),
                fmt(d.get("arm_mean"), unit),
                diff_text(d.get("mean"), unit),
                diff_range(d["ci95"][0], d["ci95"][1], unit),
                p_text(d.get("p_value")) + (" †" if d.get("tests_disagree") else ""),
                share_text(d.get("prob_better")),
                share_text(d.get("share_better")),
            ]
        )
        classes.append(better_class(d))
    return f"<h3>{E(arm)} − {E(base)}</h3>" + scroll(html_table(head, rows, range(1, len(head)), classes))


def build_figures(data: ExperimentData) -> dict[str, Figure]:
    base = next(iter(data.result["arms"]))
    return {
        "differences": plots.differences_forest(data.tables["differences"], baseline=base),
        "arr_fan": plots.arr_fan(data.tables["monthly"]),
    }
