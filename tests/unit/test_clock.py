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


# ---- what orgsim relies on in SimPy's internals (simpy>=4.1,<5) --------------------------------


def test_simpy_internals_orgsim_relies_on_are_there():
    """Fails loudly if SimPy drops what orgsim.model.clock uses: the heap ``_queue`` of
    (time, priority, id, event) entries, the id counter ``_eid``, and events as anything with
    ``callbacks``, ``_ok`` and ``_value``. If this fails, Plan and Calendar fall back to plain
    scheduling (slower, same numbers); entities would need SimPy's Event again."""
    import inspect
    import itertools

    env = simpy.Environment()
    assert isinstance(env._queue, list), "simpy.Environment._queue (the event heap) is gone"
    assert isinstance(env._eid, itertools.count), "simpy.Environment._eid (the id counter) is gone"
    assert env._now == env.now == 0.0, "simpy.Environment._now (the clock's time) is gone"
    ev = env.event()
    ev.succeed()  # a triggered event has all three
    for name in ("callbacks", "_ok", "_value"):
        assert hasattr(ev, name), f"simpy.Event.{name} is gone"
    assert ev._ok is True and ev._value is None
    t, _prio, eid, event = env._queue[0]
    assert (t, event) == (0.0, ev) and isinstance(eid, int), (
        "SimPy's heap entries are no longer (time, priority, id, event)"
    )
    step = inspect.getsource(simpy.Environment.step)
    assert "callbacks" in step and "_ok" in step, "Environment.step no longer reads callbacks and _ok"


def test_an_entity_is_an_event_simpy_processes():
    from orgsim.model.clock import Entity, wake

    class Thing(Entity):
        __slots__ = ("name",)

        def __init__(self, name):
            self.callbacks = None
            self.name = name

    env = simpy.Environment()
    log = []
    a, b = Thing("a"), Thing("b")
    wake(env, a, (lambda e: log.append((e.name, env.now)),), 2.0)
    wake(env, b, (lambda e: log.append((e.name, env.now)),), 1.0)
    env.run()
    assert log == [("b", 1.0), ("a", 2.0)]
    assert a.callbacks is None  # SimPy took them: the entity can be put on the clock again
    assert Entity._ok is True and Entity._value is None


def test_a_join_fires_once_when_every_part_is_done():
    from orgsim.model.clock import Join

    log = []
    j = Join(log.append, 2)
    j.part_done()
    j.expect()
    j.part_done()
    assert log == []
    j.part_done()
    assert log == [j]


def test_a_joins_timer_is_one_of_its_parts():
    from orgsim.model.clock import Join, wake

    env = simpy.Environment()
    log = []
    j = Join(lambda x: log.append(("joined", env.now)), 2)
    wake(env, j, (Join.part_done,), 3.0)  # e.g. the buyer's cycle
    later(env, 5.0, lambda _: j.part_done())  # e.g. the AE's work
    env.run()
    assert log == [("joined", 5.0)]


def test_a_feed_puts_each_item_on_its_time():
    from orgsim.model.clock import Feed

    env = simpy.Environment()
    log = []
    Feed(env, [0.5, 0.5, 1.25, 3.0], ["a", "b", "c", "d"], lambda x: log.append((x, env.now)))
    assert len(env._queue) == 1  # one heap entry for the whole feed
    env.run()
    assert log == [("a", 0.5), ("b", 0.5), ("c", 1.25), ("d", 3.0)]


def test_a_waker_schedules_as_simpy_does():
    """waker pushes SimPy's own entry: the same order as env.schedule, ties by scheduling order."""
    from orgsim.model.clock import Timer, waker

    def run(direct: bool) -> list:
        env = simpy.Environment()
        log = []
        cbs = (lambda e: log.append((e.ctx, env.now)),)
        wake_ = waker(env, cbs)
        for i, d in enumerate((2.0, 1.0, 2.0, 0.0)):
            t = Timer(print, i)
            if direct and i % 2:
                t.callbacks = cbs
                env.schedule(t, delay=d)
            else:
                wake_(t, d)
        env.run()
        return log

    assert run(direct=False) == run(direct=True) == [(3, 0.0), (1, 1.0), (0, 2.0), (2, 2.0)]
