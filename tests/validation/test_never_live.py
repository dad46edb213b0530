"""A customer never implemented renews less than a live one (issue 13's bug, tested directly).

Before health reverted, an account waiting for implementation kept its start health until it went
live, so the issue's reproduction (series-a starved of implementers) renewed 46 of 46 mid-market
accounts that were still not live at renewal, against 70% of live ones. Here the same run's event
log is read account by account: at each renewal decision, was the account live? The renewal rates
of the two groups are compared with a two-proportion z-test (pooled standard error).
"""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
REPRODUCTION = (
    "scenarios/series-a.yaml",
    "-n",
    "1",
    "--seed",
    "1",
    "--set",
    "roles.implementer.headcount=1",
    "--set",
    "hiring.growth.mix.service.implementer=0",
)


def _decisions(events: Path) -> dict[bool, list[int]]:
    """Renewal outcomes (1 renewed, 0 churned) by whether the account was live when decided."""
    live_since: dict[str, float] = {}
    out: dict[bool, list[int]] = defaultdict(list)
    with open(events, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["object"] == "customer"]
    for r in rows:  # the log is in time order
        day = float(r["day"])
        if r["activity"] in ("Customer at start", "Live"):
            live_since.setdefault(r["case_id"], day)
        elif r["activity"] in ("Renewed", "Churned"):
            live = live_since.get(r["case_id"], math.inf) <= day
            out[live].append(1 if r["activity"] == "Renewed" else 0)
    return out


def test_accounts_not_live_at_renewal_renew_less(tmp_path):
    events = tmp_path / "events.csv"
    p = subprocess.run(
        [sys.executable, "-m", "orgsim", "run", *REPRODUCTION, "--events", str(events)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    d = _decisions(events)
    n_live, n_not = len(d[True]), len(d[False])
    assert n_not >= 20, "the reproduction should leave accounts waiting for implementation at renewal"
    r_live, r_not = sum(d[True]) / n_live, sum(d[False]) / n_not
    pooled = (sum(d[True]) + sum(d[False])) / (n_live + n_not)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_live + 1 / n_not))
    assert r_live - r_not > 3 * se, (r_live, n_live, r_not, n_not, se)
