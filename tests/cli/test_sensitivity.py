"""`orgsim sensitivity`: the JSON and --out files, reproducibility, bad --params, the Sobol path.

Every run is in-process (`orgsim.cli.main`) on reference.yaml with a 6-month horizon, three inputs,
three Morris trajectories and two replications per point, so the whole module takes seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("SALib")

import orgsim  # noqa: E402
from orgsim import cli  # noqa: E402
from orgsim.experiments.sensitivity import default_params, parse_params  # noqa: E402
from orgsim.experiments.stats import ExperimentError  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
REFERENCE, SERIES_A = REPO / "scenarios" / "reference.yaml", REPO / "scenarios" / "series-a.yaml"
PARAMS = (
    "--params",
    "segments.smb.win_rate=0.2..0.35",
    "--params",
    "lead_sources.outbound.meetings_per_sdr_month=2..8",
    "--params",
    "roles.sdr.headcount=1..6",
)
FAST = ("--set", "horizon_months=6", "-n", "2", "-s", "3", "--trajectories", "3", "-q")


def _run(tmp: Path, name: str, *extra: str) -> dict:
    out = tmp / f"{name}.json"
    assert cli.main(["sensitivity", str(REFERENCE), *PARAMS, *FAST, "--json", str(out), *extra]) == 0
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    tmp = tmp_path_factory.mktemp("sens")
    doc = _run(tmp, "w1", "-w", "1", "--kpi", "arr_end", "--kpi", "cash_min", "--out", str(tmp / "out"))
    return tmp, doc


def test_json_shape(made: tuple[Path, dict]):
    _, doc = made
    assert doc["method"] == "morris" and doc["seed"] == 3 and doc["replications"] == 2
    assert doc["design"] == {"trajectories": 3, "levels": 4, "points": 3 * (3 + 1)}
    keys = ["segments.smb.win_rate", "lead_sources.outbound.meetings_per_sdr_month", "roles.sdr.headcount"]
    assert list(doc["params"]) == keys
    assert doc["params"]["roles.sdr.headcount"]["baseline"] == 4  # the scenario's own value
    assert set(doc["kpis"]) == {"arr_end", "cash_min"}
    for block in doc["kpis"].values():
        ranking = block["ranking"]
        assert sorted(r["param"] for r in ranking) == sorted(keys)
        assert set(ranking[0]) == {"param", "mu_star", "mu_star_conf", "mu", "sigma"}
        mus = [r["mu_star"] for r in ranking]
        assert mus == sorted(mus, reverse=True) and all(m >= 0 for m in mus)
        assert len(block["tornado"]) == 3 and all(r["low"] is not None for r in block["tornado"])
    # More SDRs book more meetings: at this horizon the SDR inputs move ARR more than SMB win rate.
    arr = {r["param"]: r["mu_star"] for r in doc["kpis"]["arr_end"]["ranking"]}
    assert arr["roles.sdr.headcount"] > 0


def test_out_dir_has_the_report_and_tables(made: tuple[Path, dict]):
    tmp, doc = made
    out = tmp / "out"
    assert json.loads((out / "sensitivity.json").read_text()) == doc
    assert (out / "plots" / "tornado.png").read_bytes().startswith(b"\x89PNG")
    html = (out / "report.html").read_text()
    top = doc["kpis"]["arr_end"]["ranking"][0]["param"]
    assert f"depends most on {top}" in html
    ranking = (out / "ranking.csv").read_text().splitlines()
    assert len(ranking) == 1 + 2 * 3
    assert json.loads((out / "manifest.json").read_text())["command"] == "sensitivity"


def test_same_seed_same_ranking_whatever_the_workers(made: tuple[Path, dict]):
    tmp, doc = made
    again = _run(tmp, "w2", "-w", "2", "--kpi", "arr_end", "--kpi", "cash_min")
    assert again == doc
    other = _run(tmp, "seed4", "-w", "1", "-s", "4", "--kpi", "arr_end")
    assert other["kpis"]["arr_end"] != doc["kpis"]["arr_end"]  # the seed is used


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("segments.smb.win_rte=0.1..0.3", "segments.smb.win_rte"),  # not in the schema
        ("segments.smb.win_rate=0.5..1.5", "segments.smb.win_rate"),  # a probability above 1
        ("roles.sdr.headcount=six..8", "roles.sdr.headcount"),  # not a range
        ("roles.sdr.headcount=8..2", "roles.sdr.headcount"),  # goes down
    ],
)
def test_bad_params_exit_2_naming_the_key(spec: str, named: str, capsys, tmp_path: Path):
    args = ["sensitivity", str(REFERENCE), "--params", spec, "--params", "funnel.mql_to_sql=0.3..0.5", *FAST]
    assert cli.main([*args, "--json", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err
    assert not (tmp_path / "x.json").exists()


def test_a_bad_sample_value_names_the_file_and_the_option(capsys):
    # a win rate above 1 inside the range: the scenario's file (not its `name:`) and --params are named
    args = [
        "sensitivity",
        str(REFERENCE),
        "--params",
        "segments.smb.win_rate=0.2..2",
        "--params",
        "roles.sdr.headcount=1..6",
    ]
    assert cli.main([*args, *FAST]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{REFERENCE}: ")
    assert "segments.smb.win_rate: must be <= 1 (got 2.0) (in --params segments.smb.win_rate)" in err
    assert "series-a-reference" not in err and "Traceback" not in err


def test_unknown_kpi_exits_2(capsys):
    assert cli.main(["sensitivity", str(REFERENCE), *PARAMS, *FAST, "--kpi", "arr_nd"]) == 2
    assert "arr_end" in capsys.readouterr().err


def test_sobol_path(tmp_path: Path):
    out = tmp_path / "sobol.json"
    args = ["sensitivity", str(REFERENCE), *PARAMS[:4], *FAST, "--method", "sobol", "--samples", "4"]
    assert cli.main([*args, "-w", "2", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["method"] == "sobol" and doc["design"] == {"samples": 4, "points": 4 * (2 + 2)}
    row = doc["kpis"]["arr_end"]["ranking"][0]
    assert set(row) == {"param", "S1", "S1_conf", "ST", "ST_conf"}
    sts = [r["ST"] for r in doc["kpis"]["arr_end"]["ranking"]]
    assert sts == sorted(sts, reverse=True)


def test_sobol_needs_a_power_of_two(capsys):
    assert cli.main(["sensitivity", str(REFERENCE), *PARAMS, *FAST, "--method", "sobol", "--samples", "6"]) == 2
    assert "power of 2" in capsys.readouterr().err


def test_default_params_are_the_scenarios_guesses_plus_minus_20_percent():
    sc = orgsim.load_scenario(SERIES_A)
    got = {p.key: (p.low, p.high) for p in default_params(sc)}
    assert got["lead_sources.outbound.meetings_per_sdr_month"] == (4.0, 6.0)
    assert got["segments.smb.win_rate"] == pytest.approx((0.216, 0.324))
    assert got["customers.renewal_curve.typical_health"] == pytest.approx((0.56, 0.84))
    assert all(0 <= lo < hi for lo, hi in got.values())
    healthy = orgsim.load_scenario(SERIES_A, overrides={"segments.smb.win_rate": 0.9})
    assert dict((p.key, p.high) for p in default_params(healthy))["segments.smb.win_rate"] == 1.0  # clipped


def test_parse_params_keeps_integer_ranges_integer():
    a, b = parse_params(["roles.sdr.headcount=2..6", "segments.smb.win_rate=0.2..0.3"])
    assert a.integer and a.value(3.6) == 4 and not b.integer
    with pytest.raises(ExperimentError, match="at least two"):
        parse_params(["roles.sdr.headcount=2..6"])


def test_help_has_examples(capsys):
    assert cli.main(["sensitivity", "--help"]) == 0
    out = capsys.readouterr().out
    assert "orgsim sensitivity scenarios/series-a.yaml" in out and "--method" in out


@pytest.mark.parametrize("quiet", [False, True])
def test_out_prints_where_the_report_is_unless_quiet(quiet: bool, tmp_path: Path, capsys):
    out = tmp_path / "run"
    args = ["run", str(REFERENCE), "-n", "2", "-w", "1", "--set", "horizon_months=3", "--out", str(out)]
    assert cli.main(args + (["-q"] if quiet else [])) == 0
    err = capsys.readouterr().err
    assert (f"report: {out / 'report.html'}" in err) is not quiet
    assert (out / "report.html").is_file()


def test_unknown_kpi_lists_every_valid_name_even_with_a_close_match(capsys):
    from orgsim.metrics import KPI_KEYS

    assert cli.main(["sweep", str(REFERENCE), "--vary", "roles.sdr.headcount=1,2", "--kpi", "arr_ed", "-q"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'arr_end'?" in err
    assert all(k in err for k in KPI_KEYS)


def test_report_command_rebuilds_a_sensitivity_report(made: tuple[Path, dict], capsys):
    tmp, _ = made
    out = tmp / "out"
    before = (out / "report.html").read_text()
    (out / "report.html").unlink()
    (out / "plots" / "tornado.png").unlink()
    assert cli.main(["report", str(out)]) == 0
    assert (out / "report.html").read_text() == before
    assert (out / "plots" / "tornado.png").read_bytes().startswith(b"\x89PNG")
