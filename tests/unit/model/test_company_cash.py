"""The company running out of cash: hiring freezes, it defaults and stops, a funding round saves it.

The issue's reproduction: series-a-benchmarked with win rates of 1% and no expansion burns its
cash within the 36 months."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orgsim.engine import run_replication
from orgsim.invariants import violations
from orgsim.metrics import reduce
from orgsim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[3]
BROKE = {
    "segments.smb.win_rate": 0.01,
    "segments.mid_market.win_rate": 0.01,
    "segments.enterprise.win_rate": 0.01,
    "customers.expansion.monthly_probability": 0,
}


def run(**over):
    sc = load_scenario(ROOT / "scenarios/series-a-benchmarked.yaml", {**BROKE, **over})
    rec = run_replication(sc, 1, 0)
    return rec, reduce(rec)


def test_a_company_out_of_cash_defaults_and_stops():
    rec, rep = run()
    k, m = rep.kpis, rep.monthly
    assert k["cash_out"] == 1.0
    month = int(k["cash_out_month"])
    assert rep.counters["default_month"] == month  # grace 0: it stops at the first close below zero
    after = slice(month, None)  # the months after the default (0-based index = 1-based month)
    assert month < len(m["cash"])
    for key in ("cash", "arr", "customers", "headcount", "requisitions_open"):
        assert (m[key][after] == m[key][month - 1]).all(), key
    for key in ("revenue", "collections", "cost.total", "new_arr"):
        assert (m[key][after] == 0).all(), key
    assert k["runway_months"] == 0.0 and k["cash_min"] == m["cash"].min() < 0
    assert violations(rec) == []


def test_a_stopped_company_books_no_busy_time_after_the_stop():
    """A task under way at the default counted its busy time to the horizon; the people are on
    staff only until the stop. One SDR, never more, is busy all the time: busy = staffed."""
    one_sdr = {"roles.sdr.headcount": 1, "hiring.growth.mix.sales.sdr": 0, "hiring.attrition_per_year.sdr": 0}
    rec, rep = run(**one_sdr, **{"lead_sources.paid.budget_per_month": 200_000})
    assert "default_month" in rep.counters
    sdr = rec.stages["sdr"]
    assert sdr.busy_days <= sdr.person_days * (1 + 1e-9)
    assert sdr.busy_days > 0.99 * sdr.person_days  # saturated: a task was under way at the stop
    assert violations(rec) == []


def test_with_grace_hiring_freezes_while_cash_is_below_zero():
    _, stopped = run()
    month = int(stopped.kpis["cash_out_month"])
    _, rep = run(**{"company.default_grace_months": None})
    m = rep.monthly
    assert "default_month" not in rep.counters and rep.kpis["cash_out_month"] == month
    below = np.flatnonzero(m["cash"] < 0)
    # no requisition opens once cash is below zero: open ones only close
    assert (np.diff(m["requisitions_open"][below[0] :]) <= 0).all()
    assert m["headcount"][-1] <= m["headcount"][below[0]]


def test_a_funding_round_prevents_the_default():
    _, rep = run(**{"company.funding": [{"month": 12, "amount": 20_000_000}]})
    assert rep.kpis["cash_out"] == 0.0 and rep.kpis["cash_out_month"] is None
    assert "default_month" not in rep.counters
    assert rep.monthly["funding"][11] == 20_000_000


@pytest.mark.parametrize("bad", [{"amount": 5}, {"month": 0, "amount": 5}, {"month": 3, "amount": 0}])
def test_bad_rounds_are_scenario_errors(bad):
    from orgsim.scenario.errors import ScenarioError

    with pytest.raises(ScenarioError, match="company.funding"):
        load_scenario(ROOT / "scenarios/series-a-benchmarked.yaml", {"company.funding": [bad]})
