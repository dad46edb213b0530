"""Finance alone: ARR to revenue, invoices to collections, people to costs, cash."""

from __future__ import annotations

import pytest
from model_fakes import make_pool, make_scenario, world

from orgsim.model.entities import Account
from orgsim.model.finance import Finance
from orgsim.model.stages import Results
from orgsim.scenario import MONTH_DAYS


def build(**over):
    clock, _ = world()
    sc = make_scenario(
        company={
            "starting_cash": 1000.0,
            "gross_margin": 0.75,
            "overhead_per_head_month": 0.0,
            "payment_terms_days": 30.0,
        },
        **over,
    )
    pools = {"ae": make_pool(clock, "ae", 0)}
    return clock, Finance(clock=clock, sc=sc, pools=pools)


def test_revenue_accrues_from_arr_over_the_month():
    clock, f = build()
    f.change_arr(12000.0)
    clock.later(MONTH_DAYS / 2, lambda _: f.change_arr(12000.0))
    clock.env.run(until=MONTH_DAYS)
    f.close_month(0)
    assert f.revenue[0] == pytest.approx(1000.0 * 0.5 + 2000.0 * 0.5)
    assert f.cogs[0] == pytest.approx(0.25 * f.revenue[0])


def test_an_annual_invoice_is_collected_after_the_payment_terms():
    _clock, f = build()
    acc = Account("smb", 12000.0, term_start=20.0, term_months=12, first_start=20.0, health=0.75)
    f.invoice_contract(acc)  # billed on day 20, collected on day 50: month 1
    assert f.collections[:3].tolist() == [0.0, 12000.0, 0.0]


def test_cash_moves_with_collections_and_costs():
    clock, f = build(lead_sources={"paid": {"budget_per_month": 300.0}})
    f.collections[0] = 500.0
    clock.env.run(until=MONTH_DAYS)
    f.close_month(0)
    assert f.cash[0] == pytest.approx(1000.0 + 500.0 - 300.0)
    rec = Results()
    f.record(rec)
    assert rec.monthly["cost.paid_marketing"][0] == 300.0 and rec.monthly["sm_cost"][0] == 300.0
    assert list(rec.monthly)[:7] == [
        "revenue",
        "collections",
        "cash",
        "new_arr",
        "expansion_arr",
        "churned_arr",
        "sm_cost",
    ]
    assert rec.monthly["cost.total"][0] == pytest.approx(300.0)
