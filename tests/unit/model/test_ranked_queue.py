"""The queue of a pool with priorities (`orgsim.model.priorities.Ranked`) against the scan it
replaced: a freed person takes the first item, in queue order, of the highest-priority kind they
may do (pod None, their pod, or a pod with nobody in it). Random queues and people, the very same
choices."""

from __future__ import annotations

import random

from orgsim.model.priorities import Ranked

RANK = {"renewal": 0, "onboarding": 1, "expansion": 2, "care": 3}
KINDS = (*RANK, "key_person", None)  # the last two are not listed: they share the last rank
PODS = (None, "smb", "mid_market", "enterprise")


class Item:
    def __init__(self, kind: str | None, pod: str | None, since: float):
        self.kind, self.pod, self.since = kind, pod, since


def scan(queue: list[Item], mine: str | None, anyone: bool, counts: dict[str | None, int]) -> int:
    """The old linear scan: index of the first item of the best rank the person may take; -1 if none."""
    worst, best, best_rank = len(RANK), -1, len(RANK) + 1
    for i, r in enumerate(queue):
        if anyone or r.pod is None or r.pod == mine or not counts.get(r.pod, 0):
            k = RANK.get(r.kind, worst)
            if k < best_rank:
                best, best_rank = i, k
    return best


def test_ranked_takes_what_the_scan_took():
    rng = random.Random(13)
    for _ in range(200):
        ranked, plain = Ranked(RANK), []
        for step in range(300):
            if rng.random() < 0.55:
                item = Item(rng.choice(KINDS), rng.choice(PODS), float(step))
                ranked.append(item)
                plain.append(item)
                continue
            counts = {p: rng.choice((0, 0, 1, 2)) for p in PODS}
            mine, anyone = rng.choice(PODS), rng.random() < 0.2
            i = scan(plain, mine, anyone, counts)
            if rng.random() < 0.5:
                got = ranked.pop_for(mine, anyone, counts)
            else:
                found = ranked.best(mine, anyone, counts)
                got = None if found is None else ranked.take(*found)
            assert got is (plain.pop(i) if i >= 0 else None)
            assert len(ranked) == len(plain) and list(ranked) == plain
        # a leaver's own work merged in, longest waiting first: the queue is rebuilt in that order
        merged = sorted([*ranked, Item("care", None, -1.0)], key=lambda r: r.since)
        assert list(Ranked(RANK, merged)) == merged


def test_empty_and_unlisted_kinds():
    q = Ranked(RANK)
    assert len(q) == 0 and q.pop_for(None, True, {}) is None and q.best(None, True, {}) is None
    a, b, c = Item(None, None, 0.0), Item("key_person", None, 1.0), Item("care", None, 2.0)
    for x in (a, b, c):
        q.append(x)
    # care is listed, so it comes first; the two unlisted kinds after it, first come first served
    assert [q.pop_for(None, True, {}) for _ in range(3)] == [c, a, b]


class Other(Item):
    """Not a task (a pool's request): `first` passes over it."""


def test_first_finds_what_iterating_the_queue_finds():
    rng = random.Random(17)
    for _ in range(200):
        ranked = Ranked(RANK)
        for step in range(rng.randrange(0, 60)):
            ranked.append(rng.choice((Item, Item, Other))(rng.choice(KINDS), rng.choice(PODS), float(step)))
        for _ in range(rng.randrange(0, 20)):
            ranked.pop_for(rng.choice(PODS), rng.random() < 0.3, {p: rng.choice((0, 1)) for p in PODS})
        kinds = frozenset(k for k in KINDS if k is not None and rng.random() < 0.5)
        # what founders did: the first item in queue order that is an Item of one of `kinds`
        expected = next((t for t in ranked if type(t) is Item and t.kind in kinds), None)
        assert ranked.first(kinds, Item) is expected


def test_remove_then_take_what_the_scan_takes():
    """Founders take a queued task out (`remove`): the queue goes on as the plain list would."""
    rng = random.Random(19)
    for _ in range(100):
        ranked, plain = Ranked(RANK), []
        for step in range(200):
            roll = rng.random()
            if roll < 0.5 or not plain:
                item = Item(rng.choice(KINDS), rng.choice(PODS), float(step))
                ranked.append(item)
                plain.append(item)
            elif roll < 0.65:
                item = rng.choice(plain)
                ranked.remove(item)
                plain.remove(item)
            else:
                counts = {p: rng.choice((0, 1)) for p in PODS}
                mine, anyone = rng.choice(PODS), rng.random() < 0.2
                i = scan(plain, mine, anyone, counts)
                assert ranked.pop_for(mine, anyone, counts) is (plain.pop(i) if i >= 0 else None)
            assert len(ranked) == len(plain) and list(ranked) == plain
