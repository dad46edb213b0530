"""Scenario keys of the customer-success mechanisms of issue 13 (items 1, 3 and 5): health that
decays without care, a logistic renewal curve, contraction at renewal, a churn floor and pooled
tech-touch care. Every one is off (null) by default, and off reproduces the model before them.

Figures in comments marked [id] come from `data/benchmarks.yaml`; the rest are assumptions with
no public figure.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from orgsim.scenario.base import Model, NonNeg, Pos, Prob
from orgsim.scenario.dist import Dist

__all__ = ["Contraction", "Relationship", "RenewalCurve", "Reversion", "TechTouch"]


class Reversion(Model):
    """Mean-reverting health (YAML key `customers.health.reversion:`); replaces the additive
    covered/uncovered drifts. Each month end a live account's health moves by
    rate_per_month x (baseline - health) + care lift (when its care task was done)
    + product weight x (maturity - 0.5) + time-to-value lift (live within its first months) + noise."""

    rate_per_month: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.15
    """kappa: the share of the gap to the baseline closed each month (assumption, no public figure)."""
    baseline: dict[str, Prob] = Field(default_factory=lambda: {"default": 0.4})
    """Health an account left alone drifts to, by segment (`default` for segments not named); a
    bare number = every segment (assumption, no public figure)."""
    care_lift_per_month: NonNeg = 0.06
    """Health added in a month whose care task was done (assumption, no public figure)."""
    time_to_value_months: NonNeg = 3.0
    """Months after the first contract's start within which a live account gets the early-value lift."""
    time_to_value_lift_per_month: NonNeg = 0.03
    """Health added in each month the account is live within `time_to_value_months` of signing:
    the sooner it goes live, the more months of lift (assumption; see [churn_from_poor_onboarding])."""

    @field_validator("baseline", mode="before")
    @classmethod
    def _scalar_baseline(cls, v: Any) -> Any:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return {"default": v}
        return v

    def baseline_of(self, segment: str) -> float:
        return self.baseline.get(segment, self.baseline.get("default", 0.0))


class RenewalCurve(Model):
    """Logistic renewal curve (YAML key `customers.renewal_curve:`); replaces the linear
    clip(renewal_rate + slope x (health - healthy_threshold)). p = 1 / (1 + exp(-(logit(renewal_rate)
    + steepness x (health - typical_health)))): an account at typical health renews at its
    segment's benchmark renewal_rate."""

    steepness: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 8.0
    """Log-odds of renewing per unit of health (assumption, no public figure)."""
    typical_health: Prob = 0.7
    """Health at which the segment's renewal_rate applies (assumption: a typical account)."""


class Contraction(Model):
    """Downsell at renewal (YAML key `customers.contraction:`): a renewing account below the healthy
    threshold contracts with `probability`, losing a share of its ARR drawn from `share_of_arr`
    (clipped to 0..1)."""

    probability: Prob = 0.5
    """Chance a renewing account below healthy downsells (assumption, no public figure)."""
    share_of_arr: Dist = Field(default_factory=lambda: Dist(dist="gamma", mean=0.25, cv=0.5))
    """Share of the account's ARR lost (assumption, no public figure)."""


class TechTouch(Model):
    """Pooled tech-touch care (YAML key `customers.tech_touch:`): accounts of these segments leave the
    CSM books (they take neither a book slot nor ARR budget) and are covered by a pooled program
    whenever the company has a CSM, each needing `care_hours_per_month` CSM hours."""

    segments: list[str]
    care_hours_per_month: NonNeg = 0.2
    """CSM hours of pooled care per account per month (assumption, no public figure)."""
    care_lift_share: Prob = 0.5
    """Share of `reversion.care_lift_per_month` a pooled program gives (assumption, no public figure)."""
    accounts_per_task: Annotated[int, Field(ge=1, le=100_000)] = 1
    """Accounts one task of the program reaches at once, taking `care_hours_per_month` for each
    (1: a task per account, as before the key; assumption, no public figure)."""


class Relationship(Model):
    """Ownership through relationships (YAML key `customers.relationship:`, issue 13 item 4). An
    account keeps a relationship strength (0..1) with sales (the key person's relationship with the
    AEs) and one with its CSM. Each owner task done on the account (delivery by sales, care,
    expansion, renewal work, key-person touches) adds gain_per_touch x (1 - strength); without
    contact strength halves every half_life_months. A deal delivered by another team than sales
    cuts the sales strength by handoff_factor at signing; the CSM starts from handoff_factor x the
    sales strength at its first contact. Renewal and expansion probabilities p of an owner with
    strength s become 1 / (1 + exp(-(logit(p) + weight x (s - reference)))); a healthy account
    refers at 1 + (relationship_boost - 1) x s_sales times per_healthy_account_year."""

    start: Prob = 0.8
    """Sales strength at signing: the buying relationship (assumption, no public figure)."""
    half_life_months: Pos = 3.0
    """Months in which a relationship without contact loses half its strength (assumption)."""
    gain_per_touch: Prob = 0.3
    """Share of the gap to 1 that one owner task on the account closes (assumption)."""
    handoff_factor: Prob = 0.4
    """Share of the strength a receiving team inherits at a handoff (assumption)."""
    reference: Prob = 0.5
    """Strength at which renewal and expansion probabilities are unchanged (assumption)."""
    renewal_weight: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 1.5
    """Log-odds of renewing per unit of the renewal owner's strength (assumption)."""
    expansion_weight: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 1.5
    """Log-odds of a monthly expansion per unit of the expansion owner's strength (assumption)."""
    key_person_touch_months: Pos = 3.0
    """With ownership.referral_relationship: sales, AEs touch each account's key person this often
    once the account has passed to the CSM (assumption)."""
    key_person_touch_hours: NonNeg = 0.5
    """AE hours of one key-person touch (assumption)."""
