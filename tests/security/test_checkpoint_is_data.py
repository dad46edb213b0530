"""Checkpoints are data: a planted line that would run code when unpickled runs nothing, is
reported and skipped; well-formed lines come back bit for bit."""

from __future__ import annotations

import base64
import json
import os
import pickle
from pathlib import Path

from orgsim import cli
from orgsim.experiments import sweep
from orgsim.experiments.checkpoint import Checkpoint
from orgsim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "scenarios" / "series-a.yaml")


class _Boom:
    """Unpickling this calls os.system: what an attacker would plant."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _planted_line(marker: Path, key: str = "0" * 64) -> str:
    data = base64.b64encode(pickle.dumps(([_Boom(marker)], []))).decode("ascii")
    return json.dumps({"key": key, "info": {}, "data": data})


def test_a_planted_pickle_line_runs_nothing_and_is_reported(tmp_path):
    marker = tmp_path / "pwned"
    ck = tmp_path / "ck.jsonl"
    ck.write_text(
        _planted_line(marker) + "\n" + "not json at all\n" + '{"format": "orgsim-checkpoint/2", "key": "x"}\n'
    )
    c = Checkpoint(ck, resume=True)
    assert not marker.exists()
    assert len(c) == 0
    assert [n for n, _ in c.skipped] == [1, 2, 3]
    assert "older orgsim" in c.skipped[0][1] and "key" in c.skipped[2][1]
    assert "skipped 3 line(s)" in (c.skipped_summary() or "")
    assert ck.read_text() == ""  # only kept lines stay


def test_cli_resume_from_a_planted_checkpoint_runs_nothing(tmp_path, capsys):
    marker = tmp_path / "pwned"
    ck = tmp_path / "ck.jsonl"
    ck.write_text(_planted_line(marker) + "\n")
    args = [
        "sweep",
        SCENARIO,
        "--vary",
        "roles.sdr.headcount=2,3",
        "-n",
        "1",
        "-s",
        "3",
        "-w",
        "1",
        "--set",
        "horizon_months=6",
        "-q",
        "--csv",
        str(tmp_path / "s.csv"),
        "--checkpoint",
        str(ck),
        "--resume",
    ]
    assert cli.main(args) == 0
    assert not marker.exists()
    err = capsys.readouterr().err
    assert "warning:" in err and "line 1" in err and "resumed 0 of 2 points" in err


def test_lines_round_trip_bit_for_bit(tmp_path):
    sc = load_scenario(SCENARIO, {"horizon_months": 6})
    ck = tmp_path / "ck.jsonl"
    ref = sweep(sc, {"roles.sdr.headcount": [2, 3]}, replications=2, seed=5, workers=1, checkpoint=ck)
    back = Checkpoint(ck, resume=True)
    assert len(back) == 2 and not back.skipped
    got = [reps for reps, _ in back.entries.values()]
    for res, reps in zip(ref.results, got):
        for a, b in zip(res.replications, reps):
            assert a.kpis == b.kpis and a.funnel == b.funnel and a.stages == b.stages and a.counters == b.counters
            assert a.monthly.keys() == b.monthly.keys()
            assert all((a.monthly[k] == b.monthly[k]).all() for k in a.monthly)


def test_a_tampered_value_type_is_skipped(tmp_path):
    sc = load_scenario(SCENARIO, {"horizon_months": 3})
    ck = tmp_path / "ck.jsonl"
    sweep(sc, {"roles.sdr.headcount": [2]}, replications=1, seed=5, workers=1, checkpoint=ck)
    doc = json.loads(ck.read_text())
    doc["replications"][0]["monthly"]["arr"] = ["__import__('os')"]
    ck.write_text(json.dumps(doc) + "\n")
    c = Checkpoint(ck, resume=True)
    assert len(c) == 0 and "monthly.arr is not a list of numbers" in c.skipped[0][1]
