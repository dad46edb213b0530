"""Samplers: every distribution kind against its analytic mean and variance, and its law (KS)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import stats

from orgsim.distributions import Sampler, draw_array
from orgsim.rng import generator
from orgsim.scenario import Dist, fixed

N = 100_000
SEED = 12345

KINDS = {
    "fixed": {"dist": "fixed", "value": 4.5},
    "fixed_by_mean": {"dist": "fixed", "mean": 2.0},
    "exponential": {"dist": "exponential", "mean": 3.0},
    "gamma": {"dist": "gamma", "mean": 20.0, "cv": 0.5},
    "gamma_skewed": {"dist": "gamma", "mean": 2.0, "cv": 1.5},
    "lognormal": {"dist": "lognormal", "mean": 8000.0, "cv": 0.6},
    "uniform": {"dist": "uniform", "low": 1.0, "high": 5.0},
    "triangular": {"dist": "triangular", "low": 0.0, "mode": 1.0, "high": 10.0},
    "empirical": {"dist": "empirical", "values": [1.0, 2.0, 10.0]},
    "empirical_weighted": {"dist": "empirical", "values": [1.0, 2.0, 10.0], "weights": [3, 1, 0.5]},
}


def draws(spec: dict, name: str, n: int = N) -> tuple[Dist, np.ndarray]:
    d = Dist.model_validate(spec)
    return d, draw_array(d, generator(SEED, 0, f"test.{name}"), n)


@pytest.mark.parametrize("name", list(KINDS))
def test_sample_mean_and_variance_match_the_analytic_ones(name):
    d, x = draws(KINDS[name], name)
    assert x.shape == (N,)
    assert (x >= 0).all()
    m, v = d.expected, d.variance
    if v == 0:
        assert (x == m).all()
        return
    se_mean = math.sqrt(v / N)
    assert abs(x.mean() - m) <= 4 * se_mean, (x.mean(), m, se_mean)
    # SE of the sample variance: sqrt((mu4 - sigma^4) / n), mu4 estimated from the sample
    mu4 = float(np.mean((x - x.mean()) ** 4))
    se_var = math.sqrt(max(mu4 - x.var() ** 2, 0.0) / N)
    assert abs(x.var(ddof=1) - v) <= 4 * se_var, (x.var(ddof=1), v, se_var)


def test_analytic_moments():
    assert Dist.model_validate(KINDS["exponential"]).variance == 9.0
    assert Dist.model_validate(KINDS["gamma"]).variance == pytest.approx(100.0)
    assert Dist.model_validate(KINDS["uniform"]).expected == 3.0
    assert Dist.model_validate(KINDS["uniform"]).variance == pytest.approx(16 / 12)
    tri = Dist.model_validate(KINDS["triangular"])
    assert tri.expected == pytest.approx(11 / 3)
    assert tri.variance == pytest.approx((0 + 100 + 1 - 0 - 0 - 10) / 18)
    emp = Dist.model_validate(KINDS["empirical_weighted"])
    assert emp.expected == pytest.approx((3 * 1 + 1 * 2 + 0.5 * 10) / 4.5)
    assert Dist.model_validate(KINDS["fixed_by_mean"]).expected == 2.0


def _law(d: Dist):
    if d.dist == "exponential":
        return stats.expon(scale=d.mean)
    if d.dist == "gamma":
        shape = 1 / d.cv**2
        return stats.gamma(a=shape, scale=d.mean / shape)
    if d.dist == "lognormal":
        s2 = math.log1p(d.cv**2)
        return stats.lognorm(s=math.sqrt(s2), scale=math.exp(math.log(d.mean) - s2 / 2))
    if d.dist == "uniform":
        return stats.uniform(loc=d.low, scale=d.high - d.low)
    if d.dist == "triangular":
        return stats.triang(c=(d.mode - d.low) / (d.high - d.low), loc=d.low, scale=d.high - d.low)
    raise AssertionError(d.dist)


@pytest.mark.parametrize("name", ["exponential", "gamma", "gamma_skewed", "lognormal", "uniform", "triangular"])
def test_ks_against_the_named_law(name):
    d, x = draws(KINDS[name], name, n=20_000)
    law = _law(d)
    assert law.mean() == pytest.approx(d.expected, rel=1e-9)
    assert law.var() == pytest.approx(d.variance, rel=1e-9)
    assert stats.kstest(x, law.cdf).pvalue > 1e-3
    # and the test has power: the same sample is far from a law with a 10% larger mean
    wrong = (
        stats.expon(scale=d.expected * 1.1)
        if name == "exponential"
        else stats.norm(d.expected * 1.1, math.sqrt(d.variance))
    )
    assert stats.kstest(x, wrong.cdf).pvalue < 1e-6


def test_empirical_frequencies():
    d, x = draws(KINDS["empirical_weighted"], "emp")
    assert set(np.unique(x)) == {1.0, 2.0, 10.0}
    for value, p in ((1.0, 3 / 4.5), (2.0, 1 / 4.5), (10.0, 0.5 / 4.5)):
        freq = float(np.mean(x == value))
        assert abs(freq - p) <= 4 * math.sqrt(p * (1 - p) / N)


def test_bare_number_is_fixed():
    d = Dist.model_validate(3.5)
    assert d == Dist(dist="fixed", value=3.5) == fixed(3.5)
    assert (d.expected, d.variance) == (3.5, 0.0)
    assert Dist.model_validate(0).expected == 0.0
    gen = generator(1, 0, "fixed")
    s = Sampler(d, gen)
    assert [s() for _ in range(5)] == [3.5] * 5
    # a fixed sampler draws nothing from its stream
    np.testing.assert_array_equal(gen.random(3), generator(1, 0, "fixed").random(3))


def test_zero_means_give_zeros():
    for spec in (
        {"dist": "exponential", "mean": 0},
        {"dist": "gamma", "mean": 0, "cv": 0.5},
        {"dist": "lognormal", "mean": 0, "cv": 0.5},
    ):
        assert (draw_array(Dist.model_validate(spec), generator(1, 0, "z"), 10) == 0).all()


def test_sampler_draws_in_batches_from_its_stream():
    d = Dist.model_validate(KINDS["gamma"])
    s = Sampler(d, generator(4, 1, "effort.x"), batch=16)
    got = np.array([s() for _ in range(40)])
    g = generator(4, 1, "effort.x")
    expected = np.concatenate([draw_array(d, g, 16) for _ in range(3)])[:40]
    np.testing.assert_array_equal(got, expected)
    assert s.mean == 20.0


@pytest.mark.parametrize(
    "spec,message",
    [
        ({"dist": "gamma", "mean": 2, "cv": 0}, "needs cv > 0"),
        ({"dist": "lognormal", "mean": 2, "cv": 0}, "needs cv > 0"),
        ({"dist": "uniform", "low": 5, "high": 1}, "uniform needs low <= high (got low=5.0, high=1.0)"),
        ({"dist": "triangular", "low": 0, "mode": 12, "high": 10}, "triangular needs low <= mode <= high"),
        ({"dist": "triangular", "low": 3, "mode": 3, "high": 3}, "low < high"),
        ({"dist": "exponential"}, "exponential distribution needs mean"),
        ({"dist": "gamma", "mean": 2}, "a gamma distribution needs cv"),
        ({"dist": "exponential", "mean": 2, "cv": 0.5}, "does not take cv"),
        ({"dist": "fixed"}, "a fixed distribution needs value"),
        ({"dist": "empirical", "values": []}, "at least one value"),
        ({"dist": "empirical", "values": [1, 2], "weights": [1]}, "one entry per value"),
        ({"dist": "empirical", "values": [1, 2], "weights": [0, 0]}, "must not all be zero"),
        ({"dist": "exponential", "mean": -1}, "greater than or equal to 0"),
        ({"dist": "weibull", "mean": 1}, "dist"),
        ({"dist": "exponential", "mean": 1, "shape": 2}, "Extra inputs are not permitted"),
    ],
)
def test_bad_parameters_are_rejected(spec, message):
    with pytest.raises(ValidationError) as e:
        Dist.model_validate(spec)
    assert message in str(e.value)


def test_booleans_and_infinities_are_not_numbers():
    with pytest.raises(ValidationError):
        Dist.model_validate(True)
    with pytest.raises(ValidationError):
        Dist.model_validate({"dist": "exponential", "mean": float("inf")})
    with pytest.raises(ValidationError):
        Dist.model_validate(float("nan"))
