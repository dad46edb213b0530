"""Nurture: lost and dark opportunities and disqualified MQLs may come back as MQLs (recycling).

A lead that left the funnel for reason r (``lost``, ``no_decision``, ``disqualified``) enters
nurture; with probability ``funnel.recycling.<r>`` it comes back after
``funnel.recycling.delay_days`` as an MQL of its original source and segment and is qualified again
(``next.accept(lead)``, the SDRs). Made only when some probability is above 0: with recycling off
nothing calls it and its streams draw nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from orgsim.distributions import Sampler
from orgsim.model.clock import Clock, Timer
from orgsim.model.entities import Accepts, Lead
from orgsim.rng import Streams
from orgsim.scenario import Scenario

if TYPE_CHECKING:
    from orgsim.model.stages import Results
    from orgsim.model.trace import EventLog

__all__ = ["REASONS", "Nurture", "nurture_for"]

REASONS = ("lost", "no_decision", "disqualified")


class Nurture:
    """Keeps leads that left the funnel and brings some back as MQLs.

    Args:
        clock: the replication's clock.
        sc: the scenario (reads ``funnel.recycling``).
        streams: random streams (``recycle.<reason>``, ``recycle.delay``).
        log: the event log, when one is kept.

    ``next`` (who qualifies recycled MQLs, the SDRs) is set after construction: the SDRs hand
    their disqualified MQLs to nurture, so each needs the other.
    """

    def __init__(self, *, clock: Clock, sc: Scenario, streams: Streams, log: EventLog | None = None):
        rc = sc.funnel.recycling
        self.clock = clock
        self.probability = {"lost": rc.lost, "no_decision": rc.no_decision, "disqualified": rc.disqualified}
        self.draws = {r: streams.uniforms(f"recycle.{r}") for r in REASONS}
        # what `accept` reads for a reason, in one look-up: its probability, draws and counter
        self._by_reason = {r: (self.probability[r], self.draws[r], f"nurture.{r}") for r in REASONS}
        self.delay = Sampler(rc.delay_days, streams.generator("recycle.delay"))
        self.next: Accepts[Lead] | None = None
        self.log = log
        self.funnel: Counter[str] = Counter()

    def accept(self, lead: Lead, reason: str) -> None:
        """A lead that left the funnel for `reason`: it comes back later, or not."""
        p, draw, key = self._by_reason[reason]
        if p <= 0.0 or not draw() < p:  # (`bernoulli`, inlined)
            return
        self.funnel[key] += 1
        self.clock.calendar.schedule(Timer(self._back, lead), self.delay())

    def record(self, into: Results) -> None:
        """Leads sent back to nurture by reason, and MQLs recycled."""
        into.count(self.funnel)

    def _back(self, lead: Lead) -> None:
        """Back from nurture: an MQL again (of its own source and segment), to qualify."""
        lead.mql, lead.sql = True, False
        self.funnel[f"mql.{lead.source}"] += 1  # an MQL again: funnel `mql` counts it
        self.funnel["mql.recycled"] += 1
        self.funnel[f"recycled.{lead.source}"] += 1
        if self.log is not None:
            self.log.add(lead.case, "lead", "Recycled as MQL", lead.segment, lead.source)
        assert self.next is not None
        self.next.accept(lead)


def nurture_for(clock: Clock, sc: Scenario, streams: Streams, log: EventLog | None = None) -> Nurture | None:
    """A nurture when the scenario recycles leads, else None (recycling off costs nothing)."""
    return Nurture(clock=clock, sc=sc, streams=streams, log=log) if sc.funnel.recycling.on else None
