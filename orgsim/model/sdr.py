"""SDR: qualification (MQL -> SQL) and routing of SQLs to AEs.

Qualification is a task for the SDR pool, or for the AEs where the structure has no SDRs
(`ownership.qualification: ae`). The chance that an MQL becomes an SQL decays with the time it
waited for someone to call it back (speed to lead). SDRs then route each SQL to an AE by preset
rules: by segment (pods), round robin, or least loaded. An AE carries at most
`max_open_opportunities`; when every eligible AE is full, the SQL waits for a free slot.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import TYPE_CHECKING

from orgsim.model import sales

if TYPE_CHECKING:
    from orgsim.model.company import Company
    from orgsim.model.marketing import Lead
    from orgsim.model.workforce import Person, Task


def speed_to_lead_factor(co: "Company", wait_days: float) -> float:
    """floor + (1 - floor) x 0.5 ^ (wait / half-life); 1 when speed to lead is off."""
    stl = co.sc.funnel.speed_to_lead
    if stl is None:
        return 1.0
    return stl.floor + (1.0 - stl.floor) * 0.5 ** (wait_days * 24.0 / stl.halflife_hours)


def qualify(co: "Company", lead: "Lead") -> None:
    """An SDR (or AE) qualifies the MQL; an SQL goes on to routing (`SDR.qualified`)."""
    d = co.sdr
    d.pool.submit(d.stage, d.effort(), d.qualified, lead, pod=co.pod_of(lead.segment) if d.by_ae else None, share=d.share)


def route(co: "Company", lead: "Lead") -> None:
    """The SQL becomes an opportunity and is given to an AE with room for it."""
    d = co.sdr
    log = co.events
    if not d.accept.bernoulli(co.sc.funnel.sql_to_opportunity):
        co.funnel["lost.sql"] += 1
        if log is not None:
            log.add(lead.case, "lead", "Not accepted by sales", lead.segment, lead.source)
        return
    co.funnel["opportunities"] += 1
    if log is not None:
        log.add(lead.case, "opportunity", "Opportunity created", lead.segment, lead.source)
    routed_at = co.env.now
    owner = d.pick_owner(lead.segment)
    if owner is None:
        if log is not None:
            log.add(lead.case, "opportunity", "Waiting for an AE with room", lead.segment, lead.source)
        # every eligible AE is full: the opportunity waits for room, and that wait is the
        # sales stage's (it shows in its waits and its queue)
        lead.routed_at = routed_at
        d.waiting_for_slot.append((lead, lead.segment, routed_at))
        co.sales.stage.waiting += 1
        return  # slot_freed hands it an owner
    d.opened(owner)
    sales.work_opportunity(co, lead, owner, routed_at)


class SDR:
    """Qualification and routing state."""

    def __init__(self, co: "Company"):
        self.co = co
        sc = co.sc
        self.by_ae = sc.ownership.qualification == "ae"
        role = "ae" if self.by_ae else "sdr"
        self.pool = co.workforce.pool_or_empty(role)
        # SDRs give their prospecting share of time to outbound, the rest to inbound tasks
        self.share = 1.0 if self.by_ae else 1.0 - sc.lead_sources.outbound.sdr_time_share
        self.stage = co.stage("sdr", self.pool)
        self.effort = co.sampler(sc.effort_hours.qualify, "effort.qualify")
        self.convert = co.streams.uniforms("convert.mql_to_sql")
        self.accept = co.streams.uniforms("convert.sql_to_opportunity")
        self.routing = sc.ownership.routing
        ae = sc.roles.get("ae")
        self.max_open = ae.max_open_opportunities if ae and ae.max_open_opportunities else 10**9
        self._rr = 0
        self.waiting_for_slot: list = []
        self.aes = co.workforce.pool_or_empty("ae")
        self._got_owner_cbs = (self._got_owner,)
        # AEs by load for least-loaded and segment routing: heaps of (open opportunities, pid,
        # person) per pod and over everyone (key None), with lazy deletion: an entry is stale
        # once the AE's count moved on or the AE left; every change pushes a fresh entry
        self._loads: dict[str | None, list] = {}
        if self.routing != "round_robin":
            for p in self.aes.people:
                self._push(p)

    def _push(self, p: "Person") -> None:
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

    def opened(self, p: "Person") -> None:
        """`p` takes on one more opportunity."""
        p.open_opps += 1
        if self.routing != "round_robin":
            self._push(p)

    def closed(self, p: "Person") -> None:
        """One of `p`'s opportunities is decided: a slot frees up."""
        p.open_opps -= 1
        if self.routing != "round_robin":
            self._push(p)
        self.slot_freed()

    def ae_joined(self, p: "Person") -> None:
        """A new AE (already in the pool) has room for SQLs waiting for one."""
        if self.routing != "round_robin":
            self._push(p)
        self.slot_freed()

    def qualified(self, task: "Task") -> None:
        """The qualification task is done: SQL (with speed to lead) or lost."""
        co = self.co
        p = co.sc.funnel.mql_to_sql * speed_to_lead_factor(co, task.wait)
        lead = task.ctx
        if not self.convert.bernoulli(p):
            co.funnel["lost.qualification"] += 1
            if co.events is not None:
                co.events.add(lead.case, "lead", "Disqualified", lead.segment, lead.source)
            return
        if co.events is not None:
            co.events.add(lead.case, "lead", "Sales qualified", lead.segment, lead.source)
        co.funnel[f"sql.{lead.source}"] += 1
        route(co, lead)

    def _candidates(self, segment: str) -> list["Person"]:
        aes = self.aes
        if self.max_open >= 10**9 and not aes.leaving:
            people = aes.people  # no cap and nobody on the way out: every AE has room (read only)
        else:
            people = [p for p in aes.people if p.open_opps < self.max_open and not p.leaving]
        if self.routing == "segment":
            pod = self.co.pod_of(segment)
            if aes.pod_count.get(pod, 0) > 0:
                people = [p for p in people if p.pod == pod]
        return people

    def pick_owner(self, segment: str) -> "Person | None":
        """The AE who gets the opportunity, or None when every eligible AE is full."""
        if self.routing == "round_robin":
            people = self._candidates(segment)
            if not people:
                return None
            self._rr += 1
            return people[self._rr % len(people)]
        # least loaded (within the segment's pod when routing by segment): the AE with room
        # and the fewest open opportunities, the longest-serving (lowest pid) among equals
        aes = self.aes
        key = None
        if self.routing == "segment":
            pod = self.co.pod_of(segment)
            if aes.pod_count.get(pod, 0) > 0:
                if pod is None and aes._podded:  # pod-less people among podded ones: scan them
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

    def _least_loaded(self, people: list["Person"]) -> "Person | None":
        max_open = self.max_open
        best = None
        best_open = best_pid = 0
        for p in people:
            n = p.open_opps
            if n < max_open and not p.leaving and (best is None or n < best_open or (n == best_open and p.pid < best_pid)):
                best, best_open, best_pid = p, n, p.pid
        return best

    def waiting_since(self) -> list[float]:
        """When each opportunity still waiting for an AE with room began to wait."""
        return [t for _, _, t in self.waiting_for_slot]

    def slot_freed(self) -> None:
        """An opportunity closed (or an AE joined): hand waiting SQLs to AEs with room."""
        if not self.waiting_for_slot:
            return
        env = self.co.env
        still = []
        for item in self.waiting_for_slot:
            lead, segment, _ = item
            owner = self.pick_owner(segment)
            if owner is None:
                still.append(item)
            else:
                self.opened(owner)  # count it now so the next waiter sees the slot taken
                lead.owner = owner
                lead.callbacks = self._got_owner_cbs  # one zero-delay step later, as a succeeded event
                env.schedule(lead)
        self.waiting_for_slot = still

    def _got_owner(self, lead: "Lead") -> None:
        self.co.sales.stage.waiting -= 1
        sales.work_opportunity(self.co, lead, lead.owner, lead.routed_at)
