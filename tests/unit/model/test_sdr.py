"""SDR alone: MQLs qualified by a real SDR pool, SQLs handed to a fake sales."""

from __future__ import annotations

import pytest
from model_fakes import Next, make_pool, make_scenario, stage, world

from orgsim.model.entities import Lead
from orgsim.model.sdr import SDR, speed_to_lead_factor
from orgsim.model.stages import Results


def build(sdrs: int = 1, **over):
    clock, streams = world()
    sc = make_scenario(roles={"sdr": {"department": "sales", "headcount": sdrs}}, **over)
    pool = make_pool(clock, "sdr", sdrs)
    sales = Next(clock, lambda lead: (lead.lid, lead.source, lead.sql))
    return clock, SDR(sc=sc, streams=streams, pool=pool, stage=stage("sdr", pool), next=sales), sales


def lead(lid: int, source: str = "paid", sql: bool = False) -> Lead:
    x = Lead(source, "smb", 0.0, sql=sql)
    x.lid = lid
    return x


def test_one_sdr_qualifies_mqls_in_turn():
    clock, sdr, sales = build()
    for i in (1, 2, 3):
        sdr.accept(lead(i))  # 3 h each = half a day
    clock.env.run()
    assert sales.log == [
        ("accept", (1, "paid", True), 0.5),
        ("accept", (2, "paid", True), 1.0),
        ("accept", (3, "paid", True), 1.5),
    ]
    assert list(sdr.stage.waits_days) == [0.0, 0.5, 1.0]
    rec = Results()
    sdr.record(rec)
    assert rec.funnel == {"sql.paid": 3}


def test_booked_meetings_go_straight_to_sales():
    _clock, sdr, sales = build()
    sdr.accept(lead(1, "outbound", sql=True))
    assert sales.log == [("accept", (1, "outbound", True), 0.0)]
    assert sdr.stage.arrivals == 0


def test_disqualified_mqls_stop_here():
    clock, sdr, sales = build(funnel={"mql_to_sql": 0.0})
    sdr.accept(lead(1))
    clock.env.run()
    assert sales.log == [] and dict(sdr.funnel) == {"lost.qualification": 1}


def test_prospecting_time_slows_qualification():
    clock, sdr, sales = build(lead_sources={"outbound": {"sdr_time_share": 0.5}})
    sdr.accept(lead(1))
    clock.env.run()
    assert sales.log == [("accept", (1, "paid", True), 1.0)]  # half the hours: 3 h take a day


def test_speed_to_lead_decays_with_the_wait():
    sc = make_scenario(funnel={"speed_to_lead": {"halflife_hours": 24.0, "floor": 0.2}})
    assert speed_to_lead_factor(sc, 0.0) == 1.0
    assert speed_to_lead_factor(sc, 1.0) == pytest.approx(0.2 + 0.8 * 0.5)
    assert speed_to_lead_factor(make_scenario(), 100.0) == 1.0  # off


def test_disqualified_mqls_go_to_nurture_when_recycling():
    clock, streams = world()
    sc = make_scenario(roles={"sdr": {"department": "sales", "headcount": 1}}, funnel={"mql_to_sql": 0.0})
    pool = make_pool(clock, "sdr", 1)
    got: list = []

    class FakeNurture:
        def accept(self, lead: Lead, reason: str) -> None:
            got.append((lead.lid, reason, clock.now))

    sdr = SDR(
        sc=sc,
        streams=streams,
        pool=pool,
        stage=stage("sdr", pool),
        next=Next(clock),
        nurture=FakeNurture(),  # type: ignore[arg-type]
    )
    sdr.accept(lead(1))
    clock.env.run()
    assert got == [(1, "disqualified", 0.5)]
