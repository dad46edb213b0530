"""Per-segment estimates from a prepared export: what `orgsim calibrate` reports and writes.

Per segment: deal counts; the closed-only win rate won / decided (Wilson interval); the
censoring-aware win rate (the value the fragment gets): the share of wins among the deals decided by
the last day with at least `MIN_AT_RISK` undecided deals, from the Aalen-Johansen cumulative
incidences of a win and a loss (`fits.win_share`), and those incidences themselves (`won_by_day`,
`lost_by_day`, lifelines with its interval); the time to decision fitted with
censoring; the ACV of won deals fitted; deals per month (overall and by source); the no-decision
share of lost deals when lost reasons exist. Segments with fewer than `MIN_DECIDED` decided deals are
estimated but left out of the fragment.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from orgsim.calibrate.fits import (
    MIN_AT_RISK,
    Fit,
    Incidence,
    cumulative_incidence,
    fit_amounts,
    fit_durations,
    wilson,
    win_share,
)
from orgsim.calibrate.quality import Prepared, stage_conversion

__all__ = ["MIN_DECIDED", "NO_DECISION", "Calibration", "SegmentFit", "estimate", "json_document"]

MIN_DECIDED = 20  # fewer decided deals than this: reported, left out of the fragment
# a lost reason counts as "no decision" when, lower-cased with punctuation as spaces, it contains one of these
NO_DECISION = ("no decision", "nodecision", "status quo", "do nothing", "no response", "went dark", "unresponsive")


@dataclass
class SegmentFit:
    """One segment's estimates, and the curves and samples the report plots."""

    name: str
    summary: dict[str, Any]
    won: Incidence | None = None
    lost: Incidence | None = None
    cycle: Fit | None = None
    acv: Fit | None = None
    days: np.ndarray = field(default_factory=lambda: np.zeros(0))
    decided: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    amounts: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def included(self) -> bool:
        return bool(self.summary["included"])


@dataclass
class Calibration:
    """Everything `calibrate` found: JSON-ready `data` and the per-segment fits."""

    data: dict[str, Any]
    segments: dict[str, SegmentFit]


# The keys every segment of `calibrate --json` holds (docs/reference/interfaces.md), null when the
# segment's data cannot give them: no decided deal (win rate, time to decision), fewer than two
# won deals with an amount (ACV).
UNESTIMATED: dict[str, dict[str, Any]] = {
    "win_rate": {"estimate": None, "ci95": [None, None], "method": None, "at_days": None},
    "sales_cycle_days": {"dist": None, "mean": None, "cv": None, "mean_ci95": [None, None], "aic": {}},
    "acv": {"dist": None, "mean": None, "cv": None, "mean_ci95": [None, None], "aic": {}},
}


def json_document(data: dict[str, Any]) -> dict[str, Any]:
    """`Calibration.data` as `calibrate --json` writes it: each segment with every key of the
    contract, an estimate the data cannot give being null instead of missing (the table, the
    report and the fragment read `data` itself, where such a key is absent)."""
    segments = {
        name: {**s, **{k: copy.deepcopy(v) for k, v in UNESTIMATED.items() if k not in s}}
        for name, s in data["segments"].items()
    }
    return {**data, "segments": segments}


def _interval(est: float, lo: float, hi: float) -> dict[str, Any]:
    return {"estimate": round(est, 4), "ci95": [round(lo, 4), round(hi, 4)]}


def _no_decision(reasons: pd.Series) -> dict[str, Any] | None:
    given = reasons[reasons.str.strip() != ""]
    if given.empty:
        return None
    norm = given.str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True)
    hit = norm.apply(lambda r: any(p in r for p in NO_DECISION))
    w = wilson(int(hit.sum()), len(given))
    assert w is not None
    return {**_interval(*w), "n_lost_with_reason": int(len(given))}


def _monthly(created: pd.Series) -> dict[str, int]:
    months = created.dt.to_period("M")
    if months.empty:
        return {}
    full = pd.period_range(months.min(), months.max(), freq="M")
    vc = months.value_counts().reindex(full, fill_value=0)
    return {str(k): int(v) for k, v in vc.items()}


def _volumes(d: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, Any]:
    monthly = _monthly(d["created"])
    # the as-of month is partial: left out of the mean
    full = {k: v for k, v in monthly.items() if k != str(as_of.to_period("M"))}
    out: dict[str, Any] = {"deals_per_month": round(float(np.mean(list(full.values()))), 2) if full else None}
    out["monthly"] = monthly
    if (d["source"] != "").any():
        by = {}
        months = max(len(full), 1)
        for src, g in d.groupby(d["source"].replace("", "(none)")):
            by[str(src)] = round(len(g[g["created"].dt.to_period("M").astype(str).isin(full)]) / months, 2)
        out["deals_per_month_by_source"] = by
    return out


