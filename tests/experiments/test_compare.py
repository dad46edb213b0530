"""compare: paired differences, directions, the JSON document of docs/reference/interfaces.md, the CLI."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from experiments_support import ROOT, SEED, series_a

from orgsim import cli
from orgsim.experiments import Comparison, ExperimentError, compare
from orgsim.experiments.stats import KPI_DIRECTION
from orgsim.metrics import KPI_KEYS

NO_SDR = str(ROOT / "scenarios" / "no-sdr.yaml")
SERIES_A = str(ROOT / "scenarios" / "series-a.yaml")


@pytest.fixture(scope="module")
def cmp() -> Comparison:
    return compare(
        {
            "base": series_a(),
            "more-aes": series_a(**{"roles.ae.headcount": 10}),
            "no-paid": series_a(**{"lead_sources.paid.budget_per_month": 0}),
        },
        replications=12,
        seed=SEED,
        workers=2,
    )


def test_arms_are_paired_and_named(cmp):
    assert cmp.names == ["base", "more-aes", "no-paid"]
    for arm in cmp.arms:
        assert arm.seed == SEED and [r.replication for r in arm.replications] == list(range(12))


def test_difference_is_the_mean_of_per_replication_differences(cmp):
    d = cmp.difference("no-paid", "new_customers")
    a, b = cmp.arm("no-paid").values("new_customers"), cmp.baseline.values("new_customers")
    assert d["mean"] == pytest.approx(sum(x - y for x, y in zip(a, b)) / 12)
    assert d["base_mean"] == pytest.approx(sum(b) / 12) and d["arm_mean"] == pytest.approx(sum(a) / 12)
    assert d["mean"] < 0 and d["significant"] and d["p_value"] < 0.001
    assert d["share_better"] == 0.0 and d["prob_better"] < 0.001
    assert d["relative"] == pytest.approx(d["mean"] / d["base_mean"])


def test_better_follows_each_kpis_direction(cmp):
    # no paid budget: less spend, so cash at the end is higher (better) although ARR is lower
    cash = cmp.difference("no-paid", "cash_end")
    assert cash["mean"] > 0 and cash["prob_better"] > 0.99
    cac = cmp.difference("no-paid", "cac")  # lower is better
    assert cac["direction"] == -1
    assert (cac["mean"] < 0) == (cac["prob_better"] > 0.5)
    assert cmp.difference("more-aes", "headcount_end")["prob_better"] is None  # no better direction


def test_differences_frame(cmp):
    df = cmp.differences()
    assert len(df) == 2 * len(KPI_KEYS)
    assert set(df["arm"]) == {"more-aes", "no-paid"}
    assert {
        "mean",
        "ci95_low",
        "ci95_high",
        "p_value",
        "p_wilcoxon",
        "prob_better",
        "share_better",
        "significant",
        "tests_disagree",
        "direction",
    } <= set(df.columns)
    assert df.set_index("kpi").loc["cac", "direction"].tolist() == [KPI_DIRECTION["cac"]] * 2


def test_to_dict_is_the_section_6_document(cmp):
    doc = json.loads(json.dumps(cmp.to_dict(), allow_nan=False))
    assert set(doc) == {"arms", "differences"}
    assert list(doc["arms"]) == cmp.names
    assert set(doc["arms"]["base"]) >= {
        "scenario",
        "seed",
        "replications",
        "horizon_months",
        "kpis",
        "funnel",
        "stages",
    }
    assert list(doc["differences"]) == ["more-aes", "no-paid"]
    for kpi in KPI_KEYS:
        d = doc["differences"]["no-paid"][kpi]
        assert {"mean", "ci95", "p_value", "p_wilcoxon", "n"} <= set(d)
        assert len(d["ci95"]) == 2


def test_arm_names_made_unique_and_inputs_checked():
    sc = series_a()
    cmp2 = compare([sc, sc], replications=2, seed=SEED)
    assert cmp2.names == ["series-a", "series-a#2"]
    with pytest.raises(ExperimentError, match="at least two"):
        compare([sc])
    with pytest.raises(ExperimentError, match="unknown KPI"):
        cmp2.difference(cmp2.arms[1], "arr")


# ---- the command -----------------------------------------------------------------------------


def orgsim_cmd(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("COLUMNS", None)
    return subprocess.run(
        [sys.executable, "-m", "orgsim", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _reject(const):
    raise ValueError(f"non-standard JSON constant {const}")


@pytest.mark.slow
def test_compare_command_prints_a_table_and_writes_json(tmp_path):
    out = tmp_path / "cmp.json"
    p = orgsim_cmd(
        "compare", SERIES_A, NO_SDR, "--set", "horizon_months=12", "-n", "8", "--seed", "3", "--json", str(out)
    )
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    assert "series-a vs no-sdr: 8 paired replications, seed 3, 12 months" in p.stdout
    assert "no-sdr - series-a" in p.stdout and "P(better)" in p.stdout
    row = next(line for line in p.stdout.splitlines() if line.startswith("new_customers"))
    assert row.rstrip().endswith("***")  # removing SDRs loses many deals: clearly significant
    doc = json.loads(out.read_text(), parse_constant=_reject)
    assert list(doc["arms"]) == ["series-a", "no-sdr"]
    assert doc["arms"]["no-sdr"]["seed"] == 3 and doc["arms"]["no-sdr"]["replications"] == 8
    assert doc["differences"]["no-sdr"]["new_customers"]["p_value"] < 0.001


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((SERIES_A,), "compare needs at least two scenarios"),
        ((SERIES_A, "nope.yaml"), "nope.yaml"),
        ((SERIES_A, SERIES_A, "--target", "arr_edn", "--precision", "0.1"), "did you mean 'arr_end'?"),
        ((SERIES_A, SERIES_A, "-n", "1"), "1 is not in the range 2<=x<=100000"),
        ((SERIES_A, SERIES_A, "--precision", "2"), "2.0 is not in the range 0<x<1"),
    ],
)
def test_compare_bad_input_exits_2(capsys, args, message):
    assert cli.main(["compare", *args, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_compare_reports_every_bad_file(tmp_path, capsys):
    bad1, bad2 = tmp_path / "a.yaml", tmp_path / "b.yaml"
    bad1.write_text(f"extends: {SERIES_A}\nhorizon_monts: 12\n")
    bad2.write_text(f"extends: {SERIES_A}\nroles:\n  sdr: {{headcount: -1}}\n")
    assert cli.main(["compare", str(bad1), str(bad2), "-q"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'horizon_months'?" in err and "must be >= 0 (got -1)" in err


def test_compare_of_different_horizons_warns_and_names_both(tmp_path, capsys):
    text = open(SERIES_A, encoding="utf-8").read()
    assert "\nhorizon_months: 36\n" in text
    files = []
    for h in (2, 3):
        f = tmp_path / f"h{h}.yaml"
        f.write_text(text.replace("\nhorizon_months: 36\n", f"\nhorizon_months: {h}\n"), encoding="utf-8")
        files.append(str(f))
    out = tmp_path / "c.json"
    assert cli.main(["compare", *files, "-n", "2", "-w", "1", "--json", str(out)]) == 0
    got = capsys.readouterr()
    assert (
        f"warning: the scenarios run for different horizons ({files[0]}: 2 months, {files[1]}: 3 months); every "
        "KPI is taken at the end of its own scenario's horizon, so the differences mix the horizon with the "
        "structure (give them one, e.g. --set horizon_months=2, to compare the structure alone)\n"
    ) in got.err
    assert "2 paired replications, seed 2026, 2 / 3 months, " in got.out  # not "2 months"
    doc = json.loads(out.read_text())
    assert [a["horizon_months"] for a in doc["arms"].values()] == [2, 3]
    # one horizon (--set): no warning, one number in the header
    assert cli.main(["compare", *files, "-n", "2", "-w", "1", "--set", "horizon_months=2"]) == 0
    got = capsys.readouterr()
    assert "different horizons" not in got.err and "seed 2026, 2 months, " in got.out


def test_compare_in_process_matches_the_api(tmp_path, capsys):
    out = tmp_path / "c.json"
    assert (
        cli.main(
            [
                "compare",
                SERIES_A,
                SERIES_A,
                "--set",
                "horizon_months=6",
                "-n",
                "3",
                "-s",
                "5",
                "-w",
                "1",
                "--json",
                str(out),
                "-q",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == ""
    doc = json.loads(out.read_text())
    api = compare([series_a(horizon_months=6)] * 2, replications=3, seed=5).to_dict()
    for k in ("arr_end", "cac"):
        assert doc["arms"]["series-a"]["kpis"][k] == api["arms"]["series-a"]["kpis"][k]
    assert all(d["mean"] == 0 for d in doc["differences"]["series-a#2"].values() if d["mean"] is not None)
    assert not any(
        isinstance(v, float) and math.isnan(v)
        for v in doc["differences"]["series-a#2"]["arr_end"].values()
        if not isinstance(v, list)
    )


@pytest.mark.parametrize("command", ["compare", "sweep", "focus", "run"])
def test_every_experiment_command_has_help(capsys, command):
    assert cli.main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert "Examples:" in text and "--scheduler" in text and "ORGSIM_SCHEDULER" in text
    if command != "focus":
        assert "--precision" in text and "--max-replications" in text
