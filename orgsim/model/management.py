"""First-line managers' span of control over the roles they manage (`company.management`).

Only with `company.management` (otherwise no one manages and nothing changes). At the start of each
month, with R reports on staff (people of the managed roles) and M managers,

    u = max(0, 1 - M x span / R)                     (share of reports beyond the managers' span)
    hours = base hours x (1 - overload_productivity_loss x u)

for every person of a managed role, for the tasks they start that month. The base hours are the
productive hours a day, or, for AEs who self-source (`lead_sources.outbound.ae_prospects`), what
prospecting left them that month. No random draws. Reported monthly as `management.uncovered_share`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from orgsim.scenario.functional import Management as ManagementCfg, uncovered_share

if TYPE_CHECKING:
    from orgsim.model.pools import Pool
    from orgsim.model.stages import Results

__all__ = ["Management"]


class Management:
    """Sets the managed roles' task hours each month from the managers' span.

    Args:
        cfg: ``company.management``.
        pools: every role's pool (the manager role and each managed role must be among them).
        base_hours: ``(role, month)`` -> the hours a day the role's people would give that month with
            enough managers.
        horizon_months: months in the run.
    """

    def __init__(
        self, cfg: ManagementCfg, pools: dict[str, Pool], base_hours: Callable[[str, int], float], horizon_months: int
    ):
        self.cfg = cfg
        self.managers = pools[cfg.manager_role]
        self.managed = {role: pools[role] for role in cfg.manages}
        self.base_hours = base_hours
        self.uncovered = np.zeros(horizon_months)

    def start_of_month(self, month: int) -> None:
        """The month's u: set every managed role's task hours (called after prospecting set the AEs')."""
        cfg = self.cfg
        reports = sum(p.headcount for p in self.managed.values())
        u = uncovered_share(reports, self.managers.headcount * cfg.span)
        self.uncovered[month] = u
        factor = 1.0 - cfg.overload_productivity_loss * u
        for role, pool in self.managed.items():
            pool.set_hours(self.base_hours(role, month) * factor)

    def record(self, into: Results) -> None:
        """The monthly series ``management.uncovered_share``."""
        into.monthly["management.uncovered_share"] = self.uncovered.copy()
