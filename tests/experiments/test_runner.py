"""Where replications run: identical results for any workers and start method, order, progress,
lean workers, and the process-wide start method left alone."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading

import pandas as pd
import pytest
from experiments_support import ROOT, SEED, series_a

from orgsim.experiments import executor, simulate
from orgsim.experiments.executors import (
    ProcessExecutor,
    SerialExecutor,
    _chunks,
    default_start_method,
    run_replications,
)
from orgsim.metrics import Replication


def _frames(res):
    return res.kpis, res.stages, res.monthly, res.funnel, res.counters


def _assert_same(a, b):
    for x, y in zip(_frames(a), _frames(b)):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


@pytest.fixture(scope="module")
def serial(short_scenario):
    return simulate(short_scenario, replications=6, seed=SEED, workers=1)


@pytest.mark.parametrize("workers", [2, 0])
def test_any_number_of_workers_gives_identical_results(short_scenario, serial, workers):
    res = simulate(short_scenario, replications=6, seed=SEED, workers=workers)
    _assert_same(serial, res)
    assert [r.replication for r in res.replications] == list(range(6))
    assert res.kpis["arr_end"].nunique() == 6


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_every_start_method_gives_identical_results(short_scenario, serial, method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} is not available on this platform")
    with ProcessExecutor(2, method) as ex:
        res = simulate(short_scenario, replications=6, seed=SEED, executor=ex)
    _assert_same(serial, res)


def test_workers_send_back_reduced_replications(short_scenario):
    reps = run_replications(short_scenario, 3, SEED, workers=2, start=4)
    assert [type(r) for r in reps] == [Replication] * 3
    assert [r.replication for r in reps] == [4, 5, 6]
    assert not hasattr(reps[0], "waits_hours") and not hasattr(reps[0], "cohort_arr")


def test_progress_counts_up_to_the_total(short_scenario):
    seen = []
    simulate(short_scenario, replications=5, seed=SEED, workers=2, progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_an_executor_keeps_its_pool_for_several_runs(short_scenario, serial):
    with executor(2) as ex:
        a = simulate(short_scenario, replications=3, seed=SEED, executor=ex)
        pool = ex._pool
        b = simulate(short_scenario, replications=6, seed=SEED, executor=ex)
        assert ex._pool is pool and pool is not None
    assert ex._pool is None
    _assert_same(serial, b)
    pd.testing.assert_frame_equal(a.kpis, serial.kpis.iloc[:3])


def test_requests_are_split_into_ordered_chunks(short_scenario):
    few = _chunks([("a", short_scenario, 1, range(3)), ("b", short_scenario, 1, range(5, 8))], 2)
    assert [(t[0], t[3]) for t in few] == [(0, [0]), (0, [1]), (0, [2]), (1, [5]), (1, [6]), (1, [7])]
    many = _chunks([("a", short_scenario, 1, range(3)), ("b", short_scenario, 1, range(500))], 2)
    assert many[0][0] == 0 and many[0][3] == [0, 1, 2]  # a chunk never mixes requests
    assert max(len(t[3]) for t in many) > 1  # many replications: a few per task
    assert [r for t in many if t[0] == 1 for r in t[3]] == list(range(500))


def test_bad_arguments():
    with pytest.raises(ValueError, match="workers must be an integer >= 0"):
        executor(-1)
    with pytest.raises(ValueError, match="not available"):
        ProcessExecutor(2, "teleport")
    assert isinstance(executor(1), SerialExecutor)
    with pytest.raises(ValueError, match="replications must be >= 1"):
        simulate(series_a(), replications=0)


def test_start_method_avoids_fork_when_threads_run():
    if multiprocessing.get_all_start_methods()[0] != "fork":
        pytest.skip("fork is not this platform's default")
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert default_start_method() == "forkserver"
    finally:
        stop.set()
        t.join()
    if threading.active_count() == 1:
        assert default_start_method() == "fork"


def test_import_leaves_the_global_start_method_alone_and_workers_lean():
    code = (
        "import multiprocessing as mp, sys\n"
        "import orgsim.experiments.executors, orgsim.experiments.runner\n"
        "lean = not any(m in sys.modules for m in ('pandas', 'scipy', 'click', 'rich'))\n"
        "import orgsim\n"
        "sc = orgsim.load_scenario(sys.argv[1], {'horizon_months': 2})\n"
        "orgsim.simulate(sc, replications=2, seed=1, workers=2)\n"
        "print(lean, mp.get_start_method(allow_none=True))\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "scenarios" / "series-a.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["True", "None"]
