"""`orgsim export-crm` from the command line: files, messages, exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from test_cli import assert_clean_failure, orgsim_cmd  # noqa: E402

from orgsim.cli import export_crm as cli_module, main  # noqa: E402
from orgsim.crm.formats import FORMATS  # noqa: E402

SHORT = ("--set", "horizon_months=12")


@pytest.fixture(scope="module")
def log_file(tmp_path_factory, events) -> Path:
    path = tmp_path_factory.mktemp("log") / "events.csv.gz"
    events.to_csv(path, index=False)
    return path


def test_export_from_an_event_log_file(tmp_path, log_file, events):
    out = tmp_path / "sf"
    p = orgsim_cmd("export-crm", str(log_file), "--format", "salesforce", "--out", str(out), "--as-of", "2026-07-01")
    assert p.returncode == 0, p.stderr
    opp = pd.read_csv(out / "Opportunity.csv")
    manifest = json.loads((out / "manifest.json").read_text())
    c = manifest["counts"]
    assert p.stdout.strip() == (
        f"wrote {c['deals']} deals ({c['won']} won, {c['lost']} lost, {c['open']} open at 2026-07-01) "
        f"of replication 0 as salesforce to {out}"
    )
    assert len(opp) == c["deals"] and (~opp["IsClosed"]).sum() == c["open"]
    assert sorted(f.name for f in out.iterdir()) == ["Opportunity.csv", "OpportunityHistory.csv", "manifest.json"]
    assert manifest["events"] == str(log_file) and manifest["segment_column"] == "Type"
    # the same out directory can be written again (it is an export-crm directory)
    p = orgsim_cmd("export-crm", str(log_file), "--format", "generic", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert sorted(f.name for f in out.iterdir()) == ["deals.csv", "manifest.json", "stage_history.csv"]
    assert len(pd.read_csv(out / "deals.csv")) == (events["activity"] == "Opportunity created").sum()


def test_export_from_a_scenario_matches_the_log(tmp_path, log_file):
    a, b = tmp_path / "a", tmp_path / "b"
    p = orgsim_cmd(
        "export-crm", "--scenario", "scenarios/reference.yaml", *SHORT, "--seed", "1", "-f", "generic", "-o", str(a)
    )
    assert p.returncode == 0, p.stderr
    assert orgsim_cmd("export-crm", str(log_file), "-f", "generic", "-o", str(b)).returncode == 0
    assert (a / "deals.csv").read_text() == (b / "deals.csv").read_text()
    assert json.loads((a / "manifest.json").read_text())["seed"] == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("{log}", "-f", "generic", "-o", "{out}", "--as-of", "2026-02-30"),
            "error: --as-of 2026-02-30: expected a date",
        ),
        (
            ("{log}", "-f", "generic", "-o", "{out}", "--replication", "4"),
            "error: --replication 4: {log} has replication 0",
        ),
        (("{tmp}/none.csv", "-f", "generic", "-o", "{out}"), "error: {tmp}/none.csv: no such file"),
        (("{tmp}/bad.csv", "-f", "generic", "-o", "{out}"), "error: {tmp}/bad.csv: missing columns resource, amount;"),
        (("{tmp}/empty.csv", "-f", "generic", "-o", "{out}"), "error: {tmp}/empty.csv: the file is empty;"),
        (
            ("{tmp}/late.csv", "-f", "generic", "-o", "{out}"),
            "error: {tmp}/late.csv: line 3, column 'timestamp' holds 'tomorrow'; expected a timestamp",
        ),
        (
            ("{tmp}/events.txt", "-f", "generic", "-o", "{out}"),
            "error: {tmp}/events.txt: expected an event log ending in",
        ),
        (("-f", "generic", "-o", "{out}"), "error: give an event log (EVENTS) or --scenario SCENARIO"),
        (("{log}", "-f", "generic", "-o", "{out}", "--seed", "2"), "error: --seed and --set go with --scenario"),
        (("{log}", "-f", "excel", "-o", "{out}"), "'excel' is not one of 'salesforce', 'hubspot'"),
        (("{log}", "-f", "generic", "-o", "{tmp}/notes"), "error: --out {tmp}/notes: holds notes.txt, which orgsim"),
    ],
)
def test_bad_input_exits_2_naming_the_option_or_file(tmp_path, log_file, args, message, capsys):
    # in this process (orgsim.cli.main, as the console script runs it): a subprocess each would cost a second
    (tmp_path / "bad.csv").write_text(
        "replication,case_id,activity,lifecycle,timestamp,segment,source\n0,a,b,c,d,e,f\n"
    )
    (tmp_path / "empty.csv").write_text("")
    head = "replication,case_id,activity,lifecycle,timestamp,resource,segment,source,amount\n"
    rows = "0,r0-L1,Opportunity created,complete,{},,smb,paid,\n"
    (tmp_path / "late.csv").write_text(head + rows.format("2026-01-02 10:00:00") + rows.format("tomorrow"))
    (tmp_path / "events.txt").write_text("x")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "notes.txt").write_text("mine")
    fill = {"log": str(log_file), "out": str(tmp_path / "out"), "tmp": str(tmp_path)}
    code = main(["export-crm", *(a.format(**fill) for a in args)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert message.format(**fill) in err
    assert not (tmp_path / "out").exists()  # nothing half-written
    assert (tmp_path / "notes" / "notes.txt").read_text() == "mine"


def test_bad_input_from_the_console_script(tmp_path):
    p = orgsim_cmd("export-crm", str(tmp_path / "none.csv"), "-f", "hubspot", "-o", str(tmp_path / "out"))
    assert_clean_failure(p, 2)
    assert f"error: {tmp_path / 'none.csv'}: no such file" in p.stderr


def test_help_has_examples_and_the_cli_knows_every_format():
    p = orgsim_cmd("export-crm", "--help")
    assert p.returncode == 0 and "Examples:" in p.stdout and "--as-of DATE" in p.stdout
    assert cli_module.FORMATS == FORMATS
