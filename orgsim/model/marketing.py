"""Marketing: where leads come from, and which become MQLs.

Each month the sources create leads as Poisson arrivals spread uniformly over the month:
paid (budget / cost per lead, which rises with spend by `cost_elasticity`), content (grows with
ramped marketer headcount), outbound (SDR prospecting books SQLs directly) and referrals
(healthy customers refer, more when sales keeps the key-person relationship). Marketing
qualification (lead -> MQL) is automated scoring at a source-specific rate, unless
`effort_hours.mql_review` asks for marketer time per lead.
"""

from __future__ import annotations

import math
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np

from orgsim.model import sdr
from orgsim.model.clock import NORMAL, delay_until
from orgsim.scenario import MONTH_DAYS

if TYPE_CHECKING:
    from orgsim.model.company import Company
    from orgsim.model.workforce import Task

SOURCES = ("paid", "content", "outbound", "referral")


class Lead:
    """A lead on its journey. It is also the SimPy event of its own timers (arrival, waiting for an
    AE with room, the buyer's cycle, going live): SimPy calls ``callbacks`` with whatever it pops,
    so a lead needs no process of its own (see `orgsim.model.clock`)."""

    __slots__ = (
        "callbacks", "_ok", "_value", "lid", "source", "segment", "created", "mql",
        "routed_at", "owner", "opened", "pending", "factor", "won_at", "account", "delivery_wait", "case",
    )

    def __init__(self, lid: int, source: str, segment: str, created: float):
        self.callbacks: tuple | None = None
        self._ok = True
        self._value = None
        self.lid = lid
        self.source = source
        self.segment = segment
        self.created = created
        self.mql = True
        self.factor = 1.0


def monthly_rates(co: "Company") -> dict[str, float]:
    """Expected leads per month by source, from the company's state now."""
    ls = co.sc.lead_sources
    paid = ls.paid
    rates = {"paid": 0.0, "content": 0.0, "outbound": 0.0, "referral": 0.0}
    if paid.budget_per_month > 0:
        ref = paid.reference_budget_per_month or paid.budget_per_month
        cpl = paid.cost_per_lead * (paid.budget_per_month / ref) ** paid.cost_elasticity
        rates["paid"] = paid.budget_per_month / cpl
    marketers = co.workforce.pool("marketer")
    if marketers is not None:
        rates["content"] = ls.content.leads_per_marketer_month * marketers.speed_sum()
    sdrs = co.workforce.pool("sdr")
    if sdrs is not None and ls.outbound.sdr_time_share > 0:
        rates["outbound"] = ls.outbound.meetings_per_sdr_month * sdrs.speed_sum()
    boost = ls.referral.relationship_boost if co.sc.ownership.referral_relationship == "sales" else 1.0
    rates["referral"] = co.success.healthy_count() * ls.referral.per_healthy_account_year / 12 * boost
    return rates


def poisson_inverse(u: float, lam: float) -> int:
    """The Poisson(lam) count whose CDF first reaches u: the count by inversion of one uniform.

    Monotone in lam for a fixed u, so two scenarios whose rates differ a little draw counts that
    differ by at most a little (common random numbers); the exact CDF is summed in log space
    over lam +/- 12 standard deviations (mass outside it is below 1e-30).
    """
    if lam <= 0.0:
        return 0
    sd = math.sqrt(lam)
    lo = max(0, int(lam - 12.0 * sd - 12.0))
    hi = int(lam + 12.0 * sd + 12.0)
    k = np.arange(lo, hi + 1, dtype=float)
    # log pmf(k) = k log(lam) - lam - log(k!), with log(k!) built up from log(lo!)
    log_fact = math.lgamma(lo + 1.0) + np.concatenate(([0.0], np.cumsum(np.log(k[1:]))))
    cdf = np.cumsum(np.exp(k * math.log(lam) - lam - log_fact))
    return lo + int(np.searchsorted(cdf, u, side="left")) if u <= cdf[-1] else hi


