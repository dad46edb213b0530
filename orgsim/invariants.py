"""Invariants every replication must satisfy; a violation is a model bug, never user error.

`violations(record)` returns a sentence per broken invariant (empty when all hold). The engine's
callers run it on every replication, and the property tests run it on scenarios hypothesis
generates.
"""

from __future__ import annotations

import math

import numpy as np

from orgsim.engine import RawRecord
from orgsim.names import SOURCES


def violations(rec: RawRecord, rel: float = 1e-9) -> list[str]:
    """Sentences naming each invariant the record breaks."""
    return [*_funnel(rec), *_books(rec, rel), *_ranges(rec)]


def _funnel(rec: RawRecord) -> list[str]:
    """Finite series; every lead ends in exactly one state or is still in flight."""
    out: list[str] = []
    m = rec.monthly
    f = rec.funnel
    for key, values in m.items():
        if not np.all(np.isfinite(values)):
            out.append(f"monthly {key} has a non-finite value")
    for s in SOURCES:
        leads, mql, sql = f.get(f"leads.{s}", 0), f.get(f"mql.{s}", 0), f.get(f"sql.{s}", 0)
        leads += f.get(f"recycled.{s}", 0)  # a recycled lead is an MQL again (funnel.recycling)
        if not leads >= mql >= sql >= 0:
            out.append(f"funnel of {s} is not monotone: leads {leads}, mql {mql}, sql {sql}")
    sql_total = sum(f.get(f"sql.{s}", 0) for s in SOURCES)
    opps, won = f.get("opportunities", 0), f.get("won", 0)
    if opps + f.get("lost.sql", 0) > sql_total:
        out.append(
            f"more opportunities and disqualified SQLs ({opps} + {f.get('lost.sql', 0)}) than SQLs ({sql_total})"
        )
    lost = f.get("lost.opportunity", 0) + f.get("lost.no_decision", 0)
    if won + lost > opps:
        out.append(f"more decided deals ({won} + {lost} lost or no decision) than opportunities ({opps})")
    return out


def _books(rec: RawRecord, rel: float) -> list[str]:
    """Customers, health bands, ARR and cash add up."""
    out: list[str] = []
    m = rec.monthly

    def close(a: float, b: float) -> bool:
        return math.isclose(a, b, rel_tol=rel, abs_tol=1e-6 * max(1.0, abs(a), abs(b)))

    # customers = starting + won - churned
    won = rec.funnel.get("won", 0)
    churned = rec.counters.get("churned_logos", 0)
    end = m["customers"][-1] if len(m["customers"]) else rec.starting_customers
    if end != rec.starting_customers + won - churned:
        out.append(f"customers at the end {end} != starting {rec.starting_customers} + won {won} - churned {churned}")
    # the health bands split the customers: every active account is in exactly one band
    bands = [v for k, v in m.items() if k.startswith("health_band.")]
    if bands and not np.array_equal(np.sum(bands, axis=0), m["customers"]):
        out.append("monthly health_band.* do not add up to customers")
    # ARR equals the sum of active contracts
    if not close(float(m["arr"][-1]), float(sum(rec.final_arr.values()))):
        out.append(f"ARR at the end {m['arr'][-1]:.2f} != sum of active contracts {sum(rec.final_arr.values()):.2f}")
    # ARR moves only by new, expansion and churn
    arr_before = np.concatenate(([rec.starting_arr], m["arr"][:-1]))
    moved = m["new_arr"] + m["expansion_arr"] - m["churned_arr"]
    if not _sums_match(m["arr"] - arr_before, moved, np.maximum(np.abs(m["arr"]), np.abs(arr_before))):
        out.append("ARR changed by something other than new, expansion and churned ARR")
    # cash changes equal collections minus costs (plus funding rounds, when the scenario has them)
    inflow = m["collections"] - m["cost.total"]
    if "funding" in m:
        inflow = inflow + m["funding"]
    cash_before = np.concatenate(([m["cash"][0] - inflow[0]], m["cash"][:-1]))
    scale = np.maximum(np.abs(m["cash"]), np.abs(cash_before))
    if not _sums_match(m["cash"] - cash_before, inflow, scale):
        out.append("cash changed by something other than collections minus costs (plus funding)")
    return out


def _sums_match(change: np.ndarray, moved: np.ndarray, scale: np.ndarray) -> bool:
    """A balance's monthly change equals what moved it, up to float rounding.

    The balance is a running float sum: each posting rounds to the balance's own precision, so
    the tolerance grows with the balance (1e-12 of it: thousands of postings' worth of rounding)
    as well as with the amount moved; a huge but valid cash figure is not a model bug.
    """
    tol = 1e-3 + 1e-9 * np.abs(moved) + 1e-12 * scale
    return bool(np.all(np.abs(change - moved) <= tol))


def _ranges(rec: RawRecord) -> list[str]:
    """Counts never negative, shares within [0, 1], stages and renewals consistent."""
    out: list[str] = []
    m = rec.monthly
    # never negative
    for key, values in m.items():
        if (
            key.startswith(("queue.", "headcount", "customers", "requisitions", "health_band.")) or key in ("arr",)
        ) and np.any(values < 0):
            out.append(f"monthly {key} goes negative")
    for key in ("health_rate", "activity_rate", "product_maturity"):
        if np.any((m[key] < 0) | (m[key] > 1)):
            out.append(f"monthly {key} leaves [0, 1]")
    for name, st in rec.stages.items():
        if st.completed > st.arrivals:
            out.append(f"stage {name} completed {st.completed} tasks of {st.arrivals} arrivals")
        if st.person_days > 0 and st.busy_days > st.person_days * (1 + 1e-9):
            out.append(f"stage {name} was busy {st.busy_days:.1f} person-days of {st.person_days:.1f} staffed")
        if st.waits_hours.size and st.waits_hours.min() < 0:
            out.append(f"stage {name} has a negative wait")
    done, due = rec.counters.get("renewals_done", 0), rec.counters.get("renewals_due", 0)
    if done > due:
        out.append(f"{done} renewals of {due} due")
    return out
