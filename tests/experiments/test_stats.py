"""Statistics on hand-made numbers: summaries, paired differences, directions, KPI names."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from orgsim.experiments.stats import (
    KPI_DIRECTION,
    ExperimentError,
    check_kpi,
    describe,
    paired_difference,
    rank_test_disagrees,
    relative_half_width,
)
from orgsim.metrics import KPI_KEYS


def test_every_kpi_has_a_direction_and_the_costs_point_down():
    assert set(KPI_DIRECTION) == set(KPI_KEYS)
    lower = {k for k, d in KPI_DIRECTION.items() if d < 0}
    assert lower == {
        "cac",
        "cac_payback_months",
        "churned_arr",
        "burn_multiple",
        "no_decision_rate",
        "sales_cycle_days",
        "cash_out",
        "dso_days",
        "bad_debt",
        "sm_share_of_revenue",
        "logo_churn_rate",
        "sales_cycle_days_smb",
        "sales_cycle_days_mid_market",
        "sales_cycle_days_enterprise",
    }
    assert KPI_DIRECTION["cash_out_month"] == 1 and KPI_DIRECTION["cash_min"] == 1  # later, higher: better
    assert KPI_DIRECTION["headcount_end"] == 0
    assert KPI_DIRECTION["arr_end"] == 1 and KPI_DIRECTION["runway_months"] == 1


def test_describe_matches_the_t_interval():
    x = [1.0, 2.0, 4.0, 7.0, None, float("nan")]
    d = describe(x)
    v = np.array([1.0, 2.0, 4.0, 7.0])
    half = stats.t.ppf(0.975, 3) * v.std(ddof=1) / 2
    assert d["n"] == 4 and d["mean"] == pytest.approx(3.5)
    assert d["ci95"] == pytest.approx([3.5 - half, 3.5 + half])
    assert describe([None]) == {"n": 0, "mean": None, "std": None, "ci95": [None, None]}


def test_paired_difference_against_scipy():
    rng = np.random.default_rng(1)
    b = rng.normal(100, 10, 25)
    a = b + rng.normal(2, 1, 25)
    d = paired_difference(a.tolist(), b.tolist(), direction=1)
    assert d["p_value"] == pytest.approx(stats.ttest_rel(a, b).pvalue)
    assert d["p_wilcoxon"] == pytest.approx(stats.wilcoxon(a - b, zero_method="pratt").pvalue)
    assert d["mean"] == pytest.approx(float(np.mean(a - b)))
    # probability of being better: the t distribution of the mean difference
    se = np.std(a - b, ddof=1) / 5
    assert d["prob_better"] == pytest.approx(stats.t.cdf(np.mean(a - b) / se, 24))
    assert d["share_better"] == pytest.approx(np.mean(a > b))


def test_direction_flips_better_and_ties_count_half():
    a, b = [1.0, 2.0, 3.0, 3.0], [2.0, 2.0, 2.0, 2.0]  # worse, tie, better, better
    up = paired_difference(a, b, direction=1)
    down = paired_difference(a, b, direction=-1)
    assert up["share_better"] == pytest.approx((2 + 0.5) / 4)
    assert down["share_better"] == pytest.approx((1 + 0.5) / 4)
    assert up["prob_better"] == pytest.approx(1 - down["prob_better"])
    assert "share_better" not in paired_difference(a, b)  # no direction, no "better"


def test_identical_arms_have_zero_difference_and_p_one():
    x = [3.0, 1.0, 4.0, 1.0, 5.0]
    d = paired_difference(x, x, direction=1)
    assert (d["mean"], d["std"], d["ci95"], d["p_value"], d["p_wilcoxon"]) == (0.0, 0.0, [0.0, 0.0], 1.0, 1.0)
    assert d["prob_better"] == 0.5 and d["share_better"] == 0.5


def test_undefined_values_drop_their_partner():
    d = paired_difference([1.0, None, 3.0, 5.0], [0.0, 1.0, None, 4.0])
    assert d["n"] == 2 and d["mean"] == pytest.approx(1.0)


def test_tests_disagree_on_a_skewed_difference():
    # one huge outlier: the mean is far from 0 but the median is not
    d = paired_difference([0.1] * 5 + [-0.1] * 5 + [100.0], [0.0] * 11)
    assert d["p_value"] > 0.05
    assert d["p_wilcoxon"] > 0.05
    skew = paired_difference([1.0] * 12 + [-60.0], [0.0] * 13)  # 12 of 13 up, mean pulled down
    assert skew["p_value"] > 0.05 and skew["p_wilcoxon"] < 0.05
    assert rank_test_disagrees(skew)


def test_relative_half_width():
    assert relative_half_width([5.0, 5.0, 5.0]) == 0.0
    assert math.isinf(relative_half_width([1.0]))
    assert math.isinf(relative_half_width([-1.0, 1.0]))
    x = [9.0, 10.0, 11.0]
    assert relative_half_width(x) == pytest.approx(stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3) / 10)


def test_unknown_kpi_gets_did_you_mean():
    assert check_kpi("cac") == "cac"
    with pytest.raises(ExperimentError, match=r"unknown KPI 'arr_edn'; did you mean 'arr_end'\?"):
        check_kpi("arr_edn")
    with pytest.raises(ExperimentError, match="choose from arr_end, new_customers"):
        check_kpi("zzz")


def test_one_value_has_a_mean_but_no_interval():
    """One replication says nothing about spread: its CI is undefined (None), not [mean, mean],
    which the tables printed as "$2.85M .. $2.85M"; a paired difference of one has no probability."""
    d = describe([5.0])
    assert d == {"n": 1, "mean": 5.0, "std": 0.0, "ci95": [None, None]}
    p = paired_difference([3.0], [1.0], direction=1)
    assert p["mean"] == 2.0 and p["ci95"] == [None, None]
    assert p["prob_better"] is None and p["share_better"] == 1.0 and p["p_value"] is None
