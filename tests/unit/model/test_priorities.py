"""A pool alone with priorities (`ownership.priorities`): a freed person takes the oldest task of
the highest-priority kind they may do; without priorities, FIFO."""

from __future__ import annotations

from pathlib import Path

import pytest
from model_fakes import HOURS, make_pool, make_scenario, stage, world

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
