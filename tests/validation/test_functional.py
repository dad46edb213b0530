"""Directional validation of functional departments with effects (issue 14, item 3).

Arms of scenarios/reference.yaml (24 months) run with the same seed and replication indices (common
random numbers, `orgsim.compare`); a direction is asserted only when the mean paired difference is
beyond Z standard errors on the predicted side, as in test_momentum.py. Deterministic: fixed seed.
The blocks use their defaults (assumptions, except the managers' span [ae_manager_span]); the
measured effects are on docs/explanation/model/functional.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from validation_support import paired

from orgsim.experiments import compare
from orgsim.scenario.loader import load_scenario

pytestmark = pytest.mark.slow

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.yaml"
SEED = 2026
REPS = 8
WORKERS = 2
Z = 3.0
H = {"horizon_months": 24}
COLLECT = {**H, "company.collections": {}}
ADMIN = {**H, "company.admin_span": {}}
# two AEs (sales is the bottleneck) reporting to one manager; the SDRs report to the same manager
MANAGED = {
    **H,
    "roles.ae.headcount": 2,
    "roles.manager": {"department": "sales", "headcount": 1, "annual_cost": 0},
    "company.management": {},
}


@pytest.fixture(scope="module")
def arms() -> Any:
    named = {
        "finance": COLLECT,
        "no_finance": {**COLLECT, "roles.finance.headcount": 0},
        "admin": ADMIN,
        "no_admin": {**ADMIN, "roles.admin.headcount": 0},
        "founders_free": {**H, "roles.recruiter.headcount": 0},
        "founders_one_a_month": {**H, "roles.recruiter.headcount": 0, "hiring.founder_hires_per_month": 1.0},
        "managed": MANAGED,
        "unmanaged": {**MANAGED, "roles.manager.headcount": 0},
    }
    return compare(
        {n: load_scenario(REFERENCE, overrides=o) for n, o in named.items()},
        replications=REPS,
        seed=SEED,
        workers=WORKERS,
    )


def above(c: Any, arm: str, base: str, key: str) -> None:
    mean, se = paired(c, arm, base, key)
    assert mean > 0 and mean > Z * se, f"{key}, {arm} - {base}: {mean:.4g} (se {se:.3g}) is not above {Z:g} se"


def below(c: Any, arm: str, base: str, key: str) -> None:
    mean, se = paired(c, arm, base, key)
    assert mean < 0 and -mean > Z * se, f"{key}, {arm} - {base}: {mean:.4g} (se {se:.3g}) is not below -{Z:g} se"


def test_no_finance_raises_dso_and_bad_debt_and_lowers_cash(arms):
    above(arms, "no_finance", "finance", "dso_days")
    above(arms, "no_finance", "finance", "bad_debt")
    below(arms, "no_finance", "finance", "cash_end")


def test_no_admin_slows_hiring(arms):
    below(arms, "no_admin", "admin", "hires")


def test_founders_closing_one_hire_a_month_hire_fewer_and_win_fewer(arms):
    below(arms, "founders_one_a_month", "founders_free", "hires")
    below(arms, "founders_one_a_month", "founders_free", "new_customers")


def test_aes_beyond_the_managers_span_win_fewer_customers_more_slowly(arms):
    below(arms, "unmanaged", "managed", "new_customers")
    above(arms, "unmanaged", "managed", "sales_cycle_days")
