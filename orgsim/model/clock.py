"""How the model uses SimPy's clock: events with callbacks, no processes.

A SimPy `Process` costs a generator, an `Initialize` event to start it, an event per `yield`
and one more when it ends. The model's entities (leads, tasks, accounts, requisitions) only ever
wait for one thing at a time, so they are their own events instead: SimPy's loop
(`simpy.core.Environment.step`) pops whatever is scheduled, calls each of its ``callbacks`` with
it and then checks ``_ok``; an object with those attributes, put on the clock with
`Environment.schedule`, is an event. Each callback does what the process did between two
`yield`s, at the same instant and in the same order, so the numbers do not change (the
zero-delay steps a process takes to start, to resume after a granted request and to end are
not taken: only events of the very same float time could be reordered by that, and the model's
times are continuous).

`Timer` is the general form (call ``fn(ctx)`` at a time); hot entities carry the attributes
themselves (`orgsim.model.workforce.Task`, `orgsim.model.marketing.Lead`, ...).
"""

from __future__ import annotations

import math
from heapq import heappop, heappush
from typing import Any, Callable

import simpy
from simpy.core import NORMAL

__all__ = ["NORMAL", "Calendar", "Plan", "Timer", "delay_until", "later"]


class Timer:
    """A SimPy event that calls ``fn(ctx)`` when the clock reaches it."""

    __slots__ = ("callbacks", "_ok", "_value", "fn", "ctx")

    def __init__(self, fn: Callable[[Any], Any], ctx: Any):
        self.callbacks = (self._fire,)
        self._ok = True
        self._value = None
        self.fn = fn
        self.ctx = ctx

    def _fire(self, _event: "Timer") -> None:
        self.fn(self.ctx)


def later(env: simpy.Environment, delay: float, fn: Callable[[Any], Any], ctx: Any = None) -> Timer:
    """Call ``fn(ctx)`` after `delay` days (as a process's ``yield env.timeout(delay)`` resumes)."""
    t = Timer(fn, ctx)
    env.schedule(t, NORMAL, delay)
    return t


def delay_until(now: float, t: float) -> float:
    """The delay `d` >= 0 for which SimPy's ``now + d`` is exactly `t` (t >= now).

    ``now + (t - now)`` may miss `t` by a rounding step; an event set a little later than
    planned, from a later `now`, must still land on the very time it was planned for.
    """
    d = t - now
    while d > 0.0 and now + d > t:
        d = math.nextafter(d, -math.inf)
    while now + d < t:
        d = math.nextafter(d, math.inf)
    return d


class Plan:
    """Events planned together, put on SimPy's heap one at a time with the keys they were given.

    SimPy orders events by (time, priority, id), the id counting up as events are scheduled.
    A plan takes its events' ids when it is made, as scheduling them all then would, and
    pushes each event when the one before it fires: every event is popped exactly where it
    would have been, while the heap holds one entry for the whole plan (a month of care tasks
    of thousands of accounts is one entry, not thousands). Needs SimPy's heap (``_queue``) and
    id counter (``_eid``); without them the plan schedules everything at once, as before.

    Args:
        env: the environment.
        delays: non-decreasing delays from now, one per item.
        items: what `fire` receives, one per delay.
        fire: called with each item when its time comes.
    """

    __slots__ = ("callbacks", "_ok", "_value", "_queue", "_keys", "_items", "_fire", "_i")

    def __init__(self, env: simpy.Environment, delays: list[float], items: list[Any], fire: Callable[[Any], Any]):
        self._ok = True
        self._value = None
        self._items = items
        self._fire = fire
        self._i = 0
        self.callbacks = (self._next,)
        queue = getattr(env, "_queue", None)
        eid = getattr(env, "_eid", None)
        if not isinstance(queue, list) or eid is None:  # not the SimPy we know: no shortcut
            self._queue = None
            for d, item in zip(delays, items):
                later(env, d, fire, item)
            return
        self._queue = queue
        now = env.now
        self._keys = [(now + d, NORMAL, next(eid)) for d in delays]
        if items:
            self._push()

    def _push(self) -> None:
        t, prio, eid = self._keys[self._i]
        heappush(self._queue, (t, prio, eid, self))

    def _next(self, _event: "Plan") -> None:
        i = self._i
        self._i = i + 1
        if i + 1 < len(self._items):
            self.callbacks = (self._next,)
            self._push()
        self._fire(self._items[i])


class Calendar:
    """Events far ahead, kept off SimPy's heap until they come near, each with its own key.

    `schedule` gives an event the key SimPy's own `Environment.schedule` would give it (time,
    priority, id from SimPy's counter) and puts it on SimPy's heap only if it falls before
    `near`; later ones wait in the calendar's heap until `advance` moves `near` past them. As long
    as `near` stays ahead of the clock (the company advances it a month ahead at every month
    start), every event is popped exactly where it would have been, while SimPy's heap, whose
    depth every event pays for, holds weeks of events rather than years of renewals and sales
    cycles. Without SimPy's heap and counter (``_queue``, ``_eid``) it schedules directly.
    """

    __slots__ = ("env", "near", "_far", "_queue", "_eid")

    def __init__(self, env: simpy.Environment, near: float):
        self.env = env
        self.near = near
        self._far: list = []
        queue = getattr(env, "_queue", None)
        eid = getattr(env, "_eid", None)
        ok = isinstance(queue, list) and eid is not None
        self._queue = queue if ok else None
        self._eid = eid if ok else None

    def schedule(self, event: Any, delay: float) -> None:
        """Like ``env.schedule(event, NORMAL, delay)``."""
        if self._queue is None:
            self.env.schedule(event, NORMAL, delay)
            return
        t = self.env.now + delay
        entry = (t, NORMAL, next(self._eid), event)
        heappush(self._queue if t < self.near else self._far, entry)

    def advance(self, near: float) -> None:
        """Put every event before `near` on SimPy's heap (call before the clock reaches them)."""
        self.near = near
        far = self._far
        queue = self._queue
        while far and far[0][0] < near:
            heappush(queue, heappop(far))
