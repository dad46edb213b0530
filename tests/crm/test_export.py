"""The CRM snapshot of an event log: counts, as-of censoring, stage history (orgsim.crm.export)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from orgsim.crm import deals_from_events
from orgsim.crm.export import DEAL_COLUMNS, STAGES
from orgsim.scenario.errors import UsageError


def _first(events: pd.DataFrame, activity: str) -> pd.Series:
    rows = events[events["activity"].astype(str) == activity]
    return rows.groupby("case_id")["timestamp"].min()


def test_counts_agree_with_the_event_log(events):
    snap = deals_from_events(events)
    d = snap.deals
    assert tuple(d.columns) == DEAL_COLUMNS
    assert len(d) == (events["activity"] == "Opportunity created").sum()
    assert (d["outcome"] == "won").sum() == (events["activity"] == "Won").sum()
    lost = events["activity"].astype(str).isin(["Lost", "Lost (no decision)"]).sum()
    assert (d["outcome"] == "lost").sum() == lost
    assert d["deal_id"].is_unique
    assert snap.as_of == events["timestamp"].max().date()  # default: the last day of the log


def test_won_amounts_and_owners_come_from_the_log(events):
    d = deals_from_events(events).deals.set_index("deal_id")
    won = events[events["activity"] == "Won"].set_index("case_id")
    assert d.loc[won.index, "amount"].to_numpy() == pytest.approx(won["amount"].to_numpy())
    assert d.loc[won.index, "closed"].tolist() == won["timestamp"].tolist()
    assert d.loc[d["outcome"] != "won", "amount"].isna().all()  # the model draws no ACV for lost deals
    assigned = events[events["activity"] == "Assigned to AE"].set_index("case_id")["resource"].astype(str)
    assert (d.loc[assigned.index, "owner"] == assigned).all()
    assert set(d["segment"]) <= {"smb", "mid_market", "enterprise"}


def test_as_of_cuts_the_log_and_open_deals_are_censored(events, as_of):
    snap = deals_from_events(events, as_of=as_of)
    d = snap.deals.set_index("deal_id")
    end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    created = _first(events, "Opportunity created")
    assert set(d.index) == set(created[created < end].index)  # deals created after as-of do not exist
    decided = pd.concat([_first(events, "Won"), _first(events, "Lost")])
    later = decided[(decided >= end) & decided.index.isin(d.index)]
    assert len(later) > 10, "a deal decided after as-of is needed for this test"
    assert (d.loc[later.index, "outcome"] == "open").all()  # decided later: open at as-of
    assert d.loc[later.index, "closed"].isna().all()
    assert d.loc[later.index, "amount"].isna().all()
    assert (d["created"] < end).all() and (d["closed"].dropna() < end).all()
    assert (snap.history["entered"] < end).all()
    assert 0.2 < (d["outcome"] == "open").mean() < 0.6


def test_stage_history_moves_forward_and_ends_in_the_outcome(events, as_of):
    snap = deals_from_events(events, as_of=as_of)
    h = snap.history
    rank = h["stage"].map({s: i for i, s in enumerate(STAGES[:-1])} | {"lost": len(STAGES) - 2})
    assert (rank.groupby(h["deal_id"]).diff().dropna() > 0).all()
    assert (h.groupby("deal_id")["entered"].diff().dropna() >= pd.Timedelta(0)).all()
    first = h.groupby("deal_id")["stage"].first()
    assert (first == "created").all() and len(first) == len(snap.deals)
    last = h.groupby("deal_id")["stage"].last().reindex(snap.deals["deal_id"])
    outcome = snap.deals.set_index("deal_id")["outcome"]
    assert (last[outcome == "won"] == "won").all() and (last[outcome == "lost"] == "lost").all()
    assert not last[outcome == "open"].isin(["won", "lost"]).any()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda e: e.drop(columns=["timestamp"]), "events: missing column timestamp;"),
        (lambda e: e.iloc[:0], "events: no events;"),
        (
            lambda e: e.astype({"timestamp": object}).assign(
                timestamp=lambda x: x["timestamp"].where(x.index != 3, "soon")
            ),
            "events: line 5, column 'timestamp' holds 'soon'; expected a timestamp YYYY-MM-DD HH:MM:SS",
        ),
    ],
)
def test_bad_event_logs_are_refused_naming_the_column(events, change, message):
    with pytest.raises(UsageError) as e:
        deals_from_events(change(events))
    assert message in str(e.value)


def test_bad_replication_and_as_of_are_refused(events):
    with pytest.raises(UsageError, match=r"--replication 2: events has replication 0$"):
        deals_from_events(events, replication=2)
    with pytest.raises(UsageError, match=r"--as-of 2025-12-30: before the event log starts \(2026-01-01\)"):
        deals_from_events(events, as_of=dt.date(2025, 12, 30))
    with pytest.raises(UsageError, match=r"--as-of 1st of July: expected a date as YYYY-MM-DD"):
        deals_from_events(events, as_of="1st of July")


def test_an_event_log_file_gives_the_same_deals(events, tmp_path, as_of):
    from orgsim.crm import read_events

    want = deals_from_events(events, as_of=as_of).deals
    for name in ("events.csv.gz", "events.parquet"):
        path = tmp_path / name
        events.to_parquet(path) if name.endswith(".parquet") else events.to_csv(path, index=False)
        got = deals_from_events(read_events(path), as_of=as_of).deals
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
