"""Sweeps over categories (roles, ownership modes, focus orders): the user's order, dots with CI
whiskers, and a report that never describes them as a trend. Reference scenario, 6 months, 2
replications."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from orgsim import cli
from orgsim.outputs import plots
from orgsim.outputs.plots.experiments import is_categorical, sorted_values

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "scenarios" / "reference.yaml"
ORDER = ["sales", "csm", "implementation"]  # not alphabetical on purpose


def test_categories_keep_the_users_order_and_are_not_called_a_trend(tmp_path: Path, capsys):
    out = tmp_path / "sweep"
    args = ["sweep", str(REFERENCE), "--vary", f"segments.smb.delivered_by={','.join(ORDER)}"]
    args += ["-n", "2", "-w", "1", "--set", "horizon_months=6", "-q", "--out", str(out)]
    assert cli.main(args) == 0
    doc = json.loads((out / "sweep.json").read_text())
    assert doc["vary"]["segments.smb.delivered_by"] == ORDER
    html = (out / "report.html").read_text()
    assert "categories, not a scale" in html
    assert "every step" not in html and "goes from" not in html
    frame = pd.read_csv(out / "sweep.csv")
    assert sorted_values(frame["segments.smb.delivered_by"]) == ORDER
    fig = plots.sweep(frame.drop(columns=["point", "replications", "n", "std"]), kpis=["arr_end"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ORDER
    assert not ax.collections or all(c.__class__.__name__ != "PolyCollection" for c in ax.collections)  # no band
    assert not any(len(line.get_xdata()) > 1 for line in ax.get_lines() if line.get_linestyle() == "-")  # no line


def test_numbers_are_still_a_scale():
    assert not is_categorical([1, 2.5, 3])
    assert sorted_values([4, 2, 3]) == [2, 3, 4]
    assert is_categorical(["ae", "sdr"]) and is_categorical([True, False])
    assert sorted_values(["sdr", "ae", "csm", "ae"]) == ["sdr", "ae", "csm"]


def test_baseline_point_is_the_scenario_as_written(tmp_path: Path, capsys):
    out, js = tmp_path / "sweep", tmp_path / "sweep.json"
    args = ["sweep", str(REFERENCE), "--vary", "roles.ae.headcount=1", "--baseline", "-n", "2", "-w", "2"]
    args += ["--set", "horizon_months=6", "--kpi", "arr_end", "--out", str(out), "--json", str(js)]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "as written" in printed
    doc = json.loads(js.read_text())
    assert doc["baseline"]["replications"] == 2 and len(doc["points"]) == 1
    # the same seed and replications as `run`: the baseline is exactly the scenario run alone
    run_json = tmp_path / "run.json"
    assert (
        cli.main(
            ["run", str(REFERENCE), "-n", "2", "-w", "1", "--set", "horizon_months=6", "-q", "--json", str(run_json)]
        )
        == 0
    )
    assert doc["baseline"]["kpis"] == json.loads(run_json.read_text())["kpis"]
    assert doc["points"][0]["kpis"]["arr_end"] != doc["baseline"]["kpis"]["arr_end"]  # one AE sells less
    assert "The scenario as written" in (out / "report.html").read_text()
