"""The role pool alone in a SimPy environment, checked against ordered logs of what happened."""

from __future__ import annotations

import math

import pytest
import simpy

from orgsim.model.people import Person
from orgsim.model.pools import Pool
from orgsim.model.stages import StageStats
from orgsim.scenario import MONTH_DAYS

HOURS = 6.0


def make_pool(*people: tuple[str | None, float, float], hours: float = HOURS, horizon: float = 1000.0):
    """A pool of people given as (pod, ramp_days, hired_at); everyone starts at full speed by default."""
    env = simpy.Environment()
    pool = Pool(env, "ae", hours, horizon)
    staff = []
    for i, (pod, ramp_days, hired_at) in enumerate(people, start=1):
        p = Person(i, "ae", hired_at, ramp_days, 0.25, pod)
        pool.add(p)
        staff.append(p)
    stage = StageStats("sales", pool)
    return env, pool, stage, staff


def task(env, pool, stage, log, name, effort, at=0.0, pod=None, share=1.0):
    """A task arriving at `at`; logs (name, person, start, end)."""

    def body():
        if at > env.now:
            yield env.timeout(at - env.now)
        t0 = env.now
        person = yield pool.request(stage, pod)
        start = env.now
        duration = effort / (pool.hours_per_day * share * person.speed(start))
        stage.waits_days.append(start - t0)
        yield env.timeout(duration)
        stage.completed += 1
        log.append((name, person.pid, start, env.now))
        pool.release(person)

    return env.process(body())


def work(env, pool, stage, log, name, effort, at=0.0, pod=None, share=1.0):
    """The same through Pool.work, logging (name, start, end) and the returned wait."""

    def body():
        if at > env.now:
            yield env.timeout(at - env.now)
        t0 = env.now
        wait = yield from pool.work(stage, effort, pod=pod, share=share)
        log.append((name, t0 + wait, env.now, wait))

    return env.process(body())


def test_two_people_three_tasks():
    env, pool, stage, _ = make_pool((None, 0, -1e9), (None, 0, -1e9))
    log = []
    for name in ("t1", "t2", "t3"):
        work(env, pool, stage, log, name, 6.0)  # 6 h at 6 productive h/day = 1 day
    env.run()
    assert log == [
        ("t1", 0.0, 1.0, 0.0),
        ("t2", 0.0, 1.0, 0.0),
        ("t3", 1.0, 2.0, 1.0),
    ]
    assert (stage.arrivals, stage.completed, stage.waiting) == (3, 3, 0)
    assert list(stage.waits_days) == [0.0, 0.0, 1.0]
    assert stage.busy_days == 3.0


def test_who_takes_which_task():
    env, pool, stage, _ = make_pool((None, 0, -1e9), (None, 0, -1e9))
    log = []
    for name in ("t1", "t2", "t3"):
        task(env, pool, stage, log, name, 6.0)
    env.run()
    # t1 -> person 1, t2 -> person 2; person 1 is released first at t=1 and takes t3
    assert log == [("t1", 1, 0.0, 1.0), ("t2", 2, 0.0, 1.0), ("t3", 1, 1.0, 2.0)]


def test_fifo_order():
    env, pool, stage, _ = make_pool((None, 0, -1e9))
    log = []
    # one person busy until t=1; five tasks queue up behind in arrival order, with varied efforts
    task(env, pool, stage, log, "first", 6.0)
    for i, (at, effort) in enumerate([(0.1, 3.0), (0.2, 12.0), (0.3, 1.5), (0.4, 6.0), (0.5, 3.0)]):
        task(env, pool, stage, log, f"q{i}", effort, at=at)

    def peek():
        yield env.timeout(0.6)
        assert stage.waiting == 5
        assert [round(t, 6) for t in pool.waiting_since(stage)] == [0.1, 0.2, 0.3, 0.4, 0.5]

    env.process(peek())
    env.run()
    assert [name for name, *_ in log] == ["first", "q0", "q1", "q2", "q3", "q4"]
    starts = [s for *_, s, _ in log]
    assert starts == pytest.approx([0.0, 1.0, 1.5, 3.5, 3.75, 4.75])
    assert stage.waiting == 0


def test_hours_per_day_and_share():
    env, pool, stage, _ = make_pool((None, 0, -1e9), hours=24.0)
    log = []
    work(env, pool, stage, log, "a", 12.0)  # 12 h of work at 24 h/day = half a day
    work(env, pool, stage, log, "b", 12.0, share=0.5)  # half the time for tasks: a whole day
    env.run()
    assert log == [("a", 0.0, 0.5, 0.0), ("b", 0.5, 1.5, 0.5)]


