"""Nurture alone: leads that left the funnel come back as MQLs (funnel.recycling)."""

from __future__ import annotations

from model_fakes import Next, fixed, make_scenario, world

from orgsim.model.entities import Lead
from orgsim.model.nurture import Nurture, nurture_for
from orgsim.model.stages import Results


def build(**recycling):
    clock, streams = world()
    sc = make_scenario(funnel={"recycling": recycling})
    nurture = nurture_for(clock, sc, streams)
    sdr = Next(clock, lambda lead: (lead.lid, lead.source, lead.segment, lead.mql, lead.sql))
    if nurture is not None:
        nurture.next = sdr
    return clock, nurture, sdr


def lead(lid: int, source: str = "paid", sql: bool = True) -> Lead:
    x = Lead(source, "smb", 0.0, sql=sql)
    x.lid = lid
    return x


def test_off_by_default():
    _clock, nurture, _ = build()
    assert nurture is None


def test_a_recycled_lead_is_an_mql_again_after_the_delay():
    clock, nurture, sdr = build(lost=1.0, delay_days=fixed(30.0))
    assert isinstance(nurture, Nurture)
    nurture.accept(lead(1, "outbound"), "lost")
    clock.env.run()
    assert sdr.log == [("accept", (1, "outbound", "smb", True, False), 30.0)]  # qualified again
    rec = Results()
    nurture.record(rec)
    assert rec.funnel == {"nurture.lost": 1, "mql.outbound": 1, "mql.recycled": 1, "recycled.outbound": 1}


def test_each_reason_has_its_own_probability_and_zero_draws_nothing():
    clock, nurture, sdr = build(no_decision=1.0, delay_days=fixed(5.0))
    assert nurture is not None
    nurture.accept(lead(1), "lost")  # probability 0: nothing, no draw
    nurture.accept(lead(2), "disqualified")
    nurture.accept(lead(3), "no_decision")
    clock.env.run()
    assert [x[1][0] for x in sdr.log] == [3]
    assert nurture.draws["lost"]._buf == [] and nurture.draws["disqualified"]._buf == []  # never drawn


def test_the_probability_thins_the_recycled_leads():
    clock, nurture, sdr = build(disqualified=0.3, delay_days=fixed(1.0))
    assert nurture is not None
    for i in range(2000):
        nurture.accept(lead(i), "disqualified")
    clock.env.run()
    assert 0.25 < len(sdr.log) / 2000 < 0.35  # fixed seed: deterministic
