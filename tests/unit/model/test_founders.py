"""Founders alone: they take work of roles with nobody (or overloaded), within their business
cap, and give product what business work leaves them (orgsim.model.founders)."""

from __future__ import annotations

from typing import Any

import pytest
from model_fakes import HOURS, make_pool, make_scenario, stage, world

from orgsim.model.entities import Account, Task
from orgsim.model.founders import Founders, founders_for
from orgsim.scenario import MONTH_DAYS
from orgsim.scenario.errors import ScenarioError
from orgsim.scenario.loader import load_scenario_dict

H = HOURS * MONTH_DAYS  # a founder's productive hours in a month


def build(roles: dict[str, int], customers: int = 0, **founders: Any) -> tuple[Any, Founders, dict, list]:
    clock, _ = world()
    sc = make_scenario(founders={"count": 1, "check_days": 1.0, **founders})
    pools = {r: make_pool(clock, r, n) for r, n in roles.items()}
    f = founders_for(clock.env, sc, list(pools.values()), lambda: customers)
    assert f is not None
    log: list[tuple] = []
    return clock, f, pools, log


def submit(clock, pool, st, log, name: str, effort: float, kind: str) -> Task:
    return pool.submit(st, effort, lambda t: log.append((name, round(clock.now, 9))), None, kind=kind)


def test_no_founders_builds_nothing():
    clock, _ = world()
    assert founders_for(clock.env, make_scenario(), [], lambda: 0) is None
    assert founders_for(clock.env, make_scenario(founders={"count": 0}), [], lambda: 0) is None


def test_a_founder_does_the_work_of_a_role_with_nobody():
    clock, f, pools, log = build({"csm": 0}, kinds=["renewal"])
    st = stage("csm", pools["csm"])
    submit(clock, pools["csm"], st, log, "renewal", 6.0, "renewal")  # one day at 6 hours a day
    clock.env.run(until=5)
    assert log == [("renewal", 1.0)]
    assert (st.waiting, st.completed, list(st.waits_days)) == (0, 1, [0.0])
    assert f.hours == {"renewal": 6.0} and f.tasks == 1


def test_founders_leave_a_staffed_role_alone_under_nobody():
    clock, f, pools, log = build({"csm": 1}, kinds=["renewal"])
    st = stage("csm", pools["csm"])
    submit(clock, pools["csm"], st, log, "long", 60.0, "renewal")  # the CSM: 10 days
    submit(clock, pools["csm"], st, log, "next", 6.0, "renewal")  # waits for the CSM
    clock.env.run(until=20)
    assert log == [("long", 10.0), ("next", 11.0)]
    assert f.tasks == 0


def test_founders_notice_a_role_that_lost_its_only_person():
    """Founders pass over staffed roles without looking at their queues (`_next`'s quick check of
    every pool's people): once the CSM has left, the work waiting for the role is theirs."""
    clock, f, pools, log = build({"csm": 1}, kinds=["renewal"])
    st = stage("csm", pools["csm"])
    submit(clock, pools["csm"], st, log, "long", 60.0, "renewal")  # the CSM: days 0 to 10
    submit(clock, pools["csm"], st, log, "next", 6.0, "renewal")
    pools["csm"].remove(pools["csm"].people[0])  # leaves when the long task is done
    clock.env.run(until=20)
    assert log == [("long", 10.0), ("next", 11.0)] and pools["csm"].headcount == 0
    assert f.tasks == 1 and f.hours == {"renewal": 6.0}


def test_overloaded_founders_take_what_waited_too_long():
    clock, f, pools, log = build({"csm": 1}, kinds=["renewal"], step_in="overloaded", overload_wait_days=2.0)
    st = stage("csm", pools["csm"])
    submit(clock, pools["csm"], st, log, "long", 60.0, "renewal")
    submit(clock, pools["csm"], st, log, "next", 6.0, "renewal")
    clock.env.run(until=20)
    # the founder looks daily: at day 2 the task has waited 2 days, taken, done a day later
    assert log == [("next", 3.0), ("long", 10.0)]
    assert f.tasks == 1 and list(st.waits_days) == [0.0, 2.0]


def test_founders_take_from_a_pool_with_priorities():
    """A pool with `priorities` keeps its queue by rank and pod (`Ranked`): the founder takes the
    task out of it, and the pool's own person still finds the rest."""
    clock, f, pools, log = build({"csm": 1}, kinds=["renewal"], step_in="overloaded", overload_wait_days=2.0)
    csm = pools["csm"]
    csm.prioritise(["care", "renewal"])
    st = stage("csm", csm)
    submit(clock, csm, st, log, "long", 60.0, "renewal")
    submit(clock, csm, st, log, "next", 6.0, "renewal")
    submit(clock, csm, st, log, "care", 6.0, "care")
    clock.env.run(until=20)
    assert log == [("next", 3.0), ("long", 10.0), ("care", 11.0)]
    assert f.tasks == 1 and len(csm.queue) == 0


def test_founders_take_only_their_kinds():
    clock, f, pools, log = build({"ae": 0}, kinds=["care"])
    st = stage("sales", pools["ae"])
    submit(clock, pools["ae"], st, log, "deal", 6.0, "opportunity")
    clock.env.run(until=5)
    assert log == [] and st.waiting == 1 and f.tasks == 0


