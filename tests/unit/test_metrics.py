"""Metrics on hand-made raw records with round numbers: every KPI value is worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orgsim.engine import RawRecord, StageRecord
from orgsim.metrics import KPI_KEYS, RUNWAY_CAP_MONTHS, funnel, kpis, reduce, stages

H = 12


def record(horizon: int = H, **over) -> RawRecord:
    """A year of a company with $1M starting ARR growing $10k a month.

    Per month: new ARR 20k, expansion 5k, churn 15k; S&M cost 50k; revenue 100k + 1k x month;
    costs 200k, collections 170k (net burn 30k); 24 deals won; 6 logos churned from 100.
    """
    m = np.arange(horizon, dtype=float)
    monthly = {
        "arr": 1_000_000 + 10_000 * (m + 1),
        "new_arr": np.full(horizon, 20_000.0),
        "expansion_arr": np.full(horizon, 5_000.0),
        "churned_arr": np.full(horizon, 15_000.0),
        "sm_cost": np.full(horizon, 50_000.0),
        "revenue": 100_000 + 1_000 * m,
        "cost.total": np.full(horizon, 200_000.0),
        "collections": np.full(horizon, 170_000.0),
        "cash": 1_260_000 - 30_000 * (m + 1),  # ends at 900k after 12 months
        "customers": np.full(horizon, 100.0),
        "health_rate": np.linspace(0.5, 0.7, horizon),
        "activity_rate": np.linspace(0.8, 0.9, horizon),
        "headcount": np.full(horizon, 40.0),
    }
    monthly.update(over.pop("monthly", {}))
    fields = dict(
        scenario="hand-made",
        seed=1,
        replication=0,
        horizon_months=horizon,
        gross_margin=0.75,
        starting_arr=1_000_000.0,
        starting_customers=100,
        monthly=monthly,
        funnel={
            "won": 24,
            "opportunities": 100,
            "leads.paid": 1000,
            "mql.paid": 150,
            "sql.paid": 60,
            "leads.outbound": 20,
            "mql.outbound": 20,
            "sql.outbound": 20,
        },
        counters={"renewals_due": 50, "renewals_done": 45, "churned_logos": 6},
        stages={},
        cohort_arr={1: 100.0, 2: 200.0, 3: 300.0, 4: 400.0},
        final_arr={1: 150.0, 2: 200.0, 4: 300.0, 9: 500.0},
    )
    fields.update(over)
    return RawRecord(**fields)


def test_every_kpi_by_hand():
    k = kpis(record())
    assert set(k) == set(KPI_KEYS)
    assert k["arr_end"] == 1_120_000
    assert k["new_customers"] == 24
    assert k["new_arr"] == 240_000
    assert k["expansion_arr"] == 60_000
    assert k["churned_arr"] == 180_000
    assert k["logo_renewal_rate"] == 0.9  # 45 / 50
    # cohort 1000; survivors capped at their cohort ARR: 100 + 200 + 0 + 300; net: 150 + 200 + 0 + 300
    assert k["grr"] == pytest.approx(0.60)
    assert k["nrr"] == pytest.approx(0.65)
    # S&M 12 x 50k = 600k over 24 deals
    assert k["cac"] == 25_000
    # 600k / (240k x 0.75 / 12)
    assert k["cac_payback_months"] == pytest.approx(40.0)
    # churn 6 / (100 customers x 1 year) = 6%: lifetime 16.7 years, capped at 10;
    # ACV 240k / 24 = 10k; LTV = 10k x 0.75 x 10 = 75k; / CAC 25k
    assert k["ltv_to_cac"] == pytest.approx(3.0)
    # last quarter revenue 330k, prior 321k; (9k x 4) / prior quarter S&M 150k
    assert k["magic_number"] == pytest.approx(0.24)
    # net burn 12 x 30k = 360k over net new ARR 1.12M - 1.0M
    assert k["burn_multiple"] == pytest.approx(3.0)
    assert k["cash_end"] == 900_000
    assert k["runway_months"] == pytest.approx(30.0)  # 900k / 30k
    assert k["health_rate"] == pytest.approx(0.7)
    assert k["activity_rate"] == pytest.approx(0.9)
    assert k["headcount_end"] == 40
    for key, v in k.items():
        assert v is None or (isinstance(v, float) and math.isfinite(v)), key


def test_ltv_uncapped_lifetime():
    # 20 churned / (100 x 1 year) = 20%: 5 years; LTV = 10k x 0.75 x 5 = 37.5k; / 25k
    k = kpis(record(counters={"renewals_due": 50, "renewals_done": 30, "churned_logos": 20}))
    assert k["ltv_to_cac"] == pytest.approx(1.5)
    assert k["logo_renewal_rate"] == pytest.approx(0.6)


def test_no_new_customers_leaves_cac_undefined():
    rec = record(funnel={"won": 0}, monthly={"new_arr": np.zeros(H)})
    k = kpis(rec)
    assert k["cac"] is None
    assert k["cac_payback_months"] is None
    assert k["ltv_to_cac"] is None
    assert k["new_customers"] == 0


def test_not_burning():
    rec = record(monthly={"collections": np.full(H, 250_000.0), "cash": 1_000_000 + 50_000 * np.arange(1, H + 1.0)})
    k = kpis(rec)
    assert k["burn_multiple"] == 0.0
    assert k["runway_months"] == RUNWAY_CAP_MONTHS == 120.0


def test_runway_is_capped():
    rec = record(monthly={"cash": np.full(H, 10_000_000.0)})
    assert kpis(rec)["runway_months"] == 120.0  # 10M / 30k = 333 months, capped
    rec = record(monthly={"cash": np.full(H, -5_000.0)})
    assert kpis(rec)["runway_months"] == 0.0  # out of cash


def test_runway_uses_the_last_three_months_of_burn():
    collections = np.full(H, 170_000.0)
    collections[-3:] = [190_000.0, 180_000.0, 170_000.0]  # burns 10k, 20k, 30k: mean 20k
    k = kpis(record(monthly={"collections": collections}))
    assert k["runway_months"] == pytest.approx(45.0)  # 900k / 20k


def test_burning_without_net_new_arr_leaves_burn_multiple_undefined():
    rec = record(monthly={"arr": np.full(H, 1_000_000.0)})
    assert kpis(rec)["burn_multiple"] is None


def test_burn_multiple_window_after_the_first_year():
    h = 15
    rec = record(horizon=h)
    # last 12 months: ARR from arr[2] = 1.03M (end of month 3) to 1.15M; burn 12 x 30k
    k = kpis(rec)
    assert k["burn_multiple"] == pytest.approx(360_000 / 120_000)
    # magic number: quarters of months 13-15 and 10-12 (0-based 12..14 and 9..11)
    assert k["magic_number"] == pytest.approx((9_000 * 4) / 150_000)


def _stopped(rec: RawRecord, default_month: int) -> RawRecord:
    """`rec` as the company reports it when it defaults at the close of `default_month` (1-based):
    flows zero after it, balances (ARR, customers, cash) kept at their value then."""
    d = default_month
    m = dict(rec.monthly)
    for key in ("new_arr", "expansion_arr", "churned_arr", "sm_cost", "revenue", "cost.total", "collections"):
        m[key] = np.where(np.arange(rec.horizon_months) < d, m[key], 0.0)
    for key in ("arr", "customers", "cash", "health_rate", "activity_rate", "headcount"):
        m[key] = np.where(np.arange(rec.horizon_months) < d, m[key], m[key][d - 1])
    return RawRecord(**{**rec.__dict__, "monthly": m, "counters": {**rec.counters, "default_month": d}})


def test_a_company_that_stopped_is_measured_over_the_months_it_operated():
    """Defaulting at the close of month 12 of 15: the windowed and per-year KPIs are those of the
    same company over a 12-month horizon, not of a quarter with no revenue or years with no churn."""
    stopped = kpis(_stopped(record(horizon=15), 12))
    year = kpis(record(horizon=12))
    for key in ("magic_number", "burn_multiple", "sm_share_of_revenue", "logo_churn_rate", "ltv_to_cac"):
        assert stopped[key] == pytest.approx(year[key]), key
    assert stopped["magic_number"] == pytest.approx(0.24)  # not (0 - 330k) x 4 / 150k
    assert stopped["logo_churn_rate"] == pytest.approx(0.06)  # 6 / (100 x 1 year), not 6 / (100 x 1.25)
    # sums and balances are what the months show: the same as the year's
    for key in ("arr_end", "new_arr", "cac", "cac_payback_months", "cash_end"):
        assert stopped[key] == pytest.approx(year[key]), key
    # the horizon's last month as the default month changes nothing
    assert kpis(_stopped(record(horizon=15), 15)) == kpis(record(horizon=15))


def test_magic_number_needs_two_quarters_and_prior_spend():
    assert kpis(record(horizon=5))["magic_number"] is None
    sm = np.full(H, 50_000.0)
    sm[6:9] = 0.0
    assert kpis(record(monthly={"sm_cost": sm}))["magic_number"] is None


def test_retention_undefined_without_renewals_or_cohort():
    k = kpis(record(counters={"renewals_due": 0, "renewals_done": 0, "churned_logos": 0}, cohort_arr={}, final_arr={}))
    assert k["logo_renewal_rate"] is None
    assert k["grr"] is None and k["nrr"] is None
    # no churn at all: lifetime capped at 10 years
    assert k["ltv_to_cac"] == pytest.approx(3.0)


def test_funnel_totals_and_sources():
    f = funnel(record())
    assert f["leads"] == 1020 and f["mql"] == 170 and f["sql"] == 80
    assert f["opportunities"] == 100 and f["won"] == 24
    assert f["leads.outbound"] == 20 and f["sql.content"] == 0


def test_stage_table():
    waits = np.arange(10, dtype=float)  # 0..9 hours
    rec = record(
        stages={
            "sdr": StageRecord(arrivals=12, completed=10, waits_hours=waits, busy_days=30.0, person_days=120.0),
            "presales": StageRecord(arrivals=0, completed=0, waits_hours=np.zeros(0), busy_days=0.0, person_days=0.0),
            "csm": StageRecord(arrivals=3, completed=3, waits_hours=np.zeros(3), busy_days=50.0, person_days=40.0),
        }
    )
    s = stages(rec)
    assert s["sdr"] == {
        "arrivals": 12.0,
        "completed": 10.0,
        "mean_wait_hours": 4.5,
        "p90_wait_hours": pytest.approx(8.1),  # numpy's linear interpolation
        "utilization": 0.25,
    }
    assert s["presales"] == {
        "arrivals": 0.0,
        "completed": 0.0,
        "mean_wait_hours": 0.0,
        "p90_wait_hours": 0.0,
        "utilization": 0.0,
    }
    assert s["csm"]["utilization"] == 1.0  # clipped


def test_reduce_keeps_everything_results_need():
    r = reduce(record(stages={"sdr": StageRecord(1, 1, np.zeros(1), 0.0, 1.0)}, runtime_s=0.5))
    assert r.replication == 0 and r.seed == 1 and r.runtime_s == 0.5
    assert r.kpis == kpis(record())
    assert r.stages["sdr"]["arrivals"] == 1.0
    assert set(r.monthly) >= {"arr", "cash", "customers"}
