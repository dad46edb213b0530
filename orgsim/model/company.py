"""The company: wires the departments of the value chain together and keeps the monthly clock.

Wiring only: each department is built with the collaborators it uses and hands work on with one
call, ``next.accept(entity)``:

    marketing --Lead--> sdr --Lead (SQL)--> sales --Opportunity (won)--> delivery --Account--> success
                                              |  ^
                               Opportunity    v  | (the deal's join)
                                            presales

with workforce (people and their time), product (maturity) and finance (the ledger) beside them.
Each month starts with hiring (plan and growth stage), SE enablement, CSM books, expansions and
the month's leads; it ends with product maturity, account health, the ledger and a snapshot of
everything reported monthly. In between, leads, tasks and accounts move on SimPy's clock as
events with callbacks (`orgsim.model.clock`); the monthly clock is the one SimPy process.

Cash: when a month closes with cash below zero, hiring freezes (`Workforce.frozen`) until cash is
back above zero (a funding round); after `company.default_grace_months` such months in a row the
company defaults and stops at that month's close: the run ends there, the counter
`default_month` (1-based) says when, and every later month reports the company as it stopped
(balances such as ARR, customers, headcount and cash stay; flows such as revenue, collections,
costs and new ARR are zero). See docs/explanation/model/company.md.
"""

from __future__ import annotations

import gc
from collections.abc import Generator

import numpy as np
import simpy

from orgsim.model.clock import Clock
from orgsim.model.delivery import ROLE_OF_TEAM, STAGE_OF_TEAM, Delivery
from orgsim.model.entities import Task
from orgsim.model.finance import Finance
from orgsim.model.founders import founders_for
from orgsim.model.management import Management
from orgsim.model.market import Market
from orgsim.model.marketing import Marketing
from orgsim.model.nurture import nurture_for
from orgsim.model.presales import Presales
from orgsim.model.product import Product
from orgsim.model.prospecting import prospecting_for
from orgsim.model.retention_log import RetentionLog
from orgsim.model.routing import segment_pods
from orgsim.model.sales import Sales
from orgsim.model.sdr import SDR
from orgsim.model.stages import Results, RoleRecord, StageStats, role_records, stage_records
from orgsim.model.success import Success
from orgsim.model.trace import EventLog
from orgsim.model.workforce import Workforce
from orgsim.names import STAGES
from orgsim.rng import Streams
from orgsim.scenario import MONTH_DAYS, Scenario

__all__ = ["Company"]


