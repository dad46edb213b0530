"""The company only wires: each department's next is the following link of the value chain."""

from __future__ import annotations

from pathlib import Path

from orgsim.model.company import Company
from orgsim.names import STAGES
from orgsim.scenario.loader import load_scenario

SERIES_A = Path(__file__).resolve().parents[3] / "scenarios" / "series-a.yaml"


def test_the_departments_are_wired_in_value_chain_order():
    co = Company(load_scenario(SERIES_A, overrides={"horizon_months": 2}), seed=1, replication=0)
    assert co.marketing.next is co.sdr
    assert co.sdr.next is co.sales
    assert co.sales.presales is co.presales and co.sales.next is co.delivery
    assert co.delivery.next is co.success
    assert list(co.stages) == list(STAGES)
    assert co.sales.stage is co.stages["sales"] and co.success.sales_stage is co.stages["sales"]


def test_results_have_every_part():
    co = Company(load_scenario(SERIES_A, overrides={"horizon_months": 2}), seed=1, replication=0)
    co.run()
    res = co.results()
    assert set(res.stages) == set(STAGES)
    assert {"renewals_due", "hires", "presales_skipped", "mean_sales_cycle_days", "mean_go_live_days"} <= set(
        res.counters
    )
    assert res.monthly["new_customers"].sum() == res.funnel["won"]
    assert res.final_arr and res.starting_customers == 113
