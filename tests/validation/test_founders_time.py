"""Directional validation of founders' time (issue 14, item 2): founders caring for customers while
there is no CSM raise logo renewal and forgo product maturity; more customers eat more founder
hours and forgo more maturity. With no AE, founders who sell take the deals themselves: one AE on
staff takes that work off them (fewer founder hours, less maturity forgone), and founders selling
alone keep fewer accounts (their renewals wait behind deals). Overloaded founders take deals kept
waiting for an AE with room, and win more customers than founders who step in only for nobody.

A small company made of scenarios/reference.yaml (no CSMs, no hiring, three engineers, renewals
with the AEs, expansion kept with sales, 24 months), arms run with the same seed and replication
indices (common random numbers, `orgsim.compare`); a direction is asserted only when the mean
paired difference is beyond Z standard errors on the predicted side. The founders' values are the
defaults of `orgsim.scenario.founders` (assumptions, no public figure). The measured effects are on
docs/explanation/model/founders.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from validation_support import paired, values

from orgsim.experiments import compare
from orgsim.scenario.loader import load_scenario

pytestmark = pytest.mark.slow

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.yaml"
SEED = 2026
REPS = 12
WORKERS = 2
Z = 3.0
SMALL: dict[str, Any] = {
    "horizon_months": 24,
    "roles.csm.headcount": 0,
    "roles.engineer.headcount": 3,
    "hiring.plan": [],
    "hiring.growth": None,
    "ownership.renewal": "ae",
    "ownership.expansion_by_sales_months": 60,
    "company.starting_customers": {"smb": 20, "mid_market": 8, "enterprise": 1},
}
MORE_CUSTOMERS = {"company.starting_customers": {"smb": 40, "mid_market": 16, "enterprise": 2}}
CARE = {"founders": {"count": 2, "kinds": ["care"]}}
PRODUCT_ONLY = {"founders": {"count": 2, "kinds": []}}
# founder-led: every kind of AE work (deals, delivery by sales, renewals, expansions) and care
SELLING = {"founders": {"count": 2, "kinds": ["opportunity", "delivery", "renewal", "expansion", "care"]}}
# two AEs capped at five open deals each: deals wait for an AE with room
CAPPED = {"roles.ae.headcount": 2, "roles.ae.max_open_opportunities": 5}


def maturity_end(c: Any, arm: str) -> Any:
    m = c.arm(arm).monthly
    last = m[(m.metric == "product_maturity") & (m.month == m.month.max())]
    return last.sort_values("replication")["value"].to_numpy(dtype=float)


@pytest.fixture(scope="module")
def arms() -> Any:
    named = {
        "none": SMALL,
        "care": {**SMALL, **CARE},
        "product_only": {**SMALL, **PRODUCT_ONLY},
        "care_more": {**SMALL, **MORE_CUSTOMERS, **CARE},
        "founders_sell": {**SMALL, **SELLING, "roles.ae.headcount": 0},
        "one_ae": {**SMALL, **SELLING, "roles.ae.headcount": 1},
        "capped_nobody": {**SMALL, **CAPPED, "founders": {"count": 2, "kinds": ["opportunity"], "step_in": "nobody"}},
        "capped_overloaded": {
            **SMALL,
            **CAPPED,
            "founders": {"count": 2, "kinds": ["opportunity"], "step_in": "overloaded"},
        },
    }
    return compare(
        {n: load_scenario(REFERENCE, overrides=o) for n, o in named.items()},
        replications=REPS,
        seed=SEED,
        workers=WORKERS,
    )


def test_founders_caring_raise_logo_renewal(arms):
    mean, se = paired(arms, "care", "none", "logo_renewal_rate")
    assert mean > 0 and mean > Z * se, f"logo renewal, founders caring vs none: {mean:.4g} (se {se:.3g})"


def test_founders_caring_forgo_product_maturity(arms):
    d = maturity_end(arms, "care") - maturity_end(arms, "product_only")
    mean, se = float(d.mean()), float(d.std(ddof=1) / len(d) ** 0.5)
    assert mean < 0 and -mean > Z * se, f"maturity at month 24, caring vs product only: {mean:.4g} (se {se:.3g})"
    forgone = values(arms, "care", "founder_maturity_forgone")
    assert (forgone > 0).all()


def test_more_customers_eat_more_founder_hours_and_maturity(arms):
    mean, se = paired(arms, "care_more", "care", "founder_hours")
    assert mean > 0 and mean > Z * se, f"founder hours, twice the customers: {mean:.4g} (se {se:.3g})"
    mean, se = paired(arms, "care_more", "care", "founder_maturity_forgone")
    assert mean > 0 and mean > Z * se, f"maturity forgone, twice the customers: {mean:.4g} (se {se:.3g})"


def test_an_ae_takes_the_selling_off_the_founders(arms):
    opp = values(arms, "founders_sell", "founder_hours.opportunity")
    assert (opp > 0).all()  # with no AE the founders work the deals
    mean, se = paired(arms, "one_ae", "founders_sell", "founder_hours")
    assert mean < 0 and -mean > Z * se, f"founder hours, one AE vs founders selling: {mean:.4g} (se {se:.3g})"
    mean, se = paired(arms, "one_ae", "founders_sell", "founder_maturity_forgone")
    assert mean < 0 and -mean > Z * se, f"maturity forgone, one AE vs founders selling: {mean:.4g} (se {se:.3g})"


def test_founders_selling_alone_keep_fewer_customers(arms):
    mean, se = paired(arms, "founders_sell", "one_ae", "logo_renewal_rate")
    assert mean < 0 and -mean > Z * se, f"logo renewal, founders selling vs one AE: {mean:.4g} (se {se:.3g})"


def test_overloaded_founders_take_deals_kept_waiting_for_an_ae_with_room(arms):
    assert (values(arms, "capped_nobody", "founder_hours.opportunity") == 0).all()  # AEs on staff: not theirs
    mean, se = paired(arms, "capped_overloaded", "capped_nobody", "new_customers")
    assert mean > 0 and mean > Z * se, f"new customers, overloaded vs nobody, AEs capped: {mean:.4g} (se {se:.3g})"
    mean, se = paired(arms, "capped_overloaded", "capped_nobody", "founder_maturity_forgone")
    assert mean > 0 and mean > Z * se, f"maturity forgone, overloaded vs nobody, AEs capped: {mean:.4g} (se {se:.3g})"
