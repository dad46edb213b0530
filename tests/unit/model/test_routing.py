"""Routing alone: which AE gets the next opportunity, by rule."""

from __future__ import annotations

from model_fakes import make_pool, make_scenario, world

from orgsim.model.routing import Routing


def build(rule: str, n: int = 3, people_pods: tuple = (), **ae):
    """A routing over `n` AEs (their pods given one per AE) with the AE role's keys `ae`."""
    clock, _ = world()
    sc = make_scenario(ownership={"routing": rule}, roles={"ae": {"headcount": n, **ae}})
    pool = make_pool(clock, "ae", n, people_pods)
    return Routing(sc, pool), pool


def take(r: Routing, segment: str = "smb") -> int | None:
    p = r.pick(segment)
    if p is None:
        return None
    r.opened(p)
    return p.pid


def test_round_robin_takes_turns():
    r, _ = build("round_robin")
    assert [take(r) for _ in range(5)] == [2, 3, 1, 2, 3]


def test_least_loaded_fills_the_emptiest_longest_serving_first():
    r, pool = build("least_loaded")
    assert [take(r) for _ in range(4)] == [1, 2, 3, 1]
    r.closed(pool.people[2])  # AE 3 has none open now
    assert take(r) == 3


def test_a_cap_leaves_nobody_with_room():
    r, pool = build("least_loaded", n=2, max_open_opportunities=1)
    assert [take(r) for _ in range(3)] == [1, 2, None]
    r.closed(pool.people[0])
    assert take(r) == 1


def test_segment_routing_stays_in_the_pod():
    r, _ = build("segment", n=3, people_pods=("smb", "enterprise", "smb"), pods={"smb": 1.0})
    assert [take(r, "smb") for _ in range(3)] == [1, 3, 1]
    assert take(r, "enterprise") == 2
