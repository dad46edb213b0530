"""--checkpoint FILE is refused before anything runs when FILE exists and is not an orgsim checkpoint:
a file given by mistake is never emptied, rewritten or deleted (it used to be, once the run completed).
Also the --checkpoint help of each command names only its own outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgsim import cli
from orgsim.experiments.checkpoint import Checkpoint, foreign
from orgsim.scenario.errors import UsageError

REPO = Path(__file__).resolve().parents[2]
REFERENCE = str(REPO / "scenarios" / "reference.yaml")
SERIES_A = str(REPO / "scenarios" / "series-a.yaml")
PRECIOUS = "id,value\n1,42\n2,43\n"
SWEEP = ("sweep", REFERENCE, "--vary", "roles.sdr.headcount=1,2", "-n", "1", "--set", "horizon_months=2", "-w", "1")
ORDERS = ("--orders", "product,sales,marketing,service", "--orders", "sales,product,marketing,service")
FOCUS = ("focus", SERIES_A, *ORDERS, "-n", "2", "--max-replications", "2", "--set", "horizon_months=2", "-w", "1")


@pytest.mark.parametrize("command", [SWEEP, FOCUS], ids=["sweep", "focus"])
@pytest.mark.parametrize("resume", [True, False], ids=["resume", "fresh"])
def test_a_file_that_is_not_a_checkpoint_is_refused_and_kept(command, resume, tmp_path, capsys):
    data = tmp_path / "results.csv"
    data.write_text(PRECIOUS)
    args = [*command, "-q", "--checkpoint", str(data), *(["--resume"] if resume else [])]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: --checkpoint {data}: exists and is not an orgsim checkpoint: line 1 is not checkpoint data "
        '(orgsim writes JSON lines that start {"format": "orgsim-checkpoint/2", "key": ...}); give the checkpoint '
        "of an interrupted run, or a file that does not exist yet (orgsim fills it as work finishes and deletes it "
        "when the run completes)\n"
    )
    assert data.read_text() == PRECIOUS


def test_the_default_checkpoint_next_to_json_is_refused_too(tmp_path, capsys):
    out = tmp_path / "s.json"
    planted = tmp_path / "s.json.checkpoint.jsonl"
    planted.write_text("\n\n" + PRECIOUS)
    assert cli.main([*SWEEP, "-q", "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: the default checkpoint {planted} exists and is not an orgsim checkpoint: line 3 " in err
    assert "name another file with --checkpoint FILE" in err
    assert planted.read_text() == "\n\n" + PRECIOUS and not out.exists()


def test_a_checkpoint_orgsim_wrote_is_used_and_then_deleted(tmp_path, capsys):
    ck = tmp_path / "ck.jsonl"
    ck.write_text("")  # what a run stopped before its first point leaves
    assert foreign(ck) is None
    assert cli.main([*SWEEP, "-q", "--checkpoint", str(ck), "--resume"]) == 0
    assert "resumed 0 of 2 points" in capsys.readouterr().err
    assert not ck.exists()  # the run completed: its own checkpoint is gone


def test_the_library_refuses_a_foreign_file_as_well(tmp_path):
    data = tmp_path / "notes.txt"
    data.write_text(PRECIOUS)
    for resume in (True, False):
        with pytest.raises(UsageError, match="is not an orgsim checkpoint: line 1"):
            Checkpoint(data, resume=resume)
    assert data.read_text() == PRECIOUS
    assert foreign(tmp_path / "absent.jsonl") is None


@pytest.mark.parametrize(("command", "outputs"), [("sweep", "--json (or --csv)"), ("focus", "--json")])
def test_checkpoint_help_names_the_commands_own_outputs(command, outputs, capsys):
    assert cli.main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    start = text.index("--checkpoint FILE")
    part = text[start : text.index("--resume", start) if "--resume" in text[start:] else None]
    assert f"next to {outputs}" in part
    if command == "focus":
        assert "--csv" not in part
