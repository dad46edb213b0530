"""Routing of opportunities to AEs: who gets the next one (part of sales, the third link).

SDRs route each SQL to an AE by preset rules (`ownership.routing`): by segment (pods), round
robin, or least loaded. An AE carries at most `max_open_opportunities`; `pick` returns None when
every eligible AE is full, and sales keeps the opportunity waiting until `closed` or `joined`
frees a slot (`orgsim.model.sales.Sales`).
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import TYPE_CHECKING

from orgsim.scenario import Scenario

if TYPE_CHECKING:
    from orgsim.model.people import Person
    from orgsim.model.pools import Pool

__all__ = ["Routing", "segment_pods"]

UNLIMITED = 10**9


def segment_pods(sc: Scenario) -> bool:
    """Whether AEs work in segment pods: the AE role has pods and routing is by segment.

    Then an AE task of a segment (its deals, their delivery by sales, expansions and renewals
    by AEs, qualification by AEs) goes to that segment's pod, while the pod has people.
    """
    ae = sc.roles.get("ae")
    return bool(ae and ae.pods and sc.ownership.routing == "segment")


class Routing:
    """The AEs' open opportunities, and the rule that picks an owner.

    Args:
        sc: the scenario (reads ``ownership.routing`` and the AE role's
            ``max_open_opportunities`` and ``pods``).
        aes: the AE pool.
    """

    def __init__(self, sc: Scenario, aes: Pool):
        self.rule = sc.ownership.routing
        ae = sc.roles.get("ae")
        self.max_open = ae.max_open_opportunities if ae and ae.max_open_opportunities else UNLIMITED
        self.pods = segment_pods(sc)
        self.aes = aes
        self._rr = 0
        # AEs by load for least-loaded and segment routing: heaps of (open opportunities, pid,
        # person) per pod and over everyone (key None), with lazy deletion: an entry is stale
        # once the AE's count moved on or the AE left; every change pushes a fresh entry
        self._loads: dict[str | None, list] = {}
        if self.rule != "round_robin":
            for p in aes.people:
                self._push(p)

    def pod_of(self, segment: str) -> str | None:
        """The pod that works the segment's deals (None without pods)."""
        return segment if self.pods else None

    def _push(self, p: Person) -> None:
        entry = (p.open_opps, p.pid, p)
        for key in (None, p.pod) if p.pod is not None else (None,):
            heap = self._loads.get(key)
            if heap is None:
                heap = self._loads[key] = []
            heappush(heap, entry)
            if len(heap) > 4 * len(self.aes.people) + 64:  # mostly stale: rebuild from the AEs
                people = self.aes.people if key is None else self.aes.by_pod.get(key, [])
                heap[:] = [(q.open_opps, q.pid, q) for q in people if not q.leaving]
                heapify(heap)

    def opened(self, p: Person) -> None:
        """`p` takes on one more opportunity."""
        p.open_opps += 1
        if self.rule != "round_robin":
            self._push(p)

    def closed(self, p: Person) -> None:
        """One of `p`'s opportunities is decided: a slot frees up."""
        p.open_opps -= 1
        if self.rule != "round_robin":
            self._push(p)

    def joined(self, p: Person) -> None:
        """A new AE (already in the pool) has room."""
        if self.rule != "round_robin":
            self._push(p)

    def _candidates(self, segment: str) -> list[Person]:
        aes = self.aes
        if self.max_open >= UNLIMITED and not aes.leaving:
            people = aes.people  # no cap and nobody on the way out: every AE has room (read only)
        else:
            people = [p for p in aes.people if p.open_opps < self.max_open and not p.leaving]
        if self.rule == "segment":
            pod = self.pod_of(segment)
            if aes.pod_count.get(pod, 0) > 0:
                people = [p for p in people if p.pod == pod]
        return people

    def pick(self, segment: str) -> Person | None:
        """The AE who gets the opportunity, or None when every eligible AE is full."""
        if self.rule == "round_robin":
            people = self._candidates(segment)
            if not people:
                return None
            self._rr += 1
            return people[self._rr % len(people)]
        # least loaded (within the segment's pod when routing by segment): the AE with room
        # and the fewest open opportunities, the longest-serving (lowest pid) among equals
        aes = self.aes
        key = None
        if self.rule == "segment":
            pod = self.pod_of(segment)
            if aes.pod_count.get(pod, 0) > 0:
                if pod is None and aes.podded:  # pod-less people among podded ones: scan them
                    return self._least_loaded([p for p in aes.people if p.pod is None])
                key = pod
        heap = self._loads.get(key)
        while heap:
            n, _, p = heap[0]
            if n != p.open_opps or p.leaving or p.gone:
                heappop(heap)  # stale
                continue
            return p if n < self.max_open else None  # the least loaded is full: all are
        return None

    def _least_loaded(self, people: list[Person]) -> Person | None:
        max_open = self.max_open
        best = None
        best_open = best_pid = 0
        for p in people:
            n = p.open_opps
            if (
                n < max_open
                and not p.leaving
                and (best is None or n < best_open or (n == best_open and p.pid < best_pid))
            ):
                best, best_open, best_pid = p, n, p.pid
        return best
