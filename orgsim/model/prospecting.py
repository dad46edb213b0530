"""AE self-sourcing: the share of AE time that goes to prospecting, and the meetings it books.

Issue 12 item 3. Each month starts with the share of AE time spent prospecting,
``s(m) = ae_time_share_without_sdrs`` when no SDR is on staff (and that key is set), else
``ae_time_share``. AE tasks of the month get the rest of an AE's productive hours (the AE pool's
task hours are set to ``productive_hours_per_day x (1 - s(m))``, so utilisation stays busy time
over the time available for tasks), and AEs book

    lambda_ae(m) = meetings_per_ae_month x s(m) / s_ref x (ramped AEs now)

meetings a month, where ``s_ref`` is the share at which `meetings_per_ae_month` holds
(`OutboundSource.ae_reference_share`). Marketing draws them (stream ``arrivals.ae_outbound``) as
outbound SQLs that go to sales like the SDRs' meetings. Built only when self-sourcing is on:
with the keys absent nothing here exists, and no pool's hours change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from orgsim.scenario import Scenario

if TYPE_CHECKING:
    from orgsim.model.pools import Pool
    from orgsim.model.stages import Results

__all__ = ["Prospecting", "prospecting_for"]


class Prospecting:
    """Sets the AEs' task hours each month and says how many meetings they book.

    Args:
        sc: the scenario (reads ``lead_sources.outbound``).
        aes: the AE pool (its ``hours_per_day`` is the AEs' time for tasks).
        sdrs: the SDR pool, None without an SDR role (then every month is one without SDRs).
    """

    def __init__(self, sc: Scenario, aes: Pool, sdrs: Pool | None):
        self.out = sc.lead_sources.outbound
        self.aes = aes
        self.sdrs = sdrs
        self.productive_hours = aes.hours_per_day
        self.shares = np.zeros(sc.horizon_months)  # s(m), month by month
        self.booked = np.zeros(sc.horizon_months)  # meetings AEs booked, month by month
        self.rate = 0.0  # lambda_ae of the current month

    def start_of_month(self, month: int) -> None:
        """The month's share s(m): set the AEs' task hours and the expected meetings `rate` (lambda_ae(m)).

        Called first thing in the month (before any department submits the month's AE work).
        """
        out = self.out
        share = out.ae_share(self.sdrs is not None and self.sdrs.headcount > 0)
        self.shares[month] = share
        self.aes.set_hours(self.productive_hours * (1.0 - share))
        if share <= 0.0 or out.meetings_per_ae_month <= 0.0:
            self.rate = 0.0
        else:
            self.rate = out.meetings_per_ae_month * (share / out.ae_reference_share) * self.aes.speed_sum()

    def count(self, month: int, n: int) -> None:
        """`n` meetings booked by AEs in `month` (after a finite market has thinned them)."""
        self.booked[month] += n

    def record(self, into: Results) -> None:
        """The counter ``meetings.ae_sourced`` and the monthly series of meetings and shares."""
        into.counters["meetings.ae_sourced"] = float(self.booked.sum())
        into.monthly["meetings.ae_sourced"] = self.booked.copy()
        into.monthly["ae_prospecting_share"] = self.shares.copy()


def prospecting_for(sc: Scenario, aes: Pool | None, sdrs: Pool | None) -> Prospecting | None:
    """AE self-sourcing when the scenario turns it on and has AEs, else None (nothing changes)."""
    if aes is None or not sc.lead_sources.outbound.ae_prospects:
        return None
    return Prospecting(sc, aes, sdrs)
