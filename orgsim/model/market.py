"""The market: how much of each segment is left to find (a finite market; beside marketing).

A segment with `market.addressable_accounts` set has a penetration, the share of its addressable
accounts that are customers now or were lost within `market.recent_loss_months`; every source
finds only (1 - penetration)^k of the segment's leads it would find in an unlimited market
(k = `market.saturation_exponent`). Marketing thins each month's leads of the segment by that
share (`Marketing.start_of_month`); segments not named are unlimited. Equations:
docs/explanation/model/marketing.md (A finite market).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from operator import attrgetter

import numpy as np

from orgsim.model.entities import Account
from orgsim.model.stages import Results
from orgsim.scenario import Scenario

__all__ = ["Market"]

_aid = attrgetter("aid")


class Market:
    """Penetration by segment, and the share of leads each segment still yields.

    Args:
        sc: the scenario (reads ``market``, the segment names).
        accounts: the active accounts on the books now (customer success's list).
    """

    def __init__(self, *, sc: Scenario, accounts: Callable[[], Sequence[Account]]):
        spec = sc.market
        self.segments = list(sc.segments)
        self.accounts = accounts
        self.exponent = spec.saturation_exponent
        self.recent = spec.recent_loss_months
        # addressable accounts per segment, in the segments' order; inf = unlimited
        self.addressable = np.array([float(spec.addressable_accounts.get(s, np.inf)) for s in self.segments])
        self._index = {s: i for i, s in enumerate(self.segments)}
        self._seen: list[Account] = []  # the active accounts at the last look
        self._lost: deque[tuple[int, int]] = deque()  # (month lost, segment index), oldest first
        self.penetration = np.zeros(len(self.segments))
        self._monthly = np.zeros((sc.horizon_months, len(self.segments)))  # penetration at each month's start

    @staticmethod
    def on(sc: Scenario) -> bool:
        """True when some segment's market is finite."""
        return bool(sc.market.addressable_accounts)

    def start_of_month(self, month: int) -> np.ndarray:
        """Penetration now; returns the share of each segment's leads still found this month."""
        books = self.accounts()
        now = set(map(_aid, books))
        # accounts on the books at the last look and gone now were lost (in the month just ended)
        index = self._index
        self._lost.extend((month, index[a.segment]) for a in self._seen if a.aid not in now)
        self._seen = list(books)
        while self._lost and self._lost[0][0] <= month - self.recent:
            self._lost.popleft()
        on_books = [a.segment for a in books]  # (counted per segment: a `Counter`'s counts, in less time)
        counts = np.array([on_books.count(s) for s in self.segments], dtype=float)
        counts += np.bincount([seg for _, seg in self._lost], minlength=len(self.segments))
        self.penetration = np.clip(counts / self.addressable, 0.0, 1.0)
        self._monthly[month] = self.penetration
        return (1.0 - self.penetration) ** self.exponent

    def record(self, into: Results) -> None:
        """Monthly ``penetration.<segment>`` (at each month's start) of the finite segments."""
        for k, seg in enumerate(self.segments):
            if np.isfinite(self.addressable[k]):
                into.monthly[f"penetration.{seg}"] = self._monthly[:, k].copy()
