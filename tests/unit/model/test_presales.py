"""Presales alone: SE work on deals (the deal's join hears when it is done), enablement of AEs."""

from __future__ import annotations

import math

import pytest
from model_fakes import HOURS, make_pool, make_scenario, stage, world

from orgsim.model.entities import Lead, Opportunity
from orgsim.model.presales import Presales
from orgsim.scenario import MONTH_DAYS

SE_WORK = {"smb": {"needs_presales": True, "effort_hours": {"presales": {"dist": "fixed", "value": HOURS}}}}


def build(ses: int = 1, aes: int = 2, **over):
    clock, streams = world()
    over.setdefault("segments", SE_WORK)
    sc = make_scenario(**over)
    se = make_pool(clock, "se", ses)
    ps = Presales(
        sc=sc, streams=streams, pool=se, stage=stage("presales", se), aes=make_pool(clock, "ae", aes) if aes else None
    )
    return clock, ps


def deal(log: list, clock, lid: int) -> Opportunity:
    lead = Lead("paid", "smb", 0.0, sql=True)
    lead.lid = lid
    opp = Opportunity(lead, clock.now, lambda o: log.append(("decided", o.lead.lid, o.factor, clock.now)))
    opp.expect()  # the SE's part, as sales adds it
    opp.part_done()  # the AE's work and the buyer's cycle are done already: the SE's part is the last
    opp.part_done()
    return opp


def test_one_se_works_deals_in_turn():
    clock, ps = build()
    log: list = []
    ps.accept(deal(log, clock, 1))
    ps.accept(deal(log, clock, 2))
    clock.env.run()
    assert log == [("decided", 1, 1.0, 1.0), ("decided", 2, 1.0, 2.0)]


def test_without_a_free_se_a_deal_proceeds_at_the_presales_factor():
    clock, ps = build(ownership={"presales_unavailable": "proceed"}, funnel={"no_presales_win_factor": 0.6})
    log: list = []
    ps.accept(deal(log, clock, 1))  # the SE takes it
    ps.accept(deal(log, clock, 2))  # nobody free: proceeds now without an SE
    clock.env.run()
    assert log == [("decided", 2, 0.6, 0.0), ("decided", 1, 1.0, 1.0)]
    assert ps.skipped == 1


def test_enablement_raises_win_rates_with_se_hours_per_ae():
    roles = {"se": {"department": "sales", "enablement_share": 0.25}}
    funnel = {"enablement_max_uplift": 0.2, "enablement_hours_per_ae_month": MONTH_DAYS * HOURS * 0.25}
    _, ps = build(ses=1, aes=2, roles=roles, funnel=funnel)
    ps.start_of_month()
    assert ps.enablement_factor == pytest.approx(1.1)  # one SE's quarter for two AEs: half the need
    _, ps = build(ses=2, aes=2, roles=roles, funnel=funnel)
    ps.start_of_month()
    assert ps.enablement_factor == pytest.approx(1.2)
    _, ps = build(ses=2, aes=0, roles=roles, funnel=funnel)
    ps.start_of_month()
    assert ps.enablement_factor == 1.0


def coverage(ration_hours: float, **more) -> dict:
    """`funnel.presales_coverage` whose month ration is `ration_hours` for one fully ramped SE."""
    return {"presales_coverage": {"ration_months": ration_hours / (MONTH_DAYS * HOURS), **more}}


def test_with_coverage_deals_get_their_share_of_the_months_se_hours():
    f0, k = 0.6, 3.0
    clock, ps = build(funnel={"no_presales_win_factor": f0, **coverage(2 * HOURS, curvature=k)})
    ps.start_of_month()
    log: list = []
    for lid in (1, 2, 3, 4):
        ps.accept(deal(log, clock, lid))
    clock.env.run()
    # 1: SE free (ration 12 h >= 6 asked); 2 and 3: 12 h / (1 + 0) and 12 h / (1 + 1) >= 6;
    # 4: two deals waiting, 12 h / 3 = 4 of its 6 hours: two thirds of a day, factor f0 + (1-f0) g(2/3)
    g = (1 - math.exp(-k * 2 / 3)) / (1 - math.exp(-k))
    assert [(e[1], e[2]) for e in log] == [(1, 1.0), (2, 1.0), (3, 1.0), (4, pytest.approx(f0 + (1 - f0) * g))]
    assert [e[3] for e in log] == pytest.approx([1.0, 2.0, 3.0, 3.0 + 4 / HOURS])
    assert ps.hours_given / ps.hours_asked == pytest.approx(22 / 24)


def test_with_coverage_and_no_se_a_deal_proceeds_at_once_at_the_presales_factor():
    clock, ps = build(ses=0, funnel={"no_presales_win_factor": 0.5, **coverage(HOURS)})
    ps.start_of_month()
    log: list = []
    ps.accept(deal(log, clock, 1))
    clock.env.run()
    assert log == [("decided", 1, 0.5, 0.0)]
    assert ps.skipped == 1


def test_the_coverage_curve_saturates_from_the_presales_factor_to_one():
    _, ps = build(funnel={"no_presales_win_factor": 0.6, **coverage(HOURS, curvature=2.0)})
    assert ps.coverage_factor(0.0) == pytest.approx(0.6)
    assert ps.coverage_factor(1.0) == pytest.approx(1.0)
    half = ps.coverage_factor(0.5)
    assert half > 0.6 + 0.4 * 0.5  # concave: half the hours give more than half the uplift
    assert half == pytest.approx(0.6 + 0.4 * (1 - math.exp(-1.0)) / (1 - math.exp(-2.0)))


def test_enablement_can_saturate_in_hours_per_ae():
    roles = {"se": {"department": "sales", "enablement_share": 0.25}}
    h = MONTH_DAYS * HOURS * 0.25  # one SE's enablement hours a month
    funnel = {"enablement_max_uplift": 0.2, **coverage(HOURS, enablement_half_hours_per_ae_month=h / 2)}
    _, ps = build(ses=1, aes=2, roles=roles, funnel=funnel)
    ps.start_of_month()
    assert ps.enablement_factor == pytest.approx(1.1)  # h/2 per AE = the half-saturation hours
    _, ps = build(ses=3, aes=2, roles=roles, funnel=funnel)
    ps.start_of_month()
    assert ps.enablement_factor == pytest.approx(1.0 + 0.2 * 1.5 / 2.0)  # 3h/2 per AE: 3/4 of the uplift
