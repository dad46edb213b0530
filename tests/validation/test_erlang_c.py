"""M/M/c validation: with calendars off and exponential efforts, a stage is an Erlang C queue.

The scenario is stripped to one lead source (paid, MQL rate 1), so MQLs arrive as a Poisson
process of rate budget / cost per lead per month, and people work around the clock
(`productive_hours_per_day: 24`), so a task of E effort hours holds a person E / 24 days. With
exponential qualification effort the SDR stage is M/M/c. Every MQL becomes an SQL and an
opportunity, so the AE stage receives the SDR stage's departures; by Burke's theorem those are a
Poisson process of the same rate, so the AE stage (exponential opportunity effort, sales cycle 0,
no cap on open opportunities, win rate 0 so that no customer work reaches the AEs) is M/M/c too.
With qualification effort 0 the SDR stage passes MQLs straight through with no wait at all.

Tolerances: the estimate of a stage's mean wait is the mean over replications of the
per-replication mean wait; SE = std of those means / sqrt(n); the check is 4 SE around theory plus
a one-sided allowance for the empty start (see `empty_start_bias_hours`).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from orgsim.experiments import Results, simulate
from orgsim.scenario import MONTH_DAYS, Scenario

HORIZON_MONTHS = 240
REPLICATIONS = 24
SEED = 20260101
ARRIVALS_PER_MONTH = 60.0  # about 14,400 MQLs per replication
WARMUP_MONTHS = 24  # for the queue-length snapshots: > 10 relaxation times of every setting below


# --------------------------------------------------------------------------------------------
# Queueing theory
# --------------------------------------------------------------------------------------------


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load a = lambda / mu (< c).

    Uses the stable Erlang B recursion B(k) = a B(k-1) / (k + a B(k-1)), then
    C = c B / (c - a (1 - B)).
    """
    if not 0 <= a < c:
        raise ValueError(f"need 0 <= a < c (got a={a}, c={c})")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


def erlang_c_wq(c: int, lam: float, mu: float) -> float:
    """Mean wait in queue of M/M/c: Wq = C(c, a) / (c mu - lambda)."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def relaxation_time(c: int, lam: float, mu: float) -> float:
    """Relaxation time of M/M/c: 1 / (c mu (1 - sqrt(rho))^2) (Morse's M/M/1 value, c mu for mu)."""
    rho = lam / (c * mu)
    return 1.0 / (c * mu * (1.0 - math.sqrt(rho)) ** 2)


def empty_start_bias_hours(c: int, lam: float, mu: float, horizon_hours: float) -> float:
    """How far below Wq the run's mean wait may sit because the run starts from an empty system.

    From empty, the expected wait of an arrival at time t rises monotonically to Wq, approaching it
    like exp(-t / tau) with tau the relaxation time, so the mean over arrivals in [0, T] is low by
    about Wq * tau / T. Morse's relaxation time exceeds the M/M/1 asymptotic-bias constant of
    Whitt (rho / (mu (1 - rho)^3) for the number in system), so this is a generous bound; it is
    at most 1-3% of Wq here, well below 4 SE. Tasks still queued at the horizon enter with the
    time waited so far; about Lq such tasks among ~14,000 move the mean by < 0.1% of Wq.
    """
    return erlang_c_wq(c, lam, mu) * relaxation_time(c, lam, mu) / horizon_hours


def test_erlang_c_textbook_values():
    # c=2, lambda=1, mu=1: a=1, C = 1/3, Wq = C / (2 - 1) = 1/3
    assert erlang_c_wq(2, 1.0, 1.0) == pytest.approx(1 / 3, rel=1e-12)
    # M/M/1: C = rho, Wq = rho / (mu - lambda)
    assert erlang_c(1, 0.6) == pytest.approx(0.6, rel=1e-12)
    assert erlang_c_wq(1, 0.6, 1.0) == pytest.approx(1.5, rel=1e-12)
    # the closed form with factorials, c=5, a=4.25 (rho 0.85)
    c, a = 5, 4.25
    top = a**c / math.factorial(c) * c / (c - a)
    closed = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    assert erlang_c(c, a) == pytest.approx(closed, rel=1e-12)
    # c=3, a=2 by hand: sum_{k<3} a^k/k! = 5, a^3/3! * 3/(3-2) = 4, so C = 4/9
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9, rel=1e-12)
    with pytest.raises(ValueError):
        erlang_c(2, 2.0)


# --------------------------------------------------------------------------------------------
# The scenarios
# --------------------------------------------------------------------------------------------


