"""Metrics: what a replication's raw record means, as KPIs, funnel counts, stage tables and series.

- `registry`: every KPI's key, label, unit, better direction and definition, in one place.
- `kpis`: pure functions from a raw record to KPIs, funnel, stage table and monthly arrays.
- `roles`: the per-role table (utilisation over every task a role serves, headcount, backlog).
"""

from __future__ import annotations

from orgsim.metrics.kpis import LIFETIME_CAP_YEARS, RUNWAY_CAP_MONTHS, Replication, funnel, kpis, reduce, stages
from orgsim.metrics.registry import FUNNEL_KEYS, KPI_KEYS, KPIS, STAGE_KEYS, KpiSpec
from orgsim.metrics.roles import ROLE_KEYS, roles

__all__ = [
    "FUNNEL_KEYS",
    "KPIS",
    "KPI_KEYS",
    "LIFETIME_CAP_YEARS",
    "ROLE_KEYS",
    "RUNWAY_CAP_MONTHS",
    "STAGE_KEYS",
    "KpiSpec",
    "Replication",
    "funnel",
    "kpis",
    "reduce",
    "roles",
    "stages",
]