def test_ramp_speed():
    p = Person(1, "ae", hired_at=0.0, ramp_days=MONTH_DAYS, ramp_start=0.25, pod=None)
    assert p.speed(0.0) == 0.25
    assert p.speed(MONTH_DAYS / 2) == pytest.approx(0.625)
    assert p.speed(MONTH_DAYS) == 1.0
    assert p.speed(5 * MONTH_DAYS) == 1.0
    assert p.speed(-1.0) == 0.25  # before joining: no negative progress
    assert Person(2, "ae", 0.0, 0.0, 0.25, None).speed(0.0) == 1.0  # no ramp
    veteran = Person(3, "ae", -1e9, MONTH_DAYS, 0.25, None)
    assert veteran.speed(0.0) == 1.0


def ramped_days(effort_hours, hours_per_day, ramp_days, s0, x0):
    """Closed form: days to do the work starting at ramp fraction x0, speed rising linearly."""
    need = effort_hours / (hours_per_day * ramp_days)
    a = (1 - s0) / 2
    y = (-s0 + math.sqrt(s0 * s0 + 4 * a * (need + s0 * x0 + a * x0 * x0))) / (2 * a)
    return ramp_days * (y - x0)


def test_a_ramping_person_works_slower_and_speeds_up_during_the_task():
    env, pool, stage, _ = make_pool((None, MONTH_DAYS, 0.0))
    log = []
    work(env, pool, stage, log, "day-one", 6.0)  # at a constant 0.25 this would take 4 days
    work(env, pool, stage, log, "mid-ramp", 6.0, at=MONTH_DAYS / 2)  # 0.625 when started
    env.run()
    name, start, end, wait = log[0]
    assert (name, start, wait) == ("day-one", 0.0, 0.0)
    assert end == pytest.approx(ramped_days(6.0, 6.0, MONTH_DAYS, 0.25, 0.0))
    assert 1.0 < end < 4.0  # slower than a veteran, faster than the starting speed alone
    name, start, end, wait = log[1]
    assert (name, start, wait) == ("mid-ramp", MONTH_DAYS / 2, 0.0)
    assert end - start == pytest.approx(ramped_days(6.0, 6.0, MONTH_DAYS, 0.25, 0.5))
    assert 1.0 < end - start < 1 / 0.625
    assert pool.speed_sum() == pytest.approx(0.25 + 0.75 * env.now / MONTH_DAYS)  # still ramping
    env.run(until=2 * MONTH_DAYS)
    assert pool.speed_sum() == 1.0


def test_a_task_longer_than_the_ramp_finishes_at_full_speed():
    # 250 h at 6 h/day from day one, 2-month ramp from 0.25: the ramp does
    # 6 x 2 months x (0.25 + 0.75/2) hours, the rest goes at full speed
    p = Person(1, "implementer", hired_at=0.0, ramp_days=2 * MONTH_DAYS, ramp_start=0.25, pod=None)
    during_ramp = 6.0 * 2 * MONTH_DAYS * 0.625
    expected = 2 * MONTH_DAYS + (250.0 - during_ramp) / 6.0
    assert p.duration(250.0, 6.0, 0.0) == pytest.approx(expected)
    assert p.duration(6.0, 6.0, 10 * MONTH_DAYS) == 1.0  # ramped: effort / hours per day


def test_pod_routing():
    env, pool, stage, _ = make_pool(("smb", 0, -1e9), ("enterprise", 0, -1e9), ("smb", 0, -1e9))
    log = []
    task(env, pool, stage, log, "ent1", 6.0, pod="enterprise")
    task(env, pool, stage, log, "ent2", 6.0, pod="enterprise")  # waits for person 2 though 1, 3 are free
    task(env, pool, stage, log, "smb1", 6.0, at=0.5, pod="smb")
    task(env, pool, stage, log, "any", 6.0, at=0.6)  # no pod: anyone free
    task(env, pool, stage, log, "mm", 6.0, at=0.7, pod="mid_market")  # a pod nobody is in: anyone
    env.run()
    by_name = {name: (pid, start, end) for name, pid, start, end in log}
    assert by_name["ent1"] == (2, 0.0, 1.0)
    assert by_name["ent2"] == (2, 1.0, 2.0)
    assert by_name["smb1"] == (1, 0.5, 1.5)
    assert by_name["any"] == (3, 0.6, 1.6)
    assert by_name["mm"] == (1, 1.5, 2.5)  # first to free up, whatever their pod
    assert pool.pod_count == {"smb": 2, "enterprise": 1}


