"""Failed replications: reported with seed, replication and a command that reproduces them; the
other replications still finish and the outputs of the good ones are written (exit 1)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from orgsim import cli
from orgsim.experiments import runner, simulate, sweep
from orgsim.experiments.executors import ProcessExecutor
from orgsim.experiments.runner import ReplicationError
from orgsim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "scenarios" / "series-a.yaml")
SHORT = {"horizon_months": 12}
SEED = 5


def short():
    return load_scenario(SCENARIO, SHORT)


def _failing(bad: set[int], real=runner.run_replication):
    def run_replication(sc, seed, rep, events=False):
        if rep in bad:
            raise ZeroDivisionError(f"injected failure in replication {rep}")
        return real(sc, seed, rep, events=events)

    return run_replication


@pytest.fixture(scope="module")
def clean():
    return simulate(short(), replications=5, seed=SEED, workers=1)


def test_a_failed_replication_is_reported_and_the_others_finish(monkeypatch, clean):
    monkeypatch.setattr(runner, "run_replication", _failing({2}))
    res = simulate(short(), replications=5, seed=SEED, workers=1)
    assert [r.replication for r in res.replications] == [0, 1, 3, 4]
    [f] = res.failures
    assert (f["replication"], f["seed"], f["scenario"]) == (2, SEED, res.name)
    assert f["error"] == "ZeroDivisionError: injected failure in replication 2"
    assert "ZeroDivisionError" in f["traceback"]
    # the summaries are over the successful replications, bit for bit those of a clean run
    good = [r for r in clean.replications if r.replication != 2]
    assert res.values("arr_end") == [r.kpis["arr_end"] for r in good]
    doc = res.to_dict()
    assert doc["replications"] == 4 and doc["failures"][0]["replication"] == 2


def test_a_broken_invariant_is_a_failed_replication(monkeypatch):
    real = runner.violations
    monkeypatch.setattr(
        runner, "violations", lambda rec: ["customers at the end 3 != 4"] if rec.replication == 1 else real(rec)
    )
    res = simulate(short(), replications=3, seed=SEED, workers=1)
    [f] = res.failures
    assert f["replication"] == 1
    assert f["error"] == "invariant violated: customers at the end 3 != 4"
    assert f["invariants"] == ["customers at the end 3 != 4"]


def test_invariants_hold_on_a_clean_run(clean):
    assert clean.failures == [] and clean.n == 5


def test_failures_survive_the_process_pool(monkeypatch, clean):
    # Forked workers inherit the patched module, so the failure happens in a worker process.
    monkeypatch.setattr(runner, "run_replication", _failing({0, 3}))
    with ProcessExecutor(2, start_method="fork") as ex:
        res = simulate(short(), replications=5, seed=SEED, executor=ex)
    assert [f["replication"] for f in res.failures] == [0, 3]
    assert [r.replication for r in res.replications] == [1, 2, 4]
    assert res.values("arr_end") == [clean.replications[i].kpis["arr_end"] for i in (1, 2, 4)]


def test_every_replication_failing_raises(monkeypatch):
    monkeypatch.setattr(runner, "run_replication", _failing({0, 1}))
    with pytest.raises(ReplicationError) as e:
        simulate(short(), replications=2, seed=SEED, workers=1)
    assert [f["replication"] for f in e.value.failures] == [0, 1]


def test_cli_warns_writes_the_good_ones_and_exits_1(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(runner, "run_replication", _failing({2}))
    out = tmp_path / "r.json"
    code = cli.main(
        ["run", SCENARIO, "-n", "4", "-s", str(SEED), "-w", "1", "--set", "horizon_months=12", "--json", str(out), "-q"]
    )
    assert code == cli.EXIT_INTERNAL
    doc = json.loads(out.read_text())
    assert doc["replications"] == 3 and doc["failures"][0]["replication"] == 2
    err = capsys.readouterr().err
    assert "WARNING: 1 replication of 4 failed" in err
    assert f"replication 2 (seed {SEED}) of series-a" in err and "ZeroDivisionError" in err
    cmd = next(line.split("reproduce: ", 1)[1] for line in err.splitlines() if "reproduce: " in line)
    args = shlex.split(cmd)
    assert args[:2] == ["orgsim", "run"] and "--first-replication" in args and "horizon_months=12" in args
    # the command reproduces the failure, alone ...
    assert cli.main(args[1:] + ["-q"]) == cli.EXIT_INTERNAL
    assert "replication 2 (seed 5)" in capsys.readouterr().err
    # ... and, once the bug is fixed, runs exactly that replication
    monkeypatch.undo()
    one = tmp_path / "one.json"
    assert cli.main(args[1:] + ["-q", "--json", str(one)]) == 0
    full = simulate(short(), replications=3, seed=SEED, workers=1)
    assert json.loads(one.read_text())["kpis"]["arr_end"]["mean"] == full.replications[2].kpis["arr_end"]


def test_first_replication_runs_those_replications(tmp_path):
    full = simulate(short(), replications=4, seed=SEED, workers=1)
    part = simulate(short(), replications=2, seed=SEED, workers=1, first_replication=2)
    assert [r.replication for r in part.replications] == [2, 3]
    assert part.values("arr_end") == full.values("arr_end")[2:]
    assert cli.main(["run", SCENARIO, "-n", "1", "--first-replication", "1", "--precision", "0.1", "-q"]) == 2


def test_sweep_keeps_going_and_names_the_point(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(runner, "run_replication", _failing({1}))
    csv = tmp_path / "s.csv"
    code = cli.main(
        [
            "sweep",
            SCENARIO,
            "--vary",
            "roles.sdr.headcount=2,4",
            "-n",
            "3",
            "-s",
            str(SEED),
            "-w",
            "1",
            "--set",
            "horizon_months=12",
            "--csv",
            str(csv),
            "-q",
        ]
    )
    assert code == cli.EXIT_INTERNAL
    assert csv.exists() and "arr_end" in csv.read_text()
    err = capsys.readouterr().err
    assert "WARNING: 2 replications of 6 failed" in err
    assert "of series-a at roles.sdr.headcount=4: ZeroDivisionError" in err
    assert "--set roles.sdr.headcount=4" in err
    assert not list(tmp_path.glob("*.checkpoint.jsonl"))  # outputs written: checkpoint removed


def test_focus_stops_with_the_failure_and_exit_1(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(runner, "run_replication", _failing({1}))
    out = tmp_path / "f.json"
    code = cli.main(
        [
            "focus",
            SCENARIO,
            "--orders",
            "product,sales,marketing,service",
            "--orders",
            "sales,product,marketing,service",
            "-n",
            "2",
            "--equal",
            "-s",
            str(SEED),
            "-w",
            "1",
            "--set",
            "horizon_months=12",
            "--json",
            str(out),
            "-q",
        ]
    )
    assert code == cli.EXIT_INTERNAL and not out.exists()
    err = capsys.readouterr().err
    assert "nothing was written" in err and "Traceback" not in err
    assert '--set \'hiring.growth.focus_order=["product", "sales", "marketing", "service"]\'' in err


def test_sweep_library_failures_per_point(monkeypatch):
    monkeypatch.setattr(runner, "run_replication", _failing({0}))
    res = sweep(short(), {"roles.sdr.headcount": [2, 3]}, replications=2, seed=SEED, workers=1)
    assert [len(r.failures) for r in res.results] == [1, 1]
    assert res.failures[1]["params"] == {"roles.sdr.headcount": 3}
    assert list(res.to_frame()["replications"].unique()) == [1]


def test_compare_names_the_file_that_reproduces_it(monkeypatch, capsys):
    other = str(ROOT / "scenarios" / "no-sdr.yaml")
    real = runner.run_replication

    def run_replication(sc, seed, rep):
        if rep == 1 and sc.name == load_scenario(other).name:
            raise ValueError("injected")
        return real(sc, seed, rep)

    monkeypatch.setattr(runner, "run_replication", run_replication)
    code = cli.main(
        ["compare", SCENARIO, other, "-n", "2", "-s", str(SEED), "-w", "1", "--set", "horizon_months=12", "-q"]
    )
    assert code == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error: 1 replication failed" in err
    assert f"reproduce: orgsim run {other} --seed {SEED} --replications 1 --first-replication 1" in err
