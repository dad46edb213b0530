"""The company: wires the departments together and keeps the monthly clock.

Each month starts with hiring (plan and growth stage), SE enablement, CSM books, expansions and
the month's leads; it ends with product maturity, account health, the ledger and a snapshot of
everything reported monthly. In between, leads, tasks and accounts move on SimPy's clock as
events with callbacks (`orgsim.model.clock`); the monthly clock is the one SimPy process.
"""

from __future__ import annotations

import gc
from collections import Counter

import numpy as np
import simpy

from orgsim.distributions import Sampler
from orgsim.model.clock import Calendar
from orgsim.model.delivery import Delivery
from orgsim.model.events import EventLog
from orgsim.model.finance import Finance
from orgsim.model.marketing import Lead, Marketing
from orgsim.model.presales import Presales
from orgsim.model.product import Product
from orgsim.model.sales import Sales
from orgsim.model.sdr import SDR
from orgsim.model.success import Success
from orgsim.model.workforce import Pool, StageStats, Workforce
from orgsim.rng import Streams
from orgsim.scenario import DEPARTMENTS, MONTH_DAYS, Dist, Scenario

STAGES = ("marketing", "sdr", "sales", "presales", "implementation", "csm")


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
        self.env = simpy.Environment()
        # the event log, when asked for; None keeps logging out of the way (`orgsim.model.events`)
        self.events: EventLog | None = EventLog(self.env) if events else None
        # timers weeks or months ahead (renewals, sales cycles, go-lives) wait off SimPy's heap
        self.calendar = Calendar(self.env, near=2 * MONTH_DAYS)
        self.streams = Streams(seed, replication)
        self.funnel: Counter[str] = Counter()
        self.stages: dict[str, StageStats] = {}
        self._leads = 0
        # the run stops here; timers set for later would never fire and are not set at all
        self.end = sc.horizon_days + 1e-6
        ae = sc.roles.get("ae")
        self._pods = bool(ae and ae.pods and sc.ownership.routing == "segment")
        self.workforce = Workforce(self)
        self.finance = Finance(self)
        self.product = Product(self)
        # value-chain order: who a lead meets first comes first
        self.marketing = Marketing(self)
        self.sdr = SDR(self)
        self.sales = Sales(self)
        self.presales = Presales(self)
        self.delivery = Delivery(self)
        self.success = Success(self)
        self.monthly: dict[str, np.ndarray] = {}
        self.cohort_arr: dict[int, float] | None = None
        self._seed_customers()
        self.env.process(self._months())

    # ---- helpers the departments share ---------------------------------------------------------

    def sampler(self, dist: Dist, stream: str) -> Sampler:
        return Sampler(dist, self.streams.generator(stream))

    def stage(self, name: str, pool: Pool | None) -> StageStats:
        st = self.stages.get(name)
        if st is None:
            st = self.stages[name] = StageStats(name, pool)
        elif st.pool is None:
            st.pool = pool
        return st

    def pod_of(self, segment: str) -> str | None:
        return segment if self._pods else None

    def new_lead(self, source: str, segment: str) -> Lead:
        self._leads += 1
        return Lead(self._leads, source, segment, self.env.now)

    def lead_arrives(self, lead: Lead) -> None:
        """The lead enters the funnel now (numbered in order of arrival)."""
        self._leads += 1
        lead.lid = self._leads
        lead.created = self.env.now

    # ---- the start and the months ------------------------------------------------------------

    def _seed_customers(self) -> None:
        """Starting customers with contract ages spread evenly over their term."""
        sc = self.sc
        for seg, n in sc.company.starting_customers.items():
            spec = sc.segments[seg]
            for i in range(n):
                age_days = (i + 0.5) / n * spec.contract_months * MONTH_DAYS
                acv = self.delivery.acv[seg]()
                acc = self.success.new_account(seg, acv, term_start=-age_days, first_start=-age_days, live=True)
                self.finance.invoice_contract(acc, from_time=0.0)
                if self.events is not None:
                    acc.case, acc.source = f"C{acc.aid}", ""
                    self.events.add(acc.case, "customer", "Customer at start", seg, amount=acv, health=acc.health)

    def _months(self):
        sc = self.sc
        H = sc.horizon_months
        cohort_month = max(H - 12, 0)
        for m in range(H):
            self.calendar.advance((m + 2) * MONTH_DAYS)  # a month ahead of the clock
            if m == cohort_month:
                self.cohort_arr = {a.aid: a.arr for a in self.success.accounts}
            self.workforce.start_of_month(m, self.finance.arr)
            self.presales.start_of_month()
            self.success.start_of_month(m)
            self.marketing.start_of_month(m)
            yield self.env.timeout((m + 1) * MONTH_DAYS - self.env.now)
            self.product.end_of_month()
            self.success.end_of_month(m)
            self.finance.close_month(m)
            self._snapshot(m)
        self.final_arr = {a.aid: a.arr for a in self.success.accounts}

    def _snapshot(self, m: int) -> None:
        H = self.sc.horizon_months
        mon = self.monthly

        def put(key: str, value: float) -> None:
            arr = mon.get(key)
            if arr is None:
                arr = mon[key] = np.zeros(H)
            arr[m] = value

        f = self.finance
        put("arr", f.arr)
        put("customers", len(self.success.accounts))
        health_rate, activity_rate = self.success.rates()
        put("health_rate", health_rate)
        put("activity_rate", activity_rate)
        # the distribution behind the rates: active accounts per tenth of health (0 = [0, 0.1))
        for k, count in enumerate(self.success.health_bands().tolist()):
            put(f"health_band.{k}", count)
        put("product_maturity", self.product.maturity)
        put("won", self.funnel["won"])
        put("renewals_due", self.success.renewals_due)
        put("renewals_done", self.success.renewals_done)
        put("churned_logos", self.success.churned)
        put("requisitions_open", self.workforce.requisitions_open)
        total = 0
        for name, pool in self.workforce.pools.items():
            put(f"headcount.{name}", pool.headcount)
            total += pool.headcount
        put("headcount", total)
        for name in STAGES:
            st = self.stages.get(name)
            put(f"queue.{name}", st.waiting if st else 0)

    def run(self, until: float | None = None) -> None:
        """Run the clock to `until` (days), by default to the end of the horizon.

        Python's cyclic garbage collector is paused meanwhile: the model's objects free
        themselves by reference counting (its few cycles wait for the next collection), and
        full collections over hundreds of thousands of live objects would otherwise take a
        share of the run that grows with the company's size.
        """
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            # by default a hair past the horizon, so that the last month's close runs
            self.env.run(until=self.end if until is None else until)
        finally:
            if was_enabled:
                gc.enable()


__all__ = ["Company", "Lead", "STAGES", "DEPARTMENTS"]