class Marketing:
    """Generates each month's leads and scores them."""

    def __init__(self, co: "Company"):
        self.co = co
        sc = co.sc
        self.segments = list(sc.segments)
        inbound_mix = np.array([sc.segments[s].lead_mix for s in self.segments], dtype=float)
        out = sc.lead_sources.outbound.segment_mix
        out_mix = np.array([out.get(s, 0.0) for s in self.segments]) if out else inbound_mix
        self.mix = {"paid": inbound_mix, "content": inbound_mix, "referral": inbound_mix, "outbound": out_mix}
        self.mql_rate = {
            "paid": sc.lead_sources.paid.mql_rate,
            "content": sc.lead_sources.content.mql_rate,
            "referral": sc.lead_sources.referral.mql_rate,
            "outbound": 1.0,  # booked meetings are sales-qualified already
        }
        # cumulative segment mix per source (a uniform below cum[k] and above cum[k-1] is segment k)
        self.cum_mix = {s: np.cumsum(m / m.sum())[:-1] for s, m in self.mix.items()}
        self.review = co.sampler(sc.effort_hours.mql_review, "effort.mql_review") if sc.effort_hours.mql_review else None
        self.stage = co.stage("marketing", co.workforce.pool("marketer") if self.review else None)

    def start_of_month(self, month: int) -> None:
        """Draw this month's leads of every source and start their journeys."""
        co = self.co
        now = co.env.now
        t0 = month * MONTH_DAYS
        rates = monthly_rates(co)
        for source in SOURCES:
            lam = rates[source]
            if lam <= 0:
                continue
            g = co.streams.monthly(f"arrivals.{source}", month)
            n = poisson_inverse(g.random(), lam)
            if n == 0:
                continue
            # lead i's arrival time, segment and MQL flag come from row i whatever n is: a month
            # with one lead more (a slightly higher rate) keeps every other lead as it was
            u = g.random((n, 3))
            order = np.argsort(u[:, 0], kind="stable")
            u = u[order]
            times = u[:, 0] * MONTH_DAYS + t0
            segs = np.searchsorted(self.cum_mix[source], u[:, 1], side="right")
            mql = u[:, 2] < self.mql_rate[source]
            co.funnel[f"leads.{source}"] += n
            # the clock times of the arrivals: now + (t - now), as a timeout set now would give
            at = now + (times - now)
            if source == "outbound":
                self._feed(source, at, segs, None, self._outbound)
            elif self.review is None:
                self.stage.arrivals += n
                self.stage.completed += n
                self.stage.waits_days.extend(repeat(0.0, n))
                co.funnel[f"mql.{source}"] += int(mql.sum())
                if co.events is not None:
                    self._log_scored_out(source, at[~mql], segs[~mql])
                self._feed(source, at[mql], segs[mql], None, self._inbound)
            else:
                self._feed(source, at, segs, mql, self._reviewed)

    def _feed(self, source: str, at: np.ndarray, segs: np.ndarray, mql: np.ndarray | None, arrive) -> None:
        """Put a month of one source's leads on the clock, one at a time (a small event heap)."""
        if len(at) == 0:
            return
        segments = self.segments
        feed = _Arrivals(self.co.env, source, at.tolist(), [segments[s] for s in segs.tolist()],
                         mql.tolist() if mql is not None else None, arrive)
        feed.next()

    def _log_scored_out(self, source: str, at: np.ndarray, segs: np.ndarray) -> None:
        """Event log: the leads scoring turned away this month (they never reach anyone's queue)."""
        log = self.co.events
        for t, s in zip(at.tolist(), segs.tolist()):
            case = log.new_case()
            log.add(case, "lead", "Lead created", self.segments[s], source, at=t)
            log.add(case, "lead", "Not marketing-qualified", self.segments[s], source, at=t)

    def _log_created(self, lead: Lead, then: str | None = None) -> None:
        log = self.co.events
        lead.case = log.new_case()
        log.add(lead.case, "lead", "Lead created", lead.segment, lead.source)
        if then is not None:
            log.add(lead.case, "lead", then, lead.segment, lead.source)

    def _inbound(self, lead: Lead) -> None:
        if self.co.events is not None:
            self._log_created(lead, "Marketing qualified")
        self.co.lead_arrives(lead)
        sdr.qualify(self.co, lead)

    def _reviewed(self, lead: Lead) -> None:
        if self.co.events is not None:
            self._log_created(lead)
        self.co.workforce.pools["marketer"].submit(self.stage, self.review(), self._review_done, lead)

    def _review_done(self, task: "Task") -> None:
        lead: Lead = task.ctx
        co = self.co
        if co.events is not None:
            co.events.add(lead.case, "lead", "Marketing qualified" if lead.mql else "Not marketing-qualified",
                          lead.segment, lead.source)
        if lead.mql:
            co.funnel[f"mql.{lead.source}"] += 1
            co.lead_arrives(lead)
            sdr.qualify(co, lead)

    def _outbound(self, lead: Lead) -> None:
        co = self.co
        if co.events is not None:
            self._log_created(lead, "Meeting booked")
        co.funnel["mql.outbound"] += 1
        co.funnel["sql.outbound"] += 1
        co.lead_arrives(lead)
        sdr.route(co, lead)


class _Arrivals:
    """One source's leads of one month, each put on the clock when the one before arrives.

    It is the event of the next arrival (see `orgsim.model.clock`): SimPy's heap holds one entry
    per source instead of a month of leads, and each arrival still lands on exactly its time.
    """

    __slots__ = ("callbacks", "_ok", "_value", "env", "source", "times", "segments", "mql", "arrive", "i")

    def __init__(self, env, source: str, times: list[float], segments: list[str], mql: list[bool] | None, arrive):
        self.callbacks = (self._arrive,)
        self._ok = True
        self._value = None
        self.env = env
        self.source = source
        self.times = times
        self.segments = segments
        self.mql = mql
        self.arrive = arrive
        self.i = 0

    def next(self) -> None:
        """Set the clock for the next arrival."""
        env = self.env
        self.callbacks = (self._arrive,)
        env.schedule(self, NORMAL, delay_until(env.now, self.times[self.i]))

    def _arrive(self, _event: "_Arrivals") -> None:
        i = self.i
        lead = Lead(0, self.source, self.segments[i], self.times[i])
        if self.mql is not None:
            lead.mql = self.mql[i]
        self.i = i + 1
        if i + 1 < len(self.times):
            self.next()
        self.arrive(lead)
