"""SDR: qualification (MQL -> SQL) and routing of SQLs to AEs.

Qualification is a task for the SDR pool, or for the AEs where the structure has no SDRs
(`ownership.qualification: ae`). The chance that an MQL becomes an SQL decays with the time it
waited for someone to call it back (speed to lead). SDRs then route each SQL to an AE by preset
rules: by segment (pods), round robin, or least loaded. An AE carries at most
`max_open_opportunities`; when every eligible AE is full, the SQL waits for a free slot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgsim.model import sales

if TYPE_CHECKING:
    from orgsim.model.company import Company, Lead
    from orgsim.model.workforce import Person


def speed_to_lead_factor(co: "Company", wait_days: float) -> float:
    """floor + (1 - floor) x 0.5 ^ (wait / half-life); 1 when speed to lead is off."""
    stl = co.sc.funnel.speed_to_lead
    if stl is None:
        return 1.0
    return stl.floor + (1.0 - stl.floor) * 0.5 ** (wait_days * 24.0 / stl.halflife_hours)


def qualify(co: "Company", lead: "Lead"):
    """Process body: an SDR (or AE) qualifies the MQL; an SQL goes on to routing."""
    d = co.sdr
    wait = yield from d.pool.work(d.stage, d.effort(), pod=co.pod_of(lead.segment) if d.by_ae else None, share=d.share)
    p = co.sc.funnel.mql_to_sql * speed_to_lead_factor(co, wait)
    if not d.convert.bernoulli(p):
        co.funnel["lost.qualification"] += 1
        return
    co.funnel[f"sql.{lead.source}"] += 1
    yield from route(co, lead)


def route(co: "Company", lead: "Lead"):
    """Process body: the SQL becomes an opportunity and is given to an AE with room for it."""
    d = co.sdr
    if not d.accept.bernoulli(co.sc.funnel.sql_to_opportunity):
        co.funnel["lost.sql"] += 1
        return
    co.funnel["opportunities"] += 1
    routed_at = co.env.now
    owner = d.pick_owner(lead.segment)
    if owner is None:
        # every eligible AE is full: the opportunity waits for room, and that wait is the
        # sales stage's (it shows in its waits and its queue)
        ev = co.env.event()
        d.waiting_for_slot.append((ev, lead.segment, routed_at))
        co.sales.stage.waiting += 1
        owner = yield ev  # slot_freed has counted the opportunity against the owner
        co.sales.stage.waiting -= 1
    else:
        owner.open_opps += 1
    yield from sales.work_opportunity(co, lead, owner, routed_at)


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

    def _candidates(self, segment: str) -> list["Person"]:
        people = [p for p in self.aes.people if p.open_opps < self.max_open and not p.leaving]
        if self.routing == "segment":
            pod = self.co.pod_of(segment)
            if self.aes.pod_count.get(pod, 0) > 0:
                people = [p for p in people if p.pod == pod]
        return people

    def pick_owner(self, segment: str) -> "Person | None":
        people = self._candidates(segment)
        if not people:
            return None
        if self.routing == "round_robin":
            self._rr += 1
            return people[self._rr % len(people)]
        return min(people, key=lambda p: (p.open_opps, p.pid))

    def waiting_since(self) -> list[float]:
        """When each opportunity still waiting for an AE with room began to wait."""
        return [t for _, _, t in self.waiting_for_slot]

    def slot_freed(self) -> None:
        """An opportunity closed (or an AE joined): hand waiting SQLs to AEs with room."""
        still = []
        for item in self.waiting_for_slot:
            ev, segment, _ = item
            owner = self.pick_owner(segment)
            if owner is None:
                still.append(item)
            else:
                owner.open_opps += 1  # count it now so the next waiter sees the slot taken
                ev.succeed(owner)
        self.waiting_for_slot = still
