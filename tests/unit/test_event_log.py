"""The event log: what it records agrees with the model's own counts, and logging changes nothing.

A process-mining user trusts the log only if it tells the same story as the KPIs: every lead
that was counted is a case, every won deal has a "Won" row, waits in the log are the waits the
stage table reports. These tests hold the log to that, on one full series-a replication.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import orgsim
from orgsim.engine import run_replication
from orgsim.experiments import simulate
from orgsim.outputs.event_log import EVENT_COLUMNS, EventLogWriter, event_format, to_frame
from orgsim.scenario.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]
SERIES_A = ROOT / "scenarios" / "series-a.yaml"
SEED = 3


@pytest.fixture(scope="module")
def sc():
    return orgsim.load_scenario(SERIES_A)


@pytest.fixture(scope="module")
def logged(sc):
    return run_replication(sc, SEED, 0, events=True)


@pytest.fixture(scope="module")
def log(sc, logged) -> pd.DataFrame:
    return to_frame(logged.events, sc.name, 0, sc.time.start_date)


def _count(log: pd.DataFrame, activity: str, lifecycle: str = "complete") -> int:
    return int(((log["activity"] == activity) & (log["lifecycle"] == lifecycle)).sum())


def test_logging_changes_no_number(sc, logged):
    plain = run_replication(sc, SEED, 0)
    assert plain.events is None
    assert plain.funnel == logged.funnel
    assert plain.counters == logged.counters
    for key, values in plain.monthly.items():
        np.testing.assert_array_equal(values, logged.monthly[key], err_msg=key)
    for name, st in plain.stages.items():
        np.testing.assert_array_equal(st.waits_hours, logged.stages[name].waits_hours, err_msg=name)


def test_log_counts_match_the_funnel_and_counters(logged, log):
    f, c = logged.funnel, logged.counters
    leads = sum(v for k, v in f.items() if k.startswith("leads."))
    assert _count(log, "Lead created") == leads
    assert log.loc[log["activity"] == "Lead created", "case_id"].is_unique
    # recycling (series-a): a lead back from nurture is an MQL again, counted in mql.<its source> as
    # well as in mql.recycled and recycled.<source>; the log has one "Recycled as MQL" row for it
    sources = [k.split(".", 1)[1] for k in f if k.startswith("leads.")]
    recycled = {s: f.get(f"recycled.{s}", 0) for s in sources}
    assert f["mql.recycled"] > 0 and sum(recycled.values()) == f["mql.recycled"]
    assert _count(log, "Recycled as MQL") == f["mql.recycled"]
    assert _count(log, "Recycled as MQL") <= f["nurture.lost"] + f["nurture.disqualified"] + f.get(
        "nurture.no_decision", 0
    )
    mql_inbound = sum(f.get(f"mql.{s}", 0) - recycled[s] for s in sources if s != "outbound")  # first time only
    assert _count(log, "Marketing qualified") == mql_inbound
    assert _count(log, "Not marketing-qualified") == leads - mql_inbound - f["leads.outbound"]
    # outbound leads are meetings booked by SDRs or (self-sourcing, series-a) by AEs
    assert _count(log, "Meeting booked by an AE") == c["meetings.ae_sourced"] > 0
    assert _count(log, "Meeting booked") + _count(log, "Meeting booked by an AE") == f["leads.outbound"]
    assert _count(log, "Disqualified") == f["lost.qualification"]
    assert _count(log, "Not accepted by sales") == f["lost.sql"]
    assert _count(log, "Opportunity created") == f["opportunities"]
    assert _count(log, "Won") == f["won"]
    assert _count(log, "Lost") == f["lost.opportunity"]
    assert _count(log, "Lost (no decision)") == f.get("lost.no_decision", 0)  # deal momentum's patience
    assert _count(log, "Renewed") == c["renewals_done"]
    assert _count(log, "Churned") == c["churned_logos"]
    assert _count(log, "Expanded") == c["expansions"]
    assert _count(log, "Customer at start") == logged.starting_customers


def test_task_rows_match_the_stage_table(logged, log):
    """Every task a stage started has a start row carrying the same wait; starts precede completions."""
    starts = log[log["lifecycle"] == "start"]
    stage_of_role = {"sdr": "sdr", "ae": "sales", "se": "presales", "implementer": "implementation", "csm": "csm"}
    assert set(starts["role"]) <= set(stage_of_role)
    for role, stage in stage_of_role.items():
        waits = np.sort(starts.loc[starts["role"] == role, "wait_hours"].to_numpy())
        assert len(waits) > 0, role
        # the stage's waits: one per started task, in start order, then the tasks still queued
        started = np.sort(logged.stages[stage].waits_hours[: len(waits)])
        np.testing.assert_allclose(waits, started, rtol=1e-9, atol=1e-9, err_msg=role)
    assert (starts["resource"].str.split("-").str[0] == starts["role"]).all()
    ends = log[(log["lifecycle"] == "complete") & log["activity"].isin(set(starts["activity"]))]
    started_n = starts.groupby(["case_id", "activity"]).size()
    ended_n = ends.groupby(["case_id", "activity"]).size().reindex(started_n.index, fill_value=0)
    assert (ended_n <= started_n).all() and len(ends) <= len(starts)
    assert len(starts) - len(ends) < 50  # only tasks still running at the horizon have no completion


def test_cases_read_like_the_value_chain(log):
    """Each case starts where the value chain starts and runs forward in time."""
    assert log["day"].is_monotonic_increasing
    first = log.groupby("case_id", sort=False)["activity"].first()
    assert set(first.unique()) == {"Lead created", "Customer at start"}
    # a won deal is an opportunity first and a customer after
    won = set(log.loc[log["activity"] == "Won", "case_id"])
    live = set(log.loc[log["activity"] == "Live", "case_id"])
    assert live <= won
    # lead -> opportunity -> customer; a lead recycled from nurture (series-a) starts again as a lead,
    # and only after it left the funnel (lost, dark or disqualified)
    back = log["activity"] == "Recycled as MQL"
    assert back.any()
    before = log.groupby("case_id", sort=False)["activity"].shift()
    assert set(before[back].unique()) <= {"Lost", "Lost (no decision)", "Disqualified"}
    order = {"lead": 0, "opportunity": 1, "customer": 2}
    ranks = log["object"].map(order)
    passes = back.astype(int).groupby(log["case_id"]).cumsum()  # 0 first time through, then 1, 2, ...
    assert (ranks.groupby([log["case_id"], passes]).diff().fillna(0) >= 0).all()


def test_columns_and_timestamps(sc, log):
    assert tuple(log.columns) == EVENT_COLUMNS
    start = pd.Timestamp(sc.time.start_date)
    assert log["timestamp"].iloc[0] >= start
    expected = (start + pd.to_timedelta(log["day"], unit="D")).dt.round("s")
    assert (log["timestamp"] == expected).all()
    assert log["timestamp"].max() <= start + pd.Timedelta(days=sc.horizon_days)
    assert log["case_id"].str.startswith("r0-").all()


def test_start_date_moves_timestamps_only():
    """`time.start_date` dates day 0 of the log; nothing else changes."""
    base = orgsim.load_scenario(SERIES_A, {"horizon_months": 3})
    moved = orgsim.load_scenario(SERIES_A, {"horizon_months": 3, "time.start_date": "2024-07-01"})
    a = to_frame(run_replication(base, SEED, 0, events=True).events, "x", 0, base.time.start_date)
    b = to_frame(run_replication(moved, SEED, 0, events=True).events, "x", 0, moved.time.start_date)
    assert (a["day"] == b["day"]).all()
    assert b["timestamp"].iloc[0] == pd.Timestamp("2024-07-01")
    assert (a["timestamp"] - b["timestamp"] == pd.Timestamp("2026-01-01") - pd.Timestamp("2024-07-01")).all()


def test_simulate_in_memory_and_to_file_agree(tmp_path):
    sc = orgsim.load_scenario(SERIES_A, {"horizon_months": 6})
    mem = simulate(sc, replications=3, seed=SEED, workers=1, events=True)
    path = tmp_path / "log.csv"
    filed = simulate(sc, replications=3, seed=SEED, workers=2, events=path)
    assert filed.events is None and filed.meta["events"] == {"file": str(path), "rows": len(mem.events)}
    back = pd.read_csv(path, parse_dates=["timestamp"], keep_default_na=False, na_values=[""])
    assert list(back["replication"].unique()) == [0, 1, 2]
    assert back["case_id"].tolist() == mem.events["case_id"].tolist()
    assert (back["timestamp"] == mem.events["timestamp"]).all()
    np.testing.assert_allclose(back["day"], mem.events["day"], rtol=1e-12)
    # the KPIs are those of a run without a log
    plain = simulate(sc, replications=3, seed=SEED, workers=1)
    pd.testing.assert_frame_equal(plain.kpis, mem.kpis)
    assert mem.replications[0].events is None  # the log is not kept twice
    # in memory, the few-valued text columns are categorical (a fifth of the memory)
    assert all(mem.events[c].dtype == "category" for c in ("activity", "object", "role", "resource", "source"))
    assert mem.events.memory_usage(deep=True).sum() < 150 * len(mem.events)


def test_same_file_whatever_the_workers(tmp_path):
    sc = orgsim.load_scenario(SERIES_A, {"horizon_months": 4})
    one, two = tmp_path / "one.csv.gz", tmp_path / "two.csv.gz"
    simulate(sc, replications=4, seed=SEED, workers=1, events=one)
    simulate(sc, replications=4, seed=SEED, workers=2, events=two)
    assert pd.read_csv(one).equals(pd.read_csv(two))


def test_parquet_matches_csv(tmp_path):
    pytest.importorskip("pyarrow")
    sc = orgsim.load_scenario(SERIES_A, {"horizon_months": 4})
    simulate(sc, replications=2, seed=SEED, workers=1, events=tmp_path / "log.parquet")
    simulate(sc, replications=2, seed=SEED, workers=1, events=tmp_path / "log.csv")
    pq = pd.read_parquet(tmp_path / "log.parquet")
    csv = pd.read_csv(tmp_path / "log.csv", parse_dates=["timestamp"])
    assert list(pq.columns) == list(EVENT_COLUMNS)
    assert (pq["case_id"].astype(str).to_numpy() == csv["case_id"].to_numpy()).all()
    assert (pq["timestamp"] == csv["timestamp"]).all()


def test_a_failed_run_leaves_no_file(tmp_path, monkeypatch):
    sc = orgsim.load_scenario(SERIES_A, {"horizon_months": 3})
    path = tmp_path / "log.csv"
    path.write_text("the previous log\n")
    calls = Counter()

    def boom(self, key, replication, rep):  # the run dies after the first replication is written
        calls["take"] += 1
        EventLogWriter.__mro__[1].take(self, key, replication, rep)
        if calls["take"] == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(EventLogWriter, "take", boom)
    with pytest.raises(KeyboardInterrupt):
        simulate(sc, replications=3, seed=SEED, workers=1, events=path)
    assert path.read_text() == "the previous log\n"
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]  # no temporary file left behind


@pytest.mark.parametrize(
    "name, message",
    [
        ("log.txt", "expected a file name ending in .csv, .csv.gz or .parquet"),
        ("missing/log.csv", "does not exist"),
    ],
)
def test_bad_event_file_names(tmp_path, name, message):
    with pytest.raises(UsageError, match=message):
        event_format(tmp_path / name)


def test_parquet_without_pyarrow_is_a_usage_error(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a))
    with pytest.raises(UsageError, match="needs pyarrow"):
        event_format(tmp_path / "log.parquet")


@pytest.mark.parametrize("deal_work", ["owner", "pod"])
def test_who_works_a_deal(deal_work):
    """deal_work: owner — the AE the deal was routed to works it; pod — whoever in the pod is free."""
    sc = orgsim.load_scenario(SERIES_A, {"horizon_months": 12, "ownership.deal_work": deal_work})
    log = to_frame(run_replication(sc, SEED, 0, events=True).events, sc.name, 0, sc.time.start_date)
    # a recycled lead (series-a) can be a deal twice: each sales task belongs to the case's latest assignment
    rows = log[
        (log["activity"] == "Assigned to AE") | ((log["activity"] == "Sales work") & (log["lifecycle"] == "start"))
    ]
    assigned = rows["activity"] == "Assigned to AE"
    owner = rows["resource"].astype(object).where(assigned).groupby(rows["case_id"]).ffill()
    worked = ~assigned
    assert owner[worked].notna().all()
    same = (rows.loc[worked, "resource"].astype(object) == owner[worked]).mean()
    if deal_work == "owner":
        assert same == 1.0  # (an AE who leaves hands queued deals to the pod; none did here)
    else:
        assert same < 0.6


def _documented_activities() -> set[str]:
    """The activities of the table in docs/reference/outputs.md ("A / B", "A, B", "(task)")."""
    text = (ROOT / "docs" / "reference" / "outputs.md").read_text(encoding="utf-8")
    table = text[text.index("| object | activity | when |") :].split("\n\n")[0]
    names: set[str] = set()
    for row in table.splitlines()[2:]:
        cell = row.split("|")[2]
        for part in cell.replace(" / ", ", ").split(", "):
            names.add(part.replace("(task)", "").strip())
    return names


def test_every_activity_logged_is_documented(log):
    """A task whose callback has no entry in trace.TASK_ACTIVITIES would be logged under its
    Python name (as key-person touches were, "Relationships._touched", with no object)."""
    assert set(log.activity) - _documented_activities() == set()
    assert "" not in set(log.object)


def test_founders_deals_are_logged_as_theirs():
    """Seed-stage with no AE, its founders selling and delivering: the deals are "Assigned to
    founders" (resource founders, role founder), and so are their decisions; the work a founder
    does is logged as a task of `founder-<n>`."""
    kinds = ["opportunity", "delivery", "onboarding", "care", "renewal", "expansion"]
    over = {"roles.ae.headcount": 0, "hiring.growth.mix.sales.ae": 0, "founders.kinds": kinds, "horizon_months": 6}
    sc = orgsim.load_scenario(ROOT / "scenarios" / "seed-stage.yaml", overrides=over)
    log = to_frame(run_replication(sc, SEED, 0, events=True).events, sc.name, 0, sc.time.start_date)
    assert "Assigned to AE" not in set(log.activity)
    mine = log[log.activity.isin(["Assigned to founders", "Won", "Lost"])]
    assert (mine.activity == "Assigned to founders").sum() > 0 and (mine.activity == "Won").sum() > 0
    assert set(mine.resource) == {"founders"} and set(mine.role) == {"founder"}
    assert set(log.activity) - _documented_activities() == set()
    work = log[log.activity == "Sales work"]  # the founders' own tasks, a start and a complete row each
    assert len(work) > 0 and set(work.role) == {"founder"} and set(work.resource) <= {"founder-1", "founder-2"}
    starts = work[work.lifecycle == "start"]
    assert (starts.wait_hours >= 0).all() and len(work) - len(starts) <= len(starts)
