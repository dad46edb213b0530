"""Directional validation of ownership through relationships (issue 13 item 4) and the article's
ownership claims decided with it on.

Arms of scenarios/series-a.yaml and its variants with the retention mechanisms on (`ON`, the values
suggested in docs/explanation/model/success.md) and `customers.relationship` on at its defaults,
paired by common random numbers (`orgsim.compare`, fixed seed, 36 months: renewals need a term). A
direction is asserted only when the mean paired difference is beyond Z standard errors on the
predicted side; a claim of the article the model does not reproduce is a strict xfail with the
measured effect in its reason. Never tuned to pass: the effects are quoted in the docs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from validation_support import RETENTION_ON, paired

from orgsim.experiments import compare
from orgsim.scenario.loader import load_scenario

pytestmark = pytest.mark.slow

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SEED = 2026
REPS = 10
Z = 3.0
ON: dict[str, Any] = {**RETENTION_ON, "customers.relationship": {}}
NO_KEY_PERSON = {"ownership.referral_relationship": "none"}
ARMS = {
    "base": ("series-a.yaml", {}),
    "ae_renewals": ("sales-renewals.yaml", {}),
    "ae_renewals_no_touch": ("sales-renewals.yaml", NO_KEY_PERSON),
    "csm_expansion": ("csm-expansion.yaml", {}),
    "no_key_person": ("series-a.yaml", NO_KEY_PERSON),
}


@pytest.fixture(scope="module")
def runs() -> Any:
    return compare(
        {n: load_scenario(SCENARIOS / f, overrides={**ON, **o}) for n, (f, o) in ARMS.items()},
        replications=REPS,
        seed=SEED,
        workers=2,
    )


def test_ae_owned_renewals_renew_fewer_logos(runs):
    """The article: renewal is the CSM's. AEs touch an account at the sale, in its first months'
    expansions and at key-person touches; a CSM cares for it every month, so the renewal owner's
    relationship is weaker when AEs own renewals."""
    d, se = paired(runs, "ae_renewals", "base", "logo_renewal_rate")
    assert d + Z * se < 0, (d, se)


def test_an_ae_who_has_not_touched_the_account_since_the_sale_renews_less():
    """AE-owned renewals without key-person touches: the AE's relationship has decayed since the sale.

    Its own 30 replications: since the segments renew at the cited median GRR (2026-11-26) the effect
    is smaller on the flatter part of the renewal curve, -3.9 pp (se 0.56) at 30 replications against
    -4.6 pp (se 1.0) at 10 before, and 10 replications no longer resolve it (-2.9 pp, se 1.15)."""
    arms = {n: ARMS[n] for n in ("ae_renewals_no_touch", "ae_renewals")}
    runs = compare(
        {n: load_scenario(SCENARIOS / f, overrides={**ON, **o}) for n, (f, o) in arms.items()},
        replications=30,
        seed=SEED,
        workers=2,
    )
    d, se = paired(runs, "ae_renewals_no_touch", "ae_renewals", "logo_renewal_rate")
    assert d + Z * se < 0, (d, se)


def test_sales_keeping_the_key_person_relationship_brings_more_referrals(runs):
    d, se = paired(runs, "no_key_person", "base", "leads.referral")
    assert d + Z * se < 0, (d, se)


@pytest.mark.xfail(
    strict=True,
    reason="model: with relationships on, a CSM's monthly care builds its relationship faster than the "
    "seller's decays, so CSM-owned expansion from day one expands about as much (measured +0.08M "
    "expansion ARR, 95% CI +-0.17M, seed 2026, 10 reps, 2026-11-26): the article's claim is not reproduced.",
)
def test_article_csm_expansion_expands_less(runs):
    d, se = paired(runs, "csm_expansion", "base", "expansion_arr")
    assert d + Z * se < 0, (d, se)
