"""Customer success alone, issue 13 mechanisms: mean-reverting health, logistic renewal, churn
floor, contraction, CSM books limited by ARR, pooled tech-touch care."""

from __future__ import annotations

import math
import random
from types import SimpleNamespace

import pytest
from test_success import TERM, account, build

from orgsim.model.coverage import program_groups
from orgsim.model.health import months_to_unhealthy
from orgsim.model.stages import Results
from orgsim.scenario import MONTH_DAYS
from orgsim.scenario.retention import Reversion

REV = {"rate_per_month": 0.2, "baseline": {"default": 0.4, "smb": 0.3}, "care_lift_per_month": 0.1}
QUIET = {"noise_sd": 0.0, "product_weight_per_month": 0.0}


def test_uncared_health_reverts_to_the_segment_baseline_and_care_lifts_it():
    roles = {"csm": {"department": "service", "headcount": 1, "book_size": 1}}
    _clock, s, _ = build(roles=roles, customers={"health": {**QUIET, "reversion": {**REV, "time_to_value_months": 0}}})
    small, large = account(10000.0, start=-400.0), account(50000.0, start=-400.0)
    s.accept(small)
    s.accept(large)
    s.start_of_month(0)
    large.cared = True  # the care task done (the unit under test is the health step)
    s.end_of_month(0)
    assert small.health == pytest.approx(0.75 + 0.2 * (0.3 - 0.75))
    assert large.health == pytest.approx(0.75 + 0.2 * (0.3 - 0.75) + 0.1)


def test_early_time_to_value_lifts_health_within_its_window():
    h = {**QUIET, "reversion": {**REV, "time_to_value_months": 3, "time_to_value_lift_per_month": 0.05}}
    _clock, s, _ = build(csms=0, customers={"health": h})
    new, old = account(start=0.0), account(start=-400.0)
    s.accept(new)
    s.accept(old)
    s.end_of_month(0)
    assert new.health - old.health == pytest.approx(0.05)


def test_months_to_unhealthy_is_the_geometric_crossing():
    rev = Reversion(rate_per_month=0.15, baseline=0.4)
    n = months_to_unhealthy(rev, "smb", start=0.75, threshold=0.6)
    assert n == pytest.approx(math.log(0.2 / 0.35) / math.log(0.85))
    assert 0.4 + 0.35 * 0.85**n == pytest.approx(0.6)
    assert months_to_unhealthy(rev, "smb", 0.75, 0.6, product=0.05) == math.inf  # h* = 0.733


def test_logistic_renewal_is_the_segment_rate_at_typical_health():
    _clock, s, _ = build(
        segments={"smb": {"renewal_rate": 0.9}},
        customers={"renewal_curve": {"steepness": 8.0, "typical_health": 0.7}, "late_renewal_penalty_per_month": 0.1},
    )
    assert s.renewal_probability(account(health=0.7)) == pytest.approx(0.9)
    z = math.log(9) + 8.0 * (0.2 - 0.7)
    assert s.renewal_probability(account(health=0.2)) == pytest.approx(1 / (1 + math.exp(-z)))
    assert s.renewal_probability(account(health=1.0)) < 1.0
    late = account(health=0.7)
    late.late_months = 2.0
    assert s.renewal_probability(late) == pytest.approx(0.7)


def test_a_certain_churn_floor_loses_a_healthy_account_and_counts_the_reason():
    clock, s, log = build(segments={"smb": {"renewal_rate": 1.0}}, customers={"churn_floor_per_year": 1.0})
    s.accept(account(health=1.0))
    clock.env.run(until=TERM + 2)
    assert s.churned == 1 and s.customers == 0
    rec = Results()
    s.record(rec)
    assert rec.counters["churn.floor"] == 1 and rec.counters["churn.health"] == 0


def test_an_unhealthy_renewing_account_contracts_and_the_loss_is_churned_arr():
    clock, s, log = build(
        segments={"smb": {"renewal_rate": 1.0}},
        customers={"contraction": {"probability": 1.0, "share_of_arr": 0.25}},
    )
    sick, well = account(health=0.3), account(health=0.9)
    s.accept(sick)
    s.accept(well)
    clock.env.run(until=TERM + 3)
    assert (sick.arr, well.arr) == (9000.0, 12000.0)
    assert ("arr", -3000.0, pytest.approx(TERM + 1, abs=1)) in [(a, b, c) for a, b, c in (e[:3] for e in log)]
    assert [e[1] for e in log if e[0] == "churn"] == [3000.0]
    rec = Results()
    s.record(rec)
    assert rec.counters["contractions"] == 1 and rec.counters["contracted_arr"] == 3000.0
    assert "churn.floor" not in rec.counters  # its mechanism is off