class Company:
    """One replication's world.

    Args:
        sc: the scenario.
        seed: experiment seed.
        replication: replication index (selects the random streams).
        events: keep an event log of every lead, opportunity and customer (``self.events``).
    """

    def __init__(self, sc: Scenario, seed: int, replication: int, events: bool = False):
        self.sc = sc
        # the run stops a hair past the horizon (so that the last month's close runs); timers
        # set for later would never fire and are not set at all. Timers weeks or months ahead
        # (renewals, sales cycles, go-lives) wait off SimPy's heap until a month before.
        self.clock = clock = Clock(simpy.Environment(), near=2 * MONTH_DAYS, end=sc.horizon_days + 1e-6)
        self.env = clock.env
        self.end = clock.end
        # the event log, when asked for; None keeps logging out of the way (`orgsim.model.trace`)
        log = EventLog(self.env) if events else None
        self.events: EventLog | None = log
        self.streams = streams = Streams(seed, replication)
        self.workforce = wf = Workforce(clock, sc, streams, log)
        self.stages = self._make_stages()
        st = self.stages
        pods = segment_pods(sc)
        aes = wf.pool_or_empty("ae")
        csm = wf.pool_or_empty("csm")
        self.finance = Finance(clock=clock, sc=sc, pools=wf.pools)
        self.product = Product(sc=sc, engineers=wf.pool("engineer"))
        # the value chain, built from its end so that each department gets the next one
        self.success = Success(
            clock=clock,
            sc=sc,
            streams=streams,
            csm=(csm, st["csm"]),
            sales=(aes, st["sales"]),
            pods=pods,
            finance=self.finance,
            product=self.product,
            log=log,
        )
        teams = {team: (wf.pool_or_empty(ROLE_OF_TEAM[team]), st[STAGE_OF_TEAM[team]]) for team in ROLE_OF_TEAM}
        self.delivery = Delivery(
            clock=clock,
            sc=sc,
            streams=streams,
            teams=teams,
            pods=pods,
            finance=self.finance,
            next=self.success,
            log=log,
        )
        self.presales = Presales(
            sc=sc, streams=streams, pool=wf.pool_or_empty("se"), stage=st["presales"], aes=wf.pool("ae"), log=log
        )
        self.nurture = nurture_for(clock, sc, streams, log)  # None unless leads are recycled
        self.sales = Sales(
            clock=clock,
            sc=sc,
            streams=streams,
            pool=aes,
            stage=st["sales"],
            presales=self.presales,
            product=self.product,
            next=self.delivery,
            log=log,
            nurture=self.nurture,
        )
        qualifiers = wf.pool_or_empty("ae" if sc.ownership.qualification == "ae" else "sdr")
        self.sdr = SDR(
            sc=sc,
            streams=streams,
            pool=qualifiers,
            stage=st["sdr"],
            next=self.sales,
            log=log,
            product=self.product,
            nurture=self.nurture,
        )
        if self.nurture is not None:
            self.nurture.next = self.sdr
        market = Market(sc=sc, accounts=lambda: self.success.accounts) if Market.on(sc) else None
        self.prospecting = prospecting_for(sc, wf.pool("ae"), wf.pool("sdr"))  # None unless AEs self-source
        self.marketing = Marketing(
            clock=clock,
            sc=sc,
            streams=streams,
            stage=st["marketing"],
            marketers=wf.pool("marketer"),
            sdrs=wf.pool("sdr"),
            healthy_accounts=self.success.referring_accounts,
            next=self.sdr,
            log=log,
            product=self.product,
            market=market,
            prospecting=self.prospecting,
        )
        # founders (None unless `founders`): they take work of roles with nobody or overloaded
        watched = {id(p): p for p in [*wf.pools.values(), *(s.pool for s in st.values() if s.pool is not None)]}
        self.founders = founders_for(self.env, sc, list(watched.values()), lambda: self.success.customers, log)
        self.product.founders = self.founders
        mg = sc.company.management  # managers' span of control over SDRs/AEs (None: off)
        self.management = Management(mg, wf.pools, self._base_hours, sc.horizon_months) if mg is not None else None
        wf.on_join("ae", self.sales.ae_joined)  # a new AE has room for opportunities waiting for one
        self.monthly: dict[str, np.ndarray] = {}
        self.delivery.start_customers()
        self.starting_arr = self.finance.arr
        self.starting_customers = self.success.customers
        # retention by segment and cohort, read off the books at the start and each month end
        self.retention = RetentionLog(sc.segments, sc.horizon_months)
        self.retention.observe(self.success.accounts)
        self.months_below_zero = 0  # month closes in a row with cash below zero
        self.default_month: int | None = None  # the month (0-based) the company defaulted in
        self.env.process(self._months())

    def _make_stages(self) -> dict[str, StageStats]:
        """One stage per link of the value chain, each with the pool whose people do its tasks."""
        sc = self.sc
        wf = self.workforce
        marketers = wf.pool("marketer") if sc.effort_hours.mql_review else None  # else scoring is automated
        qualifiers = "ae" if sc.ownership.qualification == "ae" else "sdr"
        pools = {
            "marketing": marketers,
            "sdr": wf.pool_or_empty(qualifiers),
            "sales": wf.pool_or_empty("ae"),
            "presales": wf.pool_or_empty("se"),
            "implementation": wf.pool_or_empty("implementer"),
            "csm": wf.pool_or_empty("csm"),
        }
        return {name: StageStats(name, pools[name]) for name in STAGES}

    # ---- the months --------------------------------------------------------------------------

    def _months(self) -> Generator[simpy.Event, None, None]:
        for m in range(self.sc.horizon_months):
            self.clock.look_ahead((m + 2) * MONTH_DAYS)  # a month ahead of the clock
            self.workforce.start_of_month(m, self.finance.arr)
            if self.prospecting is not None:  # the AEs' share of time for prospecting this month
                self.prospecting.start_of_month(m)
            if self.management is not None:  # after prospecting: the span scales what it left
                self.management.start_of_month(m)
            self.presales.start_of_month()
            self.success.start_of_month(m)
            if self.founders is not None:  # care of the accounts no CSM book holds
                success = self.success
                care = success.care  # the founders' care counts as a CSM's would
                self.founders.start_of_month(
                    m, success.accounts, success.csm.headcount, care.care_hours, success.stage, care.cared
                )
            self.marketing.start_of_month(m)
            yield self.env.timeout((m + 1) * MONTH_DAYS - self.env.now)
            self.product.end_of_month()
            self.success.end_of_month(m)
            self.finance.close_month(m)
            self.sales.close_month(m)
            self._snapshot(m)
            if self._cash_ran_out(m):
                self._stop(m)
                return

    def _base_hours(self, role: str, month: int) -> float:
        """A role's task hours a day in `month` before the managers' span (`Management`)."""
        p = self.prospecting
        if p is not None and role == "ae":
            return p.productive_hours * (1.0 - float(p.shares[month]))
        return self.sc.time.productive_hours_per_day

    def _cash_ran_out(self, m: int) -> bool:
        """Hiring freezes while month `m` closes with cash below zero; True when the company
        defaults: cash below zero for more month closes in a row than the grace allows."""
        below = bool(self.finance.cash[m] < 0)
        self.workforce.frozen = below
        if not below:
            self.months_below_zero = 0
            return False
        self.months_below_zero += 1
        grace = self.sc.company.default_grace_months
        return grace is not None and self.months_below_zero > grace

    def _stop(self, m: int) -> None:
        """Default at the close of month `m`: the books close, later months repeat the month's
        balances, and the simulation ends now (nothing scheduled later happens)."""
        self.default_month = m
        self.finance.stop(m)
        self.success.final_arr = {a.aid: a.arr for a in self.success.accounts}  # the end, for GRR/NRR
        for arr in self.monthly.values():
            arr[m + 1 :] = arr[m]
        self.sales.stop(m)
        self._unbook_busy_after_stop()
        stop = self.env.event()
        stop.callbacks.append(simpy.core.StopSimulation.callback)
        stop.succeed()

    def _unbook_busy_after_stop(self) -> None:
        """Tasks under way count their busy time up to the horizon when they start; the company
        stops now, so the part after now comes off (people are on staff until now, not after)."""
        now, end = self.env.now, self.end
        for when, _, _, entity in self.env._queue:  # SimPy's heap: (time, priority, id, event)
            if type(entity) is Task and entity.person is not None and when > now:
                entity.stage.busy_days -= min(when, end) - now

    def _snapshot(self, m: int) -> None:
        """Everything reported monthly, at the end of month `m`."""
        H = self.sc.horizon_months
        mon = self.monthly

        def put(key: str, value: float) -> None:
            arr = mon.get(key)
            if arr is None:
                arr = mon[key] = np.zeros(H)
            arr[m] = value

        success = self.success
        put("arr", self.finance.arr)
        put("customers", success.customers)
        health_rate, activity_rate = success.rates()
        put("health_rate", health_rate)
        put("activity_rate", activity_rate)
        # the distribution behind the rates: active accounts per tenth of health (0 = [0, 0.1))
        for k, count in enumerate(success.health_bands().tolist()):
            put(f"health_band.{k}", count)
        put("product_maturity", self.product.maturity)
        put("renewals_due", success.renewals_due)
        put("renewals_done", success.renewals_done)
        put("churned_logos", success.churned)
        put("requisitions_open", self.workforce.requisitions_open)
        total = 0
        for name, pool in self.workforce.pools.items():
            put(f"headcount.{name}", pool.headcount)
            total += pool.headcount
        put("headcount", total)
        aes = self.workforce.pools.get("ae")
        # AEs weighted by ramp and productivity: a fully ramped typical AE counts 1
        put("ramped_rep_equivalents", aes.speed_sum() if aes is not None else 0.0)
        for name in STAGES:
            put(f"queue.{name}", self.stages[name].waiting)
        self.retention.observe(success.accounts)

    # ---- running and results -----------------------------------------------------------------

    def run(self, until: float | None = None) -> None:
        """Run the clock to `until` (days), by default to the end of the horizon.

        Python's cyclic garbage collector is paused meanwhile: the model's objects free
        themselves by reference counting (its few cycles wait for the next collection), and
        full collections over hundreds of thousands of live objects would otherwise take a
        share of the run that grows with the company's size.
        """
        if self.default_month is not None:
            return  # the company stopped: nothing more happens
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self.env.run(until=self.end if until is None else until)
        finally:
            if was_enabled:
                gc.enable()

    def results(self) -> Results:
        """The replication's record so far, each department adding its own part."""
        res = Results(
            monthly=dict(self.monthly), starting_arr=self.starting_arr, starting_customers=self.starting_customers
        )
        # in this order, the record's monthly series and counters keep the order they always had
        for department in (
            self.finance,
            self.success,
            self.workforce,
            self.presales,
            self.sales,
            self.delivery,
            self.marketing,
            self.sdr,
        ):
            department.record(res)
        if self.nurture is not None:
            self.nurture.record(res)
        defaulted = np.zeros(self.sc.horizon_months)
        if self.default_month is not None:
            res.counters["default_month"] = self.default_month + 1
            defaulted[self.default_month + 1 :] = 1.0
        res.monthly["defaulted"] = defaulted  # 1 in the months after the default: the company had stopped
        if self.prospecting is not None:
            self.prospecting.record(res)
        if self.founders is not None:
            self.founders.record(res)
        if self.management is not None:
            self.management.record(res)
        res.stages = stage_records(self.stages, STAGES, self.sc.horizon_days, res.stage_tails)
        res.roles = self._roles()
        res.retention = self.retention.record(self.success.cohort_arr, self.success.final_arr)
        return res

    def _roles(self) -> dict[str, RoleRecord]:
        """The per-role table: every stage a role's pool serves (recruiting included)."""
        ae = float(self.prospecting.booked.sum()) if self.prospecting is not None else 0.0
        booked = {"ae": ae, "sdr": float(self.marketing.funnel["leads.outbound"]) - ae}
        served = [*self.stages.values(), self.workforce.recruiting]
        return role_records(self.workforce.pools, served, booked)
