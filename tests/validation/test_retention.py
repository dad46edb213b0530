"""Cohort retention arithmetic: with a fixed renewal probability r, retention is binomial.

N starting customers on 12-month contracts, contract ages spread evenly over the term, so each
account's k-th renewal falls in year k (months (12(k-1), 12k)). Renewal probability does not depend
on health (`renewal_health_slope: 0`, no noise, no drift), there is no expansion, no new business
and no care work, and renewal tasks take no time. Then every renewal is an independent
Bernoulli(r), an account is still a customer after year k with probability r^k, and:

- logo renewal rate = renewals / renewals due ~ r, binomial SE;
- customers at month 12k ~ Binomial(N, r^k);
- the trailing-12-month cohort (accounts active at month 24) faces exactly one renewal before
  month 36, so GRR = NRR = surviving ARR / cohort ARR, with mean r (renewal is independent of ACV);
- with no new or expansion ARR, churned ARR = starting ARR - ending ARR, and ending ARR is the sum
  of the surviving accounts' ARR.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from orgsim.engine import run_replication
from orgsim.experiments import simulate
from orgsim.metrics import kpis
from orgsim.scenario import Scenario

N = 200
R = 0.8
REPLICATIONS = 20
SEED = 424242


def retention_scenario(n: int = N, renewal_rate: float = R) -> Scenario:
    sc = Scenario.model_validate(
        {
            "name": "retention",
            "horizon_months": 36,
            "company": {"starting_customers": {"smb": n}},
            "segments": {
                "smb": {
                    "lead_mix": 1.0,
                    # varying ACVs make GRR an ARR-weighted ratio, not a count ratio
                    "acv": {"dist": "lognormal", "mean": 10000, "cv": 0.5},
                    "sales_cycle_days": 30,
                    "win_rate": 0.3,
                    "contract_months": 12,
                    "renewal_rate": renewal_rate,
                    "effort_hours": {"opportunity": 5},
                }
            },
            "lead_sources": {
                "paid": {"budget_per_month": 0},
                "content": {"leads_per_marketer_month": 0},
                "outbound": {"sdr_time_share": 0, "meetings_per_sdr_month": 0},
                "referral": {"per_healthy_account_year": 0},
            },
            "roles": {
                "sdr": {"department": "sales", "headcount": 1},
                "ae": {"department": "sales", "headcount": 1},
                "csm": {"department": "service", "headcount": 1, "book_size": 10},
            },
            "effort_hours": {"renewal": 0, "account_care_per_month": 0},
            "ownership": {"renewal": "csm"},
            "customers": {
                "renewal_health_slope": 0,
                "health": {
                    "noise_sd": 0,
                    "covered_drift_per_month": 0,
                    "uncovered_drift_per_month": 0,
                    "product_weight_per_month": 0,
                },
                "expansion": {"monthly_probability": 0},
            },
            "hiring": {"attrition_per_year": {"default": 0}},
        }
    )
    assert sc.problems() == []
    return sc


@pytest.fixture(scope="module")
def records():
    sc = retention_scenario()
    return [run_replication(sc, SEED, rep) for rep in range(REPLICATIONS)]


def test_no_new_business(records):
    for rec in records:
        assert rec.starting_customers == N
        assert rec.funnel.get("won", 0) == 0
        assert sum(v for k, v in rec.funnel.items() if k.startswith("leads.")) == 0
        assert rec.counters["expansions"] == 0
        assert rec.monthly["new_arr"].sum() == 0
        assert rec.monthly["expansion_arr"].sum() == 0


def test_every_account_faces_one_renewal_a_year(records):
    for rec in records:
        c = rec.counters
        alive = rec.monthly["customers"]
        # renewals due = N + survivors of year 1 + survivors of year 2
        assert c["renewals_due"] == N + alive[11] + alive[23]
        # renewals done = survivors of years 1, 2 and 3
        assert c["renewals_done"] == alive[11] + alive[23] + alive[35]
        assert c["renewals_due"] - c["renewals_done"] == c["churned_logos"] == N - alive[35]
        assert rec.monthly["renewals_due"][11] == N


def test_logo_renewal_rate_is_the_renewal_rate(records):
    done = sum(rec.counters["renewals_done"] for rec in records)
    due = sum(rec.counters["renewals_due"] for rec in records)
    se = math.sqrt(R * (1 - R) / due)
    assert abs(done / due - R) <= 4 * se, f"logo renewal rate {done / due:.4f} vs {R} (binomial SE {se:.4f})"
    # the KPI is the same ratio, replication by replication
    for rec in records:
        assert kpis(rec)["logo_renewal_rate"] == pytest.approx(
            rec.counters["renewals_done"] / rec.counters["renewals_due"]
        )


@pytest.mark.parametrize("years", [1, 2, 3])
def test_customers_follow_cohort_arithmetic(records, years):
    alive = np.array([rec.monthly["customers"][12 * years - 1] for rec in records], dtype=float)
    p = R**years
    expected = N * p
    se = math.sqrt(N * p * (1 - p) / len(records))  # binomial SE of the mean over replications
    assert abs(alive.mean() - expected) <= 4 * se, (
        f"month {12 * years}: {alive.mean():.2f} customers vs N r^k = {expected:.2f} (SE {se:.2f})"
    )


def test_grr_and_nrr_match_the_cohort_expectation(records):
    grr = np.array([kpis(rec)["grr"] for rec in records])
    nrr = np.array([kpis(rec)["nrr"] for rec in records])
    np.testing.assert_array_equal(grr, nrr)  # no expansion: net = gross
    # each replication's GRR is the ARR share of ~N r^2 cohort accounts that survive one renewal;
    # its mean is r, and its spread is estimated across replications
    se = grr.std(ddof=1) / math.sqrt(len(grr))
    assert se > 0
    assert abs(grr.mean() - R) <= 4 * se, f"GRR {grr.mean():.4f} vs r = {R} (SE {se:.4f})"
    for rec, g in zip(records, grr):
        cohort = rec.cohort_arr
        # the cohort is the book at month 24: the survivors of two renewals
        assert len(cohort) == rec.monthly["customers"][23]
        survived = sum(v for a, v in cohort.items() if a in rec.final_arr)
        assert g == pytest.approx(survived / sum(cohort.values()), rel=1e-12)
        # every cohort account met its third renewal before month 36
        assert set(rec.final_arr) <= set(cohort)


def test_churned_arr_is_the_arr_drop(records):
    for rec in records:
        k = kpis(rec)
        assert k["churned_arr"] == pytest.approx(rec.starting_arr - k["arr_end"], rel=1e-9)
        assert k["arr_end"] == pytest.approx(sum(rec.final_arr.values()), rel=1e-9)
        assert len(rec.final_arr) == rec.monthly["customers"][-1]
        # month by month, ARR falls by exactly what churned that month
        arr = np.concatenate(([rec.starting_arr], rec.monthly["arr"]))
        np.testing.assert_allclose(-np.diff(arr), rec.monthly["churned_arr"], rtol=1e-9, atol=1e-6)


def test_simulate_reports_the_same_kpis(records):
    res = simulate(retention_scenario(), replications=3, seed=SEED)
    df = res.kpis.sort_values("replication")
    for rec, (_, row) in zip(records, df.iterrows()):
        k = kpis(rec)
        for key in ("logo_renewal_rate", "grr", "nrr", "arr_end", "churned_arr"):
            assert row[key] == pytest.approx(k[key], rel=1e-12)
        assert row["new_customers"] == 0
