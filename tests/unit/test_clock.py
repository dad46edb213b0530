"""The model's events without processes (orgsim.model.clock): same order as SimPy's own."""

from __future__ import annotations

import random

import simpy

from orgsim.model.clock import Calendar, Plan, Timer, delay_until, later


def test_later_fires_like_a_timeout_in_a_process():
    env = simpy.Environment()
    log = []

    def proc(name, delay):
        yield env.timeout(delay)
        log.append((name, env.now))

    # same delays, scheduled in the same order: ties are broken by scheduling order in both
    for name, delay in (("p1", 2.0), ("t1", 2.0), ("p2", 1.0), ("t2", 1.0), ("t3", 0.0)):
        if name.startswith("p"):
            env.process(proc(name, delay))
        else:
            later(env, delay, lambda n: log.append((n, env.now)), name)
    env.run()
    # processes start one zero-delay step later, so their timeouts come after the timers set now
    assert log == [("t3", 0.0), ("t2", 1.0), ("p2", 1.0), ("t1", 2.0), ("p1", 2.0)]


def test_a_timer_is_an_event_simpy_processes():
    env = simpy.Environment()
    seen = []
    t = Timer(seen.append, "ctx")
    env.schedule(t, delay=3.5)
    env.run()
    assert seen == ["ctx"] and env.now == 3.5


def test_delay_until_lands_on_the_very_time():
    rng = random.Random(7)
    for _ in range(20000):
        now = rng.uniform(0, 10000) * rng.choice((1e-6, 1.0, 1e3))
        t = now + rng.expovariate(1.0) * rng.choice((1e-9, 1e-3, 1.0, 1e3))
        d = delay_until(now, t)
        assert d >= 0 and now + d == t
    assert delay_until(5.0, 5.0) == 0.0


def _run(plan: bool, seed: int) -> list:
    """Planned events interleaved with other events, some at the very same times."""
    rng = random.Random(seed)
    env = simpy.Environment()
    log = []
    times = sorted(rng.choice((0.0, 1.0, 1.5, 2.0)) + rng.choice((0.0, 0.25)) for _ in range(12))

    def other(tag):
        log.append(("other", tag, env.now))
        if tag < 40:  # events scheduled while the plan is under way, at its times too
            later(env, rng.choice((0.0, 0.25, 0.5)), other, tag + 10)

    for k in range(4):
        later(env, rng.choice(times), other, k)
    items = list(range(len(times)))
    fire = lambda i: log.append(("plan", i, env.now))  # noqa: E731
    if plan:
        Plan(env, times, items, fire)
    else:
        for d, i in zip(times, items):
            later(env, d, fire, i)
    for k in range(4, 8):
        later(env, rng.choice(times), other, k)
    env.run()
    return log


def test_a_plan_fires_exactly_where_scheduling_everything_at_once_would():
    for seed in range(200):
        assert _run(True, seed) == _run(False, seed)


def test_a_plan_keeps_one_heap_entry():
    env = simpy.Environment()
    fired = []
    plan = Plan(env, [1.0, 2.0, 3.0, 4.0], ["a", "b", "c", "d"], fired.append)
    assert [e[3] for e in env._queue] == [plan]
    env.run(until=2.5)
    assert fired == ["a", "b"]
    assert [(e[0], e[3]) for e in env._queue if e[3] is plan] == [(3.0, plan)]
    env.run()
    assert fired == ["a", "b", "c", "d"] and env.now == 4.0


def _calendar_run(use_calendar: bool, seed: int) -> list:
    """Timers near and far, some at the very same times, set from callbacks as the clock runs;
    the calendar is advanced a period ahead at every period start, as the company does monthly."""
    rng = random.Random(seed)
    env = simpy.Environment()
    period = 10.0
    cal = Calendar(env, near=2 * period)
    log = []

    def put(delay, tag):
        t = Timer(fire, tag)
        if use_calendar:
            cal.schedule(t, delay)
        else:
            env.schedule(t, delay=delay)

    def fire(tag):
        log.append((tag, env.now))
        if tag < 300:
            for k in range(2):
                put(rng.choice((0.0, 1.0, 5.0, 10.0, 25.0, 40.0, rng.uniform(0, 50))), tag * 2 + 1 + k)

    def periods():
        for m in range(12):
            cal.advance((m + 2) * period)
            log.append(("period", env.now))
            yield env.timeout(period)

    env.process(periods())
    for k in range(5):
        put(rng.choice((0.0, 10.0, 30.0)), k)
    env.run(until=12 * period)
    return log


def test_a_calendar_keeps_the_order_of_scheduling_directly():
    for seed in range(100):
        assert _calendar_run(True, seed) == _calendar_run(False, seed)
