"""Priorities of a shared role's queue: which kind of queued work a freed person takes first.

Roles that serve several queues (AE: opportunity, delivery, expansion, renewal, qualification;
CSM: onboarding, care, expansion, renewal) take work in the order of `ownership.priorities`
(docs/explanation/model/workforce.md): the oldest task of the highest-priority kind the person
may do; kinds not listed come last. Without priorities the pool is FIFO and nothing here runs.
`orgsim.model.pools.Pool` mixes this in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orgsim.model.entities import Task
    from orgsim.model.people import Person

__all__ = ["Priorities"]


class Priorities:
    """The priority part of a pool (a mixin of `orgsim.model.pools.Pool`)."""

    rank: dict[str | None, int] | None
    queue: deque[Any]
    _podded: int
    pod_count: dict[str | None, int]
    _queued: dict[str | None, int]

    def prioritise(self, order: Sequence[str] | None) -> None:
        """Take queued work by kind in this order (oldest first within a kind; kinds not listed
        last, FIFO among them); None or empty: FIFO, as if never called."""
        self.rank = {kind: i for i, kind in enumerate(order)} if order else None
        self._recount()

    # queued work by pod, kept only with priorities: a person whose pod has nothing queued (and
    # nothing is queued for anyone or for an empty pod) skips the scan of a long queue
    def _recount(self) -> None:
        self._queued = {}
        for r in self.queue:
            self._queued[r.pod] = self._queued.get(r.pod, 0) + 1

    def _queued_in(self, pod: str | None) -> None:
        self._queued[pod] = self._queued.get(pod, 0) + 1

    def _queued_out(self, pod: str | None) -> None:
        self._queued[pod] -= 1

    def _nothing_for(self, mine: str | None) -> bool:
        """Whether no queued item is one a person of pod `mine` may take (the pool's `_eligible`)."""
        q, counts = self._queued, self.pod_count
        if q.get(mine, 0) or q.get(None, 0):
            return False
        return not any(n and not counts.get(p, 0) for p, n in q.items())

    def _best(self, items: Any, person: Person | None) -> int:
        """Index of the first item of the highest-priority kind in `items` (that `person` may take,
        when given); -1 if none. (The pool's `_eligible`, inlined: this scan is the hot spot of
        long queues in pods.)"""
        rank: dict[str | None, int] = self.rank  # type: ignore[assignment]  # only with priorities
        get = rank.get
        worst = len(rank)
        best, best_rank = -1, worst + 1
        anyone = person is None or not self._podded  # no pod rule to check
        mine, counts = (None, self.pod_count) if person is None else (person.pod, self.pod_count)
        if not anyone and items is self.queue and self._nothing_for(mine):
            return -1
        for i, r in enumerate(items):
            if anyone or (pod := r.pod) is None or pod == mine or not counts.get(pod, 0):
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
        queue, worst = self.queue, len(rank)
        mine = own[j := self._best(own, None)]
        i = self._best(queue, person) if queue else -1
        if i >= 0 and (rank.get(queue[i].kind, worst), queue[i].since) < (rank.get(mine.kind, worst), mine.since):
            req = queue[i]
            del queue[i]
            self._queued_out(req.pod)
            return req
        del own[j]
        if not own:
            person.own = None
        return mine
