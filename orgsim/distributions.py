"""Samplers: a `Dist` from the scenario bound to one named stream, drawing in batches.

Each sampler owns its generator, so the numbers it gives depend only on the seed, the
replication and its stream name - never on what other parts of the model drew before.
"""

from __future__ import annotations

import math

import numpy as np

from orgsim.scenario import Dist
from orgsim.scenario.dist import _given


def draw_array(dist: Dist, gen: np.random.Generator, n: int) -> np.ndarray:
    """`n` draws of `dist` from `gen` (non-negative floats)."""
    k = dist.dist
    if k == "fixed":
        return np.full(n, dist.expected)
    # the parameters each kind needs are there: `Dist` validated them (`_given` says so to the type checker)
    if k == "exponential":
        mean = _given(dist.mean)
        return gen.exponential(mean, n) if mean > 0 else np.zeros(n)
    if k == "gamma":
        mean = _given(dist.mean)
        if mean == 0:
            return np.zeros(n)
        cv = _given(dist.cv)
        shape = 1.0 / (cv * cv)
        return gen.gamma(shape, mean / shape, n)
    if k == "lognormal":
        mean = _given(dist.mean)
        if mean == 0:
            return np.zeros(n)
        cv = _given(dist.cv)
        s2 = math.log1p(cv * cv)
        return gen.lognormal(math.log(mean) - s2 / 2, math.sqrt(s2), n)
    if k == "uniform":
        return gen.uniform(_given(dist.low), _given(dist.high), n)
    if k == "triangular":
        return gen.triangular(_given(dist.low), _given(dist.mode), _given(dist.high), n)
    if k == "empirical":
        values = np.asarray(dist.values, dtype=float)
        p = None
        if dist.weights is not None:
            w = np.asarray(dist.weights, dtype=float)
            p = w / w.sum()
        return gen.choice(values, size=n, p=p)
    raise ValueError(f"unknown distribution {k!r}")


class Sampler:
    """Draws one value at a time from a distribution, refilling a batch from its own stream.

    Args:
        dist: the distribution.
        gen: the generator of its named stream.
        batch: how many values to draw at once.
    """

    __slots__ = ("dist", "_gen", "_buf", "_i", "_batch", "_const")

    def __init__(self, dist: Dist, gen: np.random.Generator, batch: int = 256):
        self.dist = dist
        self._gen = gen
        self._batch = batch
        self._buf: list[float] = []
        self._i = 0
        self._const = dist.expected if dist.dist == "fixed" else None

    def __call__(self) -> float:
        if self._const is not None:
            return self._const
        if self._i >= len(self._buf):
            self._buf = draw_array(self.dist, self._gen, self._batch).tolist()
            self._i = 0
        x = self._buf[self._i]
        self._i += 1
        return x

    @property
    def mean(self) -> float:
        return self.dist.expected
