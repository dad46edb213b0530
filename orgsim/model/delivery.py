"""Lead to cash and delivery: a won deal becomes a customer and goes live (the fourth link of
the value chain).

`Delivery.accept` signs the won deal: a customer account with an ACV and a contract term, handed
to customer success (``success.accept(account)``); its invoices are collected after
`payment_terms_days` (`orgsim.model.finance`). Then the deal is delivered: low-price deals by
the AE who sold them (`delivered_by: sales`, a task), complex ones by the implementation team (a
task plus the customer's calendar time to go live) or by CSMs. The time the customer waited for
delivery capacity sets its starting health: every month of waiting costs
`onboarding_wait_penalty_per_month`. With `customers.handoff`, a deal handed from the seller to
another team goes live later and less healthy (context lost), and a deal the seller delivers
loses health in proportion to the share of its delivery work beyond the seller's expertise. The
customers on the books at the start are signed here too (`start_customers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from orgsim.distributions import Sampler
from orgsim.model.clock import Clock
from orgsim.model.entities import Accepts, Account, Onboarding, Opportunity
from orgsim.model.stages import mean
from orgsim.rng import Streams
from orgsim.scenario import MONTH_DAYS, Scenario

if TYPE_CHECKING:
    from orgsim.model.pools import Person, Pool, Task
    from orgsim.model.stages import Results, StageStats
    from orgsim.model.trace import EventLog

__all__ = ["ROLE_OF_TEAM", "STAGE_OF_TEAM", "Delivery", "Ledger"]

# who delivers (`delivered_by`): the stage the work is accounted in, and the role doing it
STAGE_OF_TEAM = {"sales": "sales", "implementation": "implementation", "csm": "csm"}
ROLE_OF_TEAM = {"sales": "ae", "implementation": "implementer", "csm": "csm"}


class Ledger(Protocol):
    """What lead to cash posts to finance."""

    def book_new(self, acv: float, seller: Person | None = None, *, by_founders: bool = False) -> None: ...

    def invoice_contract(self, acc: Account, from_time: float | None = None) -> None: ...


class Delivery:
    """Signs won deals and delivers them.

    Args:
        clock: the replication's clock.
        sc: the scenario (reads the segments' ``acv``, ``go_live_days``, ``effort_hours.delivery``,
            ``delivered_by``, ``contract_months``; ``customers.health``, ``customers.handoff``;
            ``ownership.deal_work``; ``company.starting_customers``).
        streams: random streams (``acv.<segment>``, ``go_live.<segment>``,
            ``effort.delivery.<segment>``).
        teams: each delivering team's pool and stage (keys of `STAGE_OF_TEAM`).
        pods: whether AEs work their segment's deals in pods (AE delivery then stays in the pod).
        finance: the ledger (bookings and invoices).
        next: who keeps the customer (customer success).
        log: the event log, when one is kept.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        sc: Scenario,
        streams: Streams,
        teams: dict[str, tuple[Pool, StageStats]],
        pods: bool,
        finance: Ledger,
        next: Accepts[Account],
        log: EventLog | None = None,
    ):
        self.clock = clock
        self.env = clock.env  # (its ``now`` is read often: one attribute lookup less)
        self.sc = sc
        self.teams = teams
        self.pods = pods
        self.finance = finance
        self.next = next
        self.log = log
        self.acv = {n: Sampler(s.acv, streams.generator(f"acv.{n}")) for n, s in sc.segments.items()}
        self.go_live = {n: Sampler(s.go_live_days, streams.generator(f"go_live.{n}")) for n, s in sc.segments.items()}
        self.effort = {
            n: Sampler(s.effort_hours.delivery, streams.generator(f"effort.delivery.{n}"))
            for n, s in sc.segments.items()
            if s.effort_hours.delivery is not None
        }
        self.by_owner = sc.ownership.deal_work == "owner"  # the AE who sold it delivers it
        self.handoff = sc.customers.handoff  # None = off: no handoff cost, no expertise penalty
        self.go_live_days: list[float] = []
        self.onboarding_wait_days: list[float] = []
        self.go_live_health: dict[str, list[float]] = {n: [] for n in sc.segments}
        self._live_cb = self._live  # bound once, not per deal
        self._go_live_cbs = (Onboarding.part_done,)  # the customer's time to go live is one part

    def start_customers(self) -> None:
        """The customers on the books at the start, with contract ages spread evenly over their term."""
        sc = self.sc
        for seg, n in sc.company.starting_customers.items():
            spec = sc.segments[seg]
            for i in range(n):
                age_days = (i + 0.5) / n * spec.contract_months * MONTH_DAYS
                acv = self.acv[seg]()
                acc = Account(
                    seg,
                    acv,
                    term_start=-age_days,
                    term_months=spec.contract_months,
                    first_start=-age_days,
                    health=sc.customers.health.start,
                    live=True,
                )
                self.next.accept(acc)
                self.finance.invoice_contract(acc, from_time=0.0)
                if self.log is not None:
                    acc.case, acc.source = f"C{acc.aid}", ""
                    self.log.add(acc.case, "customer", "Customer at start", seg, amount=acv, health=acc.health)

    def accept(self, opp: Opportunity) -> None:
        """A won deal: sign the contract, invoice it, deliver it, go live (`_live`)."""
        seg = opp.segment
        spec = self.sc.segments[seg]
        seller = opp.owner  # None: the founders sold it (no AE on staff)
        acv = self.acv[seg]()
        start = self.env.now
        account = Account(
            seg,
            acv,
            term_start=start,
            term_months=spec.contract_months,
            first_start=start,
            health=self.sc.customers.health.start,
        )
        if self.log is not None:
            account.case, account.source = opp.case, opp.source
        self.next.accept(account)
        self.finance.book_new(acv, seller, by_founders=seller is None)  # (credited to the seller's quota)
        self.finance.invoice_contract(account)
        if self.log is not None:
            self.log.add(
                opp.case,
                "opportunity",
                "Won",
                seg,
                opp.source,
                resource="founders" if seller is None else f"{seller.role}-{seller.pid}",
                role="founder" if seller is None else seller.role,
                amount=acv,
            )
        team = spec.delivered_by
        account.handed_off = team != "sales"
        onboarding = Onboarding(account, seller, start, self._live_cb)
        days = self.go_live[seg]()  # the customer's time to go live
        ho = self.handoff
        if ho is not None and account.handed_off:
            days += ho.go_live_days  # a new team: a kickoff, requirements gathered again
            onboarding.penalty = ho.health_penalty
        self.clock.wake_far(onboarding, self._go_live_cbs, days)
        if seg in self.effort:
            pool, stage = self.teams[team]
            pod = seg if team == "sales" and self.pods else None
            # with deal_work: owner, the AE who sold it delivers it
            person = seller if team == "sales" and self.by_owner else None
            onboarding.expect()
            kind = "delivery" if team == "sales" else "onboarding"  # an AE's delivery, a team's onboarding
            effort = self.effort[seg]()
            if ho is not None and team == "sales" and effort > ho.expertise_hours:
                # the share of the work beyond what a seller does as well as a specialist
                onboarding.penalty = ho.expertise_health_penalty * (1.0 - ho.expertise_hours / effort)
            pool.submit(stage, effort, self._delivered, onboarding, pod=pod, person=person, kind=kind)

    def record(self, into: Results) -> None:
        """Mean time to go live, mean wait for delivery capacity, mean health at go-live (all, and
        by segment; a health counter is left out when nothing went live, not set to 0)."""
        into.counters["mean_go_live_days"] = mean(self.go_live_days)
        into.counters["mean_onboarding_wait_days"] = mean(self.onboarding_wait_days)
        every = [x for xs in self.go_live_health.values() for x in xs]
        if every:
            into.counters["mean_go_live_health"] = mean(every)
        for seg, xs in self.go_live_health.items():
            if xs:
                into.counters[f"mean_go_live_health.{seg}"] = mean(xs)

    def _delivered(self, task: Task) -> None:
        """The delivering team's task is done."""
        onboarding: Onboarding = task.ctx
        onboarding.wait = task.wait
        onboarding.part_done()

    def _live(self, onboarding: Onboarding) -> None:
        """Delivered and its time to go live over: the account is live."""
        waited = onboarding.wait
        self.go_live_days.append(self.env.now - onboarding.won_at)
        self.onboarding_wait_days.append(waited)
        h = self.sc.customers.health
        acc = onboarding.account
        acc.go_live(h.start - h.onboarding_wait_penalty_per_month * waited / MONTH_DAYS - onboarding.penalty)
        self.go_live_health[acc.segment].append(acc.health)
        if self.log is not None:
            self.log.add(acc.case, "customer", "Live", acc.segment, acc.source, health=acc.health)
