"""Marketing alone: a month of leads from each source, scored or reviewed, handed to a fake SDR team."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from model_fakes import HOURS, Next, make_pool, make_scenario, stage, world

from orgsim.model.marketing import Marketing, monthly_rates, poisson_inverse
from orgsim.model.stages import Results
from orgsim.scenario import MONTH_DAYS

PAID = {"paid": {"budget_per_month": 4000.0, "cost_per_lead": 200.0, "mql_rate": 1.0}}  # 20 leads a month


def build(marketers: int = 0, sdrs: int = 0, healthy: int = 0, **over):
    clock, streams = world()
    sc = make_scenario(**over)
    mk = make_pool(clock, "marketer", marketers) if marketers else None
    sd = make_pool(clock, "sdr", sdrs) if sdrs else None
    review = sc.effort_hours.mql_review is not None
    sdr_team = Next(clock, lambda lead: (lead.lid, lead.source, lead.sql))
    m = Marketing(
        clock=clock,
        sc=sc,
        streams=streams,
        stage=stage("marketing", mk if review else None),
        marketers=mk,
        sdrs=sd,
        healthy_accounts=lambda: healthy,
        next=sdr_team,
    )
    return clock, m, sdr_team


def test_a_month_of_paid_mqls_arrives_in_time_order_numbered():
    clock, m, sdrs = build(lead_sources=PAID)
    m.start_of_month(0)
    clock.env.run()
    n = m.funnel["leads.paid"]
    assert n > 0 and m.funnel["mql.paid"] == n
    assert [lid for _, (lid, _, _), _ in sdrs.log] == list(range(1, n + 1))
    times = [t for *_, t in sdrs.log]
    assert times == sorted(times) and 0.0 <= times[0] and times[-1] < MONTH_DAYS
    assert {src for _, (_, src, sql), _ in sdrs.log} == {"paid"}
    assert all(not sql for _, (_, _, sql), _ in sdrs.log)
    rec = Results()
    m.record(rec)
    assert rec.funnel == {"leads.paid": n, "mql.paid": n}


def test_the_same_streams_give_the_same_leads():
    logs = []
    for _ in range(2):
        clock, m, sdrs = build(lead_sources=PAID)
        m.start_of_month(0)
        clock.env.run()
        logs.append(sdrs.log)
    assert logs[0] == logs[1]


def test_scoring_turns_leads_away():
    clock, m, sdrs = build(lead_sources={"paid": {**PAID["paid"], "mql_rate": 0.0}})
    m.start_of_month(0)
    clock.env.run()
    assert sdrs.log == [] and m.funnel["mql.paid"] == 0 < m.funnel["leads.paid"]
    assert m.stage.arrivals == m.stage.completed == m.funnel["leads.paid"]  # scored at once


def test_outbound_meetings_are_sqls_and_need_sdrs():
    outbound = {"outbound": {"sdr_time_share": 0.4, "meetings_per_sdr_month": 10.0}}
    clock, m, sdrs = build(sdrs=2, lead_sources=outbound, roles={"sdr": {"department": "sales", "headcount": 2}})
    m.start_of_month(0)
    clock.env.run()
    n = m.funnel["leads.outbound"]
    assert n > 0 and m.funnel["mql.outbound"] == m.funnel["sql.outbound"] == n == len(sdrs.log)
    assert all(src == "outbound" and sql for _, (_, src, sql), _ in sdrs.log)


def test_a_marketer_reviews_each_lead_in_turn():
    review = {"mql_review": {"dist": "fixed", "value": HOURS}}  # a day per lead
    clock, m, sdrs = build(
        marketers=1, lead_sources=PAID, effort_hours=review, roles={"marketer": {"department": "marketing"}}
    )
    m.start_of_month(0)
    clock.env.run()
    n = m.funnel["leads.paid"]
    times = [t for *_, t in sdrs.log]
    assert len(times) == n == m.stage.completed
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(times))  # one marketer: a day each


def test_monthly_rates_by_source():
    clock, _ = world()
    sc = make_scenario(
        lead_sources={
            **PAID,
            "content": {"leads_per_marketer_month": 30.0},
            "outbound": {"sdr_time_share": 0.5, "meetings_per_sdr_month": 4.0},
            "referral": {"per_healthy_account_year": 1.2, "relationship_boost": 2.0},
        }
    )
    rates = monthly_rates(sc, make_pool(clock, "marketer", 2), make_pool(clock, "sdr", 3), healthy_accounts=50)
    assert rates == pytest.approx({"paid": 20.0, "content": 60.0, "outbound": 12.0, "referral": 10.0})


def test_poisson_inverse_is_the_quantile_and_monotone_in_the_rate():
    from scipy import stats

    for lam in (0.5, 3.0, 40.0, 900.0):
        for u in (0.01, 0.3, 0.5, 0.9, 0.999):
            assert poisson_inverse(u, lam) == stats.poisson.ppf(u, lam)
    counts = [poisson_inverse(0.7, lam) for lam in np.linspace(1, 50, 200)]
    assert counts == sorted(counts)
    assert poisson_inverse(0.5, 0.0) == 0