def test_queued_pod_work_goes_to_anyone_when_its_pod_empties():
    env, pool, stage, staff = make_pool(("smb", 0, -1e9), ("enterprise", 0, -1e9))
    log = []
    task(env, pool, stage, log, "ent1", 60.0, pod="enterprise")  # person 2 busy for 10 days
    task(env, pool, stage, log, "ent2", 6.0, at=1.0, pod="enterprise")  # waits; smb person is free

    def enterprise_leaves():
        yield env.timeout(2.0)
        assert stage.waiting == 1
        pool.remove(staff[1])
        assert staff[1].leaving and pool.headcount == 2  # busy: stays until the task ends
        assert stage.waiting == 1

    env.process(enterprise_leaves())
    env.run()
    by_name = {name: (pid, start, end) for name, pid, start, end in log}
    assert by_name["ent1"] == (2, 0.0, 10.0)
    # when person 2 finishes and leaves, the enterprise pod is empty: the free smb person takes it
    assert by_name["ent2"] == (1, 10.0, 11.0)
    assert pool.headcount == 1 and pool.pod_count["enterprise"] == 0


def test_leaving_busy_person_finishes_then_leaves():
    env, pool, stage, staff = make_pool((None, 0, -1e9), (None, 0, -1e9))
    log = []
    headcount = []
    task(env, pool, stage, log, "long", 30.0)  # person 1, 5 days
    task(env, pool, stage, log, "short", 6.0)  # person 2, 1 day
    for i in range(3):
        task(env, pool, stage, log, f"next{i}", 6.0, at=0.5)

    def leave():
        yield env.timeout(1.5)
        pool.remove(staff[0])  # person 1 is busy with "long"
        headcount.append((env.now, pool.headcount))
        yield env.timeout(4.0)
        headcount.append((env.now, pool.headcount))

    env.process(leave())
    env.run()
    by_name = {name: (pid, start, end) for name, pid, start, end in log}
    assert by_name["long"] == (1, 0.0, 5.0)  # finished
    # person 1 took nothing after leaving: the queue went to person 2 alone
    assert by_name["next0"] == (2, 1.0, 2.0)
    assert by_name["next1"] == (2, 2.0, 3.0)
    assert by_name["next2"] == (2, 3.0, 4.0)
    assert headcount == [(1.5, 2), (5.5, 1)]
    assert staff[0] not in pool.people and staff[0] not in pool.free


def test_idle_person_leaves_at_once_and_person_days_integrate():
    env, pool, stage, staff = make_pool((None, 0, -1e9), (None, 0, -1e9))

    def leave():
        yield env.timeout(2.0)
        pool.remove(staff[1])
        yield env.timeout(3.0)

    env.process(leave())
    env.run()
    assert pool.headcount == 1 and pool.free == [staff[0]]
    pool._integrate()
    assert pool.person_days == pytest.approx(2 * 2.0 + 1 * 3.0)
    assert pool.take_month_person_days() == pytest.approx(7.0)
    assert pool.take_month_person_days() == 0.0


def test_busy_time_is_clipped_to_the_horizon():
    env, pool, stage, _ = make_pool((None, 0, -1e9), horizon=2.0)
    log = []
    work(env, pool, stage, log, "overrun", 18.0)  # 3 days, 1 of them after the horizon
    env.run()
    assert stage.busy_days == 2.0
    assert log == [("overrun", 0.0, 3.0, 0.0)]


def test_queued_work_reports_its_wait_from_when_it_began():
    """An opportunity that waited for an AE with room and then queues for the AE: the time it has
    waited at the horizon counts both waits, as the wait of one that started does."""
    env, pool, stage, _ = make_pool((None, 0, -1e9))
    pool.submit(stage, 60.0, None)  # keeps the only person busy for 10 days
    env.run(until=3.0)
    started = pool.submit(stage, 6.0, None, since=1.0)  # routed at day 1, asked for at day 3
    assert pool.waiting_since(stage) == [1.0]
    env.run(until=12.0)
    assert started.wait == 9.0  # started at day 10: waited since day 1
    assert pool.waiting_since(stage) == []


def test_work_for_one_person_waits_for_that_person():
    """deal_work: owner — a task for a given person waits for them even when someone else is free."""
    env, pool, stage, (a, b) = make_pool((None, 0, -1e9), (None, 0, -1e9))
    first = pool.submit(stage, 12.0, None, person=a)  # a is busy for 2 days
    mine = pool.submit(stage, 6.0, None, person=a)
    assert b in pool.free and stage.waiting == 1 and pool.waiting_since(stage) == [0.0]
    env.run(until=5.0)
    assert first.person is a and mine.person is a and mine.wait == 2.0
    assert b in pool.free  # b never took a's work


