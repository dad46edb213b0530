"""The handoff from sales to delivery (YAML key `customers.handoff:`).

Part of the schema (`orgsim.scenario.schema` imports `Handoff` into `Customers`); split out so
each module stays small. The mechanism is in `orgsim.model.delivery`; its equations are in
docs/explanation/model/delivery.md. Figures in comments marked [id] come from
`data/benchmarks.yaml`; no public figure measures a handoff's cost, so the defaults are stated
assumptions.
"""

from __future__ import annotations

from orgsim.scenario.base import Model, NonNeg, Prob

__all__ = ["Handoff"]


class Handoff(Model):
    """What a deal loses when the seller hands it on, and what a seller lacks delivering complex
    work. Absent (null) = off: no handoff cost, no expertise penalty."""

    go_live_days: NonNeg = 14.0
    """Calendar days added to the customer's time to go live when the deal is delivered by
    another team than sales (`delivered_by: implementation | csm`): a kickoff with the new team
    and requirements gathered again (assumption, no public figure; [impl_elapsed_days] puts a
    whole implementation at 30-100 days)."""
    health_penalty: Prob = 0.05
    """Starting health lost by such a handed-off deal at go-live: context the seller had and the
    new team does not (assumption, no public figure; [churn_from_poor_onboarding] attributes 23%
    of churn to poor onboarding)."""
    expertise_hours: NonNeg = 8.0
    """Delivery hours (of the deal's drawn `effort_hours.delivery`) a seller delivers as well as a
    specialist: about one working day, the size of a low-price deal's setup (assumption)."""
    expertise_health_penalty: Prob = 0.15
    """Starting health lost, at most, when sales delivers a deal far beyond its expertise: the
    penalty is this x (1 - expertise_hours / delivery hours), 0 up to expertise_hours
    (assumption, no public figure: three handoff penalties, a visibly worse implementation)."""
