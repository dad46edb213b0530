"""Named random streams.

Every source of randomness draws from its own generator, seeded from (seed, replication, a
stable digest of the stream's name) with numpy's SeedSequence. Adding a draw in one place never
shifts another stream, so two scenarios run with one seed share their random numbers for the same
things (common random numbers), whatever the number of workers.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from numpy.random.bit_generator import ISeedSequence


def stable_hash(name: str) -> int:
    """A 64-bit digest of a stream name that is the same on every machine and Python run."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little")


def generator(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator of stream `name` for one replication: PCG64 seeded by
    ``SeedSequence(seed, spawn_key=(replication, stable_hash(name)))``, built the cheaper way
    `_state` describes (the very same numbers)."""
    return _generator(_prefix(int(seed), int(replication)), stable_hash(name))


# ---- the same generator, cheaper ---------------------------------------------------------------
# A replication makes a generator per stream and, for monthly families, per month (about 360 in
# series-a): SeedSequence's Python-level reading of the seed and spawn key, and its
# generate_state under np.errstate, were two thirds of the ~12 us each took. NumPy fixes
# SeedSequence's algorithm (its streams are reproducible across versions): the entropy it mixes is
# the seed's 32-bit words padded with zeros to the pool size (4), then each spawn-key int's words;
# PCG64 asks it for 4 uint64 words, i.e. 8 uint32 words, each a pool word hashed with a constant
# that only depends on its place. `test_rng.py` checks both steps against SeedSequence itself.

_M32 = 0xFFFFFFFF


def _words(n: int) -> list[int]:
    """`n` as SeedSequence reads an int: its 32-bit words, least significant first ([0] for 0)."""
    if n <= 0:
        if n < 0:
            raise ValueError(f"a seed must be non-negative (got {n})")
        return [0]
    out = []
    while n:
        out.append(n & _M32)
        n >>= 32
    return out


def _prefix(seed: int, replication: int) -> list[int]:
    """The entropy words before the stream's hash: the seed padded to 4 words, the replication."""
    run = _words(seed)
    return run + [0] * (4 - len(run)) + _words(replication)


def _state_constants() -> tuple[tuple[int, int], ...]:
    """generate_state's hash constant before and after each of its 8 words (INIT_B, x MULT_B)."""
    out, hc = [], 0x8B51F9DD
    for _ in range(8):
        nxt = (hc * 0x58F38DED) & _M32
        out.append((hc, nxt))
        hc = nxt
    return tuple(out)


_STATE = _state_constants()


def _state(pool: list[int]) -> np.ndarray:
    """SeedSequence.generate_state(4, np.uint64) from its pool (4 uint32 words)."""
    out = []
    for i, (a, b) in enumerate(_STATE):
        v = ((pool[i & 3] ^ a) * b) & _M32
        out.append(v ^ (v >> 16))
    # as SeedSequence does: little-endian words, read as little-endian uint64, in native order
    return np.array(out, dtype="<u4").view("<u8").astype(np.uint64)


class _Seeded(ISeedSequence):
    """What PCG64 asks of a seed sequence (its 4 uint64 words), computed beforehand; it pickles."""

    __slots__ = ("words",)

    def __init__(self, words: np.ndarray):
        self.words = words

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> np.ndarray:
        assert n_words == 4 and np.dtype(dtype) == np.uint64, "only PCG64's request"
        return self.words  # (PCG64 only reads it)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Seeded, (self.words,))


def _generator(prefix: list[int], name_hash: int) -> np.random.Generator:
    """PCG64 as SeedSequence(entropy, spawn_key=(replication, name_hash)) seeds it, `prefix` being
    `_prefix(entropy, replication)`: the assembled words as the entropy (no spawn key: the same
    pool), then the state words from the pool."""
    pool = np.random.SeedSequence(np.array(prefix + _words(name_hash), dtype=np.uint32)).pool
    seeded = _Seeded(_state(pool.tolist()))  # (an ISeedSequence: numpy takes any; its stubs name SeedSequence)
    return np.random.Generator(np.random.PCG64(seeded))  # type: ignore[arg-type]


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
        self._prefix = _prefix(self.seed, self.replication)

    def generator(self, name: str) -> np.random.Generator:
        g = self._gens.get(name)
        if g is None:
            g = self._gens[name] = _generator(self._prefix, stable_hash(name))
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
        return _generator(self._prefix, stable_hash(f"{name}.{month}"))

    @property
    def names(self) -> list[str]:
        """Names of every stream used so far, sorted (recorded with results); a family of
        monthly streams is one name, ``name.<month>``."""
        return sorted([*self._gens, *self._families])
