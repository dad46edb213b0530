"""`orgsim run --events FILE`: the event log from the command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_cli import SCENARIO, assert_clean_failure, orgsim_cmd

SHORT = ("--set", "horizon_months=6", "-n", "2", "--seed", "5")


def test_run_writes_the_event_log(tmp_path: Path):
    path = tmp_path / "events.csv"
    p = orgsim_cmd("run", SCENARIO, *SHORT, "--events", str(path))
    assert p.returncode == 0, p.stderr
    log = pd.read_csv(path, parse_dates=["timestamp"])
    assert f"wrote {len(log):,} events to {path}" in p.stdout
    assert sorted(log["replication"].unique()) == [0, 1]
    assert {"Lead created", "Qualification", "Opportunity created", "Won", "Renewed"} <= set(log["activity"])
    assert log["timestamp"].min() >= pd.Timestamp("2026-01-01")
    assert [f.name for f in tmp_path.iterdir()] == ["events.csv"]


def test_quiet_run_says_nothing_about_the_log(tmp_path: Path):
    p = orgsim_cmd("run", SCENARIO, *SHORT, "--quiet", "--events", str(tmp_path / "events.csv.gz"))
    assert p.returncode == 0 and p.stdout == "", (p.stdout, p.stderr)
    assert (tmp_path / "events.csv.gz").stat().st_size > 0


@pytest.mark.parametrize(
    "name, message",
    [
        ("events.xlsx", "--events {path}: expected a file name ending in .csv, .csv.gz or .parquet"),
        ("no/such/dir/events.csv", "--events {path}: directory {parent} does not exist"),
    ],
)
def test_bad_event_file_is_refused_before_running(tmp_path: Path, name: str, message: str):
    path = tmp_path / name
    p = orgsim_cmd("run", SCENARIO, *SHORT, "--events", str(path))
    assert_clean_failure(p, 2)
    assert message.format(path=path, parent=path.parent) in p.stderr
    assert not path.exists()


def test_help_describes_the_option():
    p = orgsim_cmd("run", "--help")
    assert p.returncode == 0
    assert "--events FILE" in p.stdout and "process-mining" in p.stdout
