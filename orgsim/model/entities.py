"""The things that move through the value chain: lead, opportunity, onboarding, account, task.

Each is a small type with every field set in ``__init__``. A lead becomes an opportunity in
sales (`orgsim.model.sales.Sales.accept`), a won opportunity is onboarded by delivery and
becomes an account (`orgsim.model.delivery.Delivery.accept`), which customer success keeps
until it churns (`orgsim.model.success.Success.accept`). Those that wait on the clock are their
own SimPy events (`orgsim.model.clock.Entity`).

``case``, ``segment`` and ``source`` are what the event log reads (`orgsim.model.trace`):
``case`` is "" while no log is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from orgsim.model.clock import Entity, Join
from orgsim.scenario import MONTH_DAYS

if TYPE_CHECKING:
    from orgsim.model.people import Person
    from orgsim.model.stages import StageStats

__all__ = ["Accepts", "Account", "Care", "Lead", "Onboarding", "Opportunity", "Requisition", "Task"]

T_contra = TypeVar("T_contra", contravariant=True)


class Accepts(Protocol[T_contra]):
    """The one handoff verb: the next department in the value chain `accept`s the entity."""

    def accept(self, item: T_contra) -> None: ...


class Lead:
    """A lead from marketing's sources, up to the SQL.

    Args:
        source: where it came from (`orgsim.names.SOURCES`).
        segment: the segment it belongs to.
        created: when it arrived (days).
        mql: whether marketing qualification passes it.
        sql: whether it is sales-qualified already (a meeting booked by outbound prospecting).
    """

    __slots__ = ("lid", "source", "segment", "created", "mql", "sql", "case")

    def __init__(self, source: str, segment: str, created: float, mql: bool = True, sql: bool = False):
        self.lid = 0  # numbered in order of arrival when it enters the funnel
        self.source = source
        self.segment = segment
        self.created = created
        self.mql = mql
        self.sql = sql
        self.case = ""


class Opportunity(Join):
    """An SQL sales accepted: worked by its owner (an AE) to a decision.

    It is the SimPy event of its own timers (waiting for an AE with room, the buyer's cycle),
    and a `Join` of the AE's work, the buyer's cycle and, where needed, the SE's work.
    """

    __slots__ = ("lead", "segment", "routed_at", "owner", "opened", "factor", "buyer_ready")

    def __init__(self, lead: Lead, routed_at: float, decide: Callable[[Opportunity], Any]):
        self.callbacks = None
        self.pending = 2  # a `Join` of the AE's work and the buyer's cycle (set here: one call less)
        self.then = decide
        self.lead = lead
        self.segment = lead.segment
        self.routed_at = routed_at  # when it began to wait for an AE (its wait counts from here)
        self.owner: Person | None = None
        self.opened = routed_at  # when its owner began to work it
        self.factor = 1.0  # presales win factor (below 1 when it proceeded without an SE)
        self.buyer_ready = routed_at  # when the buyer could decide: created + buyer's cycle (set when worked)

    # the lead's, for the event log (read only when one is kept)
    @property
    def case(self) -> str:
        return self.lead.case

    @property
    def source(self) -> str:
        return self.lead.source


class Account(Entity):
    """A customer account. It is also the SimPy event of its renewal timer.

    Args:
        segment: the customer's segment.
        arr: its annual recurring revenue.
        term_start: when the current contract term began (days; negative before the run).
        term_months: length of a contract term.
        first_start: when the first contract began.
        health: starting health (0..1).
        live: whether it is live already (delivered).
    """

    __slots__ = (
        "aid",
        "segment",
        "arr",
        "term_start",
        "term_months",
        "first_start",
        "health",
        "live",
        "active",
        "covered",
        "expanding",
        "cared",
        "late_months",
        "case",
        "source",
        "handed_off",
        "rel_sales",
        "rel_sales_t",
        "rel_csm",
        "rel_csm_t",
        "rel_key_t",
    )

    def __init__(
        self,
        segment: str,
        arr: float,
        term_start: float,
        term_months: int,
        first_start: float,
        health: float,
        live: bool = False,
    ):
        self.callbacks = None
        self.aid = 0  # numbered in order of signing by customer success (`Success.accept`)
        self.segment = segment
        self.arr = arr
        self.term_start = term_start
        self.term_months = term_months
        self.first_start = first_start
        self.health = health
        self.live = live
        self.active = True
        self.covered = False
        self.expanding = False
        self.cared = False
        self.late_months = 0.0
        self.case = ""
        self.source = ""
        self.handed_off = False  # delivered by another team than the seller's (`Delivery.accept`)
        # relationship strengths with sales and the CSM and when last touched (days); CSM -1 =
        # not handed over yet (`orgsim.model.relationships`; unused when it is off)
        self.rel_sales = 0.0
        self.rel_sales_t = 0.0
        self.rel_csm = -1.0
        self.rel_csm_t = 0.0
        self.rel_key_t = 0.0  # the later of the last touch by sales and the last key-person task set

    @property
    def term_end(self) -> float:
        """When the current contract term ends (days)."""
        return self.term_start + self.term_months * MONTH_DAYS

    def go_live(self, health: float) -> None:
        """Delivered: live from now, at this starting health (clipped to 0..1)."""
        self.live = True
        self.health = min(max(health, 0.0), 1.0)


class _OfAccount:
    """What the event log reads from a task's context (`orgsim.model.trace`): the account's case,
    segment and source (read only when a log is kept)."""

    __slots__ = ()
    account: Account

    @property
    def case(self) -> str:
        return self.account.case

    @property
    def segment(self) -> str:
        return self.account.segment

    @property
    def source(self) -> str:
        return self.account.source


class Onboarding(_OfAccount, Join):
    """A won deal being delivered: its account, who sold it, and the wait for delivery capacity.

    It is the SimPy event of the customer's time to go live, and a `Join` of that and, where the
    segment has a delivery task, the delivering team's work.
    """

    __slots__ = ("account", "seller", "won_at", "wait", "penalty")

    def __init__(self, account: Account, seller: Person | None, won_at: float, live: Callable[[Onboarding], Any]):
        self.callbacks = None
        self.pending = 1  # a `Join` waiting for the customer's time to go live (set here: one call less)
        self.then = live
        self.account = account
        self.seller = seller
        self.won_at = won_at
        self.wait = 0.0  # days the delivery task waited for a person
        self.penalty = 0.0  # health lost at go-live by the handoff or missing expertise (`customers.handoff`)


class Care(_OfAccount):
    """A covered account's care task of one month."""

    __slots__ = ("account", "month_end")

    def __init__(self, account: Account, month_end: float):
        self.account = account
        self.month_end = month_end


class PooledCare(Care):
    """One task of a tech-touch program's month: it reaches `accounts` at once (a webinar, a
    campaign); it is logged under the first of them (`account`)."""

    __slots__ = ("accounts",)

    def __init__(self, accounts: list[Account], month_end: float):
        super().__init__(accounts[0], month_end)
        self.accounts = accounts


class Task(Entity):
    """One task for a pool (`orgsim.model.pools.Pool.submit`).

    A task is put on the clock once, for the moment its work ends; then the pool releases the
    person and calls ``then(task)``. ``ctx`` carries whatever the caller needs, ``wait`` the
    queue wait in days, ``kind`` what sort of work it is (for `ownership.priorities`; None: none).
    """

    # seq: its place in a pool's queue with priorities (`orgsim.model.priorities.Ranked`), set there
    __slots__ = ("stage", "effort", "pod", "share", "since", "person", "wait", "then", "ctx", "kind", "seq")

    def __init__(
        self,
        stage: StageStats,
        effort: float,
        pod: str | None,
        share: float,
        since: float,
        then: Callable[[Task], Any] | None,
        ctx: Any,
        kind: str | None = None,
    ):
        self.callbacks = None
        self.stage = stage
        self.effort = effort
        self.pod = pod
        self.share = share
        self.since = since  # when its wait began (its wait is counted from here, also while queued)
        self.person: Person | None = None
        self.wait = 0.0
        self.then = then
        self.ctx = ctx
        self.kind = kind


class Requisition(Join):
    """An open requisition: the event of the end of its candidate search, and a `Join` of the
    search and, when a recruiter closes the hire, the recruiter's work.
    """

    __slots__ = ("role",)

    def __init__(self, role: str, hire: Callable[[Requisition], Any]):
        super().__init__(hire, 1)  # the candidate search
        self.role = role
