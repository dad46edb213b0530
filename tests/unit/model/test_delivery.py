"""Delivery alone: won deals signed, handed to a fake customer success, delivered and live."""

from __future__ import annotations

import pytest
from model_fakes import HOURS, Next, make_pool, make_scenario, stage, world

from orgsim.model.delivery import Delivery
from orgsim.model.entities import Account, Lead, Opportunity
from orgsim.model.people import Person
from orgsim.scenario import MONTH_DAYS


class FakeLedger:
    def __init__(self, log: list):
        self.log = log

    def book_new(self, acv: float, seller: object = None, *, by_founders: bool = False) -> None:
        self.log.append(("book_new", acv))

    def invoice_contract(self, acc: Account, from_time: float | None = None) -> None:
        self.log.append(("invoice", acc.aid, from_time))


class FakeSuccess(Next):
    def accept(self, acc: Account) -> None:
        acc.aid = len(self.items) + 1
        super().accept(acc)


def build(implementers: int = 1, **over):
    clock, streams = world()
    sc = make_scenario(**over)
    impl = make_pool(clock, "implementer", implementers)
    aes = make_pool(clock, "ae", 1)
    log: list = []
    success = FakeSuccess(clock, lambda acc: (acc.aid, acc.arr, acc.live))
    success.log = log
    teams = {
        "sales": (aes, stage("sales", aes)),
        "implementation": (impl, stage("implementation", impl)),
        "csm": (aes, stage("csm", aes)),
    }
    d = Delivery(clock=clock, sc=sc, streams=streams, teams=teams, pods=False, finance=FakeLedger(log), next=success)
    return clock, d, log, success


def won(lid: int, seller: Person) -> Opportunity:
    lead = Lead("paid", "smb", 0.0, sql=True)
    lead.lid = lid
    opp = Opportunity(lead, 0.0, lambda o: None)
    opp.owner = seller
    return opp


IMPLEMENTED = {
    "smb": {"delivered_by": "implementation", "effort_hours": {"delivery": {"dist": "fixed", "value": 10 * HOURS}}}
}


def test_a_won_deal_is_signed_then_goes_live_after_its_time_to_go_live():
    clock, d, log, success = build()
    seller = Person(1, "ae", -1e9, 0.0, 1.0, None)
    d.accept(won(1, seller))
    assert log == [("accept", (1, 12000.0, False), 0.0), ("book_new", 12000.0), ("invoice", 1, None)]
    clock.env.run()
    acc = success.items[0]
    assert acc.live and acc.health == 0.75 and clock.now == 5.0
    assert d.go_live_days == [5.0] and d.onboarding_wait_days == [0.0]


def test_waiting_for_the_implementation_team_costs_health():
    clock, d, _log, success = build(segments=IMPLEMENTED)
    seller = Person(1, "ae", -1e9, 0.0, 1.0, None)
    d.accept(won(1, seller))
    d.accept(won(2, seller))  # one implementer, 10 days each: the second waits 10 days
    lives = []
    clock.env.run()
    for acc in success.items:
        lives.append((acc.aid, acc.live, round(acc.health, 9)))
    assert d.go_live_days == [10.0, 20.0] and d.onboarding_wait_days == [0.0, 10.0]
    penalty = 0.1 * 10.0 / MONTH_DAYS  # onboarding_wait_penalty_per_month
    assert lives == [(1, True, 0.75), (2, True, round(0.75 - penalty, 9))]


def test_the_customers_at_the_start_are_signed_live_with_ages_spread_over_the_term():
    _clock, d, log, success = build(company={"starting_customers": {"smb": 4}})
    d.start_customers()
    assert [entry[0] for entry in log] == ["accept", "invoice"] * 4
    assert [e for e in log if e[0] == "invoice"] == [("invoice", i, 0.0) for i in (1, 2, 3, 4)]
    starts = [acc.term_start for acc in success.items]
    term = 12 * MONTH_DAYS
    assert starts == pytest.approx([-term / 8, -3 * term / 8, -5 * term / 8, -7 * term / 8])
    assert all(acc.live for acc in success.items)


# ---- customers.handoff ------------------------------------------------------------------------

HANDOFF = {"go_live_days": 20.0, "health_penalty": 0.05, "expertise_hours": 6.0, "expertise_health_penalty": 0.2}


def delivered(by: str, effort_hours: float) -> dict:
    return {"smb": {"delivered_by": by, "effort_hours": {"delivery": {"dist": "fixed", "value": effort_hours}}}}


def go_live_one(**over) -> tuple[Delivery, Account, float]:
    clock, d, _log, success = build(**over)
    d.accept(won(1, Person(1, "ae", -1e9, 0.0, 1.0, None)))
    clock.env.run()
    return d, success.items[0], clock.now


def test_without_handoff_settings_a_handed_off_deal_costs_nothing_more():
    d, acc, now = go_live_one(segments=delivered("implementation", 10 * HOURS))
    assert acc.handed_off and acc.health == 0.75 and now == 10.0
    assert d.go_live_days == [10.0]


def test_a_handed_off_deal_goes_live_later_and_less_healthy():
    # the customer's 5 days + 20 handoff days outlast the implementer's 10 days of work
    d, acc, now = go_live_one(segments=delivered("implementation", 10 * HOURS), customers={"handoff": HANDOFF})
    assert acc.handed_off and now == 25.0 and d.go_live_days == [25.0]
    assert acc.health == pytest.approx(0.75 - 0.05)


def test_a_deal_the_seller_delivers_within_its_expertise_keeps_its_health():
    d, acc, now = go_live_one(segments=delivered("sales", 6.0), customers={"handoff": HANDOFF})
    assert not acc.handed_off and now == 5.0 and acc.health == 0.75


def test_a_seller_delivering_complex_work_loses_the_share_beyond_its_expertise():
    # 24 hours of delivery, 6 within a seller's expertise: 0.2 x (1 - 6/24) = 0.15 lost
    d, acc, now = go_live_one(segments=delivered("sales", 24.0), customers={"handoff": HANDOFF})
    assert not acc.handed_off and now == 5.0
    assert acc.health == pytest.approx(0.75 - 0.2 * (1 - 6 / 24))


def test_the_handoff_penalty_adds_to_the_wait_penalty():
    clock, d, _log, success = build(segments=delivered("csm", 10 * HOURS), customers={"handoff": HANDOFF})
    seller = Person(1, "ae", -1e9, 0.0, 1.0, None)
    d.accept(won(1, seller))
    d.accept(won(2, seller))  # the one person in the csm pool: the second waits 10 days
    clock.env.run()
    wait = 0.1 * 10.0 / MONTH_DAYS  # onboarding_wait_penalty_per_month
    assert [round(a.health, 9) for a in success.items] == [round(0.70, 9), round(0.70 - wait, 9)]
    assert d.go_live_days == [25.0, 25.0]


def test_health_at_go_live_is_counted_by_segment():
    from orgsim.model.stages import Results

    d, acc, _now = go_live_one(segments=delivered("sales", 24.0), customers={"handoff": HANDOFF})
    out = Results()
    d.record(out)
    assert out.counters["mean_go_live_health"] == pytest.approx(acc.health)
    assert out.counters["mean_go_live_health.smb"] == pytest.approx(acc.health)
