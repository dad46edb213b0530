"""The KPI registry: every KPI's key, label, unit, better direction, format and definition.

One entry per KPI of docs/reference/kpis.md, in the order every table, JSON document and plot lists
them. Metrics compute the values under these keys; statistics take the better direction from
here; terminal tables, plots and reports take the label, unit (which decides the format, see
`fmt`) and definition from here. To add a KPI, add a `KpiSpec` below and its value in
`orgsim.metrics.kpis.kpis`.

The derived mappings (`KPI_KEYS`, `KPI_DIRECTION`, `KPI_UNITS`, `KPI_LABELS`) are views of
`KPIS` for the callers that need one attribute of every KPI.

This module imports nothing from orgsim, so any layer can use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = [
    "FUNNEL_KEYS",
    "KPIS",
    "KPI_DIRECTION",
    "KPI_KEYS",
    "KPI_LABELS",
    "KPI_UNITS",
    "STAGE_KEYS",
    "KpiSpec",
    "Unit",
    "fmt",
    "unit_of",
]

# money: $1.23M; count: 1,234 or 12.5; pct: 98.7% (values are shares, 0..1); months: 21.0 mo;
# ratio: 5.80x; hours: 1,234.5
Unit = Literal["money", "count", "pct", "months", "ratio", "hours"]


@dataclass(frozen=True)
class KpiSpec:
    """What one KPI is and how it is shown.

    Attributes:
        key: the contract name (a DataFrame column, a JSON key).
        label: the name for people (plot titles, reports).
        unit: how a value is formatted (`fmt`).
        direction: +1 higher is better, -1 lower is better, 0 neither (more people is a
            choice, not a result).
        definition: one line saying how it is computed, for reports.
    """

    key: str
    label: str
    unit: Unit
    direction: Literal[-1, 0, 1]
    definition: str

    def format(self, value: float | None) -> str:
        """A value of this KPI for people, e.g. ``$1.23M`` ('-' when undefined)."""
        return fmt(value, self.unit)


KPIS: Mapping[str, KpiSpec] = MappingProxyType(
    {
        s.key: s
        for s in (
            KpiSpec("arr_end", "ARR at end", "money", 1, "ARR at the end of the horizon"),
            KpiSpec("new_customers", "new customers", "count", 1, "deals won"),
            KpiSpec("new_arr", "new ARR", "money", 1, "ACV of won deals, summed"),
            KpiSpec("expansion_arr", "expansion ARR", "money", 1, "ARR added by expansions"),
            KpiSpec("churned_arr", "churned ARR", "money", -1, "ARR of accounts that churned"),
            KpiSpec("logo_renewal_rate", "logo renewal rate", "pct", 1, "renewals ÷ renewals due (count)"),
            KpiSpec("grr", "gross revenue retention", "pct", 1, "gross revenue retention, trailing 12 months"),
            KpiSpec("nrr", "net revenue retention", "pct", 1, "net revenue retention, trailing 12 months"),
            KpiSpec("cac", "CAC", "money", -1, "sales & marketing cost ÷ new customers"),
            KpiSpec("cac_payback_months", "CAC payback", "months", -1, "S&M cost ÷ (new ARR × gross margin ÷ 12)"),
            KpiSpec("ltv_to_cac", "LTV:CAC", "ratio", 1, "customer lifetime value ÷ CAC"),
            KpiSpec(
                "magic_number",
                "magic number",
                "ratio",
                1,
                "annualised revenue growth of the last quarter ÷ prior quarter's S&M cost",
            ),
            KpiSpec("burn_multiple", "burn multiple", "ratio", -1, "net burn ÷ net new ARR, last 12 months"),
            KpiSpec("cash_end", "cash at end", "money", 1, "cash at the end"),
            KpiSpec("runway_months", "runway", "months", 1, "cash ÷ net burn of the last 3 months (max 120)"),
            KpiSpec("health_rate", "health rate", "pct", 1, "share of accounts healthy at the end"),
            KpiSpec("activity_rate", "activity rate", "pct", 1, "share of accounts active at the end"),
            KpiSpec("headcount_end", "headcount at end", "count", 0, "people at the end"),
            KpiSpec("win_rate", "win rate", "pct", 1, "won ÷ decided opportunities (won + lost + no decision)"),
            KpiSpec("no_decision_rate", "no-decision rate", "pct", -1, "no decision ÷ decided opportunities"),
            KpiSpec(
                "sales_cycle_days",
                "sales cycle (days)",
                "count",
                -1,
                "mean days from opportunity created to decided, over decided opportunities",
            ),
            KpiSpec(
                "quota_attainment",
                "AEs at quota",
                "pct",
                1,
                "share of ramped AEs whose new ARR of the last 12 months is at least their quota",
            ),
            KpiSpec(
                "cash_out",
                "ran out of cash",
                "pct",
                -1,
                "1 if cash is below zero at a month's end within the horizon, else 0 (its mean: the probability)",
            ),
            KpiSpec("cash_out_month", "cash-out month", "count", 1, "first month whose end-of-month cash is below 0"),
            KpiSpec("cash_min", "lowest cash", "money", 1, "lowest end-of-month cash"),
            KpiSpec(
                "sm_share_of_revenue",
                "S&M % of revenue",
                "pct",
                -1,
                "sales & marketing cost ÷ revenue, last 12 months",
            ),
            KpiSpec(
                "expansion_share_of_new_arr",
                "expansion share of new ARR",
                "pct",
                0,
                "expansion ARR ÷ (expansion ARR + new ARR)",
            ),
            KpiSpec("logo_churn_rate", "logo churn (annual)", "pct", -1, "churned accounts per year ÷ mean accounts"),
            KpiSpec("arr_per_csm", "ARR per CSM", "money", 0, "ARR at the end ÷ CSMs at the end"),
            KpiSpec("ae_to_sdr_ratio", "AEs per SDR", "ratio", 0, "AEs ÷ SDRs at the end"),
            KpiSpec("ae_to_se_ratio", "AEs per SE", "ratio", 0, "AEs ÷ SEs at the end"),
            KpiSpec("sales_cycle_days_smb", "SMB sales cycle (days)", "count", -1, "sales cycle of SMB deals"),
            KpiSpec(
                "sales_cycle_days_mid_market",
                "mid-market sales cycle (days)",
                "count",
                -1,
                "sales cycle of mid-market deals",
            ),
            KpiSpec(
                "sales_cycle_days_enterprise",
                "enterprise sales cycle (days)",
                "count",
                -1,
                "sales cycle of enterprise deals",
            ),
            KpiSpec(
                "dso_days",
                "DSO (days)",
                "count",
                -1,
                "payment terms + mean days late of collected receivables (company.collections; else undefined)",
            ),
            KpiSpec(
                "bad_debt",
                "bad debt",
                "money",
                -1,
                "receivables written off over the horizon (company.collections; else undefined)",
            ),
        )
    }
)

KPI_KEYS: tuple[str, ...] = tuple(KPIS)
KPI_DIRECTION: Mapping[str, int] = MappingProxyType({k: s.direction for k, s in KPIS.items()})
KPI_UNITS: Mapping[str, str] = MappingProxyType({k: s.unit for k, s in KPIS.items()})
KPI_LABELS: Mapping[str, str] = MappingProxyType({k: s.label for k, s in KPIS.items()})
# KPIs that are shares of a whole (a probability, or a fraction of a count): a 95% CI of their mean is
# clipped to [0, 1] (`orgsim.experiments.stats.describe_kpi`). Not nrr, sm_share_of_revenue or
# logo_churn_rate (annualised), which can exceed 1.
PROBABILITY_KPIS: frozenset[str] = frozenset(
    {
        "logo_renewal_rate",
        "grr",
        "health_rate",
        "activity_rate",
        "win_rate",
        "no_decision_rate",
        "quota_attainment",
        "cash_out",
        "expansion_share_of_new_arr",
    }
)
# KPIs that cannot be negative (sums, counts, costs per customer, ratios of such, days): the lower end
# of a 95% CI of their mean is clipped at 0 - a t-interval around bad debt of $966 from 8 replications
# reached -$922. Not cash_end, cash_min (cash can go below zero) or magic_number (revenue can fall).
NONNEGATIVE_KPIS: frozenset[str] = PROBABILITY_KPIS | frozenset(
    {
        "arr_end",
        "new_customers",
        "new_arr",
        "expansion_arr",
        "churned_arr",
        "nrr",
        "cac",
        "cac_payback_months",
        "ltv_to_cac",
        "burn_multiple",
        "runway_months",
        "headcount_end",
        "sales_cycle_days",
        "cash_out_month",
        "sm_share_of_revenue",
        "logo_churn_rate",
        "arr_per_csm",
        "ae_to_sdr_ratio",
        "ae_to_se_ratio",
        "sales_cycle_days_smb",
        "sales_cycle_days_mid_market",
        "sales_cycle_days_enterprise",
        "dso_days",
        "bad_debt",
    }
)

FUNNEL_KEYS = ("leads", "mql", "sql", "opportunities", "won")
STAGE_KEYS = ("arrivals", "completed", "mean_wait_hours", "p90_wait_hours", "utilization")


def unit_of(key: str) -> str:
    """The unit of a KPI; "count" for any other key (funnel steps, parameters)."""
    spec = KPIS.get(key)
    return spec.unit if spec is not None else "count"


def fmt(value: float | None, unit: str = "count") -> str:
    """A number for people: $1.23M, 98.7%, 21.0 mo, 5.80x, 1,234 or 12.5; '-' when undefined."""
    if value is None or not math.isfinite(value):
        return "-"
    if unit == "money":
        sign, v = ("-" if value < 0 else ""), abs(value)
        for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if v >= div * 0.9995:
                return f"{sign}${v / div:.{_decimals(v / div)}f}{suffix}"
        return f"{sign}${v:,.0f}"
    if unit == "pct":
        return f"{value * 100:.1f}%"
    if unit == "months":
        return f"{value:.1f} mo"
    if unit == "ratio":
        return f"{value:.2f}x"
    if unit == "hours":
        return f"{value:,.1f}"
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _decimals(x: float) -> int:
    return 2 if x < 10 else 1 if x < 100 else 0
