"""A company described as data: the schema, and how scenario files become one.

Modules, in dependency order:

- `errors`: `ScenarioError` (every problem of a scenario, one per line), `Problem`, `UsageError`.
- `base`: the calendar (MONTH_DAYS), departments, limits, number kinds and the base model.
- `dist`: `Dist`, a distribution as data (analytic mean and variance).
- `checks`: the cross-field rules (`Scenario.problems()`).
- `acquisition`, `schema`: the pydantic models of a scenario (lead sources and funnel in the
  first, the rest in the second); every default lives there.
  The public names of base, dist and schema are exported here, so
  `from orgsim.scenario import Scenario, Dist, MONTH_DAYS` is the way to name them.
- `yamlmap`: YAML with the line of every value.
- `loader`: files, `extends`, `--set` overrides, pydantic errors turned into `Problem` lines.

Importing this package imports the schema only (pydantic), not the loader (YAML).
"""

from __future__ import annotations

from orgsim.scenario.acquisition import (
    ContentSource,
    Funnel,
    LeadSources,
    OutboundSource,
    PaidSource,
    ReferralSource,
    SpeedToLead,
)
from orgsim.scenario.base import (
    DEPARTMENTS,
    GROWTH_DEPARTMENTS,
    MAX_HEADCOUNT,
    MAX_HORIZON_MONTHS,
    MAX_LEADS_PER_MONTH,
    MONTH_DAYS,
)
from orgsim.scenario.dist import Dist, fixed
from orgsim.scenario.schema import (
    CommonEffort,
    CompanySettings,
    Customers,
    Expansion,
    Growth,
    Health,
    Hiring,
    Ownership,
    ProductSettings,
    Requisition,
    Role,
    Scenario,
    Segment,
    SegmentEffort,
    TimeCfg,
)

__all__ = [
    "DEPARTMENTS",
    "GROWTH_DEPARTMENTS",
    "MAX_HEADCOUNT",
    "MAX_HORIZON_MONTHS",
    "MAX_LEADS_PER_MONTH",
    "MONTH_DAYS",
    "CommonEffort",
    "CompanySettings",
    "ContentSource",
    "Customers",
    "Dist",
    "Expansion",
    "Funnel",
    "Growth",
    "Health",
    "Hiring",
    "LeadSources",
    "OutboundSource",
    "Ownership",
    "PaidSource",
    "ProductSettings",
    "ReferralSource",
    "Requisition",
    "Role",
    "Scenario",
    "Segment",
    "SegmentEffort",
    "SpeedToLead",
    "TimeCfg",
    "fixed",
]
