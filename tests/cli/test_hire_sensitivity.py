"""`orgsim hire` names the assumptions its answer rests on: a measured ranking from `orgsim
sensitivity --json` (`--sensitivity FILE`), or the rule of thumb, said to be one.

reference.yaml with a short horizon, two roles, a few replications; the sensitivity run is the one of
tests/cli/test_sensitivity.py (three inputs, three Morris trajectories), so the file takes seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orgsim.cli import main

pytest.importorskip("SALib")

REPO = Path(__file__).resolve().parents[2]
REF = str(REPO / "scenarios" / "reference.yaml")
HIRE = ("hire", REF, "--next", "1", "--roles", "ae,sdr", "--at-month", "6", "-n", "2", "--max-replications", "2")
SENS = (
    "sensitivity",
    REF,
    "--params",
    "segments.smb.win_rate=0.2..0.35",
    "--params",
    "lead_sources.outbound.meetings_per_sdr_month=2..8",
    "--params",
    "roles.sdr.headcount=1..6",
    "--set",
    "horizon_months=6",
    "-n",
    "2",
    "-s",
    "3",
    "--trajectories",
    "3",
    "-q",
)


@pytest.fixture(scope="module")
def sens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sens") / "sens.json"
    assert main([*SENS, "--json", str(out)]) == 0
    return out


def test_without_a_ranking_the_inputs_are_called_a_rule_of_thumb(tmp_path: Path, capsys):
    out = tmp_path / "hire.json"
    assert main([*HIRE, "-s", "5", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    info = doc["sensitivity"]
    assert info["kind"] == "rule_of_thumb" and info["inputs"] == doc["sensitive_to"]
    assert "orgsim sensitivity" in info["note"] and "--sensitivity" in info["note"]
    printed = " ".join(capsys.readouterr().out.split())
    assert "the answer rests on:" in printed and "a rule of thumb" in printed and "--sensitivity sens.json" in printed


def test_a_measured_ranking_names_its_top_parameters_for_the_kpi(sens: Path, tmp_path: Path, capsys):
    ranking = json.loads(sens.read_text())["kpis"]["arr_end"]["ranking"]
    out = tmp_path / "hire.json"
    assert main([*HIRE, "-s", "5", "--sensitivity", str(sens), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["sensitive_to"] == [r["param"] for r in ranking][:5]
    info = doc["sensitivity"]
    assert info["kind"] == "measured" and info["kpi"] == "arr_end" and info["method"] == "morris"
    assert [r["mu_star"] for r in info["ranking"]] == [r["mu_star"] for r in ranking][:5]
    printed = " ".join(capsys.readouterr().out.split())
    assert f"the answer is most sensitive to: {ranking[0]['param']} (mu_star" in printed
    assert "rule of thumb" not in printed


def test_a_ranking_for_another_kpi_exits_2_before_running(sens: Path, capsys):
    assert main([*HIRE, "--by", "cash_end", "--sensitivity", str(sens)]) == 2
    err = capsys.readouterr().err
    assert f"--sensitivity {sens}: has no ranking for 'cash_end' (it ranks arr_end)" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "text, message",
    [("not json", "not JSON"), ('{"scenario": "x"}', "has no 'kpis' block"), ('{"kpis": {"arr_end": {"ranking": [1]}}}',
     "kpis.arr_end.ranking[0]: expected an object with 'param'")],
)  # fmt: skip
def test_a_file_that_is_not_a_sensitivity_result_exits_2(text: str, message: str, tmp_path: Path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    assert main([*HIRE, "--sensitivity", str(bad)]) == 2
    assert f"--sensitivity {bad}: {message}" in capsys.readouterr().err
