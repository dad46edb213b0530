"""People who differ, alone: productivity multipliers, wash-outs, quota bookings and commission.

Workforce, pools and finance are built with the tiny scenario of `model_fakes`; every mechanism
is off unless a test turns it on (issue 12 item 6).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from model_fakes import HOURS, make_pool, make_scenario, stage, world

from orgsim.metrics.kpis import _sales_kpis
from orgsim.model.finance import Finance
from orgsim.model.people import Person
from orgsim.model.pools import Pool
from orgsim.model.stages import Results
from orgsim.model.workforce import Workforce, lognormal_mean_one
from orgsim.scenario import MONTH_DAYS

FIXED_SEARCH = {"dist": "fixed", "value": 10.0}


# ---- productivity ----------------------------------------------------------------------------


def test_off_everyone_is_one_and_no_stream_is_drawn():
    clock, streams = world()
    wf = Workforce(clock, make_scenario(roles={"ae": {"department": "sales", "headcount": 3}}), streams)
    assert [p.productivity for p in wf.pools["ae"].people] == [1.0, 1.0, 1.0]
    hours = wf.pools["ae"].hours_per_day
    assert [p.hours for p in wf.pools["ae"].people] == [hours] * 3  # exactly the pool's hours
    assert not any(n.startswith(("productivity.", "washout.")) for n in streams.names)


def test_lognormal_parameters_give_mean_one_and_the_cv():
    mu, sigma = lognormal_mean_one(0.5)
    assert math.exp(mu + sigma**2 / 2) == pytest.approx(1.0)
    assert math.sqrt(math.exp(sigma**2) - 1) == pytest.approx(0.5)
    assert lognormal_mean_one(0.0) == (0.0, 0.0)


def test_starting_staff_draw_multipliers_of_mean_one_and_the_cv():
    clock, streams = world()
    sc = make_scenario(roles={"ae": {"department": "sales", "headcount": 4000, "productivity_cv": 0.4}})
    wf = Workforce(clock, sc, streams)
    x = np.array([p.productivity for p in wf.pools["ae"].people])
    assert "productivity.ae" in streams.names
    assert x.mean() == pytest.approx(1.0, abs=4 * 0.4 / math.sqrt(x.size))
    assert x.std() / x.mean() == pytest.approx(0.4, rel=0.1)
    assert all(p.hours == pytest.approx(wf.pools["ae"].hours_per_day * p.productivity) for p in wf.pools["ae"].people)


def test_a_person_twice_as_productive_takes_half_the_time():
    clock, _ = world()
    pool = Pool(clock.env, "ae", HOURS, 1e6)
    fast = Person(1, "ae", -1e9, 0.0, 1.0, None, productivity=2.0)
    pool.add(fast)
    st = stage("sales", pool)
    done = []
    pool.submit(st, 12.0, lambda t: done.append(clock.now))  # 12 hours at 6 h/day x 2 = one day
    clock.env.run()
    assert done == [1.0]
    assert pool.speed_sum() == 2.0


def test_ramping_and_productivity_multiply():
    """A new hire at quarter speed and productivity 2 works at half the pool's pace on day one."""
    p = Person(1, "ae", 0.0, 100.0, 0.25, None, productivity=2.0)
    p.hours = HOURS * 2.0
    slow = Person(2, "ae", 0.0, 100.0, 0.25, None)
    slow.hours = HOURS
    assert p.duration(1.0, p.hours, 0.0) == pytest.approx(slow.duration(1.0, slow.hours, 0.0) / 2, rel=1e-2)


# ---- wash-out ---------------------------------------------------------------------------------


def washout_world(p: float, backfill: bool = True):
    clock, streams = world()
    sc = make_scenario(
        roles={"ae": {"department": "sales", "headcount": 1, "ramp_months": 2, "washout_probability": p}},
        hiring={
            "time_to_hire_days": FIXED_SEARCH,
            "plan": [{"month": 1, "role": "ae", "count": 1}],
            "backfill": backfill,
        },
    )
    wf = Workforce(clock, sc, streams)
    wf.start_of_month(0, arr=0.0)
    return clock, wf


def test_a_hire_that_washes_out_leaves_at_the_end_of_ramp_and_is_backfilled():
    clock, wf = washout_world(1.0)
    clock.env.run(until=10.0 + 2 * MONTH_DAYS - 1e-6)
    assert (wf.pools["ae"].headcount, wf.leavers) == (2, 0)  # still ramping
    clock.env.run(until=10.0 + 2 * MONTH_DAYS + 1e-6)
    assert (wf.pools["ae"].headcount, wf.leavers, wf.washouts, wf.requisitions_open) == (1, 1, 1, 1)
    rec = Results()
    wf.record(rec)
    assert rec.counters["washouts"] == 1 and rec.counters["leavers"] == 1


