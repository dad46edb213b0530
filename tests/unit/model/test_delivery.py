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

    def book_new(self, acv: float, seller: object = None) -> None:
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
