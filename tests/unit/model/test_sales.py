"""Sales alone: SQL -> opportunity -> routed to an AE -> decided, with fake presales, product and delivery."""

from __future__ import annotations

import pytest
from model_fakes import Next, fixed, make_pool, make_scenario, stage, world

from orgsim.model.clock import Clock
from orgsim.model.entities import Lead, Opportunity
from orgsim.model.sales import Sales
from orgsim.model.stages import Results


class FakePresales:
    """Logs each deal it is handed; the SE's part is done `days` later."""

    def __init__(self, clock: Clock, days: float, log: list):
        self.clock = clock
        self.days = days
        self.log = log
        self.enablement_factor = 1.0

    def accept(self, opp: Opportunity) -> None:
        self.log.append(("presales", opp.lead.lid, self.clock.now))
        self.clock.later(self.days, lambda o: o.part_done(), opp)


class FakeProduct:
    def __init__(self, factor: float = 1.0):
        self.factor = factor

    def win_factor(self) -> float:
        return self.factor


def build(aes: int = 1, presales_days: float = 0.0, **over):
    clock, streams = world()
    sc = make_scenario(**over)
    pool = make_pool(clock, "ae", aes)
    log: list = []
    delivery = Next(clock, lambda opp: opp.lead.lid)
    delivery.log = log
    sales = Sales(
        clock=clock,
        sc=sc,
        streams=streams,
        pool=pool,
        stage=stage("sales", pool),
        presales=FakePresales(clock, presales_days, log),
        product=FakeProduct(),
        next=delivery,
    )
    return clock, sales, log


def sql(lid: int, segment: str = "smb") -> Lead:
    lead = Lead("paid", segment, 0.0, sql=True)
    lead.lid = lid
    return lead


def test_a_won_deal_is_decided_when_both_the_buyer_and_the_ae_are_done():
    clock, sales, log = build()
    sales.accept(sql(1))  # buyer's cycle 10 days, AE work 6 h = 1 day
    clock.env.run()
    assert log == [("accept", 1, 10.0)]
    assert (sales.funnel["opportunities"], sales.won) == (1, 1)
    assert sales.cycle_days == [10.0]


def test_the_ae_is_the_bottleneck_when_the_work_outlasts_the_cycle():
    clock, sales, log = build(segments={"smb": {"effort_hours": {"opportunity": {"dist": "fixed", "value": 90.0}}}})
    sales.accept(sql(1))  # 90 h = 15 days of AE work
    sales.accept(sql(2))  # the only AE works it after the first: days 15 to 30
    clock.env.run()
    assert log == [("accept", 1, 15.0), ("accept", 2, 30.0)]
    assert list(sales.stage.waits_days) == [0.0, 15.0]


def test_an_opportunity_waits_for_an_ae_with_room():
    clock, sales, log = build(roles={"ae": {"max_open_opportunities": 1}})
    sales.accept(sql(1))
    sales.accept(sql(2))
    assert sales.stage.waiting == 1  # the second waits for a slot: the sales stage's queue
    rec = Results()
    sales.record(rec)
    assert rec.stage_tails == {"sales": [0.0]}
    clock.env.run()
    # the slot frees when the first is decided at 10; the second is worked from then
    assert log == [("accept", 1, 10.0), ("accept", 2, 20.0)]
    assert sales.stage.waiting == 0
    assert list(sales.stage.waits_days) == [0.0, 10.0]  # its wait counts from when it was routed


def test_a_new_ae_takes_a_waiting_opportunity():
    from orgsim.model.pools import Person

    clock, sales, log = build(roles={"ae": {"max_open_opportunities": 1}})
    sales.accept(sql(1))
    sales.accept(sql(2))

    def hire(_):
        person = Person(9, "ae", clock.now, 0.0, 1.0, None)
        sales.pool.add(person)
        sales.ae_joined(person)  # what the workforce's on_join tells sales

    clock.later(2.0, hire)
    clock.env.run()
    assert log == [("accept", 1, 10.0), ("accept", 2, 12.0)]


def test_presales_is_a_third_part_of_the_deal():
    clock, sales, log = build(presales_days=25.0, segments={"smb": {"needs_presales": True}})
    sales.accept(sql(1))
    clock.env.run()
    assert log == [("presales", 1, 0.0), ("accept", 1, 25.0)]


def test_lost_deals_and_sqls_sales_does_not_accept_go_nowhere():
    clock, sales, log = build(segments={"smb": {"win_rate": 0.0}})
    sales.accept(sql(1))
    clock.env.run()
    assert log == [] and sales.funnel["lost.opportunity"] == 1
    clock, sales, log = build(funnel={"sql_to_opportunity": 0.0})
    sales.accept(sql(1))
    clock.env.run()
    assert log == [] and dict(sales.funnel) == {"lost.sql": 1}


