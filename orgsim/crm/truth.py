"""What a calibration from orgsim's own deals should recover: the truth for the round trip.

Two kinds of truth per segment, because they differ and calibrate can only see the second:

- the scenario's keys: `segments.<seg>.win_rate`, the mean of `sales_cycle_days` and of `acv`.
  The model's win probability is the key times the product-maturity, enablement and presales
  factors (and deal momentum where it is on), and a deal's time from creation to decision is the
  longest of the buyer's cycle, the AE's work and the presales work after any wait for an AE, so
  the keys are what the scenario says, not exactly what its deals show;
- the empirical values of the full, uncensored event log of the replication: won / decided, the
  mean days from "Opportunity created" to Won or Lost of decided deals, the mean ACV of won deals.
  Deals still open at the end of the horizon are left out of these (they are counted in
  `n_open`); they are few when the horizon is long compared with the cycle.

With `as_of`, the empirical values are those of the deals an export at that date holds (created by
the end of the day), each with its outcome from the full log, also when it was decided after as-of:
what a censoring-aware calibration of that export estimates (the win probability and the time to
decision of those deals), where counting only the deals closed by as-of is biased.
"""

from __future__ import annotations

import datetime as _dt

import pandas as pd

from orgsim.crm.export import deals_from_events, parse_as_of
from orgsim.scenario import Scenario

__all__ = ["truth"]


def truth(
    scenario: Scenario, events: pd.DataFrame | None = None, replication: int = 0, as_of: str | _dt.date | None = None
) -> pd.DataFrame:
    """The per-segment truth a round trip compares calibrate's estimates with.

    Args:
        scenario: the scenario that was simulated.
        events: its event log (`orgsim.simulate(..., events=True).events`); without it only the
            keys are returned.
        replication: which replication of the log.
        as_of: only the deals created by the end of this day (YYYY-MM-DD or a date), outcomes
            from the full log; default every deal of the log.

    Returns:
        One row per segment (index `segment`): `win_rate_key`, `sales_cycle_days_key`,
        `acv_mean_key`; with `events` also `n_deals`, `n_won`, `n_lost`, `n_open`, `win_rate`
        (won / decided), `cycle_days_mean` (decided deals, created to decision) and `acv_mean`
        (won deals).
    """
    rows = {
        name: {
            "win_rate_key": seg.win_rate,
            "sales_cycle_days_key": seg.sales_cycle_days.expected,
            "acv_mean_key": seg.acv.expected,
        }
        for name, seg in scenario.segments.items()
    }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "segment"
    if events is None:
        return out
    d = deals_from_events(events, None, replication).deals
    day = parse_as_of(as_of, "as_of")
    if day is not None:
        d = d[d["created"] < pd.Timestamp(day) + pd.Timedelta(days=1)]
    by = d.groupby("segment")
    decided = d[d["outcome"] != "open"]
    cycle = (decided["closed"] - decided["created"]).dt.total_seconds() / 86400.0
    emp = pd.DataFrame(
        {
            "n_deals": by.size(),
            "n_won": by["outcome"].apply(lambda s: int((s == "won").sum())),
            "n_lost": by["outcome"].apply(lambda s: int((s == "lost").sum())),
            "n_open": by["outcome"].apply(lambda s: int((s == "open").sum())),
            "cycle_days_mean": cycle.groupby(decided["segment"]).mean(),
            "acv_mean": d[d["outcome"] == "won"].groupby("segment")["amount"].mean(),
        }
    )
    emp["win_rate"] = emp["n_won"] / (emp["n_won"] + emp["n_lost"])
    out = out.join(emp, how="left")
    for c in ("n_deals", "n_won", "n_lost", "n_open"):
        out[c] = out[c].fillna(0).astype(int)
    return out[[*out.columns[:3], "n_deals", "n_won", "n_lost", "n_open", "win_rate", "cycle_days_mean", "acv_mean"]]
