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
    from orgsim.model.company import Company, Lead
    from orgsim.model.workforce import Person


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

    def win_probability(self, segment: str, presales_factor: float) -> float:
        co = self.co
        p = (
            co.sc.segments[segment].win_rate
            * co.product.win_factor()
            * co.presales.enablement_factor
            * presales_factor
        )
        return min(p, 1.0)


def work_opportunity(co: "Company", lead: "Lead", owner: "Person", routed_at: float):
    """Process body: AE work, buyer's cycle and presales run together; then win or lose."""
    s = co.sales
    env = co.env
    seg = lead.segment
    start = env.now
    ae_work = s.pool.work(s.stage, s.effort[seg](), pod=co.pod_of(seg), since=routed_at)
    events = [env.timeout(s.cycle[seg]()), env.process(ae_work)]
    presales = None
    if co.sc.segments[seg].needs_presales:
        presales = env.process(co.presales.support(seg))
        events.append(presales)
    yield env.all_of(events)
    factor = presales.value if presales is not None else 1.0
    owner.open_opps -= 1
    co.sdr.slot_freed()
    won = s.win[seg]() < s.win_probability(seg, factor)
    s.cycle_days.append(env.now - start)
    if not won:
        co.funnel["lost.opportunity"] += 1
        return
    co.funnel["won"] += 1
    yield from delivery.close_won(co, lead, owner)
