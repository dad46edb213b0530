"""Metrics: raw records of one replication -> KPIs, funnel, stage table, monthly series.

Pure functions; the definitions are the contract of docs/reference/kpis.md. A KPI that is undefined
in a replication (CAC with no new customers, say) is None, never NaN or infinity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from orgsim.metrics.company import company_kpis
from orgsim.metrics.retention import retention as retention_of
from orgsim.metrics.roles import roles as role_table
from orgsim.names import SOURCES

if TYPE_CHECKING:  # only for annotations: metrics need no engine (nor the model) at run time
    import pandas as pd

    from orgsim.engine import RawRecord

__all__ = ["LIFETIME_CAP_YEARS", "RUNWAY_CAP_MONTHS", "Replication", "funnel", "kpis", "reduce", "stages"]

RUNWAY_CAP_MONTHS = 120.0
LIFETIME_CAP_YEARS = 10.0


@dataclass
class Replication:
    """One replication reduced to what results report (small; what workers send back)."""

    replication: int
    seed: int
    kpis: dict[str, float | None]
    funnel: dict[str, float]
    stages: dict[str, dict[str, float]]
    monthly: dict[str, np.ndarray]
    runtime_s: float
    counters: dict[str, float] = field(default_factory=dict)
    events: pd.DataFrame | str | None = None  # the event log, when asked for (`orgsim.outputs.event_log.render`)
    roles: dict[str, dict[str, float | None]] = field(default_factory=dict)  # per role (`orgsim.metrics.roles`)
    # by segment, by cohort, health-band moves (`orgsim.metrics.retention`); {} in old checkpoints
    retention: dict[str, Any] = field(default_factory=dict)


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den > 0 else None


def operating_months(rec: RawRecord) -> int:
    """The months the company operated: the horizon, or up to the close at which it defaulted
    (`default_month`, 1-based). The months after it report the company as it stopped, so a KPI over
    a window of months or per year of time takes its window from these months, not from months in
    which nothing could happen."""
    d = rec.counters.get("default_month")
    return int(d) if d is not None and d < rec.horizon_months else rec.horizon_months


def kpis(rec: RawRecord) -> dict[str, float | None]:
    """Every KPI of docs/reference/kpis.md for one replication (keys in `KPI_KEYS` order)."""
    m = rec.monthly
    H = operating_months(rec)  # the horizon, unless the company stopped (default) before its end
    gm = rec.gross_margin
    arr = m["arr"]
    new_customers = float(rec.funnel.get("won", 0))
    new_arr = float(m["new_arr"].sum())
    sm = m["sm_cost"]
    sm_total = float(sm.sum())
    net_burn = m["cost.total"] - m["collections"]

    cac = _ratio(sm_total, new_customers)
    payback = _ratio(sm_total, new_arr * gm / 12)
    cash_end = float(m["cash"][-1])
    grr, nrr = _retention(rec)

    return {
        "arr_end": float(arr[-1]),
        "new_customers": new_customers,
        "new_arr": new_arr,
        "expansion_arr": float(m["expansion_arr"].sum()),
        "churned_arr": float(m["churned_arr"].sum()),
        "logo_renewal_rate": _ratio(rec.counters["renewals_done"], rec.counters["renewals_due"]),
        "grr": grr,
        "nrr": nrr,
        "cac": cac,
        "cac_payback_months": payback,
        "ltv_to_cac": _ltv_to_cac(rec, cac, new_arr, new_customers, H),
        "magic_number": _magic_number(m["revenue"], sm, H),
        "burn_multiple": _burn_multiple(rec, net_burn, H),
        "cash_end": cash_end,
        "runway_months": _runway(net_burn, cash_end, rec.horizon_months),
        "health_rate": float(m["health_rate"][-1]),
        "activity_rate": float(m["activity_rate"][-1]),
        "headcount_end": float(m["headcount"][-1]),
        **_sales_kpis(rec),
        **_cash_kpis(m["cash"]),
        **company_kpis(rec, H),
        # finance collects (`company.collections`): undefined when off
        "dso_days": rec.counters.get("collections.dso_days"),
        "bad_debt": rec.counters.get("collections.bad_debt"),
    }


def _cash_kpis(cash: np.ndarray) -> dict[str, float | None]:
    """Whether cash went below zero at a month's close (1 or 0), the first such month (1-based;
    undefined when never), and the lowest month-end cash."""
    below = np.flatnonzero(cash < 0)
    return {
        "cash_out": 1.0 if below.size else 0.0,
        "cash_out_month": float(below[0] + 1) if below.size else None,
        "cash_min": float(cash.min()) if cash.size else None,
    }


def _sales_kpis(rec: RawRecord) -> dict[str, float | None]:
    """Win rate, no-decision rate and mean days to a decision, over decided opportunities; the share
    of ramped AEs at quota (None without `roles.ae.quota_arr_per_year`: no counters then)."""
    f = rec.funnel
    no_decision = float(f.get("lost.no_decision", 0))
    decided = float(f.get("won", 0)) + float(f.get("lost.opportunity", 0)) + no_decision
    return {
        "win_rate": _ratio(float(f.get("won", 0)), decided),
        "no_decision_rate": _ratio(no_decision, decided),
        "sales_cycle_days": _ratio(rec.counters.get("days_to_decision", 0.0), decided),
        "quota_attainment": _ratio(rec.counters.get("quota_reps_at_quota", 0), rec.counters.get("quota_reps", 0)),
    }


def _ltv_to_cac(rec: RawRecord, cac: float | None, new_arr: float, new_customers: float, H: int) -> float | None:
    """(average ACV x gross margin x expected lifetime in years, capped) / CAC; churn per year over
    the `H` months the company operated."""
    if cac is None or cac <= 0:
        return None
    years = H / 12
    mean_customers = float(np.mean(np.concatenate(([rec.starting_customers], rec.monthly["customers"][:H]))))
    churn_per_year = rec.counters["churned_logos"] / (mean_customers * years) if mean_customers > 0 else 0.0
    lifetime = LIFETIME_CAP_YEARS if churn_per_year <= 0 else min(1 / churn_per_year, LIFETIME_CAP_YEARS)
    return (new_arr / new_customers) * rec.gross_margin * lifetime / cac


def _magic_number(rev: np.ndarray, sm: np.ndarray, H: int) -> float | None:
    """(last-quarter revenue - prior-quarter revenue) x 4 / prior-quarter S&M cost, the quarters
    ending with month `H` (the last the company operated)."""
    if H < 6:
        return None
    last_q, prior_q = rev[H - 3 : H].sum(), rev[H - 6 : H - 3].sum()
    return _ratio((last_q - prior_q) * 4, float(sm[H - 6 : H - 3].sum()))


def _burn_multiple(rec: RawRecord, net_burn: np.ndarray, H: int) -> float | None:
    """Net burn / net new ARR over the 12 months ending with month `H`, the last the company
    operated (0 when not burning)."""
    arr = rec.monthly["arr"]
    window = min(12, H)
    arr_before = arr[H - window - 1] if H > window else rec.starting_arr
    net_new_arr = float(arr[H - 1] - arr_before)
    burn_12 = float(net_burn[H - window : H].sum())
    if burn_12 <= 0:
        return 0.0
    return _ratio(burn_12, net_new_arr)


def _runway(net_burn: np.ndarray, cash_end: float, H: int) -> float:
    """Cash / mean monthly net burn of the last 3 months, capped (the cap when not burning); 0 when
    cash is below zero (a company that stopped burns nothing, and has no runway either)."""
    if cash_end < 0:
        return 0.0
    burn_3 = float(net_burn[max(H - 3, 0) :].mean())
    return RUNWAY_CAP_MONTHS if burn_3 <= 0 else min(RUNWAY_CAP_MONTHS, max(cash_end, 0.0) / burn_3)


def _retention(rec: RawRecord) -> tuple[float | None, float | None]:
    """Trailing-12-month gross and net revenue retention at the end: the cohort's ARR (`cohort_arr`)
    against what those accounts hold at the end (`final_arr`)."""
    cohort = rec.cohort_arr
    start = sum(cohort.values())
    final = rec.final_arr
    grr = _ratio(sum(min(final.get(a, 0.0), v) for a, v in cohort.items()), start)
    nrr = _ratio(sum(final.get(a, 0.0) for a in cohort), start)
    return grr, nrr


def funnel(rec: RawRecord) -> dict[str, float]:
    """Funnel counts (leads, mql, sql, opportunities, won) and the same by source."""
    f = rec.funnel
    out: dict[str, float] = {}
    for stage in ("leads", "mql", "sql"):
        out[stage] = float(sum(f.get(f"{stage}.{s}", 0) for s in SOURCES))
    out["opportunities"] = float(f.get("opportunities", 0))
    out["won"] = float(f.get("won", 0))
    for stage in ("leads", "mql", "sql"):
        for s in SOURCES:
            out[f"{stage}.{s}"] = float(f.get(f"{stage}.{s}", 0))
    return out


def stages(rec: RawRecord) -> dict[str, dict[str, float]]:
    """Per-stage arrivals, completions, mean and p90 wait (hours) and utilisation."""
    out = {}
    for name, st in rec.stages.items():
        w = st.waits_hours
        out[name] = {
            "arrivals": float(st.arrivals),
            "completed": float(st.completed),
            "mean_wait_hours": float(w.mean()) if w.size else 0.0,
            "p90_wait_hours": float(np.percentile(w, 90)) if w.size else 0.0,
            "utilization": min(st.busy_days / st.person_days, 1.0) if st.person_days > 0 else 0.0,
        }
    return out


def reduce(rec: RawRecord) -> Replication:
    """A raw record reduced to KPIs, funnel, stage table and monthly arrays."""
    return Replication(
        replication=rec.replication,
        seed=rec.seed,
        kpis=kpis(rec),
        funnel=funnel(rec),
        stages=stages(rec),
        monthly={k: np.asarray(v, dtype=float) for k, v in rec.monthly.items()},
        runtime_s=rec.runtime_s,
        counters={k: float(v) for k, v in rec.counters.items()},
        roles=role_table(rec),
        retention=retention_of(rec),
    )
