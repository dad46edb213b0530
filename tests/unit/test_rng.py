"""Named random streams: reproducible, independent, and unaffected by each other's use."""

from __future__ import annotations

import hashlib
import math
import pickle

import numpy as np
from scipy import stats

from orgsim.rng import Streams, Uniforms, generator, stable_hash


def test_stable_hash_is_fixed():
    # literal values: a change of hash would silently change every stream of every scenario
    assert stable_hash("arrivals.paid") == 7512095320927361322
    assert stable_hash("win.smb") == 4726590084023995576
    assert stable_hash("") == 13020603013274838756
    # it is blake2b-64, little-endian, of the UTF-8 name (not Python's salted hash())
    name = "effort.opportunity.mid_market"
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    assert stable_hash(name) == int.from_bytes(digest, "little")
    assert 0 <= stable_hash("ünïcödé") < 2**64


def test_same_seed_replication_name_same_numbers():
    a = generator(7, 3, "effort.qualify").random(1000)
    b = generator(7, 3, "effort.qualify").random(1000)
    np.testing.assert_array_equal(a, b)
    s1, s2 = Streams(7, 3), Streams(7, 3)
    np.testing.assert_array_equal(s1.generator("win.smb").random(100), s2.generator("win.smb").random(100))
    u1, u2 = s1.uniforms("renewal.draw"), s2.uniforms("renewal.draw")
    assert [u1() for _ in range(1500)] == [u2() for _ in range(1500)]  # across batch refills


def test_fixed_first_numbers():
    # the streams are SeedSequence(seed, spawn_key=(replication, stable_hash(name))) into PCG64
    ss = np.random.SeedSequence(7, spawn_key=(3, stable_hash("effort.qualify")))
    expected = np.random.Generator(np.random.PCG64(ss)).random(5)
    np.testing.assert_array_equal(generator(7, 3, "effort.qualify").random(5), expected)


def test_seed_replication_and_name_each_change_the_numbers():
    base = generator(7, 3, "x").random(10)
    for other in (generator(8, 3, "x"), generator(7, 4, "x"), generator(7, 3, "y")):
        assert not np.array_equal(base, other.random(10))


def test_different_names_are_independent():
    n = 50_000
    a = generator(1, 0, "arrivals.paid").random(n)
    b = generator(1, 0, "arrivals.content").random(n)
    c = generator(1, 1, "arrivals.paid").random(n)
    for x, y in ((a, b), (a, c)):
        r = np.corrcoef(x, y)[0, 1]
        assert abs(r) < 4 / math.sqrt(n), r  # SE of a correlation of independent draws is 1/sqrt(n)
    # and each is uniform
    for x in (a, b, c):
        assert stats.kstest(x, "uniform").pvalue > 1e-3


def test_using_one_stream_does_not_change_another():
    quiet = Streams(11, 0)
    b_alone = quiet.generator("b").random(20)

    busy = Streams(11, 0)
    busy.generator("a").random(10_000)  # heavy use of 'a' first
    busy.uniforms("a")()
    busy.uniforms("c")
    b_after = busy.generator("b").random(20)
    np.testing.assert_array_equal(b_alone, b_after)

    # interleaved use of 'a' between draws of 'b' changes nothing either
    inter = Streams(11, 0)
    out = []
    for i in range(20):
        out.append(inter.generator("b").random())
        inter.generator("a").random(i + 1)
    np.testing.assert_array_equal(b_alone, np.array(out))


def test_streams_are_cached_and_named():
    s = Streams(5, 2)
    g = s.generator("win.smb")
    assert s.generator("win.smb") is g
    u = s.uniforms("renewal.draw")
    assert s.uniforms("renewal.draw") is u
    assert s.names == ["renewal.draw", "win.smb"]
    assert (s.seed, s.replication) == (5, 2)


def test_uniforms_batch_matches_the_generator_and_bernoulli():
    u = Uniforms(generator(3, 0, "u"), batch=7)
    got = [u() for _ in range(30)]
    g = generator(3, 0, "u")
    expected = np.concatenate([g.random(7) for _ in range(5)])[:30]
    np.testing.assert_array_equal(np.array(got), expected)
    v = Uniforms(generator(3, 0, "v"))
    draws = [v.bernoulli(0.3) for _ in range(20_000)]
    p = sum(draws) / len(draws)
    assert abs(p - 0.3) < 4 * math.sqrt(0.3 * 0.7 / len(draws))
    w = Uniforms(generator(3, 0, "w"))
    assert not any(w.bernoulli(0.0) for _ in range(1000))
    assert all(w.bernoulli(1.0) for _ in range(1000))


def test_generators_pickle_with_their_state():
    g = generator(2, 0, "p")
    g.random(3)
    h = pickle.loads(pickle.dumps(g))
    np.testing.assert_array_equal(g.random(5), h.random(5))
