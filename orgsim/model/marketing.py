"""Marketing: where leads come from, and which become MQLs (the first link of the value chain).

Each month the sources create leads as Poisson arrivals spread uniformly over the month:
paid (budget / cost per lead, which rises with spend by `cost_elasticity`), content (grows with
ramped marketer headcount), outbound (SDR prospecting books SQLs directly, and so do AEs who
self-source: `orgsim.model.prospecting`) and referrals
(healthy customers refer, more when sales keeps the key-person relationship). Marketing
qualification (lead -> MQL) is automated scoring at a source-specific rate, unless
`effort_hours.mql_review` asks for marketer time per lead. MQLs and booked meetings go on to the
SDRs (``next.accept(lead)``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from itertools import repeat
from typing import TYPE_CHECKING, Protocol

import numpy as np

from orgsim.distributions import Sampler
from orgsim.model.clock import Clock, Feed
from orgsim.model.entities import Accepts, Lead
from orgsim.names import SOURCES
from orgsim.rng import Streams
from orgsim.scenario import MONTH_DAYS, Scenario

if TYPE_CHECKING:
    from orgsim.model.market import Market
    from orgsim.model.pools import Pool, Task
    from orgsim.model.prospecting import Prospecting
    from orgsim.model.stages import Results, StageStats
    from orgsim.model.trace import EventLog

__all__ = ["SOURCES", "Marketing", "monthly_rates", "poisson_inverse"]


class ProductFit(Protocol):
    """What marketing needs of product: the product-market fit factor of conversions now
    (``fit``: the same, kept as maturity moves, for the SDRs' every MQL)."""

    fit: float

    def fit_factor(self) -> float: ...


def monthly_rates(sc: Scenario, marketers: Pool | None, sdrs: Pool | None, healthy_accounts: float) -> dict[str, float]:
    """Expected leads per month by source, from the company's state now."""
    ls = sc.lead_sources
    paid = ls.paid
    rates = {"paid": 0.0, "content": 0.0, "outbound": 0.0, "referral": 0.0}
    if paid.budget_per_month > 0:
        ref = paid.reference_budget_per_month or paid.budget_per_month
        cpl = paid.cost_per_lead * (paid.budget_per_month / ref) ** paid.cost_elasticity
        rates["paid"] = paid.budget_per_month / cpl
    if marketers is not None:
        staff = marketers.speed_sum()  # ramped marketer-equivalents
        beta = ls.content.returns_exponent
        rates["content"] = ls.content.leads_per_marketer_month * (staff if beta == 1.0 else staff**beta)
    if sdrs is not None and ls.outbound.sdr_time_share > 0:
        rates["outbound"] = ls.outbound.meetings_per_sdr_month * sdrs.speed_sum()
    # with customers.relationship, healthy_accounts is already weighted by each sales relationship
    keeps = sc.ownership.referral_relationship == "sales" and sc.customers.relationship is None
    boost = ls.referral.relationship_boost if keeps else 1.0
    rates["referral"] = healthy_accounts * ls.referral.per_healthy_account_year / 12 * boost
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
    """Generates each month's leads, scores them and hands MQLs to the SDRs.

    Args:
        clock: the replication's clock.
        sc: the scenario (reads ``lead_sources``, ``segments``, ``effort_hours.mql_review``,
            ``ownership.referral_relationship``).
        streams: random streams (``arrivals.<source>.<month>``, ``effort.mql_review``).
        stage: the marketing stage (MQL review tasks are accounted there).
        marketers: the marketer pool (content leads, MQL review), None without marketers.
        sdrs: the SDR pool (outbound meetings), None without SDRs.
        healthy_accounts: how many customers are healthy now (they refer leads); with
            ``customers.relationship``, weighted by their sales relationship.
        next: who receives MQLs and booked meetings (the SDRs).
        log: the event log, when one is kept.
        product: the product, whose fit scales MQL scoring (None: fit is not modelled).
        market: the finite market, which thins each segment's leads (None: unlimited; draws nothing).
        prospecting: AE self-sourcing, whose month's meetings marketing draws from the stream
            ``arrivals.ae_outbound`` (None: AEs do not prospect; draws nothing).
    """

    def __init__(
        self,
        *,
        clock: Clock,
        sc: Scenario,
        streams: Streams,
        stage: StageStats,
        marketers: Pool | None,
        sdrs: Pool | None,
        healthy_accounts: Callable[[], float],
        next: Accepts[Lead],
        log: EventLog | None = None,
        product: ProductFit | None = None,
        market: Market | None = None,
        prospecting: Prospecting | None = None,
    ):
        self.clock = clock
        self.env = clock.env  # (its ``now`` is read often: one attribute lookup less)
        self.sc = sc
        self.streams = streams
        self.stage = stage
        self.marketers = marketers
        self.sdrs = sdrs
        self.healthy_accounts = healthy_accounts
        self.next = next
        self.log = log
        self.product = product if sc.product.fit is not None else None
        self.market = market
        self.prospecting = prospecting
        self.funnel: Counter[str] = Counter()
        self._leads = 0
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
        review = sc.effort_hours.mql_review
        self.review = Sampler(review, streams.generator("effort.mql_review")) if review else None

    def start_of_month(self, month: int) -> None:
        """Draw this month's leads of every source and put them on the clock."""
        rates = monthly_rates(self.sc, self.marketers, self.sdrs, self.healthy_accounts())
        fit = self.product.fit_factor() if self.product is not None else 1.0
        found = self.market.start_of_month(month) if self.market is not None else None
        for source in SOURCES:
            self._draw(source, source, rates[source], month, fit, found)
        if self.prospecting is not None:  # AE self-sourcing: outbound meetings of their own stream
            self._draw("outbound", "ae_outbound", self.prospecting.rate, month, fit, found)

    def _draw(self, source: str, stream: str, lam: float, month: int, fit: float, found: np.ndarray | None) -> None:
        """Draw a month of one source's leads (stream ``arrivals.<stream>.<month>``), put them on the clock."""
        if lam <= 0:
            return
        g = self.streams.monthly(f"arrivals.{stream}", month)
        n = poisson_inverse(g.random(), lam)
        if n == 0:
            return
        # lead i's arrival time, segment and MQL flag come from row i whatever n is: a month
        # with one lead more (a slightly higher rate) keeps every other lead as it was
        u = g.random((n, 3))
        order = np.argsort(u[:, 0], kind="stable")
        u = u[order]
        segs = np.searchsorted(self.cum_mix[source], u[:, 1], side="right")
        if found is not None:  # (thinned before times and flags are computed: the same values, fewer rows)
            keep = self._thin(stream, month, order, found, segs)
            u, segs = u[keep], segs[keep]
            n = len(segs)
            if n == 0:
                return
        times = u[:, 0] * MONTH_DAYS + month * MONTH_DAYS
        mql = u[:, 2] < self.mql_rate[source] * fit
        self.funnel[f"leads.{source}"] += n
        # the clock times of the arrivals: now + (t - now), as a timeout set now would give
        now = self.env.now
        at = now + (times - now)
        if stream == "ae_outbound":
            assert self.prospecting is not None
            self.prospecting.count(month, n)
            self._feed(source, at, segs, None, self._booked_by_ae)
        elif source == "outbound":
            self._feed(source, at, segs, None, self._booked)
        elif self.review is None:
            stage = self.stage
            stage.arrivals += n
            stage.completed += n
            stage.waits_days.extend(repeat(0.0, n))
            self.funnel[f"mql.{source}"] += int(mql.sum())
            if self.log is not None:
                self._log_scored_out(source, at[~mql], segs[~mql])
            self._feed(source, at[mql], segs[mql], None, self._scored)
        else:
            self._feed(source, at, segs, mql, self._to_review)

    def record(self, into: Results) -> None:
        """Leads, MQLs and booked meetings by source (and each finite segment's penetration)."""
        into.count(self.funnel)
        if self.market is not None:
            self.market.record(into)

    def _thin(self, source: str, month: int, order: np.ndarray, found: np.ndarray, segs: np.ndarray) -> np.ndarray:
        """A finite market: which leads are kept (lead i with its segment's share still found, by
        row i's uniform of the stream ``market.<source>.<month>``; drawn only when the market is finite)."""
        return self.streams.monthly(f"market.{source}", month).random(len(order))[order] < found[segs]

    # ---- a lead's way through marketing ----------------------------------------------------

    def _feed(
        self, source: str, at: np.ndarray, segs: np.ndarray, mql: np.ndarray | None, arrive: Callable[[Lead], None]
    ) -> None:
        """Put a month of one source's leads on the clock, one at a time (a small event heap)."""
        if len(at) == 0:
            return
        segments = self.segments
        times: list[float] = at.tolist()
        flags: list[bool] = mql.tolist() if mql is not None else [True] * len(times)
        booked = source == "outbound"
        leads = [Lead(source, segments[s], t, f, booked) for s, t, f in zip(segs.tolist(), times, flags)]
        Feed(self.env, times, leads, arrive)

    def _enter(self, lead: Lead) -> None:
        """The lead enters the funnel now (numbered in order of arrival) and goes to the SDRs."""
        self._leads += 1
        lead.lid = self._leads
        lead.created = self.env.now
        self.next.accept(lead)

    def _scored(self, lead: Lead) -> None:
        """Automated scoring passed it: an MQL."""
        if self.log is not None:
            self._log_created(lead, "Marketing qualified")
        self._enter(lead)

    def _to_review(self, lead: Lead) -> None:
        if self.log is not None:
            self._log_created(lead)
        assert self.review is not None and self.marketers is not None
        self.marketers.submit(self.stage, self.review(), self._review_done, lead)

    def _review_done(self, task: Task) -> None:
        lead: Lead = task.ctx
        if self.log is not None:
            self.log.add(
                lead.case,
                "lead",
                "Marketing qualified" if lead.mql else "Not marketing-qualified",
                lead.segment,
                lead.source,
            )
        if lead.mql:
            self.funnel[f"mql.{lead.source}"] += 1
            self._enter(lead)

    def _booked(self, lead: Lead) -> None:
        """A meeting booked by outbound prospecting: an MQL and an SQL at once."""
        if self.log is not None:
            self._log_created(lead, "Meeting booked")
        self.funnel["mql.outbound"] += 1
        self.funnel["sql.outbound"] += 1
        self._enter(lead)

    def _booked_by_ae(self, lead: Lead) -> None:
        """A meeting an AE booked by prospecting (self-sourcing): an outbound MQL and SQL at once."""
        if self.log is not None:
            self._log_created(lead, "Meeting booked by an AE")
        self.funnel["mql.outbound"] += 1
        self.funnel["sql.outbound"] += 1
        self._enter(lead)

    # ---- the event log -----------------------------------------------------------------------

    def _log_scored_out(self, source: str, at: np.ndarray, segs: np.ndarray) -> None:
        """Event log: the leads scoring turned away this month (they never reach anyone's queue)."""
        log = self.log
        assert log is not None
        for t, s in zip(at.tolist(), segs.tolist()):
            case = log.new_case()
            log.add(case, "lead", "Lead created", self.segments[s], source, at=t)
            log.add(case, "lead", "Not marketing-qualified", self.segments[s], source, at=t)

    def _log_created(self, lead: Lead, then: str | None = None) -> None:
        log = self.log
        assert log is not None
        lead.case = log.new_case()
        log.add(lead.case, "lead", "Lead created", lead.segment, lead.source)
        if then is not None:
            log.add(lead.case, "lead", then, lead.segment, lead.source)
