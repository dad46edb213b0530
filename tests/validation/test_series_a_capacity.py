"""Issue 12's directions on series-a itself, every mechanism on (not on reference.yaml with overrides).

Arms of scenarios/series-a.yaml with the same seed and replication indices (common random
numbers); a direction is asserted when the mean paired difference is beyond Z standard errors on
the predicted side (no-decisions: the sign test at the same level, as in test_momentum.py). The
other directions of the issue run on series-a in test_self_sourcing.py (no SDRs: higher AE
utilisation, AE-sourced meetings) and test_presales_coverage.py (more SEs when SEs are scarce:
more wins); the budget set by --set or by extends, and 4x marketers, here.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from orgsim.engine import run_replication
from orgsim.experiments import compare
from orgsim.scenario.loader import load_scenario

pytestmark = pytest.mark.slow

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SERIES_A = SCENARIOS / "series-a.yaml"
SEED, REPS, WORKERS, Z = 2026, 16, 2, 3.0
P_Z = 0.00135  # the one-sided tail beyond Z standard errors
SHORT = {"horizon_months": 24}


@pytest.fixture(scope="module")
def aes() -> Any:
    arms = {"six": SHORT, "two": {**SHORT, "roles.ae.headcount": 2}}
    return compare(
        {n: load_scenario(SERIES_A, overrides=o) for n, o in arms.items()},
        replications=REPS,
        seed=SEED,
        workers=WORKERS,
    )


def _values(c: Any, arm: str, key: str) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in c.arm(arm).values(key)], dtype=float)


def test_fewer_aes_lower_the_win_rate(aes):
    d = _values(aes, "two", "win_rate") - _values(aes, "six", "win_rate")
    mean, se = float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size))
    assert mean < 0 and -mean > Z * se, f"win rate, 2 vs 6 AEs: {mean:.4g} (se {se:.3g})"


def test_fewer_aes_make_more_no_decisions(aes):
    d = _values(aes, "two", "no_decision_rate") - _values(aes, "six", "no_decision_rate")
    up, down = int((d > 0).sum()), int((d < 0).sum())
    p = sum(math.comb(up + down, k) for k in range(up, up + down + 1)) / 2 ** (up + down)
    assert d.mean() > 0 and p < P_Z, f"no-decision rate, 2 vs 6 AEs: {up} up, {down} down, sign test p = {p:.3g}"


def _content_leads(overrides: dict[str, Any]) -> float:
    sc = load_scenario(SERIES_A, overrides={**overrides, "horizon_months": 12, "hiring.growth.hires_per_month": 0})
    return float(np.mean([run_replication(sc, SEED, r).funnel.get("leads.content", 0) for r in range(4)]))


def test_four_times_the_marketers_give_less_than_four_times_the_content_leads():
    three = _content_leads({"roles.marketer.headcount": 3})
    twelve = _content_leads({"roles.marketer.headcount": 12})
    assert three > 0 and twelve / three < 4 * 0.9, f"content leads: {twelve:.0f} with 12 vs {three:.0f} with 3"


def test_a_budget_set_by_override_or_by_extends_gives_the_same_leads(tmp_path):
    child = tmp_path / "bigger-budget.yaml"
    child.write_text(f"extends: {SERIES_A}\nlead_sources:\n  paid: {{budget_per_month: 100000}}\n", encoding="utf-8")
    by_set = load_scenario(SERIES_A, overrides={"lead_sources.paid.budget_per_month": 100_000, **SHORT})
    by_extends = load_scenario(child, overrides=SHORT, extends_roots=[SCENARIOS, tmp_path])
    a, b = run_replication(by_set, SEED, 0), run_replication(by_extends, SEED, 0)
    assert a.funnel["leads.paid"] == b.funnel["leads.paid"] > 0
    assert a.funnel == b.funnel


def test_least_loaded_and_round_robin_routing_differ_when_aes_differ():
    """With owners working their own deals (`ownership.deal_work: owner`) and series-a's spread of AE
    productivity (cv 0.3), the routing rule changes outcomes: least-loaded wins 5.2 fewer customers
    than round robin (se 1.19; 24 months, 48 reps, seed 2026, 2026-11-26; win rate -0.38 pp, se 0.10).
    At 16 replications the difference was not resolved once series-a turned on founders, collections,
    the admin span and sales managers (-4.9, se 2.8; a strict xfail until 2026-11-26); it is the same
    size at 32 replications before the renewal-rate change (-5.3, se 1.76) and after (-5.6, se 1.34),
    so the test runs 48. Why least-loaded loses here is not analysed; the article only says the rules
    matter, so the test asserts that they do, not a sign."""
    base = {**SHORT, "ownership.deal_work": "owner"}
    arms = {
        r: load_scenario(SERIES_A, overrides={**base, "ownership.routing": r}) for r in ("round_robin", "least_loaded")
    }
    c = compare(arms, replications=48, seed=SEED, workers=WORKERS)
    d = _values(c, "least_loaded", "new_customers") - _values(c, "round_robin", "new_customers")
    mean, se = float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size))
    assert abs(mean) > Z * se, f"new customers, least-loaded - round robin: {mean:.3g} (se {se:.3g})"
