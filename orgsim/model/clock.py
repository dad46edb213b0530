"""The model's clock: SimPy's event protocol, the calendar of far events, and joins.

Owns every use of SimPy's internals; no other module of the model touches them (the value
chain's departments put their entities on the clock through the helpers here).

A SimPy `Process` costs a generator, an `Initialize` event to start it, an event per `yield`
and one more when it ends. The model's entities (leads, opportunities, tasks, accounts,
requisitions) only ever wait for one thing at a time, so they are their own events instead:
SimPy's loop (`simpy.core.Environment.step`) pops whatever is scheduled, calls each of its
``callbacks`` with it and then checks ``_ok``; an object with those attributes, put on the clock
with `Environment.schedule`, is an event. `Entity` is the base class of such objects. Each
callback does what the process did between two `yield`s, at the same instant and in the same
order, so the numbers do not change (the zero-delay steps a process takes to start, to resume
after a granted request and to end are not taken: only events of the very same float time could
be reordered by that, and the model's times are continuous).

What orgsim relies on in SimPy (pinned to ``simpy>=4.1,<5``; ``tests/unit/test_clock.py`` fails
loudly if any of it goes): an event is anything with ``callbacks``, ``_ok`` and ``_value``;
``Environment.schedule`` pushes ``(time, priority, id, event)`` onto the heap ``_queue`` with the
id from the counter ``_eid`` and the time ``_now``. `Plan`, `Calendar` and `waker` use the heap
and counter directly, and fall back to plain scheduling without them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import NORMAL, URGENT

__all__ = [
    "NORMAL",
    "Calendar",
    "Clock",
    "Entity",
    "Feed",
    "Join",
    "Plan",
    "Timer",
    "delay_until",
    "later",
    "start",
    "wake",
    "waker",
]

Callbacks = tuple[Callable[[Any], Any], ...]


class Entity:
    """Something that is its own SimPy event: put on the clock with `wake` (or `Clock.wake_far`),
    SimPy calls its ``callbacks`` with it when its time comes.

    ``_ok`` and ``_value`` are what SimPy reads of a processed event (a succeeded event with no
    value); they never change, so they are class attributes and cost an entity nothing.
    Subclasses set ``callbacks = None`` in their own ``__init__`` (a call less per entity than
    calling this one's: a replication makes hundreds of thousands of tasks).
    """

    __slots__ = ("callbacks",)
    _ok = True
    _value = None

    def __init__(self) -> None:
        self.callbacks: Callbacks | None = None


def wake(env: simpy.Environment, entity: Entity, callbacks: Callbacks, delay: float = 0.0) -> None:
    """Call each of `callbacks` with `entity` after `delay` days (0: at this instant, after
    what is already scheduled for it), as a process's ``yield env.timeout(delay)`` resumes."""
    entity.callbacks = callbacks
    env.schedule(entity, NORMAL, delay)  # type: ignore[arg-type]  # an entity is an event to SimPy


def start(env: simpy.Environment, entity: Entity, callbacks: Callbacks) -> None:
    """Call each of `callbacks` with `entity` at this instant, as SimPy starts a process made now
    (``env.process``: its first step runs from an urgent event, before the instant's others):
    an entity in place of a long-lived process starts in the very same place."""
    entity.callbacks = callbacks
    env.schedule(entity, URGENT, 0.0)  # type: ignore[arg-type]  # an entity is an event to SimPy


def _internals(env: simpy.Environment) -> tuple[list, Iterator[int]] | None:
    """SimPy's heap and id counter, or None when this SimPy has other internals."""
    queue = getattr(env, "_queue", None)
    eid = getattr(env, "_eid", None)
    if isinstance(queue, list) and eid is not None and hasattr(env, "_now"):
        return queue, eid
    return None


def waker(env: simpy.Environment, callbacks: Callbacks) -> Callable[[Entity, float], None]:
    """``wake(entity, delay)`` with these `callbacks`, in one call: for the hot path.

    With SimPy's heap at hand it pushes the entry `Environment.schedule` would push, itself:
    as cheap as scheduling a SimPy event, where `wake` costs a call more (a pool's tasks all
    end this way). Otherwise it calls `Environment.schedule`.
    """
    internals = _internals(env)
    if internals is None:

        def wake_slowly(entity: Entity, delay: float) -> None:
            entity.callbacks = callbacks
            env.schedule(entity, NORMAL, delay)  # type: ignore[arg-type]

        return wake_slowly
    queue, eid = internals
    push, count, normal = heappush, eid.__next__, NORMAL  # (closure cells: faster than globals)

    def wake_(entity: Entity, delay: float) -> None:
        entity.callbacks = callbacks
        push(queue, (env._now + delay, normal, count(), entity))

    return wake_


class Timer(Entity):
    """A SimPy event that calls ``fn(ctx)`` when the clock reaches it."""

    __slots__ = ("fn", "ctx")

    def __init__(self, fn: Callable[[Any], Any], ctx: Any):
        self.callbacks = (self._fire,)
        self.fn = fn
        self.ctx = ctx

    def _fire(self, _event: Timer) -> None:
        self.fn(self.ctx)


def later(env: simpy.Environment, delay: float, fn: Callable[[Any], Any], ctx: Any = None) -> Timer:
    """Call ``fn(ctx)`` after `delay` days (as a process's ``yield env.timeout(delay)`` resumes)."""
    t = Timer(fn, ctx)
    env.schedule(t, NORMAL, delay)  # type: ignore[arg-type]  # a timer is an event to SimPy
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


class Join(Entity):
    """An entity that waits for several parts (fork-join), done in any order: ``then(self)`` is
    called when the last one is done.

    An opportunity waits for the AE's work, the buyer's calendar and (some segments) the SE's
    work; a delivery for the customer's time to go live and the delivering team's task; a
    requisition for the candidate search and the recruiter's closing work. The count lives on
    the entity itself: no second object, and no reference cycle between the two (the model
    frees its objects by reference counting while the garbage collector is paused).
    ``(Join.part_done,)`` is a callbacks tuple: the entity's own timer is one of its parts.

    Args:
        then: called with the entity when every part is done.
        parts: how many parts to wait for (more may be added with `expect`).
    """

    __slots__ = ("pending", "then")

    def __init__(self, then: Callable[[Any], Any], parts: int):
        self.callbacks = None
        self.pending = parts
        self.then = then

    def expect(self, parts: int = 1) -> None:
        """Wait for `parts` more."""
        self.pending += parts

    def part_done(self) -> None:
        """One part is done."""
        self.pending -= 1
        if self.pending == 0:
            self.then(self)


class Feed(Entity):
    """Items at given times, each put on the clock when the one before it fires.

    SimPy's heap holds one entry for the whole feed (a month of one source's leads) instead of
    one per item, and each item still lands on exactly its time (`delay_until`).

    Args:
        env: the environment.
        times: non-decreasing clock times, not before now.
        items: what `fire` receives, one per time.
        fire: called with each item when its time comes.
    """

    __slots__ = ("env", "times", "items", "fire", "i")

    def __init__(self, env: simpy.Environment, times: list[float], items: list[Any], fire: Callable[[Any], Any]):
        self.callbacks = None
        self.env = env
        self.times = times
        self.items = items
        self.fire = fire
        self.i = 0
        if times:
            self._next()

    def _next(self) -> None:
        env = self.env
        self.callbacks = (self._arrive,)
        env.schedule(self, NORMAL, delay_until(env.now, self.times[self.i]))  # type: ignore[arg-type]

    def _arrive(self, _event: Feed) -> None:
        i = self.i
        self.i = i + 1
        if i + 1 < len(self.times):
            self._next()
        items = self.items
        item = items[i]
        items[i] = None  # let it go when its journey ends (a month of leads is many objects)
        self.fire(item)


class Plan(Entity):
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

    __slots__ = ("_queue", "_keys", "_items", "_fire", "_i")

    def __init__(self, env: simpy.Environment, delays: list[float], items: list[Any], fire: Callable[[Any], Any]):
        self._items = items
        self._fire = fire
        self._i = 0
        self.callbacks = (self._next,)
        self._keys: list[tuple[float, Any, int]] = []
        queue = getattr(env, "_queue", None)
        eid = getattr(env, "_eid", None)
        if not isinstance(queue, list) or eid is None:  # not the SimPy we know: no shortcut
            self._queue: list | None = None
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
        heappush(self._queue, (t, prio, eid, self))  # type: ignore[arg-type]

    def _next(self, _event: Plan) -> None:
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
        self._queue: list | None = queue if ok else None
        self._eid: Iterator[int] | None = eid if ok else None

    def wake(self, entity: Entity, callbacks: Callbacks, delay: float) -> None:
        """Call each of `callbacks` with `entity` after `delay` days (`schedule`)."""
        entity.callbacks = callbacks
        queue, eid = self._queue, self._eid
        if queue is None or eid is None:
            self.env.schedule(entity, NORMAL, delay)  # type: ignore[arg-type]
            return
        t = self.env.now + delay  # (what `schedule` does, inlined: one call per sales cycle, go-live, renewal)
        heappush(queue if t < self.near else self._far, (t, NORMAL, next(eid), entity))

    def schedule(self, event: Any, delay: float) -> None:
        """Like ``env.schedule(event, NORMAL, delay)``."""
        if self._queue is None or self._eid is None:
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
            heappush(queue, heappop(far))  # type: ignore[arg-type]


class Clock:
    """One replication's time: SimPy's environment, the calendar of far events, the end of the run.

    Departments get the clock rather than the environment: `now`, `wake` for events soon (a task's
    work, a zero-delay step), `wake_far` for events weeks or months ahead (sales cycles, go-lives,
    renewals), `later` for a plain timer.

    Args:
        env: the environment (a new one by default).
        near: how far ahead the calendar puts events on SimPy's heap at first (days).
        end: the run stops here (days); timers for later would never fire.
    """

    __slots__ = ("env", "calendar", "end", "wake_far")

    def __init__(self, env: simpy.Environment | None = None, near: float = math.inf, end: float = math.inf):
        self.env = env if env is not None else simpy.Environment()
        self.calendar = Calendar(self.env, near)
        self.end = end
        # ``wake_far(entity, callbacks, delay)``: like `wake`, for an event that may be far ahead
        # (kept off SimPy's heap until near); the calendar's own method, one call
        self.wake_far: Callable[[Entity, Callbacks, float], None] = self.calendar.wake

    @property
    def now(self) -> float:
        """The time now (days)."""
        return self.env.now

    def wake(self, entity: Entity, callbacks: Callbacks, delay: float = 0.0) -> None:
        """`wake` on this clock's environment."""
        entity.callbacks = callbacks
        self.env.schedule(entity, NORMAL, delay)  # type: ignore[arg-type]  # an entity is an event to SimPy

    def later(self, delay: float, fn: Callable[[Any], Any], ctx: Any = None) -> Timer:
        """Call ``fn(ctx)`` after `delay` days."""
        return later(self.env, delay, fn, ctx)

    def look_ahead(self, near: float) -> None:
        """Put far events before `near` on SimPy's heap (`Calendar.advance`)."""
        self.calendar.advance(near)