def test_a_person_takes_their_own_and_the_pools_work_longest_waiting_first():
    env, pool, stage, (a,) = make_pool((None, 0, -1e9))
    pool.submit(stage, 6.0, None)  # a works until day 1
    env.run(until=0.1)
    pooled = pool.submit(stage, 6.0, None)  # waiting since day 0.1
    env.run(until=0.2)
    own = pool.submit(stage, 6.0, None, person=a)  # waiting since day 0.2
    routed = pool.submit(stage, 6.0, None, person=a, since=0.05)  # an opportunity routed at day 0.05
    env.run(until=10.0)
    assert routed.wait == pytest.approx(0.95)  # waited longest: first at day 1
    assert pooled.wait == pytest.approx(1.9) and own.wait == pytest.approx(2.8)


def test_a_leavers_own_work_goes_to_the_pool():
    env, pool, stage, (a, b) = make_pool((None, 0, -1e9), (None, 0, -1e9))
    pool.submit(stage, 12.0, None, person=a)  # a busy until day 2
    pool.submit(stage, 60.0, None, person=b)  # b busy until day 10
    orphan = pool.submit(stage, 6.0, None, person=a)
    pool.remove(a)  # a leaves when the current task ends, at day 2
    env.run(until=20.0)
    assert a.gone and orphan.person is b and orphan.wait == 10.0  # b takes it when free
    late = pool.submit(stage, 6.0, None, person=a)  # work for someone gone is anyone's
    env.run(until=30.0)
    assert late.person is b


def test_a_new_person_takes_queued_work():
    env, pool, stage, _ = make_pool()
    log = []
    task(env, pool, stage, log, "waiting", 6.0)

    def hire():
        yield env.timeout(3.0)
        pool.add(Person(9, "ae", env.now, 0.0, 0.25, None))

    env.process(hire())
    env.run()
    assert log == [("waiting", 9, 3.0, 4.0)]


def test_a_new_hire_at_zero_starting_speed_can_take_queued_work():
    env, pool, stage, _ = make_pool()
    log = []
    work(env, pool, stage, log, "waiting", 6.0)

    def hire():
        yield env.timeout(1.0)
        pool.add(Person(9, "ae", env.now, MONTH_DAYS, 0.0, None))  # ramp starts at 0

    env.process(hire())
    env.run()
    assert len(log) == 1 and log[0][1] == 1.0


def _random_day(seed: int, callbacks: bool):
    """Random tasks (times, efforts, pods) for a small pool that loses one person and hires one,
    run through `Pool.work` in processes or through `Pool.submit` with callbacks. Returns each
    task's (end, wait) and the stage's totals."""
    import random

    rng = random.Random(seed)
    pods = ("smb", "enterprise") if seed % 2 == 0 else (None,)
    people = [(rng.choice(pods), rng.choice((0.0, MONTH_DAYS)), rng.uniform(-10.0, 0.0)) for _ in range(3)]
    env, pool, stage, staff = make_pool(*people, horizon=20.0)
    ends = {}

    def task(name, at, effort, pod):
        yield env.timeout(at)
        if callbacks:
            pool.submit(stage, effort, lambda t: ends.__setitem__(name, (env.now, t.wait)), pod=pod)
        else:
            wait = yield from pool.work(stage, effort, pod=pod)
            ends[name] = (env.now, wait)

    for k in range(40):
        at = rng.uniform(0.0, 15.0)
        effort = rng.choice((0.0, rng.expovariate(1 / 6.0)))
        env.process(task(f"t{k}", at, effort, rng.choice((*pods, None, "mid_market"))))

    def leave_and_hire():
        yield env.timeout(5.0)
        pool.remove(staff[0])
        yield env.timeout(2.0)
        pool.add(Person(9, "ae", env.now, MONTH_DAYS, 0.25, pods[0]))

    env.process(leave_and_hire())
    env.run()
    return ends, (stage.arrivals, stage.completed, stage.waiting, sorted(stage.waits_days), stage.busy_days)


def test_callback_tasks_do_what_processes_do():
    for seed in range(40):
        by_process, totals_p = _random_day(seed, callbacks=False)
        by_callback, totals_c = _random_day(seed, callbacks=True)
        # the same tasks end at the same times after the same waits; the stage adds up alike
        assert by_process == by_callback
        assert totals_p[:4] == totals_c[:4]
        assert totals_p[4] == pytest.approx(totals_c[4], rel=1e-12)


def test_zero_effort_while_ramping_takes_no_time():
    p = Person(1, "csm", hired_at=0.0, ramp_days=MONTH_DAYS, ramp_start=0.25, pod=None)
    assert p.duration(0.0, 6.0, 3.0) == 0.0  # (the ramp formula once rounded it below zero)
    assert p.duration(1e-12, 6.0, 3.0) >= 0.0