def test_win_probability_multiplies_the_factors():
    _clock, sales, _ = build(segments={"smb": {"win_rate": 0.4}})
    sales.product.factor = 0.5
    sales.presales.enablement_factor = 1.5
    assert sales.win_probability("smb", 0.6) == 0.4 * 0.5 * 1.5 * 0.6
    sales.presales.enablement_factor = 10.0
    assert sales.win_probability("smb", 1.0) == 1.0


def test_record_new_customers_by_month_and_mean_cycle():
    clock, sales, _ = build()
    sales.accept(sql(1))
    clock.env.run()
    sales.close_month(0)
    sales.close_month(1)
    rec = Results()
    sales.record(rec)
    assert rec.monthly["new_customers"][:2].tolist() == [1.0, 0.0]  # (months not closed yet count 0)
    # the sales cycle by segment (company KPIs sales_cycle_days_<segment>): days and decided deals of each
    assert rec.counters == {
        "mean_sales_cycle_days": 10.0,
        "days_to_decision": 10.0,
        "days_to_decision.smb": 10.0,
        "decided.smb": 1,
    }
    assert rec.funnel == {"opportunities": 1, "won": 1}


# ---- deal momentum and no decision (funnel.deal_momentum) -------------------------------------


class FakeNurture:
    """Logs the leads sales hands to nurture, with the reason."""

    def __init__(self) -> None:
        self.got: list[tuple[int, str]] = []

    def accept(self, lead: Lead, reason: str) -> None:
        self.got.append((lead.lid, reason))


class FakeLog:
    def __init__(self) -> None:
        self.activities: list[str] = []

    def add(self, case: str, kind: str, activity: str, *args, **kw) -> None:
        self.activities.append(activity)


def build_momentum(momentum: dict, **over):
    clock, streams = world()
    sc = make_scenario(funnel={"deal_momentum": momentum}, **over)
    pool = make_pool(clock, "ae", 1)
    nurture, log = FakeNurture(), FakeLog()
    delivery = Next(clock, lambda opp: opp.lead.lid)
    sales = Sales(
        clock=clock,
        sc=sc,
        streams=streams,
        pool=pool,
        stage=stage("sales", pool),
        presales=FakePresales(clock, 0.0, []),
        product=FakeProduct(),
        next=delivery,
        log=log,  # type: ignore[arg-type]
        nurture=nurture,  # type: ignore[arg-type]
    )
    return clock, sales, delivery, nurture, log


def test_momentum_factor_halves_the_decaying_part_every_halflife():
    _clock, sales, *_ = build_momentum({"halflife_days": 10.0, "floor": 0.2})
    assert sales.momentum_factor(0.0) == 1.0
    assert sales.momentum_factor(10.0) == pytest.approx(0.2 + 0.8 * 0.5)
    assert sales.momentum_factor(20.0) == pytest.approx(0.2 + 0.8 * 0.25)
    _clock, off, *_ = build_momentum({})
    assert off.momentum_factor(100.0) == 1.0 and not off.momentum


def test_no_delay_when_the_work_hides_inside_the_buyers_cycle():
    clock, sales, delivery, nurture, _ = build_momentum({"halflife_days": 1.0, "patience_days": 0.0})
    sales.accept(sql(1))  # 1 day of AE work inside a 10-day cycle: delay 0, p(win) = 1
    clock.env.run()
    assert delivery.log == [("accept", 1, 10.0)] and nurture.got == []


def test_a_deal_kept_waiting_past_the_patience_goes_dark():
    # AE work 90 h = 15 days outlasts the 10-day cycle: the buyer waited 5 days
    clock, sales, delivery, nurture, log = build_momentum(
        {"patience_days": 3.0}, segments={"smb": {"effort_hours": {"opportunity": fixed(90.0)}}}
    )
    sales.accept(sql(1))
    clock.env.run()
    assert delivery.log == [] and sales.funnel["lost.no_decision"] == 1 and sales.funnel["lost.opportunity"] == 0
    assert nurture.got == [(1, "no_decision")]
    assert log.activities[-1] == "Lost (no decision)"
    assert sales.days_to_decision == 15.0


def test_the_wait_for_an_ae_with_room_counts_as_delay():
    # the second deal waits 10 days for a slot: its buyer was ready at day 10, it is decided at 20
    clock, sales, delivery, nurture, _ = build_momentum(
        {"patience_days": 5.0}, roles={"ae": {"max_open_opportunities": 1}}
    )
    sales.accept(sql(1))
    sales.accept(sql(2))
    clock.env.run()
    assert delivery.log == [("accept", 1, 10.0)]
    assert nurture.got == [(2, "no_decision")]
    assert sales.days_to_decision == 10.0 + 20.0  # from creation, the routing wait included


