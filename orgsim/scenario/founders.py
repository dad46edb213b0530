"""Scenario keys of the founders' time (issue 14, item 2): founders are people with hours who
build product, and who step in on business work (selling, onboarding, caring for customers) while
a department has nobody or is overloaded, at the cost of product maturity.

Absent (the default, `founders: null`) there are no founders and the model is what it was before
them. Figures in comments marked [id] come from `data/benchmarks.yaml`; the rest are assumptions
with no public figure. See docs/explanation/model/founders.md.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from orgsim.scenario.base import Model, NonNeg, Pos

__all__ = ["FOUNDER_KINDS", "SERVICE_KINDS", "Founders", "founders_take"]

# the kinds of work a founder may take: the `kind` names the departments give their tasks
# (sdr.py, sales.py, delivery.py, success.py); "care" also covers accounts no CSM book holds
FOUNDER_KINDS = ("qualification", "opportunity", "delivery", "onboarding", "care", "renewal", "expansion")
# service: the work founders give up above `withdraw_above_customers` (the article's fourth focus)
SERVICE_KINDS = frozenset({"delivery", "onboarding", "care", "renewal", "expansion"})

Kind = Literal["qualification", "opportunity", "delivery", "onboarding", "care", "renewal", "expansion"]


_DEFAULT_KINDS: tuple[Kind, ...] = ("opportunity", "onboarding", "care", "renewal", "expansion")


class Founders(Model):
    """The founders (YAML key `founders:`): `count` people, each worth `product_engineer_equivalent`
    engineers to product in a month with no business work; each hour of business work takes
    1 / (productive hours of the month) of that contribution away."""

    count: Annotated[int, Field(ge=0, le=20)] = 2
    """Founders (assumption: a typical founding team of two; no public figure)."""
    product_engineer_equivalent: NonNeg = 1.0
    """Each founder's product work in a month with no business work, in fully ramped engineers
    (assumption, no public figure)."""
    business_share_max: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.5
    """The share of a founder's productive hours (time.productive_hours_per_day x days of the
    month) they give at most to business work in a month (assumption, no public figure)."""
    kinds: list[Kind] = Field(default_factory=lambda: list(_DEFAULT_KINDS))
    """The kinds of work founders take (task kinds of the departments; `care` also cares for
    accounts no CSM book holds)."""
    step_in: Literal["nobody", "overloaded"] = "nobody"
    """When founders take a task: `nobody` = only work whose role has nobody on staff (and, for
    care, accounts when there is no CSM); `overloaded` = also work that has waited longer than
    `overload_wait_days` (and, for care, every account beyond the CSMs' books)."""
    overload_wait_days: NonNeg = 14.0
    """With `step_in: overloaded`: a task waiting longer than this is the founders' to take
    (assumption, no public figure)."""
    withdraw_above_customers: Annotated[int, Field(ge=0)] | None = None
    """Founders stop service work (delivery, onboarding, care, renewal, expansion) while the company
    has more customers than this; null = never (the article: service becomes its own focus)."""
    check_days: Pos = 1.0
    """An idle founder looks for work this often, in days (assumption: daily)."""

    @field_validator("kinds")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"kinds must not repeat (got {v})")
        return v


def founders_take(sc: object, kind: str) -> bool:
    """Whether the scenario's founders take work of `kind` for the whole run (so a role that never
    has anyone for it is no stall): founders on with time for business work, the kind theirs, and
    no withdrawal from it."""
    f: Founders | None = getattr(sc, "founders", None)
    if f is None or f.count == 0 or f.business_share_max <= 0 or kind not in f.kinds:
        return False
    return kind not in SERVICE_KINDS or f.withdraw_above_customers is None