def mmc_scenario(
    sdr: int, qualify_mean_hours: float, ae: int, opportunity_mean_hours: float, arrivals_per_month: float
) -> Scenario:
    """Everything off but paid leads -> SDR qualification -> AE opportunity work, in continuous time."""
    qualify = {"dist": "exponential", "mean": qualify_mean_hours} if qualify_mean_hours > 0 else 0
    cost_per_lead = 100.0
    sc = Scenario.model_validate(
        {
            "name": "mmc",
            "horizon_months": HORIZON_MONTHS,
            "time": {"productive_hours_per_day": 24},
            "company": {"starting_customers": {}},
            "segments": {
                "smb": {
                    "lead_mix": 1.0,
                    "acv": 1000,
                    "sales_cycle_days": 0,
                    "win_rate": 0.0,
                    "effort_hours": {"opportunity": {"dist": "exponential", "mean": opportunity_mean_hours}},
                }
            },
            "lead_sources": {
                "paid": {
                    "budget_per_month": arrivals_per_month * cost_per_lead,
                    "cost_per_lead": cost_per_lead,
                    "mql_rate": 1.0,
                },
                "content": {"leads_per_marketer_month": 0},
                "outbound": {"sdr_time_share": 0.0, "meetings_per_sdr_month": 0},
                "referral": {"per_healthy_account_year": 0},
            },
            "funnel": {"mql_to_sql": 1.0, "sql_to_opportunity": 1.0, "speed_to_lead": None},
            "roles": {
                "sdr": {"department": "sales", "headcount": sdr},
                "ae": {"department": "sales", "headcount": ae, "max_open_opportunities": 10**9},
            },
            "effort_hours": {"qualify": qualify, "account_care_per_month": 0},
            "ownership": {"qualification": "sdr", "routing": "round_robin", "renewal": "ae"},
            "customers": {"expansion": {"monthly_probability": 0}},
            "hiring": {"attrition_per_year": {"default": 0}, "plan": []},
        }
    )
    assert sc.problems() == []
    return sc


# Each case: (SDR servers, SDR rho or None for zero effort, AE servers, AE rho). Arrival rate is
# the same for both stages (every MQL becomes an opportunity); mean efforts follow from rho.
CASES = {
    "sdr3_rho0.70-ae5_rho0.85": (3, 0.70, 5, 0.85),
    "sdr5_rho0.85-ae2_rho0.80": (5, 0.85, 2, 0.80),
    "sdr_instant-ae3_rho0.70": (1, None, 3, 0.70),
}

LAM_PER_HOUR = ARRIVALS_PER_MONTH / (MONTH_DAYS * 24.0)
HORIZON_HOURS = HORIZON_MONTHS * MONTH_DAYS * 24.0


def mean_effort_hours(c: int, rho: float) -> float:
    return rho * c / LAM_PER_HOUR  # rho = lambda / (c mu)


_results: dict[str, Results] = {}


def run_case(case: str) -> Results:
    """Simulate a case once per test session (the checks below share it)."""
    if case not in _results:
        c_sdr, rho_sdr, c_ae, rho_ae = CASES[case]
        sc = mmc_scenario(
            c_sdr,
            mean_effort_hours(c_sdr, rho_sdr) if rho_sdr is not None else 0.0,
            c_ae,
            mean_effort_hours(c_ae, rho_ae),
            ARRIVALS_PER_MONTH,
        )
        _results[case] = simulate(sc, replications=REPLICATIONS, seed=SEED, workers=2)
    return _results[case]


def stage_table(res: Results, stage: str):
    st = res.stages
    return st[st.stage == stage].sort_values("replication")


def stage_cases():
    """(case, stage, c, rho) for every stage that is an M/M/c queue with a positive load."""
    out = []
    for case, (c_sdr, rho_sdr, c_ae, rho_ae) in CASES.items():
        if rho_sdr is not None:
            out.append(pytest.param(case, "sdr", c_sdr, rho_sdr, id=f"{case}:sdr"))
        out.append(pytest.param(case, "sales", c_ae, rho_ae, id=f"{case}:sales"))
    return out


def se(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1) / math.sqrt(len(x)))


# --------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("case,stage,c,rho", stage_cases())
def test_mean_wait_matches_erlang_c(case, stage, c, rho):
    res = run_case(case)
    waits = stage_table(res, stage)["mean_wait_hours"].to_numpy()
    mu = 1.0 / mean_effort_hours(c, rho)
    theory = erlang_c_wq(c, LAM_PER_HOUR, mu)
    sim = float(waits.mean())
    s = se(waits)
    bias = empty_start_bias_hours(c, LAM_PER_HOUR, mu, HORIZON_HOURS)
    # sanity of the tolerance itself: it must be tight enough to mean something
    assert 4 * s + bias < 0.25 * theory, f"tolerance too loose: SE {s:.3f}h for Wq {theory:.3f}h"
    assert theory - bias - 4 * s <= sim <= theory + 4 * s, (
        f"{stage} M/M/{c} rho={rho}: simulated Wq {sim:.3f}h (SE {s:.3f}h), "
        f"Erlang C {theory:.3f}h, empty-start allowance {bias:.3f}h"
    )


