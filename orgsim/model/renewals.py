"""The renewal decision at term end: the chance to renew, the churn floor and contraction.

Renewal probability (`renewal_probability`): without `customers.renewal_curve` (the default),
``clip(renewal_rate + slope x (health - healthy_threshold), 0, 1)``; with it, the logistic
``1 / (1 + exp(-(logit(renewal_rate) + steepness x (health - typical_health))))``; with
`customers.relationship`, moved on the log-odds scale by the owner's relationship; in both, less
``late_renewal_penalty_per_month x months_late`` (at least 0). A churn floor
(`customers.churn_floor_per_year`) loses the account whatever its health with probability
``1 - (1 - floor)^(term_months / 12)``; a renewing account below the healthy threshold contracts
(`customers.contraction`) with its probability, losing a drawn share of its ARR.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from orgsim.distributions import Sampler
from orgsim.scenario import Scenario

if TYPE_CHECKING:
    from orgsim.model.entities import Account
    from orgsim.rng import Streams

__all__ = ["CHURN_FLOOR", "CHURN_HEALTH", "RENEWED", "Renewals"]

RENEWED, CHURN_HEALTH, CHURN_FLOOR = "renewed", "churn.health", "churn.floor"
_EPS = 1e-9


def _logit(p: float) -> float:
    p = min(max(p, _EPS), 1 - _EPS)
    return math.log(p / (1 - p))


class Renewals:
    """Decides renewals (streams ``renewal.draw``; ``churn.floor`` with a churn floor;
    ``contraction.draw`` and ``contraction.size`` with contraction — drawn only when on).

    Args:
        sc: the scenario (reads ``customers`` and the segments' ``renewal_rate``).
        streams: random streams.
    """

    def __init__(self, sc: Scenario, streams: Streams):
        self.sc = sc
        c = sc.customers
        self.renew = streams.uniforms("renewal.draw")
        self.curve = c.renewal_curve
        self.logit_rate = {n: _logit(s.renewal_rate) for n, s in sc.segments.items()}
        # log-odds added by the renewal owner's relationship (`orgsim.model.relationships`); None = off
        self.shift: Callable[[Account], float] | None = None
        self.floor = c.churn_floor_per_year
        self.floor_draw = streams.uniforms("churn.floor") if self.floor > 0 else None
        self.contraction = c.contraction
        if c.contraction is not None:
            self.contract_draw = streams.uniforms("contraction.draw")
            self.contract_size = Sampler(c.contraction.share_of_arr, streams.generator("contraction.size"))

    def probability(self, acc: Account) -> float:
        """The chance the account renews now: its segment's renewal rate shaped by health, less the
        penalty for each month the owner got to the renewal late."""
        c = self.sc.customers
        curve = self.curve
        if curve is None:
            spec = self.sc.segments[acc.segment]
            p = spec.renewal_rate + c.renewal_health_slope * (acc.health - c.healthy_threshold)
            p = min(max(p, 0.0), 1.0)
        else:
            z = self.logit_rate[acc.segment] + curve.steepness * (acc.health - curve.typical_health)
            p = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        if self.shift is not None:
            z = _logit(p) + self.shift(acc)
            p = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        p -= c.late_renewal_penalty_per_month * acc.late_months
        return max(p, 0.0)

    def decide(self, acc: Account) -> tuple[str, float]:
        """(outcome, share of ARR lost to contraction): RENEWED, CHURN_HEALTH or CHURN_FLOOR."""
        renewed = self.renew() < self.probability(acc)  # drawn first, whatever else is on
        if self.floor_draw is not None:
            p_floor = 1.0 - (1.0 - self.floor) ** (acc.term_months / 12)
            if self.floor_draw() < p_floor:
                return CHURN_FLOOR, 0.0
        if not renewed:
            return CHURN_HEALTH, 0.0
        k = self.contraction
        if k is not None and acc.health < self.sc.customers.healthy_threshold and self.contract_draw() < k.probability:
            return RENEWED, min(max(self.contract_size(), 0.0), 1.0)
        return RENEWED, 0.0
