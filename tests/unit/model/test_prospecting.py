"""AE self-sourcing alone: the month's share of AE time, the AEs' task hours and the meetings they book."""

from __future__ import annotations

import pytest
from model_fakes import HOURS, Next, make_pool, make_scenario, stage, world

from orgsim.model.marketing import Marketing
from orgsim.model.prospecting import Prospecting, prospecting_for
from orgsim.model.stages import Results, role_records
from orgsim.scenario import MONTH_DAYS

ROLES = {"ae": {"department": "sales", "headcount": 4}, "sdr": {"department": "sales", "headcount": 0}}


def outbound(**keys: float | None) -> dict:
    return {"outbound": {"meetings_per_ae_month": 2.0, **keys}}


def test_off_by_default_and_without_aes():
    clock, _ = world()
    assert prospecting_for(make_scenario(), make_pool(clock, "ae", 2), None) is None
    sc = make_scenario(lead_sources=outbound(ae_time_share=0.2))
    assert prospecting_for(sc, None, None) is None
    assert isinstance(prospecting_for(sc, make_pool(clock, "ae", 2), None), Prospecting)


def test_the_share_takes_ae_task_hours_and_books_meetings_in_proportion():
    clock, _ = world()
    aes, sdrs = make_pool(clock, "ae", 4), make_pool(clock, "sdr", 1)
    sc = make_scenario(roles=ROLES, lead_sources=outbound(ae_time_share=0.2, ae_time_share_without_sdrs=0.5))
    p = Prospecting(sc, aes, sdrs)
    p.start_of_month(0)  # an SDR on staff: ae_time_share
    assert aes.hours_per_day == pytest.approx(HOURS * 0.8)
    assert p.rate == pytest.approx(2.0 * 4)
    sdrs.remove(sdrs.people[0])
    p.start_of_month(1)  # no SDR on staff: the share without SDRs, and meetings in proportion
    assert aes.hours_per_day == pytest.approx(HOURS * 0.5)
    assert p.rate == pytest.approx(2.0 * 0.5 / 0.2 * 4)
    assert p.shares[:2].tolist() == [0.2, 0.5]


def test_only_without_sdrs():
    """ae_time_share 0: AEs prospect only in months without SDRs, at the rate given for that share."""
    clock, _ = world()
    aes = make_pool(clock, "ae", 3)
    sc = make_scenario(roles=ROLES, lead_sources=outbound(ae_time_share_without_sdrs=0.3))
    p = Prospecting(sc, aes, make_pool(clock, "sdr", 2))
    p.start_of_month(0)
    assert aes.hours_per_day == HOURS and p.rate == 0.0  # exactly the productive hours
    p = Prospecting(sc, aes, None)  # no SDR role at all
    p.start_of_month(0)
    assert aes.hours_per_day == pytest.approx(HOURS * 0.7) and p.rate == pytest.approx(2.0 * 3)


def test_a_task_takes_longer_and_utilisation_is_over_task_time():
    """An AE prospecting half the time takes twice as long over a task; busy over staffed time
    is then the share of the time left for tasks that tasks took."""
    clock, _ = world()
    aes = make_pool(clock, "ae", 1)
    sc = make_scenario(lead_sources=outbound(ae_time_share=0.5))
    Prospecting(sc, aes, None).start_of_month(0)
    sales = stage("sales", aes)
    aes.submit(sales, HOURS, None)  # a day of work at full time
    clock.env.run(until=10.0)
    assert sales.busy_days == pytest.approx(2.0) and sales.completed == 1
    roles = role_records({"ae": aes}, [sales])
    assert roles["ae"].busy_days / roles["ae"].person_days == pytest.approx(2.0 / 10.0)


def test_marketing_draws_ae_meetings_as_outbound_sqls_and_records_them():
    clock, streams = world()
    aes = make_pool(clock, "ae", 5)
    sc = make_scenario(lead_sources=outbound(ae_time_share=0.25, meetings_per_ae_month=4.0))
    p = Prospecting(sc, aes, None)
    team = Next(clock, lambda lead: (lead.source, lead.sql))
    m = Marketing(
        clock=clock,
        sc=sc,
        streams=streams,
        stage=stage("marketing", None),
        marketers=None,
        sdrs=None,
        healthy_accounts=lambda: 0,
        next=team,
        prospecting=p,
    )
    for month in range(2):
        p.start_of_month(month)
        m.start_of_month(month)
        clock.env.run(until=(month + 1) * MONTH_DAYS)
    n = int(p.booked.sum())
    assert n > 0 and len(team.log) == n
    assert all(what == ("outbound", True) for _, what, _ in team.log)
    assert m.funnel["leads.outbound"] == m.funnel["mql.outbound"] == m.funnel["sql.outbound"] == n
    assert "arrivals.ae_outbound.<month>" in streams.names and "arrivals.outbound.<month>" not in streams.names
    rec = Results()
    p.record(rec)
    assert rec.counters["meetings.ae_sourced"] == n
    assert rec.monthly["meetings.ae_sourced"][:2].sum() == n
    assert rec.monthly["ae_prospecting_share"][:2].tolist() == [0.25, 0.25]


def test_role_records_add_up_every_stage_the_pool_serves():
    clock, _ = world()
    aes, csm = make_pool(clock, "ae", 2), make_pool(clock, "csm", 1)
    sales, sdr, care = stage("sales", aes), stage("sdr", aes), stage("csm", csm)
    for st in (sales, sdr, sdr):
        aes.submit(st, HOURS * 2, None)  # two days each; two AEs: the third waits
    sales.waiting += 1  # an opportunity waiting for an AE with room counts in the backlog too
    roles = role_records({"ae": aes, "csm": csm, "engineer": make_pool(clock, "engineer", 3)}, [sales, sdr, care])
    assert roles["ae"].busy_days == pytest.approx(4.0)  # the two tasks started (busy time counts at the start)
    assert roles["ae"].backlog == 2 and roles["ae"].headcount_end == 2
    assert roles["csm"].busy_days == 0.0 and roles["csm"].serves
    assert not roles["engineer"].serves and roles["engineer"].headcount_end == 3