@pytest.mark.slow
@pytest.mark.parametrize("case,stage,c,rho", stage_cases())
def test_utilization_matches_rho(case, stage, c, rho):
    res = run_case(case)
    util = stage_table(res, stage)["utilization"].to_numpy()
    mu = 1.0 / mean_effort_hours(c, rho)
    # from empty, about a = c rho people-services of busy time are missing at the start:
    # a / mu hours out of c T person-hours
    bias = rho / mu / HORIZON_HOURS
    s = se(util)
    assert rho - bias - 4 * s <= util.mean() <= rho + 4 * s, f"utilisation {util.mean():.4f} (SE {s:.4f}) vs rho {rho}"


@pytest.mark.slow
@pytest.mark.parametrize("case,stage,c,rho", stage_cases())
def test_littles_law_number_in_system_at_the_end(case, stage, c, rho):
    """arrivals - completed is the number at the stage at the horizon: a stationary sample with mean
    L = lambda (Wq + 1/mu) (Little's law); after 240 months the empty start is forgotten."""
    res = run_case(case)
    t = stage_table(res, stage)
    in_system = (t["arrivals"] - t["completed"]).to_numpy(dtype=float)
    assert (in_system >= 0).all()
    mu = 1.0 / mean_effort_hours(c, rho)
    L = LAM_PER_HOUR * (erlang_c_wq(c, LAM_PER_HOUR, mu) + 1.0 / mu)
    s = se(in_system)
    assert abs(in_system.mean() - L) <= 4 * s, f"mean number in system {in_system.mean():.2f} (SE {s:.2f}) vs L {L:.2f}"
    # completed / arrivals = 1 - L / arrivals: only the few tasks in progress are not done
    ratio = (t["completed"] / t["arrivals"]).to_numpy()
    assert np.all(ratio <= 1.0)
    assert abs(ratio.mean() - (1.0 - L / t["arrivals"].mean())) <= 4 * se(ratio) + 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("case,stage,c,rho", stage_cases())
def test_littles_law_queue_snapshots(case, stage, c, rho):
    """Month-end queue lengths, after a warm-up, average Lq = lambda Wq (Little's law)."""
    res = run_case(case)
    mon = res.monthly
    q = mon[(mon.metric == f"queue.{stage}") & (mon.month > WARMUP_MONTHS)]
    per_rep = q.groupby("replication")["value"].mean().to_numpy()
    mu = 1.0 / mean_effort_hours(c, rho)
    assert relaxation_time(c, LAM_PER_HOUR, mu) * 10 < WARMUP_MONTHS * MONTH_DAYS * 24
    lq = LAM_PER_HOUR * erlang_c_wq(c, LAM_PER_HOUR, mu)
    s = se(per_rep)
    assert abs(per_rep.mean() - lq) <= 4 * s, f"mean queue {per_rep.mean():.3f} (SE {s:.3f}) vs Lq {lq:.3f}"


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_arrivals_are_poisson_and_flow_through(case):
    res = run_case(case)
    sdr = stage_table(res, "sdr")
    sales = stage_table(res, "sales")
    # MQLs over all replications ~ Poisson(n lambda T)
    expected = REPLICATIONS * ARRIVALS_PER_MONTH * HORIZON_MONTHS
    total = sdr["arrivals"].sum()
    assert abs(total - expected) <= 4 * math.sqrt(expected), (total, expected)
    # every qualified MQL becomes an opportunity for the AEs
    assert (sales["arrivals"].to_numpy() == sdr["completed"].to_numpy()).all()
    f = res.funnel.sort_values("replication")
    assert (f["mql"].to_numpy() == sdr["arrivals"].to_numpy()).all()
    assert (f["won"] == 0).all()


@pytest.mark.slow
def test_instant_qualification_never_waits():
    res = run_case("sdr_instant-ae3_rho0.70")
    sdr = stage_table(res, "sdr")
    assert (sdr["arrivals"] > 0).all()
    assert (sdr["mean_wait_hours"] == 0.0).all()
    assert (sdr["p90_wait_hours"] == 0.0).all()
    assert (sdr["utilization"] == 0.0).all()