def test_books_stop_at_the_arr_per_csm_limit():
    roles = {"csm": {"department": "service", "headcount": 1, "book_size": 10, "arr_per_csm": 60000}}
    _clock, s, _ = build(roles=roles)
    accs = [account(a) for a in (50000.0, 20000.0, 5000.0)]
    for a in accs:
        s.accept(a)
    s.start_of_month(0)
    assert [a.covered for a in accs] == [True, False, False]  # the second would pass $60k: books end


def test_tech_touch_accounts_are_pooled_outside_the_books():
    roles = {"csm": {"department": "service", "headcount": 1, "book_size": 1}}
    clock, s, _ = build(roles=roles, customers={"tech_touch": {"segments": ["smb"], "care_hours_per_month": 0.5}})
    accs = [account(a) for a in (50000.0, 20000.0)]  # both smb: pooled, no book slot used
    for a in accs:
        s.accept(a)
    s.start_of_month(0)
    assert all(a.covered for a in accs)
    clock.env.run(until=20.0)  # the two care tasks are spread over the month
    assert all(a.cared for a in accs) and s.stage.completed == 2


def test_tech_touch_program_reaches_accounts_in_groups_of_accounts_per_task():
    roles = {"csm": {"department": "service", "headcount": 1, "book_size": 1}}
    tt = {"segments": ["smb"], "care_hours_per_month": 0.5, "accounts_per_task": 2}
    clock, s, _ = build(roles=roles, customers={"tech_touch": tt})
    accs = [account(a) for a in (50000.0, 20000.0, 10000.0)]
    for a in accs:
        s.accept(a)
    s.start_of_month(0)
    clock.env.run(until=1.0)  # the first task (the two largest accounts) is done, the second not begun
    assert [a.cared for a in accs] == [True, True, False]
    assert s.stage.completed == 1 and s.stage.busy_days * s.csm.hours_per_day == pytest.approx(2 * 0.5)
    clock.env.run(until=MONTH_DAYS)
    assert all(a.cared for a in accs) and s.stage.completed == 2
    assert s.stage.busy_days * s.csm.hours_per_day == pytest.approx(3 * 0.5)  # the same CSM hours as a task per account


def test_program_groups_of_one_segment_are_what_grouping_by_segment_gives():
    """The one-segment fast path of `program_groups` against grouping by segment; with more
    segments, each segment's accounts in groups, segments in order of their first account."""
    rng = random.Random(5)
    for _ in range(200):
        pooled = [SimpleNamespace(segment="smb", aid=i) for i in range(rng.randrange(0, 80))]
        k = rng.randrange(1, 30)
        assert program_groups(pooled, k, one_segment=True) == program_groups(pooled, k)
    a, b, c, d = (SimpleNamespace(segment=s) for s in ("smb", "mid", "smb", "smb"))
    assert program_groups([a, b, c, d], 2) == [[a, c], [d], [b]]


def test_tech_touch_without_csms_covers_nobody():
    _clock, s, _ = build(csms=0, customers={"tech_touch": {"segments": ["smb"]}})
    a = account()
    s.accept(a)
    s.start_of_month(0)
    assert not a.covered


def test_with_reversion_a_customer_not_yet_live_loses_health_for_each_month_overdue():
    h = {**QUIET, "reversion": REV, "onboarding_wait_penalty_per_month": 0.1}
    _clock, s, _ = build(csms=0, segments={"smb": {"go_live_days": 15.0}}, customers={"health": h})
    waiting = account(start=0.0)
    waiting.live = False
    s.accept(waiting)
    s.clock.env.run(until=MONTH_DAYS)
    s.end_of_month(0)  # 15 days short of a month overdue
    assert waiting.health == pytest.approx(0.75 - 0.1 * (MONTH_DAYS - 15) / MONTH_DAYS)
    s.clock.env.run(until=2 * MONTH_DAYS)
    s.end_of_month(1)  # a whole month more
    assert waiting.health == pytest.approx(0.75 - 0.1 * (MONTH_DAYS - 15) / MONTH_DAYS - 0.1)


def test_without_reversion_a_waiting_customer_keeps_its_start_health():
    _clock, s, _ = build(csms=0, segments={"smb": {"go_live_days": 15.0}})
    waiting = account(start=0.0)
    waiting.live = False
    s.accept(waiting)
    s.clock.env.run(until=60.0)
    s.end_of_month(1)
    assert waiting.health == 0.75