def test_lost_deals_carry_their_reason_to_nurture():
    clock, sales, delivery, nurture, log = build_momentum({}, segments={"smb": {"win_rate": 0.0}})
    sales.accept(sql(1))
    clock.env.run()
    assert nurture.got == [(1, "lost")] and log.activities[-1] == "Lost"


# ---- founder-led selling: no AE on staff, founders who take `opportunity` work ---------------


def test_with_no_ae_a_deal_waits_for_one_unless_the_founders_sell():
    clock, sales, _ = build(aes=0)
    sales.accept(sql(1))
    assert (sales.stage.waiting, len(sales._waiting), len(sales.pool.queue)) == (1, 1, 0)  # for an AE with room
    clock, sales, _ = build(aes=0, founders={"count": 1, "kinds": ["opportunity"]})
    sales.accept(sql(1))
    assert (sales.stage.waiting, len(sales._waiting)) == (1, 0)  # queued as a task, not for an AE with room
    (task,) = sales.pool.queue  # the deal's work waits in the AE queue, for the founders
    assert task.kind == "opportunity" and task.ctx.owner is None


def test_founders_work_and_win_a_deal_with_no_ae_on_staff():
    from orgsim.model.founders import founders_for

    clock, sales, log = build(aes=0, founders={"count": 1, "kinds": ["opportunity"], "check_days": 1.0})
    f = founders_for(clock.env, sales.sc, [sales.pool], lambda: 0)
    assert f is not None
    sales.accept(sql(1))  # buyer's cycle 10 days, 6 hours of work: the founder's first day
    clock.env.run(until=30)
    assert log == [("accept", 1, 10.0)] and sales.won == 1
    assert f.hours == {"opportunity": 6.0} and sales.stage.completed == 1


def test_deals_waiting_for_room_become_the_founders_when_the_last_ae_has_left():
    one_slot = {"ae": {"max_open_opportunities": 1}}
    clock, sales, _ = build(roles=one_slot, founders={"count": 1, "kinds": ["opportunity"]})
    sales.accept(sql(1))  # the AE's
    sales.accept(sql(2))  # waits for room
    clock.env.run(until=2)  # the AE's day of work on deal 1 is done; the deal is open until day 10
    sales.pool.remove(sales.pool.people[0])  # idle: leaves now
    assert sales.pool.people == [] and len(sales._waiting) == 1
    sales.accept(sql(3))  # no AE on staff now: 3 is the founders', and so is the waiting 2
    assert (sales.stage.waiting, sales._waiting) == (2, [])  # both queued as tasks
    owners = {t.ctx.lead.lid: t.ctx.owner for t in sales.pool.queue}
    assert owners == {2: None, 3: None}
    clock.env.run()  # the AE's deal 1 is still decided (its slot freed without error)
    assert sales.funnel["opportunities"] == 3


@pytest.mark.parametrize(("wait_days", "owner_is_ae"), [(5.0, False), (20.0, True)])
def test_overloaded_founders_take_a_deal_kept_waiting_for_an_ae_with_room(wait_days, owner_is_ae):
    """step_in: overloaded: a deal that has waited `overload_wait_days` for an AE with room is the
    founders'; one that an AE got first (its slot frees on day 10) stays the AE's."""
    founders = {"count": 1, "kinds": ["opportunity"], "step_in": "overloaded", "overload_wait_days": wait_days}
    clock, sales, log = build(roles={"ae": {"max_open_opportunities": 1}}, founders=founders)
    sales.accept(sql(1))  # the AE's: decided on day 10
    sales.accept(sql(2))  # waits for room
    second = sales._waiting[0]
    clock.env.run(until=wait_days + 0.5)
    assert (second.owner is not None) is owner_is_ae and sales._waiting == []
    if not owner_is_ae:  # the founders' deal: its work is queued (a free AE or a founder does it)
        assert second.opened == wait_days and sales.stage.waiting in (0, 1)
    clock.env.run()
    assert sales.funnel["opportunities"] == 2 and len(log) == 2  # both decided, both won at these rates


def test_founders_who_step_in_only_for_nobody_leave_deals_waiting_for_room():
    founders = {"count": 1, "kinds": ["opportunity"], "step_in": "nobody", "overload_wait_days": 1.0}
    clock, sales, log = build(roles={"ae": {"max_open_opportunities": 1}}, founders=founders)
    sales.accept(sql(1))
    sales.accept(sql(2))
    clock.env.run(until=5)
    assert len(sales._waiting) == 1 and sales._waiting[0].owner is None  # still waiting for an AE
