"""Priorities of a shared role's queue: which kind of queued work a freed person takes first.

Roles that serve several queues (AE: opportunity, delivery, expansion, renewal, qualification;
CSM: onboarding, care, expansion, renewal) take work in the order of `ownership.priorities`
(docs/explanation/model/workforce.md): the oldest task of the highest-priority kind the person
may do; kinds not listed come last. Without priorities the pool is FIFO and nothing here runs.
`orgsim.model.pools.Pool` mixes this in.

With priorities the pool's queue is a `Ranked` queue: one FIFO bucket per (pod, rank), so a
freed person looks at the first bucket with work of each pod they may work for instead of
scanning the whole queue (a pod of AEs can hold hundreds of key-person touches). The choice is
the very one a scan of the queue in order would make: every queued item gets a number in the
queue's order; the best rank any eligible pod has work of wins, and among the pods with work of
that rank, the bucket head with the lowest number.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from orgsim.model.clock import waker
from orgsim.model.entities import Task

if TYPE_CHECKING:
    import simpy

    from orgsim.model.people import Person

__all__ = ["Priorities", "Ranked"]

_seq = attrgetter("seq")


class Ranked:
    """The queue of a pool with priorities, by pod and rank (kinds not listed share the last rank).

    Iterating gives the items in queue order (the order of `append`), as the FIFO deque would;
    `len` counts them. Each item gets ``seq``, its place in that order. A pod's items wait in one
    FIFO bucket per rank (``by_pod[pod][rank]``): a freed person of a pod looks at the pods they
    may work for (their own, None, pods with nobody in them) and in each at the first rank that
    has work, instead of every rank of every pod (an AE's pod rarely has work of every rank, and
    most ranks of a busy queue hold other pods' work).
    """

    __slots__ = ("rank", "worst", "by_pod", "n", "seq")

    def __init__(self, rank: dict[str | None, int], items: Iterable[Any] = ()):
        self.rank = rank
        self.worst = len(rank)
        self.by_pod: dict[str | None, list[deque[Any]]] = {}  # pod -> a FIFO bucket per rank
        self.n = 0
        self.seq = 0
        for item in items:
            self.append(item)

    def append(self, item: Any) -> None:
        """Queue `item` (a `Task` or a pool's request: anything with kind, pod and seq) last."""
        item.seq = self.seq
        self.seq += 1
        ranks = self.by_pod.get(item.pod)
        if ranks is None:
            self.by_pod[item.pod] = ranks = [deque() for _ in range(self.worst + 1)]
        ranks[self.rank.get(item.kind, self.worst)].append(item)
        self.n += 1

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[Any]:
        return iter(sorted((r for ranks in self.by_pod.values() for b in ranks for r in b), key=_seq))

    def best(self, mine: str | None, anyone: bool, counts: dict[str | None, int]) -> tuple[int, deque[Any]] | None:
        """The rank and bucket whose head a person of pod `mine` takes (the oldest item of the
        highest rank they may do; the pool's `_eligible`, inlined); None if there is none.
        `anyone`: no pod rule to check (the pool has nobody in a pod)."""
        found: Any = None
        fk = self.worst + 1
        for pod, ranks in self.by_pod.items():
            if anyone or pod is None or pod == mine or not counts.get(pod, 0):
                k = 0
                for b in ranks:  # this pod's first rank with work: better than the best so far?
                    if b:
                        if k < fk or (k == fk and b[0].seq < found[0].seq):
                            found, fk = b, k
                        break
                    k += 1
        return None if found is None else (fk, found)

    def pop_for(self, mine: str | None, anyone: bool, counts: dict[str | None, int]) -> Any:
        """Remove and return the item `best` finds (None if none): `best` and `take` in one call
        (`Priorities._finish_ranked`, a task's end, has it inlined)."""
        found: Any = None
        fk = self.worst + 1
        for pod, ranks in self.by_pod.items():
            if anyone or pod is None or pod == mine or not counts.get(pod, 0):
                k = 0
                for b in ranks:
                    if b:
                        if k < fk or (k == fk and b[0].seq < found[0].seq):
                            found, fk = b, k
                        break
                    k += 1
        if found is None:
            return None
        self.n -= 1
        return found.popleft()

    def first(self, kinds: frozenset[str], task_type: type[Any]) -> Any:
        """The first item in queue order that is a `task_type` of one of `kinds` (None if none);
        what iterating the queue and stopping at the first such item finds, without sorting the
        whole queue (founders look once a day). A bucket of a listed kind holds only that kind."""
        found: Any = None
        worst = self.worst
        for ranks in self.by_pod.values():
            for k, b in enumerate(ranks):
                if not b or (k < worst and b[0].kind not in kinds):
                    continue
                for t in b:
                    if type(t) is task_type and t.kind in kinds:
                        if found is None or t.seq < found.seq:
                            found = t
                        break
        return found

    def remove(self, item: Any) -> None:
        """Take `item` out wherever it waits (founders taking a queued task; not the hot path)."""
        self.by_pod[item.pod][self.rank.get(item.kind, self.worst)].remove(item)
        self.n -= 1

    def take(self, k: int, bucket: deque[Any]) -> Any:
        """Remove and return the head of `bucket`, of rank `k` (as `best` gave them)."""
        self.n -= 1
        return bucket.popleft()


class Priorities:
    """The priority part of a pool (a mixin of `orgsim.model.pools.Pool`)."""

    rank: dict[str | None, int] | None
    queue: Any  # the pool's queue: a deque (FIFO) or, with priorities, a `Ranked`
    _podded: int
    pod_count: dict[str | None, int]
    # (the pool's)
    env: simpy.Environment
    leaving: int
    _wake_finished: Callable[[Task, float], None]
    _finish: Callable[[Task], None]
    _drop: Callable[[Person], None]
    _add_free: Callable[[Person], None]
    _start: Callable[[Task, Person], None]

    def prioritise(self, order: Sequence[str] | None) -> None:
        """Take queued work by kind in this order (oldest first within a kind; kinds not listed
        last, FIFO among them); None or empty: FIFO, as if never called."""
        self.rank = {kind: i for i, kind in enumerate(order)} if order else None
        items = list(self.queue)  # in queue order
        self.queue = Ranked(self.rank, items) if self.rank is not None else deque(items)
        # a task's end: the person takes their next task the ranked way (`_finish_ranked`)
        self._wake_finished = waker(self.env, (self._finish if self.rank is None else self._finish_ranked,))

    def _finish_ranked(self, task: Task) -> None:
        """`Pool._finish` of a pool with priorities (every task's end in the AE and CSM pools of a
        company with priorities): the same steps, with `release` and `_make_free` inlined, and in
        it `Ranked.pop_for`, the queue's count read directly (the len of a `Ranked` is a Python
        call)."""
        task.stage.completed += 1
        person: Person = task.person  # type: ignore[assignment]  # set when the task started
        person.busy = False
        if person.leaving:
            self.leaving -= 1
            self._drop(person)
        else:  # `_make_free(person)`
            queue: Ranked = self.queue
            own = person.own
            req: Any = None
            if own is not None:
                req = self._next_by_rank(person, own)
            elif queue.n:  # `queue.pop_for(person.pod, not self._podded, self.pod_count)`
                mine, anyone, counts = person.pod, not self._podded, self.pod_count
                found: Any = None
                fk = queue.worst + 1
                for pod, ranks in queue.by_pod.items():
                    if anyone or pod is None or pod == mine or not counts.get(pod, 0):
                        k = 0
                        for b in ranks:
                            if b:
                                if k < fk or (k == fk and b[0].seq < found[0].seq):
                                    found, fk = b, k
                                break
                            k += 1
                if found is not None:
                    queue.n -= 1
                    req = found.popleft()
            if req is None:
                self._add_free(person)
            else:
                req.stage.waiting -= 1
                person.busy = True
                if type(req) is Task:
                    self._start(req, person)
                else:
                    req.event.succeed(person)  # a pool's _Request
        if task.then is not None:
            task.then(task)

    def _best(self, items: Sequence[Task]) -> int:
        """Index of the first item of the highest-priority kind in `items` (a person's own work)."""
        rank: dict[str | None, int] = self.rank  # type: ignore[assignment]  # only with priorities
        get = rank.get
        worst = len(rank)
        best, best_rank = -1, worst + 1
        for i, r in enumerate(items):
            k = get(r.kind, worst)
            if k < best_rank:
                best, best_rank = i, k
                if k == 0:
                    break
        return best

    def _next_by_rank(self, person: Person, own: list[Task]) -> Any:
        """`_next_for` with priorities: the highest-priority kind among their own work and the
        pool's work they may do; the longer waiting of the two on a tie."""
        rank: dict[str | None, int] = self.rank  # type: ignore[assignment]  # only with priorities
        queue: Ranked = self.queue
        mine = own[j := self._best(own)]
        found = queue.best(person.pod, not self._podded, self.pod_count) if queue.n else None
        if found is not None:
            k, bucket = found
            if (k, bucket[0].since) < (rank.get(mine.kind, len(rank)), mine.since):
                return queue.take(k, bucket)
        del own[j]
        if not own:
            person.own = None
        return mine
