"""People and their time: role pools and the FIFO queues of tasks waiting for them.

The capacity behind every stage of the value chain (marketing, SDR, sales, presales,
implementation, customer success): a role is a pool of people; a task needs one person of a
role for some effort hours; it waits FIFO for a free person and then holds that person for
effort / (productive hours x productivity x speed) days; a person's speed and productivity are
`orgsim.model.people`'s (the ramp after hiring, the person's multiplier). Who joins and leaves
a pool, and when, is `orgsim.model.workforce`'s business.

This is the hot path of a replication: every task passes `Pool.submit`, `Pool._start` and
`Pool._finish` once, as callbacks (no SimPy process, see `orgsim.model.clock`); a pool whose
people have no pods never scans its lists, and one with pods keeps its free people by pod.
"""

from __future__ import annotations

from bisect import insort
from collections import deque
from collections.abc import Callable, Generator
from operator import attrgetter
from typing import Any

import simpy

from orgsim.model.clock import waker
from orgsim.model.entities import Task
from orgsim.model.people import Person
from orgsim.model.priorities import Priorities, Ranked
from orgsim.model.stages import StageStats

__all__ = ["Person", "Pool", "StageStats", "Task"]  # Person, StageStats, Task: re-exported for the departments


class _Request:
    """A queued request of a SimPy process (`Pool.request`): granted by succeeding its event."""

    __slots__ = ("event", "pod", "stage", "since", "kind", "seq")  # seq: its place in a `Ranked` queue

    def __init__(self, event: simpy.Event, pod: str | None, stage: StageStats, since: float, kind: str | None):
        self.event = event
        self.pod = pod
        self.stage = stage
        self.since = since
        self.kind = kind


_since = attrgetter("since")


