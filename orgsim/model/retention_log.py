"""Retention by segment and by signing cohort, and health-band transitions: read off the books.

`RetentionLog` looks at the active accounts (`Success.accounts`, read only) once at the start
(observation 0) and at every month end (observation m + 1 after month m) and keeps, per account,
its segment, signing cohort, ARR at its first observation ("base ARR"), band of health, term start
and ARR at the last observation. Comparing two observations tells what happened in between:

- an account gone from the books churned (its ARR at the last observation is the churned ARR);
- an account whose term start moved on renewed; one whose ARR fell contracted, rose expanded;
- its band of health moved (band k holds health in [k/10, (k+1)/10), as `health_band.k`).

It draws no random numbers and changes nothing in the model: with or without it, every number of a
run is the same. It costs a pass over the active accounts per month (numpy where it can).

Cohorts: ``start`` (the customers on the books at the start) and ``q1``, ``q2``, ... by the quarter
of the run in which the first contract was signed (q1 = months 1-3). An account's age at
observation j is j minus its first observation (for ``start``: j itself).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from orgsim.scenario import MONTH_DAYS

if TYPE_CHECKING:
    from orgsim.model.entities import Account

__all__ = ["BANDS", "SEGMENT_COUNTERS", "RetentionLog", "RetentionRecord", "cohort_labels"]

BANDS = 10  # bands of health, as the monthly series health_band.k
SEGMENT_COUNTERS = (
    "renewed",  # term start moved on between two observations
    "churned",  # gone from the books
    "churned_arr",
    "contractions",  # ARR fell while on the books
    "contracted_arr",
    "expanded_arr",  # ARR rose while on the books
    "cohort_arr",  # the trailing-12-month cohort (as the grr/nrr KPIs): ARR at its start,
    "kept_arr",  # ... its ARR at the end capped at the start ARR, account by account,
    "final_arr",  # ... and its ARR at the end
)


def cohort_labels(horizon_months: int) -> list[str]:
    """``start``, then one signing cohort per quarter of the run (``q1`` = months 1-3)."""
    return ["start", *(f"q{i + 1}" for i in range(math.ceil(horizon_months / 3)))]


@dataclass
class RetentionRecord:
    """One replication's retention record (plain numbers and arrays).

    Attributes:
        segments: segment names, in scenario order.
        cohorts: cohort labels (`cohort_labels`).
        at_risk: (cohorts, ages) accounts of the cohort old enough to be observed at each age
            (age 0 = first observation; ages 0..horizon).
        alive: (cohorts, ages) of those, accounts still on the books at that age.
        base_arr: (cohorts, ages) base ARR of the accounts at risk.
        arr: (cohorts, ages) ARR of the accounts alive.
        kept_arr: (cohorts, ages) ARR of the accounts alive, each capped at its base ARR.
        transitions: (BANDS + 1, BANDS + 1) counts over every month: row = band at the previous
            observation (row BANDS: not on the books, i.e. new), column = band now (column BANDS:
            gone, i.e. churned).
        by_segment: segment -> `SEGMENT_COUNTERS` -> value.
    """

    segments: list[str] = field(default_factory=list)
    cohorts: list[str] = field(default_factory=list)
    at_risk: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    alive: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    base_arr: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    arr: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    kept_arr: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    transitions: np.ndarray = field(default_factory=lambda: np.zeros((BANDS + 1, BANDS + 1)))
    by_segment: dict[str, dict[str, float]] = field(default_factory=dict)


class RetentionLog:
    """Observations of the books, reduced as they come (see the module docstring).

    Args:
        segments: segment names (in scenario order).
        horizon_months: the run's length.
    """

    def __init__(self, segments: Iterable[str], horizon_months: int):
        self.segments = list(segments)
        self._seg_index = {s: i for i, s in enumerate(self.segments)}
        self.H = horizon_months
        self.labels = cohort_labels(horizon_months)
        shape = (len(self.labels), horizon_months + 1)
        self.alive = np.zeros(shape)
        self.arr = np.zeros(shape)
        self.kept = np.zeros(shape)
        self.transitions = np.zeros((BANDS + 1, BANDS + 1))
        self.counts = np.zeros((len(self.segments), 6))  # renewed .. expanded_arr, by segment index
        self._edges = np.arange(1, BANDS) / BANDS
        # per account, indexed by aid (aids are 1, 2, ... in order of signing); slot 0 unused
        self._seg = np.zeros(1, dtype=np.int64)
        self._cohort = np.zeros(1, dtype=np.int64)
        self._first = np.full(1, -1, dtype=np.int64)  # first observation; -1 = never seen
        self._base = np.zeros(1)
        self._band = np.full(1, -1, dtype=np.int64)  # band at the last observation; -1 = not on the books
        self._term = np.zeros(1)
        self._last_arr = np.zeros(1)
        self._j = 0  # the next observation's index

    def observe(self, accounts: list[Account]) -> None:
        """Look at the active accounts now (at the start, then at each month end)."""
        j = self._j
        self._j += 1
        n = len(accounts)
        aid = np.fromiter((a.aid for a in accounts), dtype=np.int64, count=n)
        arr = np.fromiter((a.arr for a in accounts), dtype=float, count=n)
        health = np.fromiter((a.health for a in accounts), dtype=float, count=n)
        term = np.fromiter((a.term_start for a in accounts), dtype=float, count=n)
        top = int(aid.max()) if n else 0
        if top >= len(self._seg):
            self._grow(top + 1)
        new = self._first[aid] < 0
        if new.any():
            self._register(j, [a for a, is_new in zip(accounts, new.tolist()) if is_new], aid[new], arr[new])
        band = np.searchsorted(self._edges, health, side="right")
        seg = self._seg[aid]
        if j > 0:
            self._compare(aid, arr, term, band, seg, new)
        # cohort curves: every account on the books at its age now
        cell = self._cohort[aid] * (self.H + 1) + (j - self._first[aid])
        size = self.alive.size
        self.alive += np.bincount(cell, minlength=size).reshape(self.alive.shape)
        self.arr += np.bincount(cell, arr, minlength=size).reshape(self.alive.shape)
        self.kept += np.bincount(cell, np.minimum(arr, self._base[aid]), minlength=size).reshape(self.alive.shape)
        self._band[:] = -1
        self._band[aid] = band
        self._term[aid] = term
        self._last_arr[aid] = arr

    def _grow(self, size: int) -> None:
        size = max(size, 2 * len(self._seg))
        extra = size - len(self._seg)
        self._seg = np.concatenate((self._seg, np.zeros(extra, dtype=np.int64)))
        self._cohort = np.concatenate((self._cohort, np.zeros(extra, dtype=np.int64)))
        self._first = np.concatenate((self._first, np.full(extra, -1, dtype=np.int64)))
        self._base = np.concatenate((self._base, np.zeros(extra)))
        self._band = np.concatenate((self._band, np.full(extra, -1, dtype=np.int64)))
        self._term = np.concatenate((self._term, np.zeros(extra)))
        self._last_arr = np.concatenate((self._last_arr, np.zeros(extra)))

    def _register(self, j: int, accounts: list[Account], aid: np.ndarray, arr: np.ndarray) -> None:
        self._seg[aid] = [self._seg_index[a.segment] for a in accounts]
        if j == 0:
            self._cohort[aid] = 0
        else:
            month = np.array([max(a.first_start, 0.0) for a in accounts]) // MONTH_DAYS
            self._cohort[aid] = 1 + np.minimum(month.astype(np.int64), self.H - 1) // 3
        self._first[aid] = j
        self._base[aid] = arr

    def _compare(
        self, aid: np.ndarray, arr: np.ndarray, term: np.ndarray, band: np.ndarray, seg: np.ndarray, new: np.ndarray
    ) -> None:
        """What happened since the last observation: transitions, renewals, churn, ARR moves."""
        prev = self._band.copy()
        stayed = ~new
        now = np.full(len(prev), -1, dtype=np.int64)
        now[aid] = band
        gone = np.flatnonzero((prev >= 0) & (now < 0))
        B = BANDS
        rows = np.concatenate((np.where(new, B, prev[aid]), prev[gone]))
        cols = np.concatenate((band, np.full(len(gone), B)))
        self.transitions += np.bincount(rows * (B + 1) + cols, minlength=(B + 1) ** 2).reshape(B + 1, B + 1)
        k = len(self.segments)
        s = seg[stayed]
        was = aid[stayed]
        delta = arr[stayed] - self._last_arr[was]
        lost = self._seg[gone]
        self.counts += np.stack(
            [
                np.bincount(s, term[stayed] > self._term[was], minlength=k),
                np.bincount(lost, minlength=k),
                np.bincount(lost, self._last_arr[gone], minlength=k),
                np.bincount(s, delta < 0, minlength=k),
                np.bincount(s, np.maximum(-delta, 0.0), minlength=k),
                np.bincount(s, np.maximum(delta, 0.0), minlength=k),
            ],
            axis=1,
        )

    def record(self, cohort_arr: Mapping[int, float], final_arr: Mapping[int, float]) -> RetentionRecord:
        """The replication's record; `cohort_arr` and `final_arr` are those of the grr/nrr KPIs."""
        last = self._j - 1  # the last observation
        seen = np.flatnonzero(self._first >= 0)
        coh, first = self._cohort[seen], self._first[seen]
        ages = np.arange(self.H + 1)
        at_risk = np.zeros_like(self.alive)
        base = np.zeros_like(self.alive)
        for c in range(len(self.labels)):
            mine = coh == c
            # observable at age k when first + k <= last
            span = last - first[mine]
            at_risk[c] = (span[:, None] >= ages[None, :]).sum(axis=0) if mine.any() else 0.0
            base[c] = (self._base[seen][mine][:, None] * (span[:, None] >= ages[None, :])).sum(axis=0)
        by_segment: dict[str, dict[str, float]] = {
            s: dict(zip(SEGMENT_COUNTERS, [*self.counts[i].tolist(), 0.0, 0.0, 0.0]))
            for i, s in enumerate(self.segments)
        }
        for a, start in cohort_arr.items():
            if a < len(self._seg) and self._first[a] >= 0:
                d = by_segment[self.segments[int(self._seg[a])]]
                end = final_arr.get(a, 0.0)
                d["cohort_arr"] += start
                d["kept_arr"] += min(end, start)
                d["final_arr"] += end
        return RetentionRecord(
            segments=list(self.segments),
            cohorts=list(self.labels),
            at_risk=at_risk,
            alive=self.alive.copy(),
            base_arr=base,
            arr=self.arr.copy(),
            kept_arr=self.kept.copy(),
            transitions=self.transitions.copy(),
            by_segment=by_segment,
        )
