"""Common random numbers: what a change leaves alone stays identical, replication by replication.

Two scenarios run with one seed draw the same numbers for the same things, so (1) identical
scenarios differ by exactly zero on every KPI, (2) a service-side change (CSM headcount) leaves the
lead side (leads and MQLs of paid, content and outbound) identical, and (3) the CI of a paired
difference is much narrower than that of two independent runs.
"""

from __future__ import annotations

import pytest

from experiments_support import SEED, series_a
from orgsim.experiments import compare, simulate
from orgsim.metrics import FUNNEL_KEYS, KPI_KEYS, STAGE_KEYS

LEAD_SIDE = [f"{step}.{src}" for step in ("leads", "mql") for src in ("paid", "content", "outbound")]


def test_identical_scenarios_differ_by_exactly_zero_on_every_kpi():
    sc = series_a()
    cmp = compare([sc, sc], replications=6, seed=SEED, workers=2)
    for k in KPI_KEYS:
        d = cmp.difference(cmp.arms[1], k)
        assert d["n"] > 0, k
        assert (d["mean"], d["std"], d["ci95"], d["p_value"]) == (0.0, 0.0, [0.0, 0.0], 1.0), k
    a, b = cmp.arms
    assert [r.funnel for r in a.replications] == [r.funnel for r in b.replications]
    assert a.stages[list(STAGE_KEYS)].equals(b.stages[list(STAGE_KEYS)])


def _lead_side(res):
    return [{k: r.funnel[k] for k in LEAD_SIDE} for r in res.replications]


def _csm_pair(horizon: int, **extra):
    base = {"horizon_months": horizon, **extra}
    return series_a(**base), series_a(**base, **{"roles.csm.headcount": 4})


def test_more_csms_leave_leads_and_mqls_by_source_identical_over_a_year():
    a, b = _csm_pair(12)
    ra, rb = simulate(a, 20, SEED, workers=2), simulate(b, 20, SEED, workers=2)
    assert _lead_side(ra) == _lead_side(rb)
    # ...while the change does reach the service side
    assert ra.stages.query("stage == 'csm'")["utilization"].tolist() != rb.stages.query("stage == 'csm'")["utilization"].tolist()


def test_paid_leads_are_identical_whatever_the_service_side_does():
    a, b = _csm_pair(36)
    ra, rb = simulate(a, 8, SEED, workers=2), simulate(b, 8, SEED, workers=2)
    paid = [(r.funnel["leads.paid"], r.funnel["mql.paid"]) for r in ra.replications]
    assert paid == [(r.funnel["leads.paid"], r.funnel["mql.paid"]) for r in rb.replications]


@pytest.mark.slow
def test_over_three_years_lead_side_is_identical_when_recruiting_is_not_shared():
    # A recruiter who closes any number of hires a month: CSM backfills no longer queue in
    # front of marketer and SDR requisitions, and the lead side is identical again.
    a, b = _csm_pair(36, **{"roles.recruiter.hires_per_month": 1000})
    assert _lead_side(simulate(a, 20, SEED, workers=2)) == _lead_side(simulate(b, 20, SEED, workers=2))


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "model: one recruiter closes every requisition FIFO (workforce._recruit), so the backfills of "
    "extra CSMs (attrition.csm draws, taken in join order, also move to other people) queue in "
    "front of marketer and SDR requisitions and those people join days later; content and "
    "outbound rates follow ramped headcount, the month's Poisson count changes, and because "
    "marketing draws count, times, segments and MQL flags from one stream per source "
    "(arrivals.<source>), every later month of that source is shifted too. With seed 11, "
    "replications 2, 13 and 16 of 20 differ. Fix in orgsim/model: draw each month's arrivals from "
    "a per-month stream (arrivals.<source>.<month>) with the count by inversion of one uniform, "
    "and, if service hires must not delay sales hires, give requisitions their own recruiter "
    "capacity per department (or a priority)."))
def test_over_three_years_more_csms_leave_the_lead_side_identical():
    a, b = _csm_pair(36)
    assert _lead_side(simulate(a, 20, SEED, workers=2)) == _lead_side(simulate(b, 20, SEED, workers=2))


@pytest.mark.parametrize(("change", "at_least"), [
    ({"roles.sdr.headcount": 6}, 3.0),   # a lead-side change: outbound arrivals change too
    ({"roles.ae.headcount": 8}, 20.0),   # sales capacity: the same leads, the same deals
])
def test_crn_makes_the_difference_much_sharper_than_independent_seeds(change, at_least):
    a, b = series_a(), series_a(**change)
    crn = compare([a, b], replications=30, seed=SEED, workers=2)
    ind = compare([a, b], replications=30, seed=SEED, workers=2, crn=False)
    assert ind.arms[1].seed != ind.arms[0].seed
    d_crn, d_ind = crn.difference(crn.arms[1], "arr_end"), ind.difference(ind.arms[1], "arr_end")
    ratio = d_ind["std"] ** 2 / d_crn["std"] ** 2
    assert ratio > at_least, f"variance ratio independent / CRN = {ratio:.1f}"
    width = lambda d: d["ci95"][1] - d["ci95"][0]  # noqa: E731
    assert width(d_crn) < width(d_ind) / at_least ** 0.5
