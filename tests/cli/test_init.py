"""`orgsim init` (issue 15): a founder's first scenario from a few answers, that validates clean and
sells. Runs are short (12 months, 3 replications) so the file's mechanics, not its numbers, are tested."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from orgsim.cli import cli, init as init_module, main
from orgsim.scenario.errors import Problem
from orgsim.scenario.loader import load_scenario
from tests.cli.test_cli import REPO, assert_clean_failure, orgsim_cmd

FLAGS = (
    "--name", "acme", "--arr", "600k", "--acv", "smb=9000,mid_market=40000",
    "--headcount", "ae=3,sdr=2,csm=1,engineer=5,marketer=1,se=1,implementer=1,manager=0",
    "--cash", "6M", "--hires-per-month", "1",
)  # fmt: skip


@pytest.fixture
def init(capsys, monkeypatch):
    """`orgsim init` in this process, in tmp_path, with stdin not a terminal (a subprocess costs 2 s)."""
    monkeypatch.setattr(init_module, "_stdin_is_terminal", lambda: False)

    def call(tmp_path: Path, *args: str) -> SimpleNamespace:
        monkeypatch.chdir(tmp_path)
        capsys.readouterr()
        code = main(["init", *args])
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

    return call


def test_init_with_flags_then_run_wins_customers(tmp_path, init):
    p = init(tmp_path, "acme.yaml", *FLAGS)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""  # every answer given: no defaults to announce, no warnings
    assert "Wrote acme.yaml: acme, 2 segments" in p.stdout and "orgsim run acme.yaml" in p.stdout
    text = (tmp_path / "acme.yaml").read_text()
    assert "extends" not in text.split("# `extends`")[1]  # self-contained: only the comment names it
    found: list[Problem] = []
    sc = load_scenario(tmp_path / "acme.yaml", warnings=found)
    assert found == [] and sc.warnings() == []
    # starting customers from ARR and ACV: 600k split by lead_mix x win_rate, customers x ACV ~ ARR
    start = sc.company.starting_customers
    assert set(start) == {"smb", "mid_market"} and set(sc.segments) == {"smb", "mid_market"}
    assert start["smb"] * 9000 + start["mid_market"] * 40000 == pytest.approx(600_000, rel=0.05)
    assert sc.roles["ae"].headcount == 3 and sc.roles["manager"].headcount == 0 and sc.roles["admin"].headcount == 1
    assert sc.company.starting_cash == 6_000_000 and sc.hiring.growth is not None
    assert sc.hiring.growth.hires_per_month == 1
    series_a = load_scenario(REPO / "scenarios" / "series-a.yaml").expansion_probabilities()
    assert sc.expansion_probabilities() == {s: series_a[s] for s in sc.segments}  # by ACV band, as series-a
    out = tmp_path / "run.json"
    r = orgsim_cmd("run", str(tmp_path / "acme.yaml"), "-n", "3", "--seed", "5", "--set", "horizon_months=12",
                   "--json", str(out))  # fmt: skip
    assert r.returncode == 0, r.stderr
    run = json.loads(out.read_text())
    assert run["funnel"]["won"]["mean"] > 0 and run["kpis"]["new_customers"]["mean"] > 0


def test_validate_says_ok_with_no_warning(tmp_path, init):
    assert init(tmp_path, "c.yaml", *FLAGS).returncode == 0
    v = orgsim_cmd("validate", str(tmp_path / "c.yaml"))
    assert v.returncode == 0 and v.stdout.startswith("OK") and v.stderr == ""


def test_not_a_terminal_uses_the_defaults_and_says_so(tmp_path):
    # the real thing: a child process whose stdin is not a terminal
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "orgsim", "init"]
    p = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    assert p.stderr.startswith("stdin is not a terminal: using the defaults for --name, --arr, --acv")
    sc = load_scenario(tmp_path / "company.yaml")  # the default FILE
    assert sc.name == "my-company" and set(sc.segments) == {"smb", "mid_market", "enterprise"}
    assert sc.company.starting_cash == 30_000_000


def test_no_overwrite_without_force(tmp_path, init):
    (tmp_path / "c.yaml").write_text("mine\n")
    p = init(tmp_path, "c.yaml", *FLAGS)
    assert_clean_failure(p)
    assert "c.yaml exists; pass --force" in p.stderr
    assert (tmp_path / "c.yaml").read_text() == "mine\n"
    assert init(tmp_path, "c.yaml", *FLAGS, "--force").returncode == 0
    assert load_scenario(tmp_path / "c.yaml").name == "acme"


def test_dash_writes_the_scenario_to_stdout(tmp_path, init):
    # '-' is standard output, as for --json: not a file named '-' with "Next: orgsim run -"
    p = init(tmp_path, "-", *FLAGS)
    assert p.returncode == 0, p.stderr
    assert not (tmp_path / "-").exists()
    assert p.stderr.startswith("Wrote the scenario to standard output: acme, 2 segments") and "Next:" not in p.stderr
    (tmp_path / "acme.yaml").write_text(p.stdout)
    assert load_scenario(tmp_path / "acme.yaml").name == "acme"


def test_a_file_that_cannot_be_written_fails_before_any_question(tmp_path, monkeypatch, capsys):
    # a founder who answered every question should not learn only then that the directory is missing
    monkeypatch.setattr(init_module, "_stdin_is_terminal", lambda: True)
    monkeypatch.setattr(init_module.click, "prompt", lambda *a, **k: pytest.fail("asked a question"))
    target = tmp_path / "nowhere" / "c.yaml"
    assert main(["init", str(target)]) == 2
    assert capsys.readouterr().err == f"error: FILE {target}: directory {target.parent} does not exist\n"


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--arr", "lots", "--arr 'lots': expected an amount in dollars"),
        ("--acv", "smb=8000,midmarket=30000", "--acv 'midmarket=30000': expected NAME=VALUE with NAME one of smb"),
        ("--acv", "smb=0", "--acv 'smb=0': every ACV must be > 0"),
        ("--headcount", "ae=3,ninja=2", "--headcount 'ninja=2': expected NAME=VALUE with NAME one of marketer"),
        ("--headcount", "sdr=-1", "--headcount sdr=-1: expected a whole number >= 0"),
        ("--cash", "10M$", "--cash '10M$': expected an amount in dollars"),
        ("--hires-per-month", "-2", "--hires-per-month '-2': expected a number of hires a month"),
    ],
)
def test_bad_flags_exit_2_naming_the_option(tmp_path, init, option, value, says):
    p = init(tmp_path, "c.yaml", option, value)
    assert_clean_failure(p)
    assert says in p.stderr
    assert not (tmp_path / "c.yaml").exists()  # nothing half-written


def test_a_terminal_is_asked_for_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(init_module, "_stdin_is_terminal", lambda: True)
    # name, arr (a bad answer is asked again), acv, headcount, cash, hires per month
    answers = "\n".join(["beta", "many", "900k", "smb=7000", "ae=2,sdr=1", "4M", "1"]) + "\n"
    r = CliRunner().invoke(cli, ["init", str(tmp_path / "beta.yaml")], input=answers)
    assert r.exit_code == 0, r.output
    assert "expected an amount in dollars" in r.output  # 'many' was refused and asked again
    sc = load_scenario(tmp_path / "beta.yaml")
    assert sc.name == "beta" and list(sc.segments) == ["smb"] and sc.company.starting_cash == 4_000_000
    assert sc.company.starting_customers["smb"] == round(900_000 / 7000)
    assert sc.warnings() == []


def test_no_ae_today_writes_founders_who_sell(tmp_path, init):
    """--headcount ae=0: the founders sell and deliver what sales delivers until AEs are hired."""
    hc = "ae=0,sdr=1,csm=1,engineer=5,marketer=1,se=1,implementer=1,manager=0"
    p = init(tmp_path, "seed.yaml", "--arr", "300k", "--acv", "smb=8000", "--headcount", hc, "--cash", "3M")
    assert p.returncode == 0, p.stderr
    sc = load_scenario(tmp_path / "seed.yaml")
    assert sc.roles["ae"].headcount == 0 and sc.founders is not None
    assert {"opportunity", "delivery"} <= set(sc.founders.kinds)
    # the growth plan hires AEs later: until then the founders take the AE work, and the warning says so
    (msg,) = [m for path, m in sc.warnings() if path == "roles.ae.headcount"]
    assert "the founders take opportunities (roles.ae)" in msg and " wait" not in msg
    # with AEs, the founders block is the template's (no kinds line)
    assert init(tmp_path, "acme.yaml", *FLAGS).returncode == 0
    assert "kinds:" not in (tmp_path / "acme.yaml").read_text().split("founders:")[1].split("roles:")[0]


def test_founders_alone_also_qualify(tmp_path, init):
    """No AE and no SDR, no hiring: the founders qualify, sell, deliver and care (a valid scenario)."""
    hc = "ae=0,sdr=0,se=0,csm=0,implementer=0,engineer=4,marketer=0,recruiter=0,finance=0,admin=0,manager=0"
    p = init(tmp_path, "solo.yaml", "--arr", "300k", "--acv", "smb=8000", "--headcount", hc, "--cash", "2M",
             "--hires-per-month", "0", "--name", "solo")  # fmt: skip
    assert p.returncode == 0, p.stderr
    sc = load_scenario(tmp_path / "solo.yaml")
    assert sc.founders is not None and sc.founders.kinds[0] == "qualification"


def test_an_smb_only_company_gets_no_specialists_its_deals_never_need(tmp_path, init):
    """SMB deals need no presales and are delivered by sales: series-a's SEs and implementers would
    have no work, so the team and the growth plan leave them out unless the founder names them."""
    p = init(tmp_path, "smb.yaml", "--acv", "smb=7000", "--headcount", "ae=2,sdr=1")
    assert p.returncode == 0 and "warning" not in p.stderr, p.stderr
    sc = load_scenario(tmp_path / "smb.yaml")
    assert sc.roles["se"].headcount == 0 and sc.roles["implementer"].headcount == 0
    assert sc.roles["csm"].headcount == 2 and sc.roles["marketer"].headcount == 3  # others keep series-a's
    assert sc.hiring.growth is not None
    assert not any(r in mix for mix in sc.hiring.growth.mix.values() for r in ("se", "implementer"))
    assert sc.warnings() == []
    # named, they are written as asked, and the warning says they have no work
    p = init(tmp_path, "smb2.yaml", "--acv", "smb=7000", "--headcount", "se=2")
    assert p.returncode == 0 and "roles.se.headcount" in p.stderr and "idle the rest" in p.stderr, p.stderr
    assert load_scenario(tmp_path / "smb2.yaml").roles["se"].headcount == 2
    # a segment that needs them brings series-a's back
    assert init(tmp_path, "both.yaml", "--acv", "smb=7000,enterprise=90000").returncode == 0
    sc = load_scenario(tmp_path / "both.yaml")
    assert sc.roles["se"].headcount == 3 and sc.roles["implementer"].headcount == 3 and sc.warnings() == []
