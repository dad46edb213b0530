"""Retention outputs: by segment, by signing cohort, churn and contraction reasons, health-band moves.

Pure functions. `retention` reduces one replication's `RetentionRecord` (what
`orgsim.model.retention_log` read off the books) to plain, JSON-ready numbers that travel in
`Replication.retention`; `pooled_curves`, `reasons` and `transitions_table` turn many replications
into what results report (docs/reference/outputs.md, "Retention").

Definitions (one replication):

- by segment, ``logo_renewal_rate`` = renewed / (renewed + churned), over every renewal decided in the
  run (a renewal is a term start that moved on; a churn an account gone from the books); ``grr`` and
  ``nrr`` as the KPIs of the same name restricted to the segment's accounts of the trailing-12-month
  cohort: sum(min(ARR at the end, ARR at the start)) / sum(ARR at the start), and sum(ARR at the
  end) / sum(ARR at the start).
- by cohort and age k (months since the first month end on the books; for ``start``, since the run
  began): logo retention = accounts on the books / accounts observable at age k; ARR retention (net)
  = their ARR / their base ARR (ARR at the first observation); gross = the same with each account's
  ARR capped at its base. Pooled over replications (sums of numerators over sums of denominators).
- churn reasons: the counters ``churn.<reason>``; without any, every churned logo is reason
  ``health`` (today's only way to churn: a renewal lost on health). Contraction: every counter whose
  name starts with ``contract``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from orgsim.engine import RawRecord

__all__ = [
    "BAND_LABELS",
    "CURVE_PARTS",
    "SEGMENT_KEYS",
    "pooled_curves",
    "reasons",
    "retention",
    "transitions_table",
]

SEGMENT_KEYS = (
    "logo_renewal_rate",
    "grr",
    "nrr",
    "renewed",
    "churned",
    "churned_arr",
    "contractions",
    "contracted_arr",
    "expanded_arr",
)
CURVE_PARTS = ("at_risk", "alive", "base_arr", "arr", "kept_arr")
BAND_LABELS = (*(f"{k / 10:.1f}-{(k + 1) / 10:.1f}" for k in range(10)), "off books")


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den > 0 else None


def retention(rec: RawRecord) -> dict[str, Any]:
    """One replication's retention outputs, plain data ({} for a record without them)."""
    r = rec.retention
    if r is None:
        return {}
    by_segment = {}
    for seg, d in r.by_segment.items():
        by_segment[seg] = {
            "logo_renewal_rate": _ratio(d["renewed"], d["renewed"] + d["churned"]),
            "grr": _ratio(d["kept_arr"], d["cohort_arr"]),
            "nrr": _ratio(d["final_arr"], d["cohort_arr"]),
            **{k: float(d[k]) for k in SEGMENT_KEYS[3:]},
        }
    cohorts = {}
    for i, label in enumerate(r.cohorts):
        ages = int(np.count_nonzero(r.at_risk[i]))  # observable ages: 0..ages-1
        if ages:
            cohorts[label] = {part: getattr(r, part)[i, :ages].tolist() for part in CURVE_PARTS}
    return {"by_segment": by_segment, "cohorts": cohorts, "transitions": r.transitions.tolist()}


def pooled_curves(reps: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, list[Any]]]:
    """Per cohort: ``months`` (ages), mean ``accounts`` at risk per replication, and the pooled
    ``logo_retention``, ``grr`` and ``nrr`` curves (None where no account was observable)."""
    sums: dict[str, dict[str, np.ndarray]] = {}
    for rep in reps:
        for label, parts in (rep.get("cohorts") or {}).items():
            acc = sums.setdefault(label, {})
            for part in CURVE_PARTS:
                v = np.asarray(parts[part], dtype=float)
                old = acc.get(part, np.zeros(0))
                n = max(len(old), len(v))
                acc[part] = np.pad(old, (0, n - len(old))) + np.pad(v, (0, n - len(v)))
    out = {}
    for label, s in sums.items():

        def ratio(num: np.ndarray, den: np.ndarray) -> list[float | None]:
            return [float(a / b) if b > 0 else None for a, b in zip(num.tolist(), den.tolist())]

        out[label] = {
            "months": list(range(len(s["at_risk"]))),
            "accounts": (s["at_risk"] / max(len(reps), 1)).tolist(),
            "logo_retention": ratio(s["alive"], s["at_risk"]),
            "grr": ratio(s["kept_arr"], s["base_arr"]),
            "nrr": ratio(s["arr"], s["base_arr"]),
        }
    return out


def reasons(counters: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """Churn by reason (logos) and contraction counters of one replication (see the module docstring)."""
    churn = {k.removeprefix("churn."): float(v) for k, v in counters.items() if k.startswith("churn.")}
    if not churn:
        churn = {"health": float(counters.get("churned_logos", 0.0))}
    contraction = {k: float(v) for k, v in counters.items() if k.startswith("contract")}
    return {"churn": churn, "contraction": contraction}


def transitions_table(reps: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Health-band moves, mean per replication, summed over months: (11, 11), row = band at the
    previous month end (last: off the books, i.e. new), column = band now (last: churned)."""
    mats = [np.asarray(r["transitions"], dtype=float) for r in reps if r.get("transitions")]
    return np.mean(mats, axis=0) if mats else np.zeros((len(BAND_LABELS), len(BAND_LABELS)))