def _segment(name: str, d: pd.DataFrame, as_of: pd.Timestamp, seed: int) -> SegmentFit:
    won, lost, open_ = (int((d["event"] == k).sum()) for k in (1, 2, 0))
    decided = won + lost
    s: dict[str, Any] = {"n_deals": len(d), "n_open": open_, "n_won": won, "n_lost": lost}
    days, event = d["days"].to_numpy(), d["event"].to_numpy()
    inc_w = cumulative_incidence(days, event, 1, seed)
    inc_l = cumulative_incidence(days, event, 2, seed)
    share = win_share(days, event, seed) if won else None
    if share is not None:
        s["win_rate"] = {**_interval(share.estimate, *share.ci95), "method": "aalen-johansen share of decided",
                         "at_days": share.at_days}  # fmt: skip
    elif decided:  # no win at all: 0, with the Wilson upper limit of 0 wins in the decided deals
        s["win_rate"] = {**_interval(*(wilson(0, decided) or (0.0, 0.0, 1.0))), "method": "none won", "at_days": None}
    for key, inc in (("won_by_day", inc_w), ("lost_by_day", inc_l)):
        if inc is not None:
            s[key] = {**_interval(inc.estimate, *inc.ci95), "method": "aalen-johansen", "at_days": inc.at_days}
    w = wilson(won, decided)
    if w is not None:
        s["win_rate_closed_only"] = {**_interval(*w), "method": "wilson"}
    cycle = fit_durations(days, event > 0)
    if cycle is not None:
        s["sales_cycle_days"] = cycle.as_dict() | {"n_decided": decided, "n_censored": open_}
    amounts = d.loc[d["event"] == 1, "amount"].to_numpy(dtype=float)
    acv = fit_amounts(amounts)
    if acv is not None:
        s["acv"] = acv.as_dict()
    nd = _no_decision(d.loc[d["event"] == 2, "lost_reason"])
    if nd is not None:
        s["no_decision_share"] = nd
    s["volumes"] = _volumes(d, as_of)
    reasons = []
    if decided < MIN_DECIDED:
        reasons.append(f"{decided} decided deals (< {MIN_DECIDED})")
    if acv is None:
        reasons.append("fewer than 2 won deals with an amount")
    if cycle is None:
        reasons.append("fewer than 2 decided deals")
    s["included"] = not reasons
    if reasons:
        s["left_out"] = "; ".join(reasons)
    return SegmentFit(name, s, inc_w, inc_l, cycle, acv, days, event > 0, amounts)


def estimate(prep: Prepared, history: pd.DataFrame | None, fmt: str, files: list[str], seed: int = 0) -> Calibration:
    """Estimate every segment of `prep` (segments in order of first appearance in the data)."""
    d = prep.deals
    fits = {str(name): _segment(str(name), g, prep.as_of, seed) for name, g in d.groupby("segment", sort=False)}
    counts = dict(prep.counts)
    small = [n for n, f in fits.items() if not f.included]
    warnings = prep.warnings()
    for n in small:
        why = f"segment {n}: left out of the fragment: {fits[n].summary['left_out']}"
        warnings.append({"key": "segment_too_small", "count": fits[n].summary["n_deals"], "message": why})
    data: dict[str, Any] = {
        "as_of": prep.as_of.strftime("%Y-%m-%d"),
        "as_of_source": prep.as_of_source,
        "format": fmt,
        "files": files,
        "segment_rule": prep.segment_rule,
        "min_decided": MIN_DECIDED,
        "min_at_risk": MIN_AT_RISK,
        "seed": seed,
        "segments": {n: f.summary for n, f in fits.items()},
        "volumes": _volumes(d, prep.as_of),
        "data_quality": {"counts": {k: int(v) for k, v in counts.items()}, "warnings": warnings},
    }
    if history is not None:  # what was known at the as-of date: later stage changes had not happened
        history = history[history["entered"] <= prep.as_of]
    if history is not None and not history.empty:
        outcomes = d.set_index("deal_id")["outcome"]
        data["stages"] = stage_conversion(history[history["deal_id"].isin(outcomes.index)], outcomes)
    return Calibration(data, fits)
