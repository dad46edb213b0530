"""Accounting invariants of one replication of the reference scenario (fast).

Whatever the random draws, customers, ARR and cash must add up month by month: customers move by
deals won and logos churned, ARR by new, expansion and churned ARR, cash by collections less costs;
utilisation is a share; queues and headcounts are never negative.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from orgsim.engine import run_replication
from orgsim.metrics import kpis, stages
from orgsim.scenario import Scenario

SERIES_A = Path(__file__).resolve().parents[2] / "scenarios" / "series-a.yaml"
SEED = 7
REPLICATIONS = 2


def series_a_12_months() -> Scenario:
    d = yaml.safe_load(SERIES_A.read_text())  # the loader is not needed: the YAML mirrors the schema
    sc = Scenario.model_validate(d).model_copy(update={"horizon_months": 12})
    assert sc.problems() == []
    return sc


@pytest.fixture(scope="module", params=range(REPLICATIONS), ids=lambda r: f"rep{r}")
def rec(request):
    return run_replication(series_a_12_months(), SEED, request.param)


def test_the_run_did_something(rec):
    assert rec.horizon_months == 12
    assert rec.funnel["won"] > 0
    assert rec.counters["churned_logos"] > 0
    assert rec.counters["expansions"] > 0
    assert all(len(v) == 12 for v in rec.monthly.values())


def test_customers_add_up(rec):
    m = rec.monthly
    won = rec.funnel["won"]
    churned = rec.counters["churned_logos"]
    assert m["customers"][-1] == rec.starting_customers + won - churned
    assert len(rec.final_arr) == m["customers"][-1]
    # and month by month
    customers = np.concatenate(([rec.starting_customers], m["customers"]))
    churned_cum = np.concatenate(([0], m["churned_logos"]))
    np.testing.assert_array_equal(np.diff(customers), m["new_customers"] - np.diff(churned_cum))
    assert m["new_customers"].sum() == won
    assert kpis(rec)["new_customers"] == won


def test_arr_adds_up(rec):
    m = rec.monthly
    scale = max(rec.starting_arr, 1.0)
    assert m["arr"][-1] == pytest.approx(sum(rec.final_arr.values()), rel=1e-9)
    assert kpis(rec)["arr_end"] == m["arr"][-1]
    arr = np.concatenate(([rec.starting_arr], m["arr"]))
    np.testing.assert_allclose(
        np.diff(arr), m["new_arr"] + m["expansion_arr"] - m["churned_arr"], rtol=0, atol=1e-9 * scale
    )
    assert (m["new_arr"] >= 0).all() and (m["expansion_arr"] >= 0).all() and (m["churned_arr"] >= 0).all()


def test_cash_moves_by_collections_less_costs(rec):
    m = rec.monthly
    sc = series_a_12_months()
    cash = np.concatenate(([sc.company.starting_cash], m["cash"]))
    np.testing.assert_allclose(np.diff(cash), m["collections"] - m["cost.total"], rtol=0, atol=1e-6)
    parts = [
        "cost.marketing",
        "cost.sales",
        "cost.service",
        "cost.product",
        "cost.functional",
        "cost.paid_marketing",
        "cost.overhead",
        "cost.cogs",
    ]
    # commission (company.commission_rate > 0, as in series-a) is a cost of the month a deal or an
    # expansion is booked: part of cost.total and of S&M cost
    assert sc.company.commission_rate > 0
    np.testing.assert_allclose(
        m["cost.commission"], sc.company.commission_rate * (m["new_arr"] + m["expansion_arr"]), rtol=1e-12
    )
    parts.append("cost.commission")
    np.testing.assert_allclose(sum(m[p] for p in parts), m["cost.total"], rtol=1e-12)
    np.testing.assert_allclose(
        m["sm_cost"],
        m["cost.marketing"] + m["cost.sales"] + m["cost.paid_marketing"] + m["cost.commission"],
        rtol=1e-12,
    )
    for p in parts + ["collections", "revenue"]:
        assert (m[p] >= 0).all(), p
    np.testing.assert_allclose(m["cost.cogs"], (1 - sc.company.gross_margin) * m["revenue"], rtol=1e-12)


def test_utilisation_is_a_share(rec):
    for name, row in stages(rec).items():
        assert 0.0 <= row["utilization"] <= 1.0, name
    for name, st in rec.stages.items():
        # unclipped: time people were busy cannot exceed the time they were on staff
        assert st.busy_days <= st.person_days * (1 + 1e-9) + 1e-9, (name, st.busy_days, st.person_days)


def test_no_negative_queues_or_headcounts(rec):
    m = rec.monthly
    keys = [k for k in m if k.startswith(("queue.", "headcount", "requisitions_open"))]
    assert any(k.startswith("queue.") for k in keys) and "headcount" in keys
    for k in keys:
        assert (m[k] >= 0).all(), k
    roles = [k for k in m if k.startswith("headcount.")]
    np.testing.assert_array_equal(sum(m[k] for k in roles), m["headcount"])
    for k in ("health_rate", "activity_rate"):
        assert ((m[k] >= 0) & (m[k] <= 1)).all(), k
    assert (m["activity_rate"] >= m["health_rate"]).all()  # active threshold <= healthy threshold
    assert (np.diff(m["renewals_due"]) >= 0).all() and (m["renewals_done"] <= m["renewals_due"]).all()
