"""Company KPIs that public benchmarks quote by stage (issue 14, "calibrated companies").

Pure functions of one replication's raw record, like `orgsim.metrics.kpis` (which adds them to
every replication's KPIs): S&M as a share of revenue, expansion's share of new ARR, annual logo
churn, ARR per CSM, AEs per SDR and per SE, and the sales cycle by segment. Each is undefined
(None) when its denominator is zero - no revenue, no CSM, no SDR, no decided deal of the segment.
data/stage-ranges.yaml holds the benchmark ranges they are checked against.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # only for annotations
    from orgsim.engine import RawRecord

__all__ = ["CYCLE_SEGMENTS", "company_kpis"]

# the segments whose sales cycle public benchmarks quote (docs/reference/kpis.md); a scenario
# without one of them leaves its KPI undefined
CYCLE_SEGMENTS = ("smb", "mid_market", "enterprise")


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den > 0 else None


def _headcount(rec: RawRecord, role: str) -> float:
    r = rec.roles.get(role)
    return float(r.headcount_end) if r is not None else 0.0


def company_kpis(rec: RawRecord, H: int) -> dict[str, float | None]:
    """The benchmark KPIs of one replication (keys in `KPI_KEYS` order). `H`: the months the company
    operated (`orgsim.metrics.kpis.operating_months`): the last 12 of them are the window of S&M's
    share of revenue, and churn per year counts only them."""
    m = rec.monthly
    window = slice(max(H - 12, 0), H)
    expansion = float(m["expansion_arr"].sum())
    new_arr = float(m["new_arr"].sum())
    years = H / 12
    mean_customers = float(np.mean(np.concatenate(([rec.starting_customers], m["customers"][:H]))))
    ae = _headcount(rec, "ae")
    c = rec.counters
    return {
        "sm_share_of_revenue": _ratio(float(m["sm_cost"][window].sum()), float(m["revenue"][window].sum())),
        "expansion_share_of_new_arr": _ratio(expansion, expansion + new_arr),
        "logo_churn_rate": _ratio(float(c.get("churned_logos", 0.0)), mean_customers * years),
        "arr_per_csm": _ratio(float(m["arr"][-1]), _headcount(rec, "csm")),
        "ae_to_sdr_ratio": _ratio(ae, _headcount(rec, "sdr")),
        "ae_to_se_ratio": _ratio(ae, _headcount(rec, "se")),
        **{
            f"sales_cycle_days_{seg}": _ratio(c.get(f"days_to_decision.{seg}", 0.0), c.get(f"decided.{seg}", 0.0))
            for seg in CYCLE_SEGMENTS
        },
    }
