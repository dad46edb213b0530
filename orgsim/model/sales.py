"""Sales: an SQL becomes an opportunity and is worked to a decision (the third link of the value chain).

`Sales.accept` is where a lead becomes an opportunity: sales accepts the SQL (or not, at
`funnel.sql_to_opportunity`) and routes it to an AE with room (`orgsim.model.routing`); when
every eligible AE is full, it waits for a slot, and that wait is the sales stage's. While the
company has no AE on staff and its founders take `opportunity` work, the deal is the founders':
its effort waits in the AE queue, where they take it (`orgsim.model.founders`); with
`founders.step_in: overloaded` so is a deal that waited `overload_wait_days` for room. The
opportunity then needs the AE's effort (a task for the AE pool, within the segment's pod when
routing by segment) while, in parallel, the buyer takes the calendar time of the sales cycle;
deals of segments that need presales also need an SE (``presales.accept``). The deal is decided
when all are done (the opportunity is a `orgsim.model.clock.Join`). Win probability = segment win rate x product
maturity factor x enablement factor x presales factor, times the deal-momentum factor of the days
the sellers kept the buyer waiting (`funnel.deal_momentum`; past its patience the deal goes dark:
no decision). Won deals go on to delivery (``next.accept(opportunity)``); lost and dark ones to
nurture when leads are recycled (`orgsim.model.nurture`).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Protocol

import numpy as np

from orgsim.distributions import Sampler
from orgsim.model.clock import Clock
from orgsim.model.entities import Accepts, Lead, Opportunity
from orgsim.model.routing import Routing
from orgsim.model.stages import mean
from orgsim.rng import Streams
from orgsim.scenario import Scenario
from orgsim.scenario.founders import founders_take

if TYPE_CHECKING:
    from orgsim.model.nurture import Nurture
    from orgsim.model.pools import Person, Pool, Task
    from orgsim.model.stages import Results, StageStats
    from orgsim.model.trace import EventLog

__all__ = ["Sales"]


class PresalesDesk(Protocol):
    """What sales needs of presales: SE work on a deal, and the enablement uplift now."""

    enablement_factor: float

    def accept(self, item: Opportunity) -> None: ...


class ProductMaturity(Protocol):
    """What sales needs of product: the win-rate factor of product maturity now."""

    def win_factor(self) -> float: ...


class Sales:
    """Turns SQLs into opportunities, routes them to AEs and decides them.

    Args:
        clock: the replication's clock.
        sc: the scenario (reads ``segments``, ``funnel.sql_to_opportunity``,
            ``funnel.deal_momentum``, ``ownership``, the AE role).
        streams: random streams (``convert.sql_to_opportunity``, ``effort.opportunity.<segment>``,
            ``cycle.<segment>``, ``win.<segment>``).
        pool: the AE pool.
        stage: the sales stage.
        presales: who does the SE work of deals that need it.
        product: the product, whose maturity shapes win rates.
        next: who receives won deals (delivery).
        log: the event log, when one is kept.
        nurture: where lost and dark opportunities go when recycling is on (None: off).
    """

    def __init__(
        self,
        *,
        clock: Clock,
        sc: Scenario,
        streams: Streams,
        pool: Pool,
        stage: StageStats,
        presales: PresalesDesk,
        product: ProductMaturity,
        next: Accepts[Opportunity],
        log: EventLog | None = None,
        nurture: Nurture | None = None,
    ):
        self.clock = clock
        self.env = clock.env  # (its ``now`` is read often: one attribute lookup less)
        self.sc = sc
        self.pool = pool
        self.stage = stage
        self.presales = presales
        self.product = product
        self.next = next
        self.log = log
        self.routing = Routing(sc, pool)
        self.funnel: Counter[str] = Counter()
        self.accepts = streams.uniforms("convert.sql_to_opportunity")
        self.effort = {
            n: Sampler(s.effort_hours.opportunity, streams.generator(f"effort.opportunity.{n}"))
            for n, s in sc.segments.items()
        }
        self.cycle = {n: Sampler(s.sales_cycle_days, streams.generator(f"cycle.{n}")) for n, s in sc.segments.items()}
        self.win = {n: streams.uniforms(f"win.{n}") for n in sc.segments}
        self.cycle_days: list[float] = []
        self.days_to_decision = 0.0  # summed over decided opportunities, from their creation
        self.segment_days = dict.fromkeys(sc.segments, 0.0)  # the same by segment (sales cycle by segment)
        self.segment_decided = dict.fromkeys(sc.segments, 0)
        self.nurture = nurture
        dm = sc.funnel.deal_momentum
        self.halflife = dm.halflife_days
        self.patience = dm.patience_days
        self.floor = dm.floor
        self.momentum = self.halflife is not None or self.patience is not None
        self.by_owner = sc.ownership.deal_work == "owner"  # the routed AE works the deal itself
        self.founders_sell = founders_take(sc, "opportunity")  # with no AE on staff, deals are the founders'
        f = sc.founders
        # overloaded founders also take a deal that has waited this long for an AE with room (None: never)
        self.relieve_after = f.overload_wait_days if self.founders_sell and f and f.step_in == "overloaded" else None
        self._waiting: list[Opportunity] = []  # opportunities waiting for an AE with room
        self._won_by_month = np.zeros(sc.horizon_months)
        self._got_owner_cbs = (self._got_owner,)
        self._decide_cb = self._decide  # bound once, not per opportunity
        # the buyer's cycle is one of the deal's parts
        self._cycle_done_cbs = (Opportunity.part_done,) if log is None else (self._cycle_done_logged,)

    @property
    def won(self) -> int:
        """Deals won so far."""
        return self.funnel["won"]

    def accept(self, lead: Lead) -> None:
        """An SQL: sales accepts it as an opportunity (or not) and routes it to an AE with room."""
        log = self.log
        if not self.accepts.bernoulli(self.sc.funnel.sql_to_opportunity):
            self.funnel["lost.sql"] += 1
            if log is not None:
                log.add(lead.case, "lead", "Not accepted by sales", lead.segment, lead.source)
            return
        self.funnel["opportunities"] += 1
        if log is not None:
            log.add(lead.case, "opportunity", "Opportunity created", lead.segment, lead.source)
        opp = Opportunity(lead, self.env.now, self._decide_cb)
        owner = self.routing.pick(opp.segment)
        if owner is None:
            if self.founders_sell and not self.pool.people:
                self._founders_take(opp)
                return
            if log is not None:
                log.add(opp.case, "opportunity", "Waiting for an AE with room", opp.segment, opp.source)
            # every eligible AE is full: the opportunity waits for room, and that wait is the
            # sales stage's (it shows in its waits and its queue)
            self._waiting.append(opp)
            self.stage.waiting += 1
            if self.relieve_after is not None:
                self.clock.later(self.relieve_after, self._relieve, opp)
            return  # _slot_freed hands it an owner (or, overloaded, the founders take it)
        self.routing.opened(owner)
        self._work(opp, owner)

    def _founders_take(self, opp: Opportunity) -> None:
        """No AE on staff: the deal is the founders' (owner None), and so are the opportunities
        that were waiting for an AE with room when the last AE left."""
        if self._waiting:
            waiting, self._waiting = self._waiting, []
            for o in waiting:
                self.stage.waiting -= 1
                self._work(o, None)
        self._work(opp, None)

    def _relieve(self, opp: Opportunity) -> None:
        """Founders with `step_in: overloaded`: a deal still waiting for an AE with room after
        `overload_wait_days` is theirs (unless an AE got it meanwhile)."""
        if opp.owner is not None or opp not in self._waiting:
            return
        self._waiting.remove(opp)
        self.stage.waiting -= 1
        self._work(opp, None)

    def ae_joined(self, person: Person) -> None:
        """A new AE (already in the pool) has room for opportunities waiting for one."""
        self.routing.joined(person)
        self._slot_freed()

    def win_probability(self, segment: str, presales_factor: float) -> float:
        """Segment win rate x product maturity factor x enablement factor x presales factor (at most 1)."""
        p = (
            self.sc.segments[segment].win_rate
            * self.product.win_factor()
            * self.presales.enablement_factor
            * presales_factor
        )
        return min(p, 1.0)

    def close_month(self, month: int) -> None:
        """Note the deals won by the end of `month` (0-based)."""
        self._won_by_month[month] = self.funnel["won"]

    def stop(self, month: int) -> None:
        """The company stopped at the close of `month`: no deal is won in later months."""
        self._won_by_month[month + 1 :] = self._won_by_month[month]

    def record(self, into: Results) -> None:
        """Opportunities and their outcomes, new customers by month, the mean sales cycle, and
        the waits of opportunities still waiting for an AE with room."""
        into.count(self.funnel)
        into.monthly["new_customers"] = np.diff(self._won_by_month, prepend=0.0)
        into.counters["mean_sales_cycle_days"] = mean(self.cycle_days)
        into.counters["days_to_decision"] = self.days_to_decision
        for seg, days in self.segment_days.items():
            into.counters[f"days_to_decision.{seg}"] = days
            into.counters[f"decided.{seg}"] = self.segment_decided[seg]
        into.stage_tails.setdefault(self.stage.name, []).extend(o.routed_at for o in self._waiting)

    # ---- an opportunity's way through sales ------------------------------------------------

    def _slot_freed(self) -> None:
        """An opportunity closed (or an AE joined): hand waiting opportunities to AEs with room."""
        if not self._waiting:
            return
        still = []
        for opp in self._waiting:
            owner = self.routing.pick(opp.segment)
            if owner is None:
                still.append(opp)
            else:
                self.routing.opened(owner)  # count it now so the next waiter sees the slot taken
                opp.owner = owner
                self.clock.wake(opp, self._got_owner_cbs)  # one zero-delay step later, as a succeeded event
        self._waiting = still

    def _got_owner(self, opp: Opportunity) -> None:
        self.stage.waiting -= 1
        assert opp.owner is not None
        self._work(opp, opp.owner)

    def _work(self, opp: Opportunity, owner: Person | None) -> None:
        """AE work, buyer's cycle and presales run together; then win or lose (`_decide`).
        Owner None: the founders' deal (no AE on staff)."""
        seg = opp.segment
        opp.opened = self.env.now
        opp.owner = owner
        if self.log is not None:
            if owner is None:
                what = "Assigned to founders"
                self.log.add(opp.case, "opportunity", what, seg, opp.source, resource="founders", role="founder")
            else:
                self.log.add(
                    opp.case, "opportunity", "Assigned to AE", seg, opp.source, resource=f"ae-{owner.pid}", role="ae"
                )
        effort = self.effort[seg]()
        cycle = self.cycle[seg]()
        opp.buyer_ready = opp.routed_at + cycle  # when the buyer could decide, had no seller kept them waiting
        self.clock.wake_far(opp, self._cycle_done_cbs, cycle)  # the buyer's cycle
        self.pool.submit(
            self.stage,
            effort,
            self._worked,
            opp,
            pod=seg if self.routing.pods else None,
            since=opp.routed_at,
            person=owner if self.by_owner else None,
            kind="opportunity",
        )
        if self.sc.segments[seg].needs_presales:
            opp.expect()
            self.presales.accept(opp)

    def _cycle_done_logged(self, opp: Opportunity) -> None:
        """The buyer's cycle is done (with the event log on)."""
        assert self.log is not None
        self.log.add(opp.case, "opportunity", "Buyer cycle complete", opp.segment, opp.source)
        opp.part_done()

    def _worked(self, task: Task) -> None:
        """The AE's work on the deal is done."""
        task.ctx.part_done()

    def momentum_factor(self, delay: float) -> float:
        """floor + (1 - floor) x 0.5 ^ (delay / half-life); 1 without a half-life."""
        if self.halflife is None:
            return 1.0
        return self.floor + (1.0 - self.floor) * 0.5 ** (delay / self.halflife)

    def _decide(self, opp: Opportunity) -> None:
        """Everything the deal waited for is done: won, lost or (with deal momentum) no decision."""
        seg = opp.segment
        owner = opp.owner
        if owner is not None:  # (a founders' deal holds no AE's slot)
            self.routing.closed(owner)
        self._slot_freed()
        now = self.env.now
        u = self.win[seg]()  # drawn whatever the outcome: the next deal's draw stays its own
        p = self.win_probability(seg, opp.factor)
        reason = "lost"
        if self.momentum:
            delay = max(0.0, now - opp.buyer_ready)  # days the sellers kept the buyer waiting
            if self.patience is not None and delay > self.patience:
                reason, p = "no_decision", 0.0
            elif self.halflife is not None:  # `momentum_factor` (1 without a half-life), inlined
                p *= self.floor + (1.0 - self.floor) * 0.5 ** (delay / self.halflife)
        self.cycle_days.append(now - opp.opened)
        self.days_to_decision += now - opp.routed_at
        self.segment_days[seg] += now - opp.routed_at
        self.segment_decided[seg] += 1
        if u >= p:
            self._lost(opp, reason)
            return
        self.funnel["won"] += 1
        self.next.accept(opp)

    def _lost(self, opp: Opportunity, reason: str) -> None:
        """Lost (decided, not won) or no decision (the buyer went dark); to nurture when recycling."""
        self.funnel["lost.opportunity" if reason == "lost" else "lost.no_decision"] += 1
        if self.log is not None:
            what = "Lost" if reason == "lost" else "Lost (no decision)"
            o = opp.owner
            who, role = ("founders", "founder") if o is None else (f"ae-{o.pid}", "ae")
            self.log.add(opp.case, "opportunity", what, opp.segment, opp.source, resource=who, role=role)
        if self.nurture is not None:
            self.nurture.accept(opp.lead, reason)
