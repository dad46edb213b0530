"""`orgsim optimize`: JSON shape, best.yaml, resuming, bad input, worker-independence, constraints.

Small on purpose: reference.yaml over 6 months (--at-month 6), two headcounts, a few trials of
2 replications, so the whole file takes seconds.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from orgsim.cli import main
from orgsim.metrics.registry import fmt
from orgsim.scenario.loader import load_scenario

pytest.importorskip("optuna")

REPO = Path(__file__).resolve().parents[2]
REF = str(REPO / "scenarios" / "reference.yaml")
VARY = ("--vary", "roles.ae.headcount=2..8", "--vary", "roles.sdr.headcount=1..5")
FAST = ("--at-month", "6", "-n", "2", "--max-replications", "4", "--confirm", "2", "-s", "11", "-q")


def _optimize(tmp_path: Path, name: str, *extra: str, trials: int = 4) -> dict:
    out = tmp_path / f"{name}.json"
    assert main(["optimize", REF, *VARY, *FAST, "--trials", str(trials), *extra, "--json", str(out)]) == 0
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    tmp = tmp_path_factory.mktemp("opt")
    doc = _optimize(tmp, "w1", "-w", "1", "--out", str(tmp / "out"), "--constraint", "cash_out<=0.05")
    return tmp, doc


def test_json_shape(run_dir):
    _, doc = run_dir
    assert {
        "scenario",
        "seed",
        "goal",
        "constraints",
        "space",
        "trials",
        "best",
        "baseline",
        "gain",
        "confirmation",
        "importances",
        "answer",
        "statement",
    } <= set(doc)
    assert doc["goal"] == {"kpi": "arr_end", "direction": "max"}
    assert doc["space"]["roles.ae.headcount"] == {"type": "int", "low": 2, "high": 8}
    assert doc["trials"]["total"] == doc["trials"]["this_run"] == 4
    best = doc["best"]
    assert set(best["params"]) == {"roles.ae.headcount", "roles.sdr.headcount"}
    assert {"mean", "std", "ci95"} <= set(best["goal"]) and best["goal"]["mean"] > 0
    # the baseline is the scenario's own plan (reference: 6 AEs, 4 SDRs), confirmed beside the candidates
    assert doc["baseline"]["params"] == {"roles.ae.headcount": 6, "roles.sdr.headcount": 4}
    plans = [r["plan"] for r in doc["confirmation"]]
    assert plans.count("baseline") == 1 and 2 <= len(plans) <= 3
    if not best["is_baseline"]:
        assert doc["gain"]["n"] >= 2 and len(doc["gain"]["ci95"]) == 2
        assert doc["answer"].startswith("Best plan: ")


def test_best_yaml_loads_and_carries_the_best_params(run_dir):
    tmp, doc = run_dir
    out = tmp / "out"
    for name in (
        "optimize.json",
        "trials.csv",
        "confirmation.csv",
        "scenario.yaml",
        "best.yaml",
        "study.db",
        "manifest.json",
        "report.html",
        "plots/pareto.png",
        "plots/history.png",
        "plots/importances.png",
    ):
        assert (out / name).is_file(), name
    text = (out / "best.yaml").read_text()
    assert "extends: scenario.yaml" in text
    best = load_scenario(str(out / "best.yaml"))
    assert best.roles["ae"].headcount == doc["best"]["params"]["roles.ae.headcount"]
    assert best.roles["sdr"].headcount == doc["best"]["params"]["roles.sdr.headcount"]
    # scenario.yaml is reference.yaml as run: everything else is as the input has it
    same = load_scenario(str(out / "scenario.yaml"))
    assert same.model_dump() == load_scenario(REF).model_dump()
    with open(out / "trials.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == doc["trials"]["total"]
    # `orgsim report DIR` rebuilds the report and plots from the files alone
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert "The best plan" in (out / "report.html").read_text()


def test_resume_adds_trials_to_the_same_study(run_dir):
    tmp, first = run_dir
    doc = _optimize(tmp, "again", "-w", "1", "--out", str(tmp / "out"), "--constraint", "cash_out<=0.05", trials=2)
    assert doc["trials"]["total"] == first["trials"]["total"] + 2
    assert doc["trials"]["this_run"] == 2
    # another question in the same study is refused, naming what differs
    code = main(["optimize", REF, *VARY, *FAST, "--trials", "1", "--out", str(tmp / "out"), "--goal", "cash_end"])
    assert code == 2


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--vary", "roles.ae.headcountt=2..8"), ["--vary roles.ae.headcountt"]),
        (("--vary", "roles.ae.headcount=8..2"), ["--vary roles.ae.headcount", "must go up"]),
        (
            ("--vary", "roles.ae.headcount=-3..2"),
            [f"{REF}: 1 problem", "roles.ae.headcount: must be >= 0 (got -3) (in --vary roles.ae.headcount)"],
        ),
        (("--vary", "roles.ae.headcount=3"), ["--vary roles.ae.headcount", "LOW..HIGH"]),
        (("--vary", "roles.ae.headcount=2..8", "--goal", "arr"), ["--goal", "arr_end"]),
        (("--vary", "roles.ae.headcount=2..8", "--constraint", "cash_out<0.05"), ["--constraint", "KPI<=VALUE"]),
        (("--vary", "roles.ae.headcount=2..8", "--constraint", "cashout<=0.05"), ["--constraint", "cash_out"]),
    ],
)
def test_bad_input_exits_2_naming_the_option(args, words, capsys):
    assert main(["optimize", REF, *args, *FAST, "--trials", "1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for w in words:
        assert w in err, (w, err)


def test_a_first_stage_above_the_cap_is_refused(capsys):
    # -n R is every trial's and the confirmation's first stage: a cap below it used to be raised to R silently
    assert main(["optimize", REF, *VARY, *FAST, "--trials", "1", "-n", "5", "--max-replications", "4"]) == 2
    assert capsys.readouterr().err == "error: replications (5) exceed max_replications (4)\n"


def test_same_answer_whatever_the_workers(run_dir, tmp_path):
    _, w1 = run_dir
    w2 = _optimize(tmp_path, "w2", "-w", "2", "--constraint", "cash_out<=0.05")
    assert w2["best"]["params"] == w1["best"]["params"]
    assert w2["best"]["goal"] == w1["best"]["goal"]
    assert [r["params"] for r in w2["confirmation"]] == [r["params"] for r in w1["confirmation"]]


def test_winner_respects_a_binding_constraint(tmp_path):
    # headcount_end <= the scenario's own: more AEs or SDRs than it has would break it
    own = _optimize(tmp_path, "own", trials=1)["baseline"]["kpis"]["headcount_end"]["mean"]
    doc = _optimize(tmp_path, "bound", "--constraint", f"headcount_end<={own}", trials=6)
    with open(tmp_path / "bound.json") as f:
        assert json.load(f) == doc
    best = doc["best"]
    assert best is not None and best["feasible"]
    assert best["kpis"]["headcount_end"]["mean"] <= own
    for r in doc["confirmation"]:
        if r["status"] == "infeasible":
            assert r["constraints"][f"headcount_end<={own:g}"] > own


def test_missing_optuna_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna -> ImportError
    assert main(["optimize", REF, *VARY, "--trials", "1", "-q"]) == 2
    assert 'pip install "orgsim[optimize]"' in capsys.readouterr().err


def test_a_line_per_trial_then_the_answer_and_quiet_silences_both(tmp_path, capsys):
    args = ["optimize", REF, *VARY, "--at-month", "6", "-n", "2", "--max-replications", "2", "--confirm", "1"]
    assert main([*args, "--trials", "2"]) == 0
    got = capsys.readouterr()
    assert [line.split(" (#")[0] for line in got.err.splitlines() if line.startswith("trial ")] == [
        "trial 1/2",
        "trial 2/2",
    ]
    assert "Best plan: " in got.out or "Keep the scenario's own plan" in got.out
    assert main([*args, "--trials", "2", "-q"]) == 0
    got = capsys.readouterr()
    assert got.out == "" and got.err == ""


def test_the_answer_shows_the_goal_ci_the_json_has(tmp_path):
    """The sentence's 95% CIs of the goal are the JSON's, clipped the same way (a count's at 0,
    docs/explanation/statistics.md: "in the terminal, the tables and --json"): two replications of
    3 months put the raw t-interval of new customers below 0."""
    doc = _optimize(
        tmp_path, "count", "--goal", "new_customers", "--at-month", "3", "--max-replications", "2", trials=2
    )
    for plan in (doc["baseline"], doc["best"]):
        if plan is None:
            continue
        lo, hi = plan["goal"]["ci95"]
        assert lo >= 0.0, plan["goal"]
        assert f"[{fmt(lo, 'count')}, {fmt(hi, 'count')}]" in doc["answer"], (doc["answer"], plan["goal"])
