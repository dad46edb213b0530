"""Directional validation of issue 12's market mechanisms on scenarios/reference.yaml.

Each test runs two arms with the same seed and replication indices (common random numbers) and
asserts a direction only as "the mean paired difference is beyond Z standard errors on the
predicted side" (as tests/validation/test_directions.py does). Everything is deterministic (fixed
seed), so a failure is a change in the model, not bad luck. The mechanisms' settings here are
illustrative (no public figure in data/benchmarks.yaml maps onto them); the measured effects are
reported in docs/explanation/model/marketing.md and product.md.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from orgsim.engine import run_replication
from orgsim.scenario.loader import load_scenario

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "scenarios" / "reference.yaml"
SEED = 20261
REPS = 10
Z = 3.0  # standard errors a paired difference must clear

MARKET = {"smb": 600, "mid_market": 250, "enterprise": 40}  # illustrative addressable accounts
FIT = {"threshold": 0.8, "floor": 0.3}  # illustrative: a product at 0.3 maturity fits at 0.56


def records(horizon: int, overrides: dict[str, Any], path: Path = REFERENCE) -> list:
    sc = load_scenario(path, overrides={"horizon_months": horizon, **overrides}, extends_roots=[ROOT])
    return [run_replication(sc, SEED, r) for r in range(REPS)]


def funnel(recs: list, *keys: str) -> np.ndarray:
    return np.array([sum(rec.funnel.get(k, 0) for k in keys) for rec in recs], dtype=float)


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size))


def assert_below(a: np.ndarray, b: np.ndarray, what: str) -> None:
    """a is below b, replication by replication, beyond Z standard errors of the mean difference."""
    mean, se = paired(a, b)
    assert mean < 0 and -mean > Z * se, f"{what}: paired difference {mean:.4g} (se {se:.3g}) is not below -{Z:g} se"


# ---- content: 4x marketers give less than 4x content leads --------------------------------------


def test_four_times_the_marketers_give_less_than_four_times_the_content_leads():
    fixed_team = {"hiring.growth.hires_per_month": 0.0, "hiring.attrition_per_year": 0.0}
    ratio = {}
    for beta in (1.0, 0.7):
        over = {**fixed_team, "lead_sources.content.returns_exponent": beta}
        three = funnel(records(12, {**over, "roles.marketer.headcount": 3}), "leads.content")
        twelve = funnel(records(12, {**over, "roles.marketer.headcount": 12}), "leads.content")
        ratio[beta] = np.log(twelve / three)
    mean, se = paired(ratio[1.0], np.full(REPS, math.log(4)))
    assert abs(mean) < max(Z * se, 0.02), f"linear content: 4x marketers give exp({mean:.3f}) x 4 leads"
    assert_below(ratio[0.7], np.full(REPS, math.log(4)), "log(content leads 12 vs 3 marketers), beta 0.7, vs log 4")
    assert_below(ratio[0.7], ratio[1.0], "log content-lead ratio, beta 0.7 vs 1")


# ---- paid: a budget set by --set or by extends gives the same leads ----------------------------


def test_a_budget_set_by_override_or_by_extends_gives_the_same_leads(tmp_path):
    child = tmp_path / "bigger-budget.yaml"
    child.write_text(f"extends: {REFERENCE}\nlead_sources:\n  paid: {{budget_per_month: 100000}}\n", encoding="utf-8")
    by_set = funnel(records(6, {"lead_sources.paid.budget_per_month": 100_000}), "leads.paid")
    by_extends = funnel(records(6, {}, child), "leads.paid")
    base = funnel(records(6, {}), "leads.paid")
    assert by_set.tolist() == by_extends.tolist()
    # cost per lead rises with spend: 2x the budget buys 2^(1 - 0.2) = 1.74x the leads, not 2x
    assert float(by_set.sum() / base.sum()) == pytest.approx(2**0.8, rel=0.03)


# ---- a finite market: fewer leads late in the horizon --------------------------------------------


def test_a_finite_market_yields_fewer_leads_and_wins_late_in_the_horizon():
    unlimited = records(36, {})
    finite = records(36, {"market.addressable_accounts": MARKET})
    leads = tuple(f"leads.{s}" for s in ("paid", "content", "outbound", "referral"))
    assert_below(funnel(finite, *leads), funnel(unlimited, *leads), "leads over 36 months, finite vs unlimited")

    def late_wins(recs: list) -> np.ndarray:
        return np.array([rec.monthly["new_customers"][-12:].sum() for rec in recs])

    assert_below(late_wins(finite), late_wins(unlimited), "new customers in months 25-36, finite vs unlimited")
    pen = np.array([rec.monthly["penetration.smb"] for rec in finite])
    assert np.all(pen[:, -1] > pen[:, 0])  # the market fills as the company grows


# ---- product-market fit: a young product converts less ----------------------------------------


def test_low_maturity_with_fit_on_lowers_every_conversion():
    young = {"product.maturity_start": 0.3}
    off = records(12, young)
    on = records(12, {**young, "product.fit": FIT})
    inbound = ("paid", "content", "referral")

    def rates(recs: list) -> dict[str, np.ndarray]:
        leads = funnel(recs, *(f"leads.{s}" for s in inbound))
        mql = funnel(recs, *(f"mql.{s}" for s in inbound))
        sql = funnel(recs, *(f"sql.{s}" for s in inbound))
        won, lost = funnel(recs, "won"), funnel(recs, "lost.opportunity")
        return {"lead -> MQL": mql / leads, "MQL -> SQL": sql / mql, "win": won / (won + lost)}

    r_on, r_off = rates(on), rates(off)
    for step in r_on:
        assert_below(r_on[step], r_off[step], f"{step} rate, fit on vs off at maturity 0.3")
