"""The same replications, sweeps and focus tournaments on a Dask cluster (LocalCluster with two
worker processes) give exactly the local results. Skipped only where dask.distributed is not
installed (`pip install -e ".[test,dask]"` installs it, as CI does)."""

from __future__ import annotations

import pandas as pd
import pytest
from experiments_support import SEED, SERIES_A, series_a

from orgsim import cli
from orgsim.experiments import ExperimentError, compare, executor, focus, simulate, sweep

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed: pip install 'orgsim[dask]'")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        yield c


def test_simulate_on_dask_is_identical_to_local(cluster, short_scenario):
    local = simulate(short_scenario, replications=6, seed=SEED, workers=2)
    remote = simulate(short_scenario, replications=6, seed=SEED, scheduler=cluster.scheduler_address)
    assert remote.executor.startswith(f"dask {cluster.scheduler_address}") and "2 threads" in remote.executor
    for a, b in zip(
        (local.kpis, local.stages, local.monthly, local.funnel),
        (remote.kpis, remote.stages, remote.monthly, remote.funnel),
    ):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_event_log_on_dask_is_the_local_file(cluster, short_scenario, tmp_path):
    local, remote = tmp_path / "local.csv", tmp_path / "remote.csv"
    simulate(short_scenario, replications=3, seed=SEED, workers=2, events=local)
    res = simulate(short_scenario, replications=3, seed=SEED, scheduler=cluster.scheduler_address, events=remote)
    assert res.meta["events"]["rows"] > 0
    assert remote.read_bytes() == local.read_bytes()


def test_compare_sweep_focus_and_precision_on_dask(cluster):
    addr = cluster.scheduler_address
    with executor(scheduler=addr) as ex:  # one client for several experiments
        a, b = series_a(), series_a(**{"roles.ae.headcount": 8})
        c_remote = compare([a, b], replications=4, seed=SEED, executor=ex)
        s_remote = sweep(
            SERIES_A,
            ["roles.sdr.headcount=2,5"],
            replications=3,
            seed=SEED,
            overrides={"horizon_months": 6},
            executor=ex,
        )
        orders = ["product,sales,marketing,service", "marketing,sales,product,service"]
        fast = {"horizon_months": 12, "hiring.growth.months_per_stage": 3}
        f_remote = focus(
            SERIES_A, orders=orders, replications=4, max_replications=12, seed=SEED, overrides=fast, executor=ex
        )
        p_remote = simulate(series_a(), replications=5, seed=SEED, precision=0.05, executor=ex)
    c_local = compare([a, b], replications=4, seed=SEED).to_dict()
    c_remote_doc = c_remote.to_dict()
    for doc in (c_local, c_remote_doc):
        for arm in doc["arms"].values():
            arm.pop("runtime_s")
    assert c_remote_doc == c_local
    s_local = sweep(SERIES_A, ["roles.sdr.headcount=2,5"], replications=3, seed=SEED, overrides={"horizon_months": 6})
    pd.testing.assert_frame_equal(s_remote.to_frame(), s_local.to_frame())
    f_local = focus(SERIES_A, orders=orders, replications=4, max_replications=12, seed=SEED, overrides=fast, workers=2)
    assert f_remote.chosen == f_local.chosen and f_remote.replications_used == f_local.replications_used
    pd.testing.assert_frame_equal(f_remote.ranking(), f_local.ranking())
    p_local = simulate(series_a(), replications=5, seed=SEED, precision=0.05)
    assert p_remote.meta == p_local.meta
    pd.testing.assert_frame_equal(p_remote.kpis, p_local.kpis)


def test_cli_scheduler_option_and_environment(cluster, tmp_path, capsys, monkeypatch):
    out_local, out_env = tmp_path / "l.json", tmp_path / "e.json"
    args = ["run", str(SERIES_A), "--set", "horizon_months=6", "-n", "3", "-s", "2", "-q"]
    assert cli.main([*args, "-w", "1", "--json", str(out_local)]) == 0
    monkeypatch.setenv("ORGSIM_SCHEDULER", cluster.scheduler_address)
    assert cli.main([*args, "--json", str(out_env)]) == 0
    strip = lambda d: {k: v for k, v in d.items() if k != "runtime_s"}  # noqa: E731
    import json

    assert strip(json.loads(out_local.read_text())) == strip(json.loads(out_env.read_text()))


def test_unreachable_scheduler_is_a_clear_error():
    from orgsim.experiments.dask_exec import DaskExecutor

    with pytest.raises(ExperimentError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:1"):
        DaskExecutor("tcp://127.0.0.1:1", timeout_s=1)
