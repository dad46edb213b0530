"""A pool alone with priorities (`ownership.priorities`): a freed person takes the oldest task of
the highest-priority kind they may do; without priorities, FIFO."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from model_fakes import HOURS, make_pool, make_scenario, stage, world

from orgsim.model.clock import waker
from orgsim.model.people import Person
from orgsim.scenario.errors import ScenarioError
from orgsim.scenario.loader import load_scenario

REFERENCE = Path(__file__).resolve().parents[3] / "scenarios" / "reference.yaml"

KINDS = ("expansion", "renewal", "opportunity", "renewal", "expansion")


def run(order: list[str] | None, pods: tuple = (), task_pods: tuple = ()) -> list[tuple[str, int, float]]:
    """One person; a first task takes them, then five queue (kinds as KINDS); who is done when."""
    clock, _ = world()
    pool = make_pool(clock, "ae", 1, pods)
    pool.prioritise(order)
    st = stage("sales", pool)
    log: list = []

    def done(task):
        log.append((task.kind, task.ctx, clock.now))

    pool.submit(st, HOURS, done, 0, kind="opportunity")
    for i, kind in enumerate(KINDS, start=1):
        pool.submit(st, HOURS, done, i, kind=kind, pod=task_pods[i - 1] if task_pods else None)
    clock.env.run()
    return log


def test_without_priorities_the_queue_is_fifo():
    assert [c for _, c, _ in run(None)] == [0, 1, 2, 3, 4, 5]
    assert run(None) == run([])


def test_the_highest_priority_kind_first_oldest_first_within_it():
    log = run(["renewal", "opportunity"])
    # renewals (2, 4), then the opportunity (3), then the kinds not listed, FIFO (1, 5)
    assert [(k, c) for k, c, _ in log] == [
        ("opportunity", 0),
        ("renewal", 2),
        ("renewal", 4),
        ("opportunity", 3),
        ("expansion", 1),
        ("expansion", 5),
    ]
    assert [t for _, _, t in log] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def test_priorities_respect_pods():
    # the one person is of pod "a"; a renewal of pod "b" (which has people elsewhere: none here,
    # so anyone may take it) and one of pod "a": both eligible, oldest first
    log = run(["renewal"], pods=("a",), task_pods=("a", "b", "a", "a", "a"))
    assert [c for _, c, _ in log] == [0, 2, 4, 1, 3, 5]


def test_own_work_and_pool_work_by_priority():
    clock, _ = world()
    pool = make_pool(clock, "ae", 1)
    pool.prioritise(["renewal", "opportunity"])
    st = stage("sales", pool)
    log: list = []
    me = pool.people[0]

    def done(task):
        log.append(task.ctx)

    pool.submit(st, HOURS, done, "first", kind="opportunity")
    pool.submit(st, HOURS, done, "own opportunity", kind="opportunity", person=me)
    pool.submit(st, HOURS, done, "pool renewal", kind="renewal")
    pool.submit(st, HOURS, done, "own renewal", kind="renewal", person=me)
    clock.env.run()
    # equal waits: their own work first; then the pool's renewal outranks their own opportunity
    assert log == ["first", "own renewal", "pool renewal", "own opportunity"]


def test_a_kind_listed_twice_or_unknown_is_a_scenario_error():
    make_scenario(ownership={"priorities": {"ae": ["renewal", "opportunity"], "csm": ["care"]}})
    for bad, line in (
        ({"ae": ["renewal", "renewal"]}, "ownership.priorities.ae[1]: 'renewal' is listed twice; list each kind once"),
        ({"csm": ["opportunity"]}, "ownership.priorities.csm[0]: must be one of 'onboarding', 'care', 'expansion',"),
    ):
        with pytest.raises(ScenarioError) as e:
            load_scenario(REFERENCE, overrides={"ownership.priorities": bad})
        assert line in str(e.value), str(e.value)


def _random_workload(seed: int, inlined: bool) -> list[tuple]:
    """Tasks of random kinds, pods and owners, people joining and leaving: who starts what when."""
    rng = random.Random(seed)
    clock, _ = world()
    env = clock.env
    pool = make_pool(clock, "ae", 4, ("a", "a", "b", None))
    pool.prioritise(["renewal", "opportunity", "expansion"])
    if not inlined:  # a task's end as in a pool without priorities: `release`, `_make_free`, `Ranked.pop_for`
        pool._wake_finished = waker(env, (pool._finish,))
    st = stage("sales", pool)
    log: list[tuple] = []

    def done(task):
        log.append((task.ctx, task.person.pid, task.wait, env.now))

    def arrivals():
        pid = 100
        for i in range(300):
            yield env.timeout(rng.expovariate(2.0))
            roll = rng.random()
            if roll < 0.03 and len(pool.people) > 1:
                pool.remove(rng.choice(pool.people))
            elif roll < 0.06:
                pid += 1
                pool.add(Person(pid, "ae", -1e9, 0.0, 1.0, rng.choice(("a", "b", "c", None))))
            people = [p for p in pool.people if not p.leaving]
            owner = rng.choice(people) if people and rng.random() < 0.2 else None
            kind = rng.choice(("renewal", "opportunity", "expansion", "key_person", None))
            pod = rng.choice(("a", "b", "c", None))
            if rng.random() < 0.1:  # a process's request (granted by its event), not a task
                env.process(process(i, pod))
            else:
                pool.submit(st, rng.uniform(0.5, 3.0) * HOURS, done, i, pod=pod, kind=kind, person=owner)

    def process(i, pod):
        wait = yield from pool.work(st, 2.0 * HOURS, pod=pod)
        log.append((i, wait, env.now))

    env.process(arrivals())
    env.run()
    return log


def test_a_ranked_task_end_takes_what_pop_for_took():
    """`Priorities._finish_ranked` (`release`, `_make_free` and `Ranked.pop_for` inlined) starts
    the same tasks, by the same people, at the same times as `Pool._finish` does, through hires,
    leavers, pods and people's own work."""
    for seed in range(40):
        log = _random_workload(seed, inlined=True)
        assert len(log) == 300
        assert log == _random_workload(seed, inlined=False)
