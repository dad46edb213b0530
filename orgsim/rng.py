"""Named random streams.

Every source of randomness draws from its own generator, seeded from (seed, replication, a
stable digest of the stream's name) with numpy's SeedSequence. Adding a draw in one place never
shifts another stream, so two scenarios run with one seed share their random numbers for the same
things (common random numbers), whatever the number of workers.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=4096)  # (a replication's monthly streams have the names of every other's)
def stable_hash(name: str) -> int:
    """A 64-bit digest of a stream name that is the same on every machine and Python run."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little")


def generator(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator of stream `name` for one replication."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(replication), stable_hash(name)))
    return np.random.Generator(np.random.PCG64(ss))


class Uniforms:
    """Uniform(0, 1) numbers drawn in batches from one named stream."""

    __slots__ = ("_gen", "_buf", "_i", "_batch")

    def __init__(self, gen: np.random.Generator, batch: int = 512):
        self._gen = gen
        self._batch = batch
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self._gen.random(self._batch).tolist()
            self._i = 0
        u = self._buf[self._i]
        self._i += 1
        return u

    def bernoulli(self, p: float) -> bool:
        i = self._i  # (`__call__`, inlined: the same uniform)
        if i >= len(self._buf):
            self._buf = self._gen.random(self._batch).tolist()
            i = 0
        self._i = i + 1
        return self._buf[i] < p


class Streams:
    """The named streams of one replication, created on first use.

    Args:
        seed: the experiment's seed.
        replication: the replication index (0-based).
    """

    def __init__(self, seed: int, replication: int):
        self.seed = int(seed)
        self.replication = int(replication)
        self._gens: dict[str, np.random.Generator] = {}
        self._uniforms: dict[str, Uniforms] = {}
        self._families: set[str] = set()

    def generator(self, name: str) -> np.random.Generator:
        g = self._gens.get(name)
        if g is None:
            g = self._gens[name] = generator(self.seed, self.replication, name)
        return g

    def uniforms(self, name: str) -> Uniforms:
        u = self._uniforms.get(name)
        if u is None:
            u = self._uniforms[name] = Uniforms(self.generator(name))
        return u

    def monthly(self, name: str, month: int) -> np.random.Generator:
        """A fresh generator for one month of a family of streams (``name.<month>``), not kept.

        What a month draws then never shifts what another month draws: a change that alters one
        month (one lead more) leaves the other months' numbers as they were.
        """
        self._families.add(f"{name}.<month>")
        return generator(self.seed, self.replication, f"{name}.{month}")

    @property
    def names(self) -> list[str]:
        """Names of every stream used so far, sorted (recorded with results); a family of
        monthly streams is one name, ``name.<month>``."""
        return sorted([*self._gens, *self._families])
