"""Sales: working opportunities to a decision.

An opportunity needs an AE's effort (a task for the AE pool, within the segment's pod when
routing by segment) while, in parallel, the buyer takes the calendar time of the sales cycle;
deals of segments that need presales also need an SE task. The deal is decided when all are
done. Win probability = segment win rate x product maturity factor x enablement factor x
presales factor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgsim.model import delivery

if TYPE_CHECKING:
    from orgsim.model.company import Company
    from orgsim.model.marketing import Lead
    from orgsim.model.workforce import Person, Task


class Sales:
    def __init__(self, co: "Company"):
        self.co = co
        sc = co.sc
        self.pool = co.workforce.pool_or_empty("ae")
        self.stage = co.stage("sales", self.pool)
        self.effort = {n: co.sampler(s.effort_hours.opportunity, f"effort.opportunity.{n}") for n, s in sc.segments.items()}
        self.cycle = {n: co.sampler(s.sales_cycle_days, f"cycle.{n}") for n, s in sc.segments.items()}
        self.win = {n: co.streams.uniforms(f"win.{n}") for n in sc.segments}
        self.cycle_days: list[float] = []
        self.by_owner = sc.ownership.deal_work == "owner"  # the routed AE works the deal itself
        self._cycle_done_cbs = (self._part_done,) if co.events is None else (self._cycle_done_logged,)

    def win_probability(self, segment: str, presales_factor: float) -> float:
        co = self.co
        p = (
            co.sc.segments[segment].win_rate
            * co.product.win_factor()
            * co.presales.enablement_factor
            * presales_factor
        )
        return min(p, 1.0)


    def _part_done(self, lead: "Lead") -> None:
        """The buyer's cycle, the AE's work or the SE's work is done; decide when all are."""
        lead.pending -= 1
        if lead.pending == 0:
            self._decide(lead)

    def _cycle_done_logged(self, lead: "Lead") -> None:
        """The buyer's cycle is done (with the event log on)."""
        self.co.events.add(lead.case, "opportunity", "Buyer cycle complete", lead.segment, lead.source)
        self._part_done(lead)

    def part_done(self, task: "Task") -> None:
        self._part_done(task.ctx)

    def _decide(self, lead: "Lead") -> None:
        co = self.co
        seg = lead.segment
        co.sdr.closed(lead.owner)
        won = self.win[seg]() < self.win_probability(seg, lead.factor)
        self.cycle_days.append(co.env.now - lead.opened)
        if not won:
            co.funnel["lost.opportunity"] += 1
            if co.events is not None:
                co.events.add(lead.case, "opportunity", "Lost", seg, lead.source, resource=f"ae-{lead.owner.pid}",
                              role="ae")
            return
        co.funnel["won"] += 1
        delivery.close_won(co, lead, lead.owner)


def work_opportunity(co: "Company", lead: "Lead", owner: "Person", routed_at: float) -> None:
    """AE work, buyer's cycle and presales run together; then win or lose (`Sales._decide`)."""
    s = co.sales
    env = co.env
    seg = lead.segment
    lead.opened = env.now
    lead.owner = owner
    lead.factor = 1.0
    lead.pending = 2
    if co.events is not None:
        co.events.add(lead.case, "opportunity", "Assigned to AE", seg, lead.source, resource=f"ae-{owner.pid}",
                      role="ae")
    effort = s.effort[seg]()
    lead.callbacks = s._cycle_done_cbs  # the buyer's cycle: the lead is its own timer
    co.calendar.schedule(lead, s.cycle[seg]())
    s.pool.submit(s.stage, effort, s.part_done, lead, pod=co.pod_of(seg), since=routed_at,
                  person=owner if s.by_owner else None)
    if co.sc.segments[seg].needs_presales:
        lead.pending += 1
        co.presales.support(lead)
