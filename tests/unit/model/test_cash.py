"""Cash alone: funding rounds, the books closing at a default, the hiring freeze, the cash KPIs."""

from __future__ import annotations

import numpy as np
import pytest
from model_fakes import make_pool, make_scenario, world

from orgsim.metrics.kpis import _cash_kpis, _runway
from orgsim.model.finance import Finance
from orgsim.model.stages import Results
from orgsim.model.workforce import Workforce
from orgsim.scenario import MONTH_DAYS


def build(funding=()):
    clock, _ = world()
    sc = make_scenario(
        company={"starting_cash": 100.0, "overhead_per_head_month": 0.0, "funding": list(funding)},
        lead_sources={"paid": {"budget_per_month": 300.0}},
    )
    return clock, Finance(clock=clock, sc=sc, pools={"ae": make_pool(clock, "ae", 0)})


def close(clock, f, months):
    for m in range(months):
        clock.env.run(until=(m + 1) * MONTH_DAYS)
        f.close_month(m)


def test_a_month_round_arrives_once_at_its_month_close():
    clock, f = build([{"month": 2, "amount": 1000.0}])
    close(clock, f, 3)
    assert f.cash.tolist()[:3] == pytest.approx([-200.0, 500.0, 200.0])
    assert f.funding.tolist()[:3] == [0.0, 1000.0, 0.0]
    rec = Results()
    f.record(rec)
    assert rec.monthly["funding"][1] == 1000.0


def test_an_arr_round_arrives_at_the_first_close_at_the_milestone():
    clock, f = build([{"arr_at_least": 5000.0, "amount": 1000.0}])
    close(clock, f, 1)
    f.change_arr(6000.0)
    close_from = 1
    clock.env.run(until=(close_from + 1) * MONTH_DAYS)
    f.close_month(1)
    assert f.funding[:2].tolist() == [0.0, 1000.0] and not f.rounds


def test_no_funding_series_without_rounds():
    clock, f = build()
    close(clock, f, 1)
    rec = Results()
    f.record(rec)
    assert "funding" not in rec.monthly


def test_stopping_closes_the_books():
    clock, f = build()
    f.collections[3] = 999.0  # an invoice due after the stop is never collected
    close(clock, f, 1)
    f.stop(0)
    assert f.collections[1:].sum() == 0.0 and (f.cash[1:] == f.cash[0]).all()


def test_a_round_needs_exactly_one_trigger():
    with pytest.raises(ValueError, match="exactly one trigger"):
        make_scenario(company={"funding": [{"amount": 1.0}]})
    with pytest.raises(ValueError, match="exactly one trigger"):
        make_scenario(company={"funding": [{"month": 1, "arr_at_least": 1.0, "amount": 1.0}]})
    with pytest.raises(ValueError):
        make_scenario(company={"funding": [{"month": 1, "amount": -5.0}]})


def test_a_frozen_workforce_opens_no_requisition_and_does_not_backfill():
    clock, streams = world()
    sc = make_scenario(hiring={"plan": [{"month": 1, "role": "ae", "count": 2}]})
    wf = Workforce(clock, sc, streams)
    wf.frozen = True
    wf.start_of_month(0, arr=0.0)
    assert wf.requisitions_open == 0
    wf._leave(wf.pools["ae"].people[0])
    assert wf.requisitions_open == 0 and wf.leavers == 1
    wf.frozen = False
    wf.start_of_month(0, arr=0.0)
    assert wf.requisitions_open == 2


def test_cash_kpis():
    assert _cash_kpis(np.array([5.0, 1.0, 2.0])) == {"cash_out": 0.0, "cash_out_month": None, "cash_min": 1.0}
    assert _cash_kpis(np.array([5.0, -1.0, -3.0])) == {"cash_out": 1.0, "cash_out_month": 2.0, "cash_min": -3.0}


def test_no_runway_below_zero_even_when_burning_nothing():
    assert _runway(np.zeros(6), -10.0, 6) == 0.0
