"""What every part of the scenario schema shares: the calendar, the departments, the limits that
keep a run finite, the kinds of number a field may hold, and the base model (frozen, no unknown
keys, defaults validated)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DEPARTMENTS",
    "GROWTH_DEPARTMENTS",
    "MAX_HEADCOUNT",
    "MAX_HORIZON_MONTHS",
    "MAX_LEADS_PER_MONTH",
    "MAX_MONEY",
    "MAX_REPLICATIONS",
    "MAX_STARTING_CUSTOMERS",
    "MONTH_DAYS",
    "Finite",
    "Model",
    "Money",
    "NonNegMoney",
    "NonNeg",
    "Pos",
    "PosMoney",
    "Prob",
]

MONTH_DAYS = 365.25 / 12
DEPARTMENTS = ("marketing", "sales", "service", "product", "functional")
GROWTH_DEPARTMENTS = ("product", "sales", "marketing", "service")

# Limits that keep a run finite; anything beyond them is almost surely a typo.
MAX_HORIZON_MONTHS = 240
MAX_HEADCOUNT = 100_000
MAX_LEADS_PER_MONTH = 1_000_000
MAX_STARTING_CUSTOMERS = 20_000  # per segment: run time grows faster than the book (30k: 6 s, 100k: 70 s)
MAX_MONEY = 1e12  # USD: sums of amounts this size stay exact to well under a cent in float64
MAX_REPLICATIONS = 100_000  # per scenario (or sweep point, or focus order), in files and on the command line

Prob = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Pos = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Money = Annotated[float, Field(ge=-MAX_MONEY, le=MAX_MONEY, allow_inf_nan=False)]
NonNegMoney = Annotated[float, Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
PosMoney = Annotated[float, Field(gt=0, le=MAX_MONEY, allow_inf_nan=False)]


class Model(BaseModel):
    """Base of every scenario model: frozen, unknown keys refused, defaults validated too."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