class Pool(Priorities):
    """The people of one role and the FIFO queue of tasks waiting for them.

    Args:
        env: the simulation environment.
        role: role name.
        hours_per_day: productive hours a person gives to tasks per calendar day.
        horizon_days: end of the run (busy time is clipped to it).
    """

    def __init__(self, env: simpy.Environment, role: str, hours_per_day: float, horizon_days: float):
        self.env = env
        self.role = role
        self.hours_per_day = hours_per_day
        self.horizon = horizon_days
        self.people: list[Person] = []
        self.free: list[Person] = []
        self.queue: deque[Task | _Request] = deque()  # with priorities, a `Ranked` (`prioritise`)
        self.pod_count: dict[str | None, int] = {}
        self._podded = 0  # people with a pod; while 0, every task may go to anyone (no scans)
        # people with a pod, by pod, in the order of `people` and of `free` respectively
        self.by_pod: dict[str, list[Person]] = {}
        self._free_by_pod: dict[str, list[Person]] = {}
        self.leaving = 0  # people who will leave when their current task ends
        self.rank: dict[str | None, int] | None = None  # priority of each kind of work; None = FIFO
        self._wake_finished = waker(env, (self._finish,))  # a task's end: the hot path
        # integral of headcount over time (person-days), for cost and utilisation
        self.person_days = 0.0
        self._month_person_days = 0.0
        self._last = 0.0

    # ---- headcount -----------------------------------------------------------------------

    def _integrate(self) -> None:
        now = self.env.now
        dt = (now - self._last) * len(self.people)
        self.person_days += dt
        self._month_person_days += dt
        self._last = now

    def staffed_days(self) -> float:
        """Person-days on staff from the start until now (for utilisation)."""
        self._integrate()
        return self.person_days

    def take_month_person_days(self) -> float:
        """Person-days since the last call (called at each month end)."""
        self._integrate()
        x = self._month_person_days
        self._month_person_days = 0.0
        return x

    @property
    def headcount(self) -> int:
        """People on staff now (including those leaving when their task ends)."""
        return len(self.people)

    @property
    def podded(self) -> int:
        """How many people have a pod."""
        return self._podded

    def add(self, person: Person) -> None:
        """The person joins now and takes queued work they may do."""
        self._integrate()
        person.hours = self.hours_per_day * person.productivity  # (x 1.0 is exact: no change when off)
        self.people.append(person)
        self.pod_count[person.pod] = self.pod_count.get(person.pod, 0) + 1
        if person.pod is not None:
            self._podded += 1
            self.by_pod.setdefault(person.pod, []).append(person)
        self._make_free(person)

    def remove(self, person: Person) -> None:
        """The person leaves now if idle, or when their current task ends."""
        if person.busy:
            person.leaving = True
            self.leaving += 1
            return
        self._drop(person)

    def _drop(self, person: Person) -> None:
        self._integrate()
        person.gone = True
        self.people.remove(person)
        self.pod_count[person.pod] -= 1
        if person.pod is not None:
            self._podded -= 1
            self.by_pod[person.pod].remove(person)
        if person in self.free:
            self._unfree(person)
        own, person.own = person.own, None
        if own:  # work queued for this person alone goes to the pool, longest waiting first
            merged = sorted([*self.queue, *own], key=_since)
            if self.rank is None:
                self.queue = deque(merged)
            else:
                self.queue = Ranked(self.rank, merged)  # type: ignore[assignment]  # with priorities
        # work queued for an emptied pod (or for the leaver) may now be served by someone free
        if self.queue and (own or self.pod_count[person.pod] == 0) and self.free:
            for p in list(self.free):
                if p in self.free:
                    self._make_free(p, already_free=True)

    def waiting_since(self, stage: StageStats) -> list[float]:
        """When each of the stage's tasks still waiting (for anyone, or for its person) began to wait."""
        out = [r.since for r in self.queue if r.stage is stage]
        for p in self.people:
            if p.own:
                out += [t.since for t in p.own if t.stage is stage]
        return out

    def set_hours(self, hours_per_day: float) -> None:
        """From now on, people give `hours_per_day` (x their productivity) to tasks they start."""
        self.hours_per_day = hours_per_day
        for p in self.people:
            p.hours = hours_per_day * p.productivity

    def speed_sum(self) -> float:
        """Headcount weighted by ramp and productivity (fully ramped typical people count 1)."""
        now = self.env.now
        return sum(p.speed(now) * p.productivity for p in self.people)

    # ---- tasks ---------------------------------------------------------------------------

    def _eligible(self, person: Person, pod: str | None) -> bool:
        return pod is None or person.pod == pod or self.pod_count.get(pod, 0) == 0

    def _take_free(self, pod: str | None) -> Person | None:
        """Remove and return the first free person who may take work of `pod` (None if nobody)."""
        free = self.free
        if not free:
            return None
        if pod is None or not self._podded or self.pod_count.get(pod, 0) == 0:
            p = free.pop(0)  # anyone may take it: the first free
            if p.pod is not None:
                self._free_by_pod[p.pod].remove(p)
            return p
        mine = self._free_by_pod.get(pod)
        if not mine:
            return None
        p = mine.pop(0)  # the first free person of the pod (both lists keep the order of freeing)
        free.remove(p)
        return p

    def _add_free(self, person: Person) -> None:
        self.free.append(person)
        if person.pod is not None:
            self._free_by_pod.setdefault(person.pod, []).append(person)

    def _unfree(self, person: Person) -> None:
        self.free.remove(person)
        if person.pod is not None:
            self._free_by_pod[person.pod].remove(person)

    def request(self, stage: StageStats, pod: str | None = None, kind: str | None = None) -> simpy.Event:
        """An event that succeeds with the person who takes the task (FIFO, or by `kind` with priorities)."""
        ev = self.env.event()
        stage.arrivals += 1
        p = self._take_free(pod)
        if p is not None:
            p.busy = True
            ev.succeed(p)
            return ev
        stage.waiting += 1
        self.queue.append(_Request(ev, pod, stage, self.env.now, kind))
        return ev

    def withdraw(self, task: Task) -> None:
        """Take a queued `task` out of the queue, to be done outside the pool (founders stepping
        in): it no longer waits at its stage."""
        self.queue.remove(task)  # a deque, or a `Ranked` queue (by rank and pod)
        task.stage.waiting -= 1

    def release(self, person: Person) -> None:
        """The person's task is done: they take the next one they may, or leave, or wait."""
        person.busy = False
        if person.leaving:
            self.leaving -= 1
            self._drop(person)
            return
        self._make_free(person)

    def _make_free(self, person: Person, already_free: bool = False) -> None:
        queue = self.queue
        if person.own is not None:
            req = self._next_for(person)
        elif not queue:
            req = None
        elif self.rank is not None:
            req = queue.pop_for(person.pod, not self._podded, self.pod_count)  # type: ignore[attr-defined]  # a Ranked
        elif not self._podded:
            req = queue.popleft()
        else:
            for i, req in enumerate(queue):
                if self._eligible(person, req.pod):
                    del queue[i]
                    break
            else:
                req = None
        if req is not None:
            req.stage.waiting -= 1
            if already_free:
                self._unfree(person)
            person.busy = True
            if type(req) is Task:  # (exact type: cheaper than isinstance on the hot path)
                self._start(req, person)
            else:
                req.event.succeed(person)  # type: ignore[union-attr]  # not a Task: a _Request
            return
        if not already_free:
            self._add_free(person)

    def _next_for(self, person: Person) -> Task | _Request:
        """What a person with work of their own takes next: their oldest own task, or the pool's
        first request they may take if it has waited longer (only with `submit(person=...)`)."""
        own: list[Task] = person.own  # type: ignore[assignment]  # only called when it has some
        queue = self.queue
        if self.rank is not None:
            return self._next_by_rank(person, own)
        i = next((k for k, r in enumerate(queue) if self._eligible(person, r.pod)), -1) if queue else -1
        if i >= 0 and queue[i].since < own[0].since:
            req = queue[i]
            del queue[i]
            return req
        req = own.pop(0)
        if not own:
            person.own = None  # back to the fast path
        return req

    def submit(
        self,
        stage: StageStats,
        effort_hours: float,
        then: Callable[[Task], Any] | None,
        ctx: Any = None,
        pod: str | None = None,
        share: float = 1.0,
        since: float | None = None,
        person: Person | None = None,
        kind: str | None = None,
    ) -> Task:
        """Ask for a task now: what `work` does in a process, with callbacks. Returns the task.

        A free person (FIFO, `pod` rules as in `work`) takes it at once, or it queues until one
        is released or hired. With `person` (on staff and not leaving), only that person does it:
        at once if free, else when they next finish, taking their own work and the pool's work
        they may do longest-waiting first; if they leave first, it goes to the pool. When
        the work ends the person is released first, then ``then(task)`` is called (``then`` may
        be None). ``kind`` names the sort of work, for the pool's priorities (`prioritise`).
        """
        now = self.env.now
        task = Task(stage, effort_hours, pod, share, now if since is None else since, then, ctx, kind)
        stage.arrivals += 1
        if person is not None and not person.gone and not person.leaving:
            if person.busy:
                stage.waiting += 1
                if person.own is None:
                    person.own = [task]
                else:  # after tasks that have waited as long or longer
                    insort(person.own, task, key=_since)
            else:
                self._unfree(person)
                person.busy = True
                self._start(task, person)
            return task
        p = self._take_free(pod)
        if p is not None:
            p.busy = True
            self._start(task, p)
        else:
            stage.waiting += 1
            self.queue.append(task)
        return task

    def _start(self, task: Task, person: Person) -> None:
        """`person` takes the task now: account its wait, work for the duration."""
        now = self.env.now
        task.person = person
        task.wait = wait = now - task.since
        hours = person.hours * task.share  # the person's hours: the pool's x their productivity
        r = person.ramp_days
        x0 = (now - person.hired_at) / r if r > 0 else 1.0
        duration = task.effort / hours if x0 >= 1.0 else person.duration(task.effort, hours, now)
        stage = task.stage
        stage.waits_days.append(wait)
        left = self.horizon - now  # busy time counts up to the horizon
        if 0.0 > left:
            left = 0.0
        stage.busy_days += left if left < duration else duration
        self._wake_finished(task, duration)

    def _finish(self, task: Task) -> None:
        task.stage.completed += 1
        self.release(task.person)  # type: ignore[arg-type]  # set when the task started
        if task.then is not None:
            task.then(task)

    def work(
        self,
        stage: StageStats,
        effort_hours: float,
        pod: str | None = None,
        share: float = 1.0,
        since: float | None = None,
    ) -> Generator[simpy.Event, Person, float]:
        """Process body: wait for a person, work `effort_hours`, release. Returns the wait in days.

        The model itself uses `submit` (the same with callbacks, no process); this is for
        processes of one's own (tests, experiments with SimPy directly).

        Args:
            stage: where the task is accounted.
            effort_hours: work needed at full speed.
            pod: restrict to people of this pod (segment routing), if it has any.
            share: share of a person's productive hours available for tasks
                (e.g. SDRs spend the rest prospecting, SEs enabling).
            since: when the task's wait began, if before this request (e.g. an opportunity
                that first waited for an AE with room for it).
        """
        t0 = self.env.now if since is None else since
        person = yield self.request(stage, pod)
        now = self.env.now
        wait = now - t0
        duration = person.duration(effort_hours, person.hours * share, now)
        stage.waits_days.append(wait)
        stage.busy_days += min(duration, max(self.horizon - now, 0.0))
        yield self.env.timeout(duration)
        stage.completed += 1
        self.release(person)
        return wait
