"""Directional validation of deal momentum, no decision and recycling (issue 12: capacity drives winning).

Arms of scenarios/reference.yaml run with the same seed and replication indices (common random
numbers, `orgsim.compare`); a direction is asserted only when the mean paired difference is beyond
Z standard errors on the predicted side, as in test_directions.py. Deterministic: fixed seed.

Momentum values: half-life 35 days, from [win_rate_trend_2024] (deals slipped more than 8 weeks
win 67% less: 0.5 ^ (56 / 35) = 0.33), floor 0; patience 90 days (an assumption: no public figure).
Recycling: 20% of lost, 30% of dark opportunities and 10% of disqualified MQLs come back after
180 days (assumptions). The measured effects are on docs/explanation/model/sales.md.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from validation_support import paired, values

from orgsim.experiments import compare
from orgsim.scenario.loader import load_scenario

pytestmark = pytest.mark.slow

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.yaml"
SEED = 2026
REPS = 16
WORKERS = 2
Z = 3.0
P_Z = 0.00135  # the one-sided tail beyond Z standard errors
MOMENTUM = {"funnel.deal_momentum.halflife_days": 35.0, "funnel.deal_momentum.patience_days": 90.0}
RECYCLING = {"funnel.recycling.lost": 0.2, "funnel.recycling.no_decision": 0.3, "funnel.recycling.disqualified": 0.1}
FEW_AES = {"roles.ae.headcount": 2}  # a third of the reference's six (hiring adds more later)


def arms(**named: dict[str, Any]) -> Any:
    return compare(
        {n: load_scenario(REFERENCE, overrides=o) for n, o in named.items()},
        replications=REPS,
        seed=SEED,
        workers=WORKERS,
    )


@pytest.fixture(scope="module")
def aes() -> Any:
    return arms(
        six=MOMENTUM, two={**MOMENTUM, **FEW_AES}, six_off={}, two_off=FEW_AES, recycled={**MOMENTUM, **RECYCLING}
    )


def test_fewer_aes_lower_the_win_rate_with_momentum(aes):
    mean, se = paired(aes, "two", "six", "win_rate")
    assert mean < 0 and -mean > Z * se, f"win rate, 2 vs 6 AEs: {mean:.4g} (se {se:.3g})"


def test_fewer_aes_make_more_no_decisions(aes):
    """No decisions are skewed (most replications a few, some a congestion cascade of many): a
    t-criterion needs ~30 replications (3.8 se there, 2.6 se at 16), so the paired test here is the
    sign test, at the one-sided level of Z = 3 standard errors (p < 0.00135)."""
    d = values(aes, "two", "no_decision_rate") - values(aes, "six", "no_decision_rate")
    up, down = int((d > 0).sum()), int((d < 0).sum())
    p = sum(math.comb(up + down, k) for k in range(up, up + down + 1)) / 2 ** (up + down)
    assert d.mean() > 0 and p < P_Z, f"no-decision rate, 2 vs 6 AEs: {up} up, {down} down, sign test p = {p:.3g}"


def test_without_momentum_fewer_aes_do_not_lower_the_win_rate(aes):
    """The control: the AE's work hides inside the buyer's cycle, so only momentum makes capacity win deals."""
    mean, se = paired(aes, "two_off", "six_off", "win_rate")
    assert abs(mean) < Z * se or abs(mean) < 1e-3, f"win rate, 2 vs 6 AEs, momentum off: {mean:.4g} (se {se:.3g})"
    assert np.all(values(aes, "two_off", "no_decision_rate") == 0.0)


def test_recycling_brings_more_mqls(aes):
    mean, se = paired(aes, "recycled", "six", "mql")
    assert mean > 0 and mean > Z * se, f"MQLs, recycling on vs off: {mean:.4g} (se {se:.3g})"


def test_neutral_keys_change_nothing():
    """Keys written out at their neutral settings give the numbers of keys absent, exactly."""
    neutral = {
        "funnel.deal_momentum.halflife_days": None,
        "funnel.deal_momentum.patience_days": None,
        "funnel.deal_momentum.floor": 0.5,  # no effect without a half-life
        "funnel.recycling.lost": 0.0,
        "funnel.recycling.delay_days": {"dist": "fixed", "value": 3.0},
    }
    short = {"horizon_months": 12}
    c = compare(
        {
            "absent": load_scenario(REFERENCE, overrides=short),
            "neutral": load_scenario(REFERENCE, overrides={**short, **neutral}),
        },
        replications=3,
        seed=SEED,
    )
    for key in ("arr_end", "new_customers", "win_rate", "sales_cycle_days", "cash_end"):
        assert values(c, "neutral", key).tolist() == values(c, "absent", key).tolist(), key