def test_business_hours_stop_at_the_cap_and_product_gets_the_rest():
    share = 12.0 / H  # two tasks of 6 hours a month
    clock, f, pools, log = build({"csm": 0}, kinds=["renewal"], business_share_max=share)
    st = stage("csm", pools["csm"])
    for i in range(3):
        submit(clock, pools["csm"], st, log, f"r{i}", 6.0, "renewal")
    clock.env.run(until=10)
    assert log == [("r0", 1.0), ("r1", 2.0)]  # the third waits for next month's hours
    given = f.product_month(engineers=3.0, months_to_mature=100.0, maturity=0.5)
    assert given == pytest.approx(1.0 - 12.0 / H)  # one engineer-equivalent less the hours given
    f.end_of_month(0.5 + 0.5 * (3.0 + given) / 100.0)
    # forgone: what 4 engineer-equivalents would have built less what 3 + given built
    assert f.forgone == pytest.approx(0.5 * (1.0 - given) / 100.0)
    clock.env.run(until=MONTH_DAYS + 2)
    assert log[-1] == ("r2", 11.0)  # product_month closed the month: the hours are fresh again


def _accounts(n: int) -> list[Account]:
    out = []
    for i in range(n):
        a = Account("smb", 1000.0 * (i + 1), 0.0, 12, 0.0, 0.7, live=True)
        out.append(a)
    return out


def test_founders_care_for_accounts_no_csm_holds_largest_first():
    clock, f, pools, log = build({"csm": 0}, kinds=["care"])
    st = stage("csm", pools["csm"])
    accounts = _accounts(3)
    done: list[tuple] = []
    f.start_of_month(0, accounts, 0, 6.0, st, lambda t: done.append((t.ctx.account.arr, round(clock.now, 9))))
    assert all(a.covered and not a.cared for a in accounts)
    clock.env.run(until=5)
    assert done == [(3000.0, 1.0), (2000.0, 2.0), (1000.0, 3.0)]
    assert st.completed == 0 and f.hours == {"care": 18.0}  # the CSM stage did none of it


def test_with_a_csm_nobody_means_no_founder_care():
    clock, f, pools, _ = build({"csm": 1}, kinds=["care"])
    accounts = _accounts(2)
    f.start_of_month(0, accounts, 1, 6.0, stage("csm", pools["csm"]), lambda t: None)
    assert not any(a.covered for a in accounts) and f.care == []


def test_above_the_customer_limit_founders_withdraw_from_service():
    clock, f, pools, log = build({"csm": 0}, customers=11, kinds=["care", "renewal"], withdraw_above_customers=10)
    st = stage("csm", pools["csm"])
    accounts = _accounts(2)
    f.start_of_month(0, accounts, 0, 6.0, st, lambda t: None)
    submit(clock, pools["csm"], st, log, "renewal", 6.0, "renewal")
    clock.env.run(until=5)
    assert f.care == [] and log == [] and f.tasks == 0


@pytest.mark.parametrize(
    "founders, path",
    [
        ({"count": -1}, "founders.count"),
        ({"business_share_max": 1.5}, "founders.business_share_max"),
        ({"kinds": ["coffee"]}, "founders.kinds"),
        ({"kinds": ["care", "care"]}, "founders.kinds"),
        ({"step_in": "sometimes"}, "founders.step_in"),
        ({"check_days": 0}, "founders.check_days"),
        ({"cofounders": 2}, "founders.cofounders"),
    ],
)
def test_bad_founders_are_scenario_errors(founders, path):
    data = make_scenario().model_dump(mode="json")
    data["founders"] = founders
    with pytest.raises(ScenarioError) as info:
        load_scenario_dict(data)
    assert path in str(info.value)


# ---- founder-led selling: a company with no AE whose founders sell --------------------------

SEED_STAGE = __import__("pathlib").Path(__file__).resolve().parents[3] / "scenarios" / "seed-stage.yaml"
NO_AE = {"roles.ae.headcount": 0, "hiring.growth.mix.sales.ae": 0}


KINDS = ("opportunity", "delivery", "onboarding", "care", "renewal", "expansion")


def _load(**over: Any):
    from orgsim.scenario.loader import load_scenario

    return load_scenario(SEED_STAGE, overrides={**NO_AE, **over})


def test_a_company_with_no_ae_is_refused_unless_its_founders_sell():
    with pytest.raises(ScenarioError) as info:
        _load(founders=None)
    assert "roles.ae" in str(info.value) and "no opportunity can be worked" in str(info.value)
    # founders who sell, but do not deliver what sales delivers: the deliveries would stall
    with pytest.raises(ScenarioError) as info:
        _load(**{"founders.kinds": ["opportunity"]})
    msg = str(info.value)
    assert "segments.smb.delivered_by" in msg and "segments.mid_market.delivered_by" in msg and "'delivery'" in msg
    assert "roles.ae (" not in msg  # the deals themselves are the founders'
    sc = _load(**{"founders.kinds": list(KINDS)})
    assert not [p for p, _ in sc.warnings() if p.startswith("roles.ae")]
    # founders with no time for business work (business_share_max 0) sell nothing: refused as with none
    with pytest.raises(ScenarioError) as info:
        _load(**{"founders.kinds": list(KINDS), "founders.business_share_max": 0})
    assert "roles.ae" in str(info.value) and "no opportunity can be worked" in str(info.value)


def test_an_ae_hired_later_is_no_wait_when_the_founders_sell():
    from orgsim.scenario.loader import load_scenario

    later = {"roles.ae.headcount": 0, "hiring.plan": [{"month": 12, "role": "ae", "count": 1}]}
    sc = load_scenario(SEED_STAGE, overrides={**later, "founders.kinds": ["care"]})
    assert any(p == "roles.ae.headcount" for p, _ in sc.warnings())  # deals wait for the AE
    sc = load_scenario(SEED_STAGE, overrides=later)  # founders sell (and take expansions), AEs deliver
    (msg,) = [m for p, m in sc.warnings() if p == "roles.ae.headcount"]
    waits, theirs = msg.split("; the founders take ")
    assert "deliveries by sales" in waits and "opportunities" not in waits
    assert theirs.startswith("opportunities (roles.ae)") and "business_share_max" in theirs
