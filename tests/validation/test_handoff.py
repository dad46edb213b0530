"""Directional validation of the handoff cost and of sales delivering complex deals (issue 13, item 2).

Arms of scenarios/series-a.yaml (and scenarios/sales-delivers.yaml, which has AEs deliver every
segment and no implementers) run with the same seed and replication indices (common random
numbers, `orgsim.compare`); a direction is asserted only when the mean paired difference is
beyond Z standard errors on the predicted side, as in test_directions.py. Deterministic: fixed seed.

`customers.handoff` is on in every arm with its documented defaults (assumptions, no public
figure): 14 days and 0.05 health lost by a handed-off deal; a seller delivers 8 hours as well as a
specialist and loses up to 0.15 health beyond that. The arm without the expertise cost sets
`expertise_health_penalty` to 0 explicitly: series-a itself has the handoff on since issue 13, so
an arm without overrides has the cost too. The measured effects are on
docs/explanation/model/delivery.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from validation_support import paired

from orgsim.experiments import compare
from orgsim.scenario.loader import load_scenario

pytestmark = pytest.mark.slow

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SEED = 2027
REPS = 32  # 16 until the tech-touch program (2026-11-26): health rate then came out at 2.9 se, below Z
WORKERS = 2
Z = 3.0
HANDOFF = {
    "customers.handoff.go_live_days": 14.0,
    "customers.handoff.health_penalty": 0.05,
    "customers.handoff.expertise_hours": 8.0,
    "customers.handoff.expertise_health_penalty": 0.15,
}
SMB_BY_IMPLEMENTATION = {"segments.smb.delivered_by": "implementation"}


def lower(c: Any, arm: str, base: str, key: str) -> None:
    mean, se = paired(c, arm, base, key)
    assert mean < 0 and -mean > Z * se, f"{key}, {arm} - {base}: {mean:.4g} (se {se:.3g})"


@pytest.fixture(scope="module")
def arms() -> Any:
    named = {
        "implementation": ("series-a.yaml", HANDOFF),
        "sales": ("sales-delivers.yaml", HANDOFF),
        "sales_no_expertise_cost": (
            "sales-delivers.yaml",
            {**HANDOFF, "customers.handoff.expertise_health_penalty": 0.0},
        ),
        "smb_by_implementation": ("series-a.yaml", {**HANDOFF, **SMB_BY_IMPLEMENTATION}),
    }
    return compare(
        {n: load_scenario(SCENARIOS / f, overrides=o) for n, (f, o) in named.items()},
        replications=REPS,
        seed=SEED,
        workers=WORKERS,
    )


def test_sales_delivering_complex_deals_starts_them_less_healthy_than_implementation(arms):
    lower(arms, "sales", "implementation", "mean_go_live_health.mid_market")
    lower(arms, "sales", "implementation", "mean_go_live_health.enterprise")
    lower(arms, "sales", "implementation", "logo_renewal_rate")
    lower(arms, "sales", "implementation", "grr")


def test_missing_expertise_adds_to_the_aes_queue(arms):
    """Same structure (AEs deliver everything): the expertise penalty lowers enterprise health at
    go-live beyond what the AEs' delivery queue already costs."""
    lower(arms, "sales", "sales_no_expertise_cost", "mean_go_live_health.enterprise")


def test_sales_delivering_low_price_deals_saves_the_handoff(arms):
    """The article's claim: SMB delivered by implementation is handed off (later, less healthy at
    go-live) rather than delivered by the seller within its expertise. Its effect on renewal and
    ARR is measured, not asserted (docs/explanation/model/delivery.md); on healthy accounts see below."""
    lower(arms, "smb_by_implementation", "implementation", "mean_go_live_health.smb")


def test_article_handing_off_low_price_deals_leaves_fewer_healthy_accounts(arms):
    # holds on series-a with the segments' renewal rates at the cited medians (2026-11-26): health rate
    # -2.5 pp (se 0.72, 3.4 se; 32 replications, 36 months, seed 2027). With the tech-touch program
    # (accounts_per_task 25), before that change: -3.2 pp (se 0.74, 4.3 se); at 16 replications -3.1 pp
    # (se 1.07, 2.9 se).
    # With founders and the functional departments on, before the program: -3.1 pp (se 0.9, 3.3 se,
    # 16 replications); before them -3.2 pp (se 1.3), a strict xfail
    lower(arms, "smb_by_implementation", "implementation", "health_rate")
