"""The ``"retention"`` block of `Results.to_dict` (``run --json``, summary.json) and its tables.

Built from each replication's `Replication.retention` and counters (`orgsim.metrics.retention`):

    "retention": {
      "by_segment": {"smb": {"logo_renewal_rate": {mean, std, ci95, n}, "grr": {...}, "nrr": {...},
                             "renewed": {...}, "churned": {...}, "churned_arr": {...},
                             "contractions": {...}, "contracted_arr": {...}, "expanded_arr": {...}}, ...},
      "by_cohort": {"start": {"months": [0, 1, ...], "accounts": [...], "logo_retention": [...],
                              "grr": [...], "nrr": [...]}, "q1": {...}, ...},
      "reasons": {"churn": {"health": {mean, ...}, ...}, "contraction": {"contractions": {...}, ...}},
      "health_transitions": {"bands": ["0.0-0.1", ..., "0.9-1.0", "off books"],
                             "counts": [[...], ...]}}

Replications read back from a checkpoint written before these outputs have none; the block is then
left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from orgsim.experiments.stats import describe_within
from orgsim.metrics.kpis import Replication
from orgsim.metrics.retention import BAND_LABELS, SEGMENT_KEYS, pooled_curves, reasons, transitions_table

__all__ = ["cohort_frame", "retention_doc", "segment_frame"]


def retention_doc(reps: Sequence[Replication]) -> dict[str, Any] | None:
    """The block (see the module docstring); None when no replication carries retention outputs."""
    parts = [r.retention for r in reps if r.retention]
    if not parts:
        return None
    segments = list(parts[0].get("by_segment", {}))
    by_segment = {
        seg: {k: _segment_stat(k, [p["by_segment"].get(seg, {}).get(k) for p in parts]) for k in SEGMENT_KEYS}
        for seg in segments
    }
    why = [reasons(r.counters) for r in reps if r.retention]
    churn_keys = sorted({k for w in why for k in w["churn"]})
    contract_keys = sorted({k for w in why for k in w["contraction"]})
    return {
        "by_segment": by_segment,
        "by_cohort": pooled_curves(parts),
        "reasons": {
            "churn": {k: describe_within([w["churn"].get(k, 0.0) for w in why]) for k in churn_keys},
            "contraction": {k: describe_within([w["contraction"].get(k, 0.0) for w in why]) for k in contract_keys},
        },
        "health_transitions": {"bands": list(BAND_LABELS), "counts": transitions_table(parts).tolist()},
    }


def _segment_stat(key: str, values: list[float | None]) -> dict[str, Any]:
    """Mean and 95% CI of a segment's statistic, the CI clipped to what it can be: a renewal rate or
    GRR within [0, 1], NRR, counts and ARR at least 0."""
    return describe_within(values, 0.0, 1.0 if key in ("logo_renewal_rate", "grr") else None)


def segment_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """One row per segment: mean logo renewal rate, GRR, NRR, churned logos and ARR (from the block)."""
    rows = [
        {"segment": seg, **{k: v[k]["mean"] for k in SEGMENT_KEYS if k in v}}
        for seg, v in (doc.get("by_segment") or {}).items()
    ]
    return pd.DataFrame(rows, columns=["segment", *SEGMENT_KEYS])


def cohort_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """Tidy cohort curves: cohort, month (since signing), accounts, logo_retention, grr, nrr."""
    rows = [
        {
            "cohort": label,
            "month": m,
            "accounts": c["accounts"][i],
            "logo_retention": c["logo_retention"][i],
            "grr": c["grr"][i],
            "nrr": c["nrr"][i],
        }
        for label, c in (doc.get("by_cohort") or {}).items()
        for i, m in enumerate(c["months"])
    ]
    numbers = ["month", "accounts", "logo_retention", "grr", "nrr"]
    frame = pd.DataFrame(rows, columns=["cohort", *numbers])
    frame[numbers] = frame[numbers].astype(float)  # (None -> NaN)
    return frame
