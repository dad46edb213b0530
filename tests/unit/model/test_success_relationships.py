"""Ownership through relationships alone (issue 13 item 4, `customers.relationship`): strength that
decays without contact, contacts, handoffs, and what the owner's strength changes (renewal,
expansion, referrals)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from model_fakes import fixed, make_scenario
from test_success import account, build

from orgsim.model.marketing import monthly_rates
from orgsim.model.relationships import logit_shift, steady_strength
from orgsim.model.stages import Results
from orgsim.scenario import MONTH_DAYS
from orgsim.scenario.errors import ScenarioError
from orgsim.scenario.loader import load_scenario

REL = {"start": 0.8, "half_life_months": 3.0, "gain_per_touch": 0.3, "handoff_factor": 0.4, "reference": 0.5}
SERIES_A = Path(__file__).resolve().parents[3] / "scenarios" / "series-a.yaml"


def with_rel(**over):
    customers = {"relationship": {**REL, **over.pop("rel", {})}, **over.pop("customers", {})}
    return build(customers=customers, **over)


def test_strength_halves_every_half_life_without_contact():
    clock, s, _ = with_rel()
    acc = account(start=0.0)
    s.accept(acc)
    assert s.rel is not None
    assert s.rel.sales(acc, 0.0) == pytest.approx(0.8)
    assert s.rel.sales(acc, 3 * MONTH_DAYS) == pytest.approx(0.4)
    assert s.rel.sales(acc, 6 * MONTH_DAYS) == pytest.approx(0.2)


def test_a_deal_delivered_by_another_team_is_handed_over_at_signing():
    seg = {
        "smb": {"delivered_by": "implementation", "effort_hours": {"opportunity": fixed(6.0), "delivery": fixed(6.0)}}
    }
    _clock, s, _ = with_rel(segments=seg)
    acc = account(start=0.0)
    s.accept(acc)
    assert s.rel is not None
    assert s.rel.sales(acc, 0.0) == pytest.approx(0.8 * 0.4)


def test_the_csm_inherits_the_handoff_share_and_builds_it_by_contact():
    clock, s, _ = with_rel()
    acc = account(start=0.0)
    s.accept(acc)
    assert s.rel is not None
    assert s.rel.csm(acc, 0.0) == pytest.approx(0.4 * 0.8)  # before its first contact
    s.rel.touch(acc, by_sales=False)
    assert acc.rel_csm == pytest.approx(0.32 + 0.3 * 0.68)
    assert s.rel.sales(acc, 0.0) == pytest.approx(0.8)  # the key person's tie to sales is its own


def test_a_program_task_touches_each_account_as_a_care_task_would():
    clock, s, _ = with_rel()
    assert s.rel is not None
    one, many = [account(start=-50.0 * i) for i in range(4)], [account(start=-50.0 * i) for i in range(4)]
    for a in one + many:
        s.accept(a)
    one[1].rel_csm, one[1].rel_csm_t = 0.5, -20.0  # one account already has a CSM relationship
    many[1].rel_csm, many[1].rel_csm_t = 0.5, -20.0
    clock.env.run(until=10.0)
    for a in one:
        s.rel.touch(a, by_sales=False)
    s.rel.touch_csm_all(many)
    assert [(a.rel_csm, a.rel_csm_t) for a in many] == [(a.rel_csm, a.rel_csm_t) for a in one]
    assert many[1].rel_csm != many[2].rel_csm  # (the two kinds of account differ)


def test_customers_at_the_start_have_a_csm_at_the_steady_strength_of_monthly_care():
    _clock, s, _ = with_rel()
    acc = account(start=-200.0)
    s.accept(acc)
    assert s.rel is not None
    assert acc.rel_csm == pytest.approx(steady_strength(3.0, 0.3))
    assert s.rel.sales(acc, 0.0) == pytest.approx(0.8 * 0.5 ** (200 / (3 * MONTH_DAYS)))


def test_steady_strength_is_the_fixed_point_of_decay_and_touch():
    s = 0.0
    for _ in range(200):
        s = s * 0.5 ** (1 / 3) if s else 0.0
        s += 0.3 * (1 - s)
    assert steady_strength(3.0, 0.3) == pytest.approx(s)


def test_care_done_in_the_month_is_a_csm_contact():
    roles = {"csm": {"department": "service", "headcount": 1}}
    clock, s, _ = with_rel(roles=roles, effort_hours={"account_care_per_month": 1.0})
    acc = account(start=0.0)
    s.accept(acc)
    s.start_of_month(0)
    clock.env.run(until=MONTH_DAYS - 1)
    assert acc.cared
    t = acc.rel_csm_t  # when the care task was done
    assert 0 < t < MONTH_DAYS
    before = 0.32 * 0.5 ** (t / (3 * MONTH_DAYS))  # the handoff share of the decayed sales strength
    assert acc.rel_csm == pytest.approx(before + 0.3 * (1 - before))


def test_renewal_moves_on_the_log_odds_by_the_owners_strength():
    curve = {"steepness": 8.0, "typical_health": 0.7}
    _clock, s, _ = with_rel(
        rel={"renewal_weight": 1.5}, customers={"renewal_curve": curve}, segments={"smb": {"renewal_rate": 0.9}}
    )
    acc = account(health=0.7)
    acc.rel_csm, acc.rel_csm_t = 0.5, 0.0  # at the reference: the curve's own probability
    assert s.renewal_probability(acc) == pytest.approx(0.9)
    acc.rel_csm = 1.0
    z = math.log(9) + 1.5 * 0.5
    assert s.renewal_probability(acc) == pytest.approx(1 / (1 + math.exp(-z)))


def test_an_ae_who_has_not_touched_the_account_since_the_sale_renews_less():
    curve = {"steepness": 8.0, "typical_health": 0.7}
    over = {"customers": {"renewal_curve": curve}, "segments": {"smb": {"renewal_rate": 0.9}}}
    clock, s, _ = with_rel(ownership={"renewal": "ae", "referral_relationship": "none"}, **over)
    acc = account(health=0.7, start=0.0)
    s.accept(acc)
    at_sale = s.renewal_probability(acc)
    clock.env.run(until=11 * MONTH_DAYS)
    assert s.renewal_probability(acc) < at_sale
    assert s.renewal_probability(acc) == pytest.approx(logit_shift(0.9, 1.5 * (0.8 * 0.5 ** (11 / 3) - 0.5)))


def test_expansion_chance_follows_the_expansion_owner():
    clock, s, _ = with_rel(rel={"expansion_weight": 2.0}, ownership={"expansion_by_sales_months": 6})
    acc = account(health=0.5, start=0.0)
    s.accept(acc)
    assert s.rel is not None
    # within the window: sales at 0.8 owns it
    assert s.rel.expansion_chances([acc], 0.1) == [pytest.approx(logit_shift(0.05, 2.0 * 0.3))]
    clock.env.run(until=7 * MONTH_DAYS)
    csm = 0.4 * 0.8 * 0.5 ** (7 / 3)  # after it: the CSM, never in contact, with the handoff share
    assert s.rel.expansion_chances([acc], 0.1) == [pytest.approx(logit_shift(0.05, 2.0 * (csm - 0.5)))]


@pytest.mark.parametrize("weight, reference", [(1.5, 0.5), (100.0, 0.0), (0.0, 1.0), (8.0, 0.9)])
def test_expanding_picks_what_every_chance_computed_picks(weight, reference):
    # `expanding` skips the chance of a uniform above its bound: the same accounts as computing all
    import random

    clock, s, _ = with_rel(rel={"expansion_weight": weight, "reference": reference})
    rng = random.Random(5)
    accs = [account(health=rng.random(), start=-rng.random() * 400) for _ in range(300)]
    for a in accs:
        s.accept(a)
        a.live, a.expanding = rng.random() < 0.9, rng.random() < 0.1
    assert s.rel is not None
    for month in range(1, 6):
        clock.env.run(until=month * MONTH_DAYS)
        for a in rng.sample(accs, 40):
            s.rel.touch(a, by_sales=rng.random() < 0.5)
        for p in (0.04, 0.5, 1.0):
            u = [rng.random() ** 3 for _ in accs]  # many small uniforms: many chances computed
            chances = s.rel.expansion_chances(accs, p)
            want = [a for a, x, c in zip(accs, u, chances) if a.live and not a.expanding and x < c]
            assert list(s.rel.expanding(accs, u, p)) == want


def test_expanding_by_segment_uses_each_accounts_own_chance():
    # with segments' own chances, the largest is the bound and each account is judged by its own
    clock, s, _ = with_rel(rel={"expansion_weight": 2.0})
    rng = random.Random(7)
    accs = [account(health=rng.random(), start=-rng.random() * 300) for _ in range(200)]
    for a in accs:
        s.accept(a)
        a.segment = "smb" if rng.random() < 0.5 else "enterprise"  # (after signing: the scenario has smb only)
    assert s.rel is not None
    by = {"smb": 0.02, "enterprise": 0.3}
    u = [rng.random() ** 3 for _ in accs]
    want = [a for a, x in zip(accs, u) if x < s.rel.expansion_chance(a, by[a.segment], clock.env.now)]
    assert list(s.rel.expanding(accs, u, 0.3, by)) == want and want


def test_logit_shift_of_zero_is_the_identity():
    for p in (0.0, 0.01, 0.5, 0.93, 1.0):
        assert logit_shift(p, 0.0) == pytest.approx(p, abs=1e-8)


def test_sales_keeping_the_relationship_touches_the_key_person_with_ae_tasks():
    clock, s, _ = with_rel(rel={"key_person_touch_months": 3, "key_person_touch_hours": 1.0})
    acc = account(start=0.0)
    s.accept(acc)
    assert s.rel is not None
    s.rel.start_of_month(s.accounts)  # touched at signing: nothing due
    clock.env.run(until=3 * MONTH_DAYS)
    s.rel.start_of_month(s.accounts)
    s.rel.start_of_month(s.accounts)  # not twice while one is open
    clock.env.run(until=3 * MONTH_DAYS + 1)
    assert s.rel.key_person_touches == 1
    assert acc.rel_sales == pytest.approx(0.4 + 0.3 * 0.6, rel=1e-3)
    rec = Results()
    s.record(rec)
    assert rec.counters["key_person_touches"] == 1


def test_key_person_touches_are_due_as_by_the_later_of_last_contact_and_last_task():
    """`start_of_month` reads `rel_key_t` alone, which touches by sales keep up: the accounts it
    sets a task for are those the rule it had found (the later of the last sales contact and the
    last task set, key_person_touch_months ago or more, and no task of theirs waiting), over
    random sales touches and months."""
    rng = random.Random(5)
    clock, s, _ = with_rel(rel={"key_person_touch_months": 2, "key_person_touch_hours": 40.0})
    rel = s.rel
    assert rel is not None
    accounts = [account(start=-rng.uniform(0, 90)) for _ in range(30)]
    for a in accounts:
        s.accept(a)
    task_set = {a.aid: a.first_start for a in accounts}  # when its last key-person task was set
    due = 2 * MONTH_DAYS - 1e-9
    set_any = 0
    for month in range(18):
        clock.env.run(until=month * MONTH_DAYS + rng.uniform(0, 5))
        for a in rng.sample(accounts, 4):  # sales contacts (deals, renewals by AEs)
            rel.touch(a, True)
        clock.env.run(until=month * MONTH_DAYS + 6)
        now = clock.env.now
        waiting = set(rel._touch_pending)
        last = {a.aid: max(task_set[a.aid], a.rel_sales_t) for a in s.accounts}
        expect = [a.aid for a in s.accounts if a.live and now - last[a.aid] >= due and a.aid not in waiting]
        rel.start_of_month(s.accounts)
        assert sorted(rel._touch_pending - waiting) == expect
        for aid in expect:
            task_set[aid] = now
        set_any += len(expect)
    assert set_any > 30  # many tasks set, some touches still waiting at a month's start


def test_without_the_sales_relationship_no_key_person_tasks():
    clock, s, _ = with_rel(ownership={"referral_relationship": "none"})
    acc = account(start=0.0)
    s.accept(acc)
    clock.env.run(until=3 * MONTH_DAYS)
    assert s.rel is not None
    s.rel.start_of_month(s.accounts)
    assert len(s.aes.queue) == 0 and s.rel.key_person_touches == 0


def test_healthy_accounts_refer_by_their_sales_strength():
    _clock, s, _ = with_rel(lead_sources={"referral": {"relationship_boost": 1.5}})
    a, b, sick = account(health=0.9), account(health=0.7), account(health=0.1)
    for x in (a, b, sick):
        s.accept(x)
    a.rel_sales, b.rel_sales = 1.0, 0.0
    assert s.referring_accounts() == pytest.approx(1.5 + 1.0)


def test_off_referrals_count_healthy_accounts_and_the_boost_applies_in_marketing():
    _clock, s, _ = build()
    s.accept(account(health=0.9))
    assert s.rel is None and s.referring_accounts() == s.healthy_count() == 1
    ref = {"referral": {"per_healthy_account_year": 12.0, "relationship_boost": 1.5}}
    assert monthly_rates(make_scenario(lead_sources=ref), None, None, 2.0)["referral"] == pytest.approx(3.0)
    on = make_scenario(lead_sources=ref, customers={"relationship": {}})
    assert monthly_rates(on, None, None, 2.0)["referral"] == pytest.approx(2.0)  # the weights carry it


def test_bad_relationship_values_are_scenario_errors():
    with pytest.raises(ScenarioError) as e:
        load_scenario(SERIES_A, overrides={"customers.relationship": {"half_life_months": 0, "gain_per_touch": 2}})
    msg = str(e.value)
    assert "customers.relationship.half_life_months" in msg
    assert "customers.relationship.gain_per_touch" in msg
