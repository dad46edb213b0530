"""The synthetic censoring data set and the round-trip truth (orgsim.crm.synthetic, orgsim.crm.truth)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orgsim.crm import synthetic_deals, truth


def test_synthetic_deals_have_a_third_open_and_a_biased_closed_only_win_rate():
    df = synthetic_deals(n=3000, win_rate=0.3, won_cycle_mean=30, lost_cycle_mean=90, seed=4)
    assert list(df.columns) == ["deal_id", "segment", "source", "created_date", "closed_date", "outcome", "amount"]
    assert df["deal_id"].is_unique and df.attrs["truth"]["win_rate"] == 0.3
    share = (df["outcome"] == "open").mean()
    se = np.sqrt(share * (1 - share) / len(df))
    assert abs(share - 1 / 3) < 4 * se
    assert ((df["closed_date"] == "") == (df["outcome"] == "open")).all()
    assert (df["closed_date"].replace("", np.nan).dropna() <= df.attrs["as_of"]).all()
    closed = df[df["outcome"] != "open"]
    closed_only = (closed["outcome"] == "won").mean()
    assert closed_only > 0.3 + 4 * np.sqrt(0.3 * 0.7 / len(closed))  # visibly biased upwards
    # lost deals take longer than won ones among those closed too
    days = pd.to_datetime(closed["closed_date"]) - pd.to_datetime(closed["created_date"])
    assert days[closed["outcome"] == "lost"].mean() > days[closed["outcome"] == "won"].mean()


def test_synthetic_deals_are_reproducible_and_checked():
    a, b = synthetic_deals(n=200, seed=9), synthetic_deals(n=200, seed=9)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(synthetic_deals(n=200, seed=10))
    with pytest.raises(ValueError, match="open_share must be between 0 and 1"):
        synthetic_deals(open_share=1.2)


def test_truth_holds_the_keys_and_the_full_logs_values(scenario, events):
    t = truth(scenario, events)
    assert list(t.index) == ["smb", "mid_market", "enterprise"]
    assert t.loc["smb", "win_rate_key"] == scenario.segments["smb"].win_rate
    assert t.loc["mid_market", "sales_cycle_days_key"] == scenario.segments["mid_market"].sales_cycle_days.expected
    assert t.loc["enterprise", "acv_mean_key"] == scenario.segments["enterprise"].acv.expected
    assert t["n_deals"].sum() == (events["activity"] == "Opportunity created").sum()
    won = events[events["activity"] == "Won"]
    assert t["n_won"].sum() == len(won)
    assert t.loc["smb", "acv_mean"] == pytest.approx(won.loc[won["segment"] == "smb", "amount"].mean())
    assert t.loc["smb", "win_rate"] == pytest.approx(
        t.loc["smb", "n_won"] / (t.loc["smb", "n_won"] + t.loc["smb", "n_lost"])
    )
    # a deal's time to decision is at least its buyer's cycle: the mean of decided smb deals is near the key
    assert 0.7 * 35 < t.loc["smb", "cycle_days_mean"] < 1.5 * 35
    assert list(truth(scenario).columns) == ["win_rate_key", "sales_cycle_days_key", "acv_mean_key"]
