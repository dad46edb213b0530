"""Series-a with every mechanism on lands in the public benchmarks' ranges (issue 13).

One run of scenarios/series-a.yaml (36 months, 30 replications, seed 2026) and the ranges the
issue sets, each from data/benchmarks.yaml:

- GRR 0.85-0.95 [grr_overall] (87-92%, by ACV 90-93% [grr_by_acv_*])
- logo renewal 0.85-0.95 (annual logo churn about 10% [logo_churn_annual_median])
- NRR 0.95-1.20 [nrr_overall_median] (101-105%)
- expansion 15-40% of gross new ARR [expansion_share_new_arr]
- referrals 5-15% of leads [referral_share_of_leads] (12.9%)

A range is met when the 95% confidence interval of the mean overlaps it. Where the model lands
outside, a strict expected failure records the measured value (it will be noticed if a change
brings it in). Referrals are not an independent check: `lead_sources.referral.
per_healthy_account_year` was derived so that referrals are about 13% of leads. The table is on
docs/explanation/validation.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orgsim.experiments import simulate
from orgsim.scenario.loader import load_scenario

pytestmark = pytest.mark.slow

SERIES_A = Path(__file__).resolve().parents[2] / "scenarios" / "series-a.yaml"
SEED, REPS = 2026, 30
T95 = 2.045  # t quantile, 29 degrees of freedom


@pytest.fixture(scope="module")
def reps():
    res = simulate(load_scenario(SERIES_A), replications=REPS, seed=SEED, workers=2)
    return res.replications


def _ci(values: list[float]) -> tuple[float, float, float]:
    x = np.asarray(values, dtype=float)
    half = T95 * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


def _kpi(reps, key: str) -> tuple[float, float, float]:
    return _ci([r.kpis[key] for r in reps])


def _overlaps(ci: tuple[float, float, float], lo: float, hi: float) -> bool:
    return ci[2] >= lo and ci[1] <= hi


def _expansion_share(reps) -> tuple[float, float, float]:
    return _ci([r.kpis["expansion_arr"] / (r.kpis["expansion_arr"] + r.kpis["new_arr"]) for r in reps])


def _referral_share(reps) -> tuple[float, float, float]:
    return _ci([r.funnel["leads.referral"] / r.funnel["leads"] for r in reps])


def test_grr_lands_in_the_benchmark_range(reps):
    ci = _kpi(reps, "grr")
    assert _overlaps(ci, 0.85, 0.95), ci


def test_nrr_lands_in_the_benchmark_range(reps):
    ci = _kpi(reps, "nrr")
    assert _overlaps(ci, 0.95, 1.20), ci


def test_logo_renewal_lands_in_the_benchmark_range(reps):
    ci = _kpi(reps, "logo_renewal_rate")
    assert _overlaps(ci, 0.85, 0.95), ci


def test_referrals_are_a_benchmark_share_of_leads(reps):
    ci = _referral_share(reps)
    assert _overlaps(ci, 0.05, 0.15), ci


def test_expansion_share_lands_in_the_benchmark_range(reps):
    # 0.147 [0.140, 0.154] (seed 2026, 30 reps, 2026-11-27), since mid-market and enterprise expand
    # at their ACV bands' cited NRR - GRR: met by the overlap rule, the mean still under 0.15. It was
    # 0.128 [0.120, 0.136], a strict expected failure, with one chance for every segment.
    ci = _expansion_share(reps)
    assert _overlaps(ci, 0.15, 0.40), ci
