"""Simulated deals as CRM exports, for validating `orgsim calibrate` by a round trip.

- `export_crm(events, fmt, out_dir, as_of=..., replication=...)`: one replication's opportunities
  from an event log, cut at an as-of date, written as a Salesforce, HubSpot, Pipedrive, generic or
  "CRM Sales Opportunities" export (`orgsim.crm.export`, `orgsim.crm.formats`).
- `deals_from_events`: the same snapshot as DataFrames (deals and stage history).
- `truth(scenario, events)`: what calibrate should recover: the scenario's per-segment win rate,
  cycle and ACV keys, and the values measured on the full, uncensored log (`orgsim.crm.truth`).
- `synthetic_deals(...)`: a generic-format data set with a known win probability, where lost deals
  take longer than won ones and about a third are still open (`orgsim.crm.synthetic`).

Imports pandas on first use of a name, not at `import orgsim.crm`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Deals": "orgsim.crm.export",
    "deals_from_events": "orgsim.crm.export",
    "export_crm": "orgsim.crm.export",
    "read_events": "orgsim.crm.export",
    "FORMATS": "orgsim.crm.formats",
    "synthetic_deals": "orgsim.crm.synthetic",
    "truth": "orgsim.crm.truth",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'orgsim.crm' has no attribute {name!r}")


if TYPE_CHECKING:
    from orgsim.crm.export import (
        Deals as Deals,
        deals_from_events as deals_from_events,
        export_crm as export_crm,
        read_events as read_events,
    )
    from orgsim.crm.formats import FORMATS as FORMATS
    from orgsim.crm.synthetic import synthetic_deals as synthetic_deals
    from orgsim.crm.truth import truth as truth
