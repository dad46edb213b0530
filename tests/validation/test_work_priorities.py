"""Directional validation of priorities for shared roles (issue 12 item 7: `ownership.priorities`).

scenarios/series-a.yaml (24 months) with renewals owned by AEs and two AEs at the start: renewals
first or last in the AEs' order of work, and FIFO, run with common random numbers
(`orgsim.compare`); a direction is asserted only when the mean paired difference is beyond Z
standard errors on the predicted side. Deterministic: fixed seed. The measured effects are on
docs/explanation/model/workforce.md.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from orgsim.experiments import compare
from orgsim.scenario.loader import load_scenario

pytestmark = pytest.mark.slow

SERIES_A = Path(__file__).resolve().parents[2] / "scenarios" / "series-a.yaml"
SEED = 2026
REPS = 8
WORKERS = 2
Z = 3.0
BASE = {"horizon_months": 24, "ownership.renewal": "ae", "roles.ae.headcount": 2}
FIRST = ["renewal", "opportunity", "delivery", "expansion", "qualification"]
LAST = ["opportunity", "delivery", "expansion", "qualification", "renewal"]


def values(c: Any, arm: str, key: str) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in c.arm(arm).values(key)], dtype=float)


def paired(c: Any, arm: str, base: str, key: str) -> tuple[float, float]:
    d = values(c, arm, key) - values(c, base, key)
    d = d[np.isfinite(d)]
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size))


@pytest.fixture(scope="module")
def orders() -> Any:
    named = {"fifo": {}, "first": {"ownership.priorities.ae": FIRST}, "last": {"ownership.priorities.ae": LAST}}
    return compare(
        {n: load_scenario(SERIES_A, overrides={**BASE, **o}) for n, o in named.items()},
        replications=REPS,
        seed=SEED,
        workers=WORKERS,
    )


@pytest.mark.parametrize(("better", "worse"), [("first", "fifo"), ("fifo", "last")])
def test_renewals_earlier_in_busy_aes_work_keep_more_arr(orders, better, worse):
    mean, se = paired(orders, better, worse, "grr")
    assert mean > 0 and mean > Z * se, f"GRR, renewals {better} vs {worse}: {mean:.4g} (se {se:.3g})"


def test_renewals_first_slow_the_deals(orders):
    """The price: AE time on renewals is not on deals, so opportunities take longer to decide."""
    mean, se = paired(orders, "first", "last", "sales_cycle_days")
    assert mean > 0 and mean > Z * se, f"sales cycle, renewals first vs last: {mean:.4g} days (se {se:.3g})"
