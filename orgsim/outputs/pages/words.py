"""Words and numbers the three experiment reports share, and the `Page` each of them builds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orgsim.experiments.stats import significant
from orgsim.metrics.registry import KPI_LABELS, fmt, unit_of
from orgsim.outputs.html import ci_range, mean_of
from orgsim.outputs.text import diff_text, p_text

__all__ = [
    "Page",
    "amount_text",
    "as_number",
    "better_class",
    "capitalised",
    "cell_text",
    "diff_range",
    "kpi_label",
    "kpi_unit",
    "mean_ci_text",
    "precision_sentence",
    "share_text",
    "stat_text",
    "verdict_of",
]


@dataclass
class Page:
    """The words and tables of one experiment's report."""

    title: str
    facts: list[str]  # the line under the title
    method: list[str]  # what was run and how, in sentences
    headline: list[str]  # the answer, in sentences
    tables: str  # HTML
    captions: dict[str, str]  # plot name -> how to read it


def kpi_label(kpi: str) -> str:
    return KPI_LABELS.get(kpi, kpi)


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def kpi_unit(kpi: str) -> str:
    return unit_of(kpi)


def as_number(value: Any) -> float | None:
    """A number from a table cell; None for a missing one (NaN)."""
    return None if value is None or value != value else float(value)


def amount_text(value: float, unit: str) -> str:
    """The size of a difference, without its sign; percentages in points."""
    return f"{abs(value) * 100:.1f} pp" if unit == "pct" else fmt(abs(value), unit)


def diff_range(lo: float | None, hi: float | None, unit: str) -> str:
    return "-" if lo is None or hi is None else f"{diff_text(lo, unit)} to {diff_text(hi, unit)}"


def mean_ci_text(mean: float | None, lo: float | None, hi: float | None, unit: str) -> str:
    """ "$3.9M (95% CI $1.9M to $6.0M)", or the mean alone without an interval."""
    if mean is None:
        return "-"
    if lo is None or hi is None:
        return fmt(mean, unit)
    return f"{fmt(mean, unit)} (95% CI {fmt(lo, unit)} to {fmt(hi, unit)})"


def stat_text(stat: Mapping[str, Any] | None, unit: str) -> str:
    """A JSON statistic ({"mean", "ci95"}) as `mean_ci_text` text."""
    lo, hi = (stat or {}).get("ci95") or (None, None)
    return mean_ci_text(mean_of(stat), lo, hi, unit)


def verdict_of(d: Mapping[str, Any], them: str) -> str:
    """Whether a paired difference is significant, in words, with its p-value."""
    p = d.get("p_value")
    if p is None:
        return "there are too few replications to test the difference"
    shown = p_text(p) if p_text(p).startswith("<") else f"={p_text(p)}"
    if significant(d):
        return f"the difference is significant (p{shown})"
    return f"the difference is not significant (p{shown}): {d.get('n')} paired replications cannot tell {them} apart"


def share_text(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def better_class(d: Mapping[str, Any]) -> str:
    """ "better"/"worse" for a significant difference in a KPI with a direction; else ""."""
    direction, mean = d.get("direction") or 0, d.get("mean")
    if not significant(d) or not direction or not mean:
        return ""
    return "better" if direction * mean > 0 else "worse"


def precision_sentence(info: Mapping[str, Any] | None) -> list[str]:
    if not info:
        return []
    targets = ", ".join(info.get("targets") or ["arr_end"])
    outcome = (
        "the target was reached"
        if info.get("reached")
        else f"the target was NOT reached at the cap of {info.get('max_replications')}"
    )
    return [
        f"Replications were added in batches until the 95% CI half-width of {targets} was within "
        f"{info['relative'] * 100:g}% of its mean: {info['replications']} replications; {outcome}."
    ]


def cell_text(row: Mapping[str, Any] | None, unit: str) -> str:
    """A table cell: "$3.9M ($1.9M – $6.0M)" (the column says it is the mean and 95% CI)."""
    if row is None or as_number(row["mean"]) is None:
        return "-"
    interval = ci_range({"ci95": [as_number(row["ci95_low"]), as_number(row["ci95_high"])]}, unit)
    return fmt(as_number(row["mean"]), unit) + ("" if interval == "-" else f" ({interval})")
