"""A run's findings and report.html name what its numbers rest on: the top inputs of `orgsim
sensitivity --json` (`run --sensitivity FILE`, `report DIR --sensitivity FILE`), or a line saying how
to rank them.

reference.yaml, 6 months, 2 replications; the sensitivity file is written by hand in the shape
`top_inputs.measured` reads (tests/cli/test_hire_sensitivity.py makes a real one), its ranking in an
order no sort would give, so the report can only have taken it from the file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from orgsim.cli import main

REPO = Path(__file__).resolve().parents[2]
REF = str(REPO / "scenarios" / "reference.yaml")
RUN = ("run", REF, "-n", "2", "-s", "4", "-w", "2", "--set", "horizon_months=6", "-q")
SENS = {
    "scenario": "series-a-reference",
    "method": "morris",
    "horizon_months": 6,
    "kpis": {
        "arr_end": {
            "ranking": [
                {"param": "roles.sdr.headcount", "mu_star": 190602.3, "sigma": 60272.4},
                {"param": "segments.smb.win_rate", "mu_star": 46200.0, "sigma": 1.0},
                {"param": "lead_sources.outbound.meetings_per_sdr_month", "mu_star": 169000.0, "sigma": 2.0},
            ]
        },
        "cash_min": {"ranking": [{"param": "company.starting_cash", "mu_star": 84300.0}]},
    },
}


def _sens(path: Path, **changes: object) -> Path:
    path.write_text(json.dumps({**SENS, **changes}))
    return path


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    d = tmp_path_factory.mktemp("runsens")
    sens = _sens(d / "sens.json")
    assert main([*RUN, "--out", str(d / "run"), "--json", str(d / "run.json"), "--sensitivity", str(sens)]) == 0
    return d, json.loads((d / "run.json").read_text())


def _rest_on(findings: list[dict]) -> list[dict]:
    return [f for f in findings if "these numbers rest on" in f["text"]]


def test_the_findings_and_the_report_name_the_top_inputs_of_each_kpi(measured):
    d, doc = measured
    assert not [f for f in doc["findings"] if "--sensitivity" in f["text"]]  # same scenario and horizon: no warning
    arr, cash = _rest_on(doc["findings"])
    assert (arr["severity"], arr["group"]) == ("info", "other")
    assert arr["text"].startswith(
        "What these numbers rest on: arr_end moves most with roles.sdr.headcount (mu_star $191k), "
        "segments.smb.win_rate (mu_star $46.2k), lead_sources.outbound"
    )
    assert f"(Morris screening in {d / 'sens.json'})" in arr["text"]
    assert "cash_min moves most with company.starting_cash (mu_star $84.3k)" in cash["text"]
    assert _rest_on(json.loads((d / "run" / "summary.json").read_text())["findings"]) == [arr, cash]
    html = (d / "run" / "report.html").read_text(encoding="utf-8")
    section = html.split("<h2>What these numbers rest on</h2>")[1].split("<h2>")[0]
    assert "Morris screening of series-a-reference" in section and str(d / "sens.json") in section
    rows = section.split("<tr")[2:]  # after the header row
    assert ["roles.sdr.headcount" in rows[0], "$191k" in rows[0], "company.starting_cash" in rows[3]] == [True] * 3
    manifest = json.loads((d / "run" / "manifest.json").read_text())
    assert manifest["sensitivity"]["kpis"]["arr_end"][0] == {"param": "roles.sdr.headcount", "mu_star": 190602.3}


def test_report_rebuilds_the_section_from_the_manifest_or_a_new_file(measured, tmp_path: Path, capsys):
    d, _ = measured
    run = shutil.copytree(d / "run", tmp_path / "run")
    (run / "report.html").unlink()
    assert main(["report", str(run)]) == 0  # the ranking kept in manifest.json
    assert "<h2>What these numbers rest on</h2>" in (run / "report.html").read_text(encoding="utf-8")
    other = _sens(tmp_path / "other.json", scenario="series-a", horizon_months=12)
    assert main(["report", str(run), "--sensitivity", str(other)]) == 0  # a warning, not a failure
    err = capsys.readouterr().err
    assert f"warning: --sensitivity {other} ranks the inputs of series-a, not of series-a-reference" in err
    assert f"warning: --sensitivity {other} ranks the inputs over 12 months, this run is 6" in err
    html = (run / "report.html").read_text(encoding="utf-8")
    warned = html.split('<li class="warning"><span class="sev">warning</span> ')[1:]
    tail = ": its ranking may not hold here."
    assert [w.split("</li>")[0] for w in warned if "--sensitivity" in w] == [
        f"--sensitivity {other} ranks the inputs of series-a, not of series-a-reference{tail}",
        f"--sensitivity {other} ranks the inputs over 12 months, this run is 6{tail}",
    ]
    assert "Morris screening of series-a;" in html


def test_without_a_ranking_one_line_says_how_to_get_one(measured, tmp_path: Path):
    d, _ = measured
    run = shutil.copytree(d / "run", tmp_path / "run")
    manifest = json.loads((run / "manifest.json").read_text())
    del manifest["sensitivity"]
    (run / "manifest.json").write_text(json.dumps(manifest))
    assert main(["report", str(run)]) == 0
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "What these numbers rest on" not in html
    hint = f"rank them with `orgsim sensitivity {REF} --kpi arr_end --json sens.json`, then pass `--sensitivity"
    assert html.count("Which assumptions these numbers rest on is not measured") == 1 and hint in html


@pytest.mark.parametrize(
    "text, message",
    [("[1", "not JSON"), ('{"scenario": "x"}', "has no 'kpis' block"),
     ('{"kpis": {"cash_min": {"ranking": [{"mu_star": 1}]}}}', "kpis.cash_min.ranking[0]: expected an object")],
)  # fmt: skip
def test_a_bad_file_exits_2_naming_it_and_writes_nothing(text: str, message: str, measured, tmp_path: Path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    assert main([*RUN, "--out", str(tmp_path / "out"), "--sensitivity", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"--sensitivity {bad}: {message}" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    run = shutil.copytree(measured[0] / "run", tmp_path / "run")
    before = (run / "report.html").read_bytes()
    assert main(["report", str(run), "--sensitivity", str(bad)]) == 2
    assert f"--sensitivity {bad}: {message}" in capsys.readouterr().err
    assert (run / "report.html").read_bytes() == before