def test_starting_staff_never_wash_out_and_no_backfill_means_no_requisition():
    clock, wf = washout_world(1.0, backfill=False)
    clock.env.run(until=200.0)
    assert [p.pid for p in wf.pools["ae"].people] == [1]  # the starting AE stays, the hire left
    assert wf.requisitions_open == 0


def test_no_washout_without_the_key():
    clock, wf = washout_world(0.0)
    clock.env.run(until=200.0)
    assert (wf.pools["ae"].headcount, wf.leavers) == (2, 0)
    rec = Results()
    wf.record(rec)
    assert "washouts" not in rec.counters


# ---- quota and commission ---------------------------------------------------------------------


def finance(**company_or_roles):
    clock, _ = world()
    sc = make_scenario(**company_or_roles)
    aes = make_pool(clock, "ae", 2)
    return clock, aes, Finance(clock=clock, sc=sc, pools={"ae": aes})


def test_commission_is_sales_and_marketing_cost_of_the_month_booked():
    clock, _aes, f = finance(company={"commission_rate": 0.1, "starting_cash": 0.0, "overhead_per_head_month": 0.0})
    f.book_new(10_000.0)
    f.book_expansion(2_000.0)
    clock.env.run(until=MONTH_DAYS)
    f.close_month(0)
    rec = Results()
    f.record(rec)
    assert rec.monthly["cost.commission"][0] == pytest.approx(1_200.0)
    assert rec.monthly["sm_cost"][0] == pytest.approx(1_200.0)  # the AEs cost nothing in the tiny scenario
    assert rec.monthly["cost.total"][0] == pytest.approx(1_200.0)
    assert f.cash[0] == pytest.approx(-1_200.0)


def test_no_commission_series_without_the_key():
    clock, _aes, f = finance()
    f.book_new(10_000.0)
    clock.env.run(until=MONTH_DAYS)
    f.close_month(0)
    rec = Results()
    f.record(rec)
    assert "cost.commission" not in rec.monthly and "quota_reps" not in rec.counters


def test_bookings_in_the_last_12_months_count_against_quota():
    clock, aes, f = finance(horizon_months=24, roles={"ae": {"department": "sales", "quota_arr_per_year": 50_000.0}})
    a, b = aes.people
    f.book_new(60_000.0, a)  # month 0: before the window, not counted
    clock.env.run(until=13 * MONTH_DAYS)
    f.book_new(30_000.0, a)
    f.book_new(50_000.0, b)
    assert f.quota_counts() == (2, 1)
    late = Person(3, "ae", 12 * MONTH_DAYS, MONTH_DAYS, 0.25, None)  # still ramping in the window
    aes.add(late)
    f.book_new(99_000.0, late)
    assert f.quota_counts() == (2, 1)
    rec = Results()
    f.record(rec)
    assert (rec.counters["quota_reps"], rec.counters["quota_reps_at_quota"]) == (2, 1)
    assert _sales_kpis_of(rec.counters)["quota_attainment"] == 0.5


def test_a_company_that_stopped_in_the_window_is_held_to_the_quota_of_the_months_it_operated():
    clock, aes, f = finance(horizon_months=24, roles={"ae": {"department": "sales", "quota_arr_per_year": 48_000.0}})
    a, b = aes.people
    clock.env.run(until=13 * MONTH_DAYS)
    f.book_new(24_000.0, a)  # half a year's quota
    f.book_new(23_000.0, b)
    assert f.quota_counts() == (2, 0)  # against the whole window's 48k
    f.stop(17)  # stops at the close of month 18: the window's first 6 months operated, quota 24k
    assert f.quota_counts() == (2, 1)
    f.stopped_at = 11  # stopped before the window began: no window to measure
    assert f.quota_counts() == (0, 0)


def _sales_kpis_of(counters: dict) -> dict:
    class Rec:
        funnel: dict = {}

    r = Rec()
    r.counters = counters  # type: ignore[attr-defined]
    return _sales_kpis(r)  # type: ignore[arg-type]


def test_quota_attainment_is_undefined_without_a_quota():
    assert _sales_kpis_of({})["quota_attainment"] is None


# ---- bad input --------------------------------------------------------------------------------


def test_quota_on_another_role_and_washout_without_ramp_are_scenario_problems():
    sc = make_scenario(
        roles={
            "ae": {"department": "sales", "washout_probability": 0.3},
            "sdr": {"department": "sales", "quota_arr_per_year": 1.0},
        }
    )
    paths = [p for p, _ in sc.problems()]
    assert "roles.ae.washout_probability" in paths and "roles.sdr.quota_arr_per_year" in paths
