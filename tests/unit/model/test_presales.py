"""Presales alone: SE work on deals (the deal's join hears when it is done), enablement of AEs."""

from __future__ import annotations

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
