"""Functional departments alone: finance collects (DSO, bad debt), the admins' span stretches time to
hire, the founders close hires at a rate, managers' span cuts their reports' task hours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from model_fakes import fixed, make_pool, make_scenario, world

from orgsim.model.collections import Receivables
from orgsim.model.finance import Finance
from orgsim.model.management import Management
from orgsim.model.stages import Results
from orgsim.model.workforce import Workforce
from orgsim.scenario import MONTH_DAYS
from orgsim.scenario.functional import Collections, Management as ManagementCfg, uncovered_share
from orgsim.scenario.loader import ScenarioError, load_scenario

# ---- the share beyond capacity --------------------------------------------------------------


def test_uncovered_share_is_the_load_beyond_capacity():
    assert uncovered_share(0, 0) == 0.0
    assert uncovered_share(10, 20) == 0.0
    assert uncovered_share(10, 5) == 0.5
    assert uncovered_share(10, 0) == 1.0


# ---- finance collects -------------------------------------------------------------------------


def test_receivables_within_capacity_arrive_at_terms_and_none_is_lost():
    r = Receivables(Collections(invoices_per_finance_month=10), 30.0, 4)
    coll = np.zeros(4)
    r.add(1, 100.0)
    r.close(0, 1.0, coll)
    r.close(1, 1.0, coll)
    assert coll.tolist() == [0.0, 100.0, 0.0, 0.0]
    assert r.dso_days() == 30.0 and r.bad_debt.sum() == 0.0


def test_receivables_beyond_capacity_arrive_late_and_some_are_written_off():
    cfg = Collections(
        invoices_per_finance_month=2, overload_dso_days=MONTH_DAYS, bad_debt_base=0.01, bad_debt_overload=0.1
    )
    r = Receivables(cfg, 30.0, 4)
    coll = np.zeros(4)
    for _ in range(4):
        r.add(0, 100.0)  # 4 invoices, capacity 2: u = 0.5
    r.close(0, 1.0, coll)
    bad = (0.01 + 0.1 * 0.5) * 400.0
    assert r.uncovered[0] == 0.5 and r.bad_debt[0] == pytest.approx(bad)
    # half a month late: half this month, half the next
    assert coll.tolist() == pytest.approx([(400 - bad) / 2, (400 - bad) / 2, 0.0, 0.0])
    assert r.dso_days() == pytest.approx(30.0 + MONTH_DAYS / 2)
    rec = Results()
    r.record(rec)
    assert rec.counters["collections.bad_debt"] == pytest.approx(bad)


def test_no_finance_at_all_delays_everything_by_the_overload_days():
    r = Receivables(Collections(overload_dso_days=2 * MONTH_DAYS, bad_debt_overload=0.0), 30.0, 4)
    coll = np.zeros(4)
    r.add(0, 100.0)
    r.close(0, 0.0, coll)
    assert coll.tolist() == pytest.approx([0.0, 0.0, 100.0, 0.0])


def test_finance_without_collections_collects_at_terms_and_with_them_defers_to_the_close():
    for on in (False, True):
        clock, _ = world()
        company = {"payment_terms_days": 0.0, "overhead_per_head_month": 0.0}
        if on:
            company["collections"] = {"finance_role": "finance", "bad_debt_overload": 0.5, "overload_dso_days": 0.0}
        sc = make_scenario(company=company, roles={"finance": {"department": "functional", "headcount": 0}})
        pools = {"ae": make_pool(clock, "ae", 0), "finance": make_pool(clock, "finance", 0)}
        f = Finance(clock=clock, sc=sc, pools=pools)
        f.invoice(1000.0, 1.0)
        clock.env.run(until=MONTH_DAYS)
        f.close_month(0)
        assert f.collections[0] == (500.0 if on else 1000.0)  # no finance: u = 1, half written off


# ---- admins' span: time to hire ----------------------------------------------------------------


def hire_times(admins: int | None, others: int = 9) -> list[float]:
    clock, streams = world()
    roles = {"ae": {"department": "sales", "headcount": others}}
    company = {}
    if admins is not None:
        roles["admin"] = {"department": "functional", "headcount": admins}
        company = {"admin_span": {"people_per_admin": 5, "time_to_hire_overload": 1.0}}
    sc = make_scenario(
        roles=roles,
        company=company,
        hiring={"time_to_hire_days": fixed(10.0), "plan": [{"month": 1, "role": "ae"}]},
    )
    wf = Workforce(clock, sc, streams)
    log: list[float] = []
    wf.on_join("ae", lambda p: log.append(round(clock.now, 9)))
    wf.start_of_month(0, arr=0.0)
    clock.env.run()
    return log


def test_people_beyond_the_admins_span_stretch_the_time_to_hire():
    assert hire_times(None) == [10.0]
    assert hire_times(2) == [pytest.approx(10.0 * (1 + 1 / 11))]  # 11 people, span 10: u = 1 - 10/11
    assert hire_times(2, others=8) == [10.0]  # 10 people, span 10: u = 0
    assert hire_times(1, others=9) == [pytest.approx(10.0 * (1 + 0.5))]  # 10 people, span 5: u = 0.5
    assert hire_times(0, others=9) == [pytest.approx(20.0)]  # no admin: u = 1


# ---- the founders close hires ------------------------------------------------------------------


def founder_hires(rate: float | None) -> tuple[list[float], Workforce]:
    clock, streams = world()
    sc = make_scenario(
        hiring={
            "time_to_hire_days": fixed(10.0),
            "plan": [{"month": 1, "role": "ae", "count": 3}],
            "founder_hires_per_month": rate,
        }
    )
    wf = Workforce(clock, sc, streams)
    log: list[float] = []
    wf.on_join("ae", lambda p: log.append(round(clock.now, 6)))
    wf.start_of_month(0, arr=0.0)
    clock.env.run()
    return log, wf


def test_without_a_rate_the_founders_close_every_hire_at_once():
    log, wf = founder_hires(None)
    assert log == [10.0, 10.0, 10.0]
    rec = Results()
    wf.record(rec)
    assert "founder_closes" not in rec.counters


def test_with_a_rate_the_founders_close_hires_one_after_another():
    log, wf = founder_hires(2.0)
    half = MONTH_DAYS / 2
    assert log == [pytest.approx(half), pytest.approx(2 * half), pytest.approx(3 * half)]
    assert wf.founder_closes == 3


# ---- managers' span: task hours --------------------------------------------------------------


def test_reports_beyond_the_managers_span_lose_task_hours():
    clock, _ = world()
    pools = {
        "ae": make_pool(clock, "ae", 6),
        "sdr": make_pool(clock, "sdr", 4),
        "manager": make_pool(clock, "manager", 1),
    }
    cfg = ManagementCfg(span=5, overload_productivity_loss=0.4)
    m = Management(cfg, pools, lambda role, month: 6.0, 2)
    m.start_of_month(0)  # 10 reports, span 5: u = 0.5, hours x (1 - 0.2)
    assert m.uncovered[0] == 0.5
    assert [p.hours for p in pools["ae"].people + pools["sdr"].people] == [pytest.approx(4.8)] * 10
    pools["manager"].add(pools["manager"].people[0].__class__(99, "manager", 0.0, 0.0, 1.0, None))
    m.start_of_month(1)  # two managers: u = 0, back to the base hours
    assert m.uncovered[1] == 0.0 and pools["ae"].people[0].hours == 6.0


# ---- schema -------------------------------------------------------------------------------------


def test_a_block_naming_a_missing_role_is_a_scenario_problem():
    sc = make_scenario(company={"collections": {}, "management": {"manages": ["ae", "ghost"]}})
    paths = [p for p, _ in sc.problems()]
    assert "company.collections.finance_role" in paths
    assert "company.management.manager_role" in paths
    assert "company.management.manages[1]" in paths
    assert "company.management.manages[0]" not in paths


def test_bad_values_are_clear_scenario_errors():
    ref = Path(__file__).resolve().parents[3] / "scenarios" / "reference.yaml"
    with pytest.raises(ScenarioError, match=r"company\.collections\.invoices_per_finance_month: must be > 0"):
        load_scenario(ref, overrides={"company.collections.invoices_per_finance_month": 0})
    with pytest.raises(ScenarioError, match=r"company\.management\.manager_role: no role 'boss'"):
        load_scenario(ref, overrides={"company.management": {"manager_role": "boss"}})
