"""The per-role table: "are my AEs overloaded?" as one number per role.

For every role of the scenario: utilisation over all the tasks the role's pool serves (the busy
days of every stage whose pool is the role's pool - for AEs the sales stage, with
``ownership.qualification: ae`` the sdr stage too; for the recruiting role its recruiting work -
divided by the role's staffed person-days), headcount at the end, backlog at the end (tasks
waiting for the role, plus, for AEs, the opportunities waiting for an AE with room) and the
outbound meetings the role booked by prospecting. Pure functions, like `orgsim.metrics.kpis`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations
    from orgsim.engine import RawRecord

__all__ = ["ROLE_KEYS", "roles"]

ROLE_KEYS = ("utilization", "headcount_end", "backlog", "meetings_booked")


def roles(rec: RawRecord) -> dict[str, dict[str, float | None]]:
    """Per role: utilization (busy over staffed time, at most 1; None for a role no stage sends
    tasks, e.g. engineers), headcount_end, backlog, meetings_booked."""
    out: dict[str, dict[str, float | None]] = {}
    for name, r in rec.roles.items():
        util = (min(r.busy_days / r.person_days, 1.0) if r.person_days > 0 else 0.0) if r.serves else None
        out[name] = {
            "utilization": util,
            "headcount_end": float(r.headcount_end),
            "backlog": float(r.backlog),
            "meetings_booked": float(r.meetings_booked),
        }
    return out
