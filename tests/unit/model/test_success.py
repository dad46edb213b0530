"""Customer success alone: accounts on the books, coverage, health, expansion, renewal or churn."""

from __future__ import annotations

import pytest
from model_fakes import make_pool, make_scenario, stage, two_segments, world

from orgsim.model.entities import Account
from orgsim.model.stages import Results
from orgsim.model.success import Success
from orgsim.scenario import MONTH_DAYS

TERM = 12 * MONTH_DAYS


class FakeLedger:
    """Logs every posting with the time."""

    def __init__(self, clock, log: list):
        self.clock = clock
        self.log = log

    def _post(self, *what) -> None:
        self.log.append((*what, round(self.clock.now, 9)))

    def change_arr(self, delta: float) -> None:
        self._post("arr", delta)

    def book_expansion(self, delta: float) -> None:
        self._post("expansion", delta)

    def book_churn(self, arr: float) -> None:
        self._post("churn", arr)

    def invoice_contract(self, acc: Account, from_time: float | None = None) -> None:
        self._post("invoice", acc.aid)

    def invoice_expansion(self, acc: Account, delta: float) -> None:
        self._post("invoice_expansion", acc.aid, delta)


class FakeProduct:
    maturity = 0.5  # neutral for health


def build(csms: int = 1, **over):
    clock, streams = world()
    over.setdefault("roles", {"csm": {"department": "service", "headcount": csms}})
    sc = make_scenario(**over)
    csm, aes = make_pool(clock, "csm", csms), make_pool(clock, "ae", 1)
    log: list = []
    s = Success(
        clock=clock,
        sc=sc,
        streams=streams,
        csm=(csm, stage("csm", csm)),
        sales=(aes, stage("sales", aes)),
        pods=False,
        finance=FakeLedger(clock, log),
        product=FakeProduct(),
    )
    return clock, s, log


def account(arr: float = 12000.0, health: float = 0.75, start: float = 0.0) -> Account:
    return Account("smb", arr, term_start=start, term_months=12, first_start=start, health=health, live=True)


def test_an_account_renews_when_its_owner_has_done_the_renewal_work():
    clock, s, log = build()
    s.accept(account())
    clock.env.run(until=TERM + 2)
    # the renewal task (6 h: a day of the CSM's time) opens at term end; decided when done
    assert log == [("arr", 12000.0, 0.0), ("invoice", 1, round(TERM + 1, 9))]
    assert (s.renewals_due, s.renewals_done, s.customers) == (1, 1, 1)


def test_an_account_that_does_not_renew_churns():
    clock, s, log = build(segments={"smb": {"renewal_rate": 0.0}}, customers={"renewal_health_slope": 0.0})
    s.accept(account())
    clock.env.run(until=TERM + 2)
    t = round(TERM + 1, 9)
    assert log == [("arr", 12000.0, 0.0), ("arr", -12000.0, t), ("churn", 12000.0, t)]
    assert (s.renewals_due, s.churned, s.customers) == (1, 1, 0)


def test_renewal_probability_is_the_rate_shaped_by_health_less_lateness():
    _clock, s, _ = build(
        segments={"smb": {"renewal_rate": 0.9}},
        customers={"renewal_health_slope": 0.5, "healthy_threshold": 0.6, "late_renewal_penalty_per_month": 0.1},
    )
    assert s.renewal_probability(account(health=0.6)) == pytest.approx(0.9)
    assert s.renewal_probability(account(health=0.2)) == pytest.approx(0.7)
    assert s.renewal_probability(account(health=1.0)) == 1.0  # clipped
    late = account(health=0.6)
    late.late_months = 2.0
    assert s.renewal_probability(late) == pytest.approx(0.7)


def test_the_largest_accounts_are_covered_and_coverage_moves_health():
    roles = {"csm": {"department": "service", "headcount": 1, "book_size": 1}}
    _clock, s, _ = build(roles=roles)
    small, large = account(10000.0), account(50000.0)
    s.accept(small)
    s.accept(large)
    s.start_of_month(0)
    assert (large.covered, small.covered) == (True, False)
    s.end_of_month(0)
    assert large.health == pytest.approx(0.75 + 0.01) and small.health == pytest.approx(0.75 - 0.03)


def test_an_early_expansion_is_sales_work():
    clock, s, log = build(
        customers={"expansion": {"monthly_probability": 1.0, "size_of_arr": {"dist": "fixed", "value": 0.5}}}
    )
    acc = account(health=1.0)
    s.accept(acc)
    s.start_of_month(0)
    clock.env.run(until=2.0)
    assert log[1:] == [("arr", 6000.0, 1.0), ("expansion", 6000.0, 1.0), ("invoice_expansion", 1, 6000.0, 1.0)]
    assert s.sales_stage.completed == 1 and s.stage.completed == 0  # the AE did it, not the CSM
    assert acc.arr == 18000.0 and s.expansions == 1


SEGMENTS_2 = two_segments("enterprise", acv=100000.0, cycle_days=10.0, win_rate=1.0)


@pytest.mark.parametrize(("company", "own", "expands"), [(0.0, 1.0, "enterprise"), (1.0, 0.0, "smb")])
def test_a_segment_with_its_own_expansion_chance_expands_by_it(company, own, expands):
    # segments.<s>.expansion_monthly_probability replaces the company's chance for that segment only
    segments = {**SEGMENTS_2, "enterprise": {**SEGMENTS_2["enterprise"], "expansion_monthly_probability": own}}
    _clock, s, _ = build(segments=segments, customers={"expansion": {"monthly_probability": company}})
    assert s.sc.expansion_probabilities() == {"smb": company, "enterprise": own}
    small = account(health=1.0)
    large = Account("enterprise", 100000.0, term_start=0.0, term_months=12, first_start=0.0, health=1.0, live=True)
    s.accept(small)
    s.accept(large)
    s.start_of_month(0)  # at health 1, a chance of 1 always expands and 0 never does
    assert (small.expanding, large.expanding) == (expands == "smb", expands == "enterprise")


def test_record_cohort_and_final_arr():
    _clock, s, _ = build()
    s.accept(account(12000.0))
    s.start_of_month(0)  # a 12-month horizon: the cohort is the books at month 0
    s.accept(account(5000.0))
    s.end_of_month(11)
    rec = Results()
    s.record(rec)
    assert rec.cohort_arr == {1: 12000.0} and rec.final_arr == {1: 12000.0, 2: 5000.0}
    assert rec.counters == {"renewals_due": 0, "renewals_done": 0, "churned_logos": 0, "expansions": 0}
