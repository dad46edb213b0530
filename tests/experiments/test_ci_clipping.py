"""A share's 95% CI (win rate, GRR, cash_out...) stays within [0, 1]; other KPIs are untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

import orgsim
from orgsim.experiments.stats import describe, describe_kpi
from orgsim.metrics.registry import KPI_KEYS, KPI_UNITS, NONNEGATIVE_KPIS, PROBABILITY_KPIS

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.yaml"


def test_a_rare_event_s_ci_does_not_go_below_zero():
    values = [0.0] * 9 + [1.0]  # cash ran out in 1 of 10 futures
    assert describe(values)["ci95"][0] < 0  # the t-interval itself does
    d = describe_kpi("cash_out", values)
    assert d["ci95"][0] == 0.0 and d["ci95"][1] == pytest.approx(describe(values)["ci95"][1])
    assert d["mean"] == pytest.approx(0.1)


def test_only_shares_are_clipped():
    values = [0.9, 1.3, 1.1]  # NRR can exceed 1
    assert describe_kpi("nrr", values) == describe(values)
    assert describe_kpi("win_rate", [0.99, 0.5, 0.98])["ci95"][1] == 1.0
    assert PROBABILITY_KPIS <= {k for k, u in KPI_UNITS.items() if u == "pct"}
    assert "nrr" not in PROBABILITY_KPIS and "sm_share_of_revenue" not in PROBABILITY_KPIS


def test_results_report_clipped_cis():
    sc = orgsim.load_scenario(REFERENCE, overrides={"horizon_months": 3})
    res = orgsim.simulate(sc, replications=2, seed=2026, workers=1)
    doc = res.to_dict()
    raw = describe(res.values("grr"))["ci95"][1]
    assert raw > 1  # two replications of a 3-month GRR near 1: the t-interval passes 1
    assert doc["kpis"]["grr"]["ci95"][1] == 1.0
    summary = res.summary()
    assert summary.loc["grr", "ci95_high"] == 1.0
    for k in PROBABILITY_KPIS:
        lo, hi = doc["kpis"][k]["ci95"]
        assert lo is None or 0.0 <= lo <= hi <= 1.0


def test_a_kpi_that_cannot_be_negative_is_clipped_below_only():
    values = [0.0] * 7 + [7728.0]  # bad debt written off in 1 of 8 replications
    assert describe(values)["ci95"][0] < 0
    d = describe_kpi("bad_debt", values)
    assert d["ci95"][0] == 0.0 and d["ci95"][1] == pytest.approx(describe(values)["ci95"][1])
    assert describe_kpi("cac", [5e5, 2e6, 9e6])["ci95"][1] > 1.0  # not clipped above
    for k in ("cash_end", "cash_min", "magic_number"):  # can be negative: untouched
        assert k not in NONNEGATIVE_KPIS
        assert describe_kpi(k, values) == describe(values)


def test_kpis_said_to_be_nonnegative_are_never_negative():
    sc = orgsim.load_scenario(REFERENCE, overrides={"horizon_months": 6})
    res = orgsim.simulate(sc, replications=3, seed=7, workers=1)
    assert NONNEGATIVE_KPIS <= set(KPI_KEYS)
    for k in NONNEGATIVE_KPIS:
        assert all(v is None or v >= 0 for v in res.values(k)), k
        lo = res.to_dict()["kpis"][k]["ci95"][0]
        assert lo is None or lo >= 0, k


def test_funnel_stage_and_role_cis_stay_within_what_they_can_be():
    """Counts, waits, headcounts and backlogs are never negative and a utilisation is at most 1: at 2
    replications the raw t-intervals read e.g. "won -48 .. 104", "util -220% .. 283%"."""
    sc = orgsim.load_scenario(REFERENCE, overrides={"horizon_months": 3})
    res = orgsim.simulate(sc, replications=2, seed=2026, workers=1)
    doc, reps = res.to_dict(), res.replications
    stats = [(doc["funnel"][k], [r.funnel[k] for r in reps], k) for k in doc["funnel"]]
    for n, st in doc["stages"].items():
        stats += [(d, [r.stages[n][k] for r in reps], k) for k, d in st.items()]
    for n, st in doc["roles"].items():
        stats += [(d, [r.roles[n][k] for r in reps], k) for k, d in st.items()]
    clipped = 0
    for d, values, key in stats:
        raw = describe(values)["ci95"]
        if raw[0] is None:
            continue
        top = 1.0 if key == "utilization" else float("inf")
        assert 0.0 <= d["ci95"][0] <= d["ci95"][1] <= top, (key, d)
        assert d["ci95"] == [min(max(v, 0.0), top) for v in raw]  # clipped, nothing else
        clipped += raw[0] < 0 or raw[1] > top
    assert clipped > 0  # the raw intervals left the bounds somewhere
    for seg in doc["retention"]["by_segment"].values():
        for key in ("grr", "logo_renewal_rate"):
            lo, hi = seg[key]["ci95"]
            assert lo is None or 0.0 <= lo <= hi <= 1.0
