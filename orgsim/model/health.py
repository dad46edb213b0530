"""Customer health: how each live account's health (0..1) moves at a month end.

Two rules (`customers.health`). Without `reversion` (the default), an additive drift:
``health += drift + product_weight x (maturity - 0.5) + noise`` with drift = covered_drift when
the month's care task was done, uncovered_drift otherwise. With `reversion`, health reverts to a
low segment baseline unless care pulls it up:
``health += kappa x (baseline - health) + care_lift x [cared] + product_weight x (maturity - 0.5)
+ ttv_lift x [live within time_to_value_months of signing] + noise``. Health is clipped to 0..1.
With `reversion`, an account not yet live also loses `onboarding_wait_penalty_per_month` for
every month it waits past its segment's mean time to go live (the old rule leaves it at its start
health until go-live: kept so that scenarios without `reversion` give the numbers they gave).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol

import numpy as np

from orgsim.scenario import MONTH_DAYS, Scenario

if TYPE_CHECKING:
    from orgsim.model.entities import Account
    from orgsim.rng import Streams
    from orgsim.scenario.retention import Reversion

__all__ = ["HealthDynamics", "ProductMaturity", "health_bands", "health_rates", "months_to_unhealthy"]


class ProductMaturity(Protocol):
    """What health needs of product: maturity now."""

    maturity: float


class HealthDynamics:
    """Moves live accounts' health at each month end (stream ``health.noise``).

    Args:
        sc: the scenario (reads ``customers.health``, ``customers.tech_touch``).
        streams: random streams.
        product: the product, whose maturity moves health.
        needs_care: whether covered accounts have a care task (``account_care_per_month`` > 0).
    """

    def __init__(self, sc: Scenario, streams: Streams, product: ProductMaturity, needs_care: bool):
        self.h = sc.customers.health
        self.rev = self.h.reversion
        self.product = product
        self.needs_care = needs_care
        self.noise_gen = streams.generator("health.noise")
        tt = sc.customers.tech_touch
        self.pooled_share = {s: tt.care_lift_share for s in tt.segments} if tt is not None else {}
        self.base = {s: self.rev.baseline_of(s) for s in sc.segments} if self.rev is not None else {}
        # a customer expects to be live by its segment's mean time to go live; every month past it
        # that it is still not live costs onboarding_wait_penalty_per_month
        self.expected_live = {n: s.go_live_days.expected for n, s in sc.segments.items()}

    def move(self, accounts: list[Account], now: float) -> None:
        """Move every live account's health by care, product maturity and noise (now: days)."""
        h = self.h
        if self.rev is not None:
            self._wait(accounts, now)  # part of the reverting model: off with the old drifts
        live = [a for a in accounts if a.live]
        if not live:
            return
        product = h.product_weight_per_month * (self.product.maturity - 0.5)
        noise = self.noise_gen.normal(0.0, h.noise_sd, len(live)) if h.noise_sd > 0 else np.zeros(len(live))
        needs_care = self.needs_care
        rev = self.rev
        if rev is None:
            for a, e in zip(live, noise.tolist()):
                # coverage counts when the CSM actually found the time for the account this month
                looked_after = a.covered and (a.cared or not needs_care)
                drift = h.covered_drift_per_month if looked_after else h.uncovered_drift_per_month
                a.health = min(max(a.health + drift + product + e, 0.0), 1.0)
            return
        kappa, lift, pooled = rev.rate_per_month, rev.care_lift_per_month, self.pooled_share
        ttv_days, ttv_lift = rev.time_to_value_months * MONTH_DAYS, rev.time_to_value_lift_per_month
        base = self.base
        care_lift = {s: lift * pooled.get(s, 1.0) for s in base}  # the lift of care, by segment
        for a, e in zip(live, noise.tolist()):
            x = a.health
            x += kappa * (base[a.segment] - x) + product + e
            if a.covered and (a.cared or not needs_care):
                x += care_lift[a.segment]
            if now - a.first_start <= ttv_days:
                x += ttv_lift
            x = 0.0 if x < 0.0 else x  # min(max(x, 0.0), 1.0), without the calls
            a.health = 1.0 if x > 1.0 else x

    def _wait(self, accounts: list[Account], now: float) -> None:
        """Accounts not yet live past their expected go-live lose health for the part of this month
        they were overdue (at go-live delivery sets health anew: start less the capacity wait)."""
        penalty = self.h.onboarding_wait_penalty_per_month
        if penalty <= 0:
            return
        expected = self.expected_live
        for a in accounts:
            if not a.live:
                overdue = (now - a.first_start - expected[a.segment]) / MONTH_DAYS
                if overdue > 0:
                    a.health = max(a.health - penalty * min(overdue, 1.0), 0.0)


def months_to_unhealthy(rev: Reversion, segment: str, start: float, threshold: float, product: float = 0.0) -> float:
    """Months an uncared-for account takes to fall from `start` below `threshold` (no noise, past
    its time-to-value window): health approaches h* = baseline + product / kappa geometrically,
    h_t - h* = (start - h*) (1 - kappa)^t. Infinite when h* is at or above the threshold; 0 when
    `start` is already below it."""
    kappa = rev.rate_per_month
    target = rev.baseline_of(segment) + product / kappa
    if start < threshold:
        return 0.0
    if target >= threshold:
        return math.inf
    if kappa >= 1:
        return 1.0
    return math.log((threshold - target) / (start - target)) / math.log(1 - kappa)


def health_rates(accounts: list[Account], healthy: float, active: float) -> tuple[float, float]:
    """(health rate, activity rate): shares of the accounts at or above each threshold; 0 with none."""
    n = len(accounts)
    if n == 0:
        return 0.0, 0.0
    return sum(1 for a in accounts if a.health >= healthy) / n, sum(1 for a in accounts if a.health >= active) / n


def health_bands(accounts: list[Account], bands: int = 10) -> np.ndarray:
    """Accounts per health band: band k holds health in [k/bands, (k+1)/bands), the last band also
    1.0. Edges are compared exactly (k/bands, like the thresholds 0.3 and 0.6), so that a threshold
    on an edge splits the bands as `health_rates` splits the accounts."""
    health = np.fromiter((a.health for a in accounts), dtype=float, count=len(accounts))
    edges = np.arange(1, bands) / bands
    return np.bincount(np.searchsorted(edges, health, side="right"), minlength=bands)
