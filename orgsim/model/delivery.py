"""Lead to cash and delivery.

A won deal becomes a customer with an ACV and a contract term; its invoices are collected after
`payment_terms_days`. Then the deal is delivered: low-price deals by the AE who sold them
(`delivered_by: sales`, a task), complex ones by the implementation team (a task plus the
customer's calendar time to go live) or by CSMs. The time the customer waited for delivery
capacity sets its starting health: every month of waiting costs
`onboarding_wait_penalty_per_month`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgsim.scenario import MONTH_DAYS

if TYPE_CHECKING:
    from orgsim.model.company import Company
    from orgsim.model.marketing import Lead
    from orgsim.model.workforce import Person, Task

STAGE_OF_TEAM = {"sales": "sales", "implementation": "implementation", "csm": "csm"}
ROLE_OF_TEAM = {"sales": "ae", "implementation": "implementer", "csm": "csm"}


class Delivery:
    def __init__(self, co: "Company"):
        self.co = co
        sc = co.sc
        self.acv = {n: co.sampler(s.acv, f"acv.{n}") for n, s in sc.segments.items()}
        self.go_live = {n: co.sampler(s.go_live_days, f"go_live.{n}") for n, s in sc.segments.items()}
        self.effort = {
            n: co.sampler(s.effort_hours.delivery, f"effort.delivery.{n}")
            for n, s in sc.segments.items()
            if s.effort_hours.delivery is not None
        }
        self.implementation = co.stage("implementation", co.workforce.pool_or_empty("implementer"))
        self.go_live_days: list[float] = []
        self.onboarding_wait_days: list[float] = []
        self._go_live_cbs = (self._part_done,)

    def _part_done(self, lead: "Lead") -> None:
        """The customer's go-live time or the delivery task is done; live when both are."""
        lead.pending -= 1
        if lead.pending == 0:
            self._live(lead)

    def part_done(self, task: "Task") -> None:
        lead = task.ctx
        lead.delivery_wait = task.wait
        self._part_done(lead)

    def _live(self, lead: "Lead") -> None:
        waited = lead.delivery_wait
        self.go_live_days.append(self.co.env.now - lead.won_at)
        self.onboarding_wait_days.append(waited)
        h = self.co.sc.customers.health
        acc = lead.account
        acc.go_live(h.start - h.onboarding_wait_penalty_per_month * waited / MONTH_DAYS)
        if self.co.events is not None:
            self.co.events.add(acc.case, "customer", "Live", acc.segment, acc.source, health=acc.health)


def close_won(co: "Company", lead: "Lead", seller: "Person") -> None:
    """Sign the contract, invoice it, deliver it, go live (`Delivery._live`)."""
    d = co.delivery
    seg = lead.segment
    spec = co.sc.segments[seg]
    acv = d.acv[seg]()
    start = co.env.now
    account = co.success.new_account(seg, acv, term_start=start, first_start=start)
    co.finance.book_new(acv)
    co.finance.invoice_contract(account)
    if co.events is not None:
        account.case, account.source = lead.case, lead.source
        co.events.add(lead.case, "opportunity", "Won", seg, lead.source, resource=f"{seller.role}-{seller.pid}",
                      role=seller.role, amount=acv)
    lead.won_at = start
    lead.account = account
    lead.delivery_wait = 0.0
    lead.pending = 1
    lead.callbacks = d._go_live_cbs  # the customer's time to go live: the lead is its own timer
    co.calendar.schedule(lead, d.go_live[seg]())
    if seg in d.effort:
        team = spec.delivered_by
        pool = co.workforce.pool_or_empty(ROLE_OF_TEAM[team])
        stage = co.stages[STAGE_OF_TEAM[team]]
        pod = co.pod_of(seg) if team == "sales" else None
        # with deal_work: owner, the AE who sold it delivers it
        person = seller if team == "sales" and co.sales.by_owner else None
        lead.pending = 2
        pool.submit(stage, d.effort[seg](), d.part_done, lead, pod=pod, person=person)
