"""The market: how much of each segment is left to find (a finite market; beside marketing).

A segment with `market.addressable_accounts` set has a penetration, the share of its addressable
accounts that are customers now or were lost within `market.recent_loss_months`; every source
finds only (1 - penetration)^k of the segment's leads it would find in an unlimited market
(k = `market.saturation_exponent`). Marketing thins each month's leads of the segment by that
share (`Marketing.start_of_month`); segments not named are unlimited. Equations:
docs/explanation/model/marketing.md (A finite market).
"""

from __future__ import annotations

import math
from bisect import bisect_right
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
        accounts: the active accounts on the books now, in order of signing (customer success's
            list: ids ascending).
    """

    def __init__(self, *, sc: Scenario, accounts: Callable[[], Sequence[Account]]):
        spec = sc.market
        self.segments = list(sc.segments)
        self.accounts = accounts
        self.exponent = spec.saturation_exponent
        self.recent = spec.recent_loss_months
        # addressable accounts per segment, in the segments' order; inf = unlimited
        self.addressable = np.array([float(spec.addressable_accounts.get(s, np.inf)) for s in self.segments])
        # the last look: the largest account id on the books then, and the books' count by segment
        self._top = -math.inf
        self._seen = [0] * len(self.segments)
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
        on_books = [a.segment for a in books]
        # the books are in order of signing (ids ascending): those after the last look's largest
        # id signed since; the accounts on the books at the last look and gone now were lost (in
        # the month just ended), so by segment: then, less now, plus those signed since
        new = on_books[bisect_right(books, self._top, key=_aid) :]
        now = [on_books.count(s) for s in self.segments]  # (a `Counter`'s counts, in less time)
        for i, s in enumerate(self.segments):
            self._lost.extend([(month, i)] * (self._seen[i] - now[i] + new.count(s)))
        self._seen = now
        if books:
            self._top = books[-1].aid
        while self._lost and self._lost[0][0] <= month - self.recent:
            self._lost.popleft()
        counts = np.array(now, dtype=float)
        counts += np.bincount([seg for _, seg in self._lost], minlength=len(self.segments))
        self.penetration = np.clip(counts / self.addressable, 0.0, 1.0)
        self._monthly[month] = self.penetration
        return (1.0 - self.penetration) ** self.exponent

    def record(self, into: Results) -> None:
        """Monthly ``penetration.<segment>`` (at each month's start) of the finite segments."""
        for k, seg in enumerate(self.segments):
            if np.isfinite(self.addressable[k]):
                into.monthly[f"penetration.{seg}"] = self._monthly[:, k].copy()
