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

    def _eligible(self, person: Person, pod: str | None) -> bool:
        raise NotImplementedError  # the pool's

    def prioritise(self, order: Sequence[str] | None) -> None:
        """Take queued work by kind in this order (oldest first within a kind; kinds not listed
        last, FIFO among them); None or empty: FIFO, as if never called."""
        self.rank = {kind: i for i, kind in enumerate(order)} if order else None

    def _best(self, items: Any, person: Person | None) -> int:
        """Index of the first item of the highest-priority kind in `items` (that `person` may take,
        when given); -1 if none."""
        rank: dict[str | None, int] = self.rank  # type: ignore[assignment]  # only with priorities
        worst = len(rank)
        check = person is not None and self._podded
        best, best_rank = -1, worst + 1
        for i, r in enumerate(items):
            k = rank.get(r.kind, worst)
            if k < best_rank and (not check or self._eligible(person, r.pod)):  # type: ignore[arg-type]
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
            return req
        del own[j]
        if not own:
            person.own = None
        return mine
