"""What the paired validation tests share: per-replication values of an arm of a comparison, the
mean paired difference with its standard error, and the retention settings the customer-side
tests turn on.

Imported by the test modules as ``validation_support`` (pytest puts this directory on sys.path).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from orgsim.metrics import KPI_KEYS

# issue 13's customer side with the values series-a uses (docs/explanation/model/success.md)
RETENTION_ON: dict[str, Any] = {
    "customers.health.reversion": {
        "rate_per_month": 0.15,
        "baseline": 0.4,
        "care_lift_per_month": 0.06,
        "time_to_value_months": 3,
        "time_to_value_lift_per_month": 0.03,
    },
    "customers.renewal_curve": {"steepness": 8.0, "typical_health": 0.7},
    "customers.contraction": {"probability": 0.5, "share_of_arr": {"dist": "gamma", "mean": 0.25, "cv": 0.5}},
    "customers.churn_floor_per_year": 0.03,
    "roles.csm.arr_per_csm": 1_000_000,
    "customers.tech_touch": {"segments": ["smb"], "care_hours_per_month": 0.2},
}


def values(c: Any, arm: str, key: str) -> np.ndarray:
    """`key` per replication of `arm` of comparison `c`, in replication order: a KPI (None as NaN),
    else a funnel count, else a counter."""
    r = c.arm(arm)
    if key not in KPI_KEYS:
        for table in (r.funnel, r.counters):
            if key in table.columns:
                return table.sort_values("replication")[key].to_numpy(dtype=float)
    return np.array([math.nan if v is None else v for v in r.values(key)], dtype=float)


def mean_se(d: np.ndarray) -> tuple[float, float]:
    """Mean and standard error of paired differences, replications where either is undefined left out."""
    d = d[np.isfinite(d)]
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size))


def paired(c: Any, arm: str, base: str, key: str) -> tuple[float, float]:
    """Mean and standard error of the per-replication differences arm - base of `key`."""
    return mean_se(values(c, arm, key) - values(c, base, key))
