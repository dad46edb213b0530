"""The per-role table on hand-made records: metrics, results, and checkpoints with and without it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_metrics import record

from orgsim.engine import RoleRecord
from orgsim.experiments.checkpoint import Checkpoint
from orgsim.experiments.results import Results
from orgsim.metrics import ROLE_KEYS, Replication, reduce, roles
from orgsim.scenario.loader import load_scenario


def hand_made(**roles_over: RoleRecord):
    table = {
        # 300 busy days of 600 staffed: 50%; 3 tasks and 2 opportunities waiting at the end
        "ae": RoleRecord(busy_days=300.0, person_days=600.0, headcount_end=2, backlog=5, meetings_booked=12.0),
        "csm": RoleRecord(busy_days=50.0, person_days=0.0, headcount_end=0, backlog=0),
        "engineer": RoleRecord(busy_days=0.0, person_days=900.0, headcount_end=3, backlog=0, serves=False),
        **roles_over,
    }
    return record(roles=table)


def test_role_table_by_hand():
    got = roles(hand_made())
    assert got["ae"] == {"utilization": 0.5, "headcount_end": 2.0, "backlog": 5.0, "meetings_booked": 12.0}
    assert got["csm"]["utilization"] == 0.0  # nobody on staff: 0, not a division by zero
    assert got["engineer"]["utilization"] is None  # no stage sends engineers tasks: undefined
    over = roles(hand_made(ae=RoleRecord(busy_days=700.0, person_days=600.0, headcount_end=2, backlog=0)))
    assert over["ae"]["utilization"] == 1.0  # capped, as a stage's is
    assert list(got["ae"]) == list(ROLE_KEYS)


def test_reduce_carries_roles_and_old_records_have_none():
    assert reduce(hand_made()).roles["ae"]["utilization"] == 0.5
    assert reduce(record()).roles == {}
    assert Replication(0, 1, {}, {}, {}, {}, 0.0).roles == {}  # the default: old pickles and callers


def results_of(*reps: Replication) -> Results:
    return Results(load_scenario("scenarios/reference.yaml"), 1, list(reps))


def test_results_role_summary_and_json():
    a, b = reduce(hand_made()), reduce(hand_made())
    b.roles["ae"]["utilization"] = 0.7
    res = results_of(a, b)
    summary = res.role_summary()
    assert summary.loc["ae", "utilization"] == pytest.approx(0.6)
    assert np.isnan(summary.loc["engineer", "utilization"])
    doc = res.to_dict()
    assert doc["roles"]["ae"]["utilization"]["mean"] == pytest.approx(0.6)
    assert set(doc["roles"]["ae"]["utilization"]) >= {"mean", "std", "ci95"}
    assert doc["roles"]["engineer"]["utilization"]["mean"] is None
    json.dumps(doc, allow_nan=False)
    assert "roles" not in results_of(reduce(record())).to_dict()  # replications without roles


def test_a_checkpoint_keeps_roles_and_one_without_roles_still_resumes(tmp_path):
    path = tmp_path / "cp.jsonl"
    cp = Checkpoint(path)
    cp.put("a" * 64, [reduce(hand_made())], [])
    # a line written before the per-role table: the same without "roles"
    doc = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    for rep in doc["replications"]:
        del rep["roles"]
    doc["key"] = "b" * 64
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(doc) + "\n")
    back = Checkpoint(path, resume=True)
    assert back.skipped == []
    new, old = back.get("a" * 64), back.get("b" * 64)
    assert new is not None and old is not None
    assert new[0][0].roles == reduce(hand_made()).roles  # engineers' None utilisation included
    assert old[0][0].roles == {}
