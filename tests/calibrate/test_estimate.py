"""The estimators on data with a known truth.

The censoring-bias set: 2,000 deals created over 200 days, win probability 0.3, won deals decided
after gamma(mean 30 days) and lost ones after gamma(mean 90 days), the export taken on day 200 so a
third of the deals are still open. Closed deals alone then over-represent the quick wins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("lifelines")

from orgsim.calibrate.estimate import estimate  # noqa: E402
from orgsim.calibrate.fits import cumulative_incidence, fit_amounts, fit_durations, wilson, win_share  # noqa: E402
from orgsim.calibrate.quality import Prepared  # noqa: E402

TRUE_WIN, WON_DAYS, LOST_DAYS, WINDOW = 0.3, 30.0, 90.0, 200


def censoring_set(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Days to decision (or to the export, when open) and the event: 1 won, 2 lost, 0 open."""
    rng = np.random.default_rng(seed)
    created = rng.uniform(0, WINDOW, n).round()
    won = rng.random(n) < TRUE_WIN
    cycle = np.round(rng.gamma(4.0, np.where(won, WON_DAYS, LOST_DAYS) / 4.0))
    decided = created + cycle <= WINDOW
    return np.where(decided, cycle, WINDOW - created), np.where(decided, np.where(won, 1, 2), 0)


def test_censoring_aware_win_rate_covers_the_truth_closed_only_does_not():
    days, event = censoring_set()
    assert 0.30 < (event == 0).mean() < 0.40  # about a third still open
    share = win_share(days, event, seed=0)
    assert share is not None
    assert share.ci95[0] <= TRUE_WIN <= share.ci95[1]
    closed = wilson(int((event == 1).sum()), int((event > 0).sum()))
    assert closed is not None
    assert closed[1] > TRUE_WIN + 0.05  # the whole closed-only interval sits well above the truth
    assert closed[0] - TRUE_WIN > 3 * abs(share.estimate - TRUE_WIN)
    inc = cumulative_incidence(days, event, 1, seed=0)  # lifelines' P(won by day t), with its interval
    assert inc is not None and inc.ci95[0] <= TRUE_WIN <= inc.ci95[1]
    assert inc.at_days == share.at_days and inc.estimate == pytest.approx(share.won_by_day, abs=0.002)


def test_win_share_needs_no_complete_follow_up_when_outcomes_take_the_same_time():
    # the scenario's own model: one gamma(230 days) cycle, then win (0.2) or lose; exported after 300 days
    rng = np.random.default_rng(4)
    n, window = 3000, 300
    created = rng.uniform(0, window, n).round()
    won = rng.random(n) < 0.2
    cycle = np.round(rng.gamma(1 / 0.4**2, 230 * 0.4**2, n))
    decided = created + cycle <= window
    days, event = np.where(decided, cycle, window - created), np.where(decided, np.where(won, 1, 2), 0)
    share = win_share(days, event, seed=0)
    assert share is not None and share.ci95[0] <= 0.2 <= share.ci95[1]
    assert share.won_by_day < 0.2 - 0.03  # P(won by the last supported day) alone falls short (0.162)


def test_win_share_repeats_with_its_seed():
    days, event = censoring_set(500, seed=3)
    assert win_share(days, event, seed=1) == win_share(days, event, seed=1)
    assert win_share(days, event, seed=1).ci95 != win_share(days, event, seed=2).ci95  # type: ignore[union-attr]


def test_censored_cycle_fit_recovers_the_mean_time_to_decision():
    days, event = censoring_set()
    fit = fit_durations(days, event > 0)
    truth = TRUE_WIN * WON_DAYS + (1 - TRUE_WIN) * LOST_DAYS  # 72 days
    assert fit is not None and fit.mean_ci95[0] <= truth <= fit.mean_ci95[1]
    assert days[event > 0].mean() < truth - 10  # closed deals alone: far too short


def test_fits_recover_gamma_and_lognormal_and_choose_by_aic():
    rng = np.random.default_rng(5)
    g = np.round(rng.gamma(1 / 0.5**2, 40 * 0.5**2, 3000))
    fit = fit_durations(g, np.ones(len(g), dtype=bool))
    assert fit is not None and fit.dist == "gamma"
    assert fit.mean_ci95[0] <= 40 <= fit.mean_ci95[1] and abs(fit.cv - 0.5) < 0.05
    s2 = np.log1p(0.8**2)
    x = rng.lognormal(np.log(20000) - s2 / 2, np.sqrt(s2), 3000)
    acv = fit_amounts(x)
    assert acv is not None and acv.dist == "lognormal"
    assert acv.mean_ci95[0] <= 20000 <= acv.mean_ci95[1] and abs(acv.cv - 0.8) < 0.08


def test_aalen_johansen_by_hand():
    # days 1 won, 2 lost, 3 open, 4 won: S(1-)=1 -> 1/4; S(2-)=3/4; at 4 one at risk: 1/4 + (3/4)(2/3)(1/1)
    days, event = np.array([1, 2, 3, 4] * 5, float), np.array([1, 2, 0, 1] * 5)
    inc = cumulative_incidence(days, event, 1, seed=0)
    assert inc is not None
    assert inc.curve["estimate"].iloc[-1] == pytest.approx(0.25 + 0.75 * (2 / 3), abs=1e-9)


def test_the_global_numpy_state_is_left_alone_and_results_repeat():
    days, event = censoring_set(300, seed=2)
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    a = cumulative_incidence(days, event, 1, seed=7)
    assert np.random.random() == before
    b = cumulative_incidence(days, event, 1, seed=7)
    assert a is not None and b is not None and a.estimate == b.estimate and a.ci95 == b.ci95


def test_wilson():
    assert wilson(0, 0) is None
    p, lo, hi = wilson(30, 100)  # type: ignore[misc]
    assert p == 0.3 and lo == pytest.approx(0.2189, abs=1e-4) and hi == pytest.approx(0.3958, abs=1e-4)


def test_segments_too_small_are_reported_not_in_the_fragment():
    days, event = censoring_set(400, seed=1)
    n = len(days)
    created = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) % 200, unit="D")
    deals = pd.DataFrame({
        "deal_id": [f"D{i}" for i in range(n)], "segment": ["smb"] * (n - 15) + ["enterprise"] * 15,
        "source": "", "created": created, "closed": pd.NaT,
        "outcome": pd.Series(event).map({0: "open", 1: "won", 2: "lost"}),
        "amount": 9000.0, "currency": "", "lost_reason": ["No decision", "Price"] * (n // 2), "owner": "",
        "days": days, "event": event,
    })  # fmt: skip
    prep = Prepared(deals, pd.Timestamp("2024-07-19"), "--as-of", "the segment column", {})
    cal = estimate(prep, None, "generic", ["x.csv"])
    smb, ent = cal.data["segments"]["smb"], cal.data["segments"]["enterprise"]
    assert smb["included"] and not ent["included"] and ent["left_out"].endswith("decided deals (< 20)")
    assert any(w["key"] == "segment_too_small" for w in cal.data["data_quality"]["warnings"])
    nd = smb["no_decision_share"]
    assert nd["ci95"][0] <= 0.5 <= nd["ci95"][1]
