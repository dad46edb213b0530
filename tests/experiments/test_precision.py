"""--precision: replications are added until the CI half-width is within the target, the count is
reported, results equal simulate() with that count, and the cap holds."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from experiments_support import SEED, SERIES_A, series_a

from orgsim import cli
from orgsim.experiments import ExperimentError, Precision, compare, simulate, sweep
from orgsim.experiments.stats import relative_half_width


def test_precision_reaches_the_target_and_reports_the_count(short_scenario):
    res = simulate(
        short_scenario, replications=5, seed=SEED, workers=2, precision=0.05, targets=["arr_end", "new_customers"]
    )
    info = res.meta["precision"]
    assert info["reached"] and info["replications"] == res.n > 5
    for k in ("arr_end", "new_customers"):
        assert relative_half_width(res.values(k)) <= 0.05
        assert info["relative_half_width"][k] == pytest.approx(relative_half_width(res.values(k)))
    assert info["batches"][0] == 5 and info["batches"][-1] == res.n
    # the count is as small as the batches allow: one batch fewer was not precise enough
    before = simulate(short_scenario, replications=info["batches"][-2], seed=SEED)
    assert max(relative_half_width(before.values(k)) for k in ("arr_end", "new_customers")) > 0.05
    # and the numbers are exactly those of a plain run with that many replications
    plain = simulate(short_scenario, replications=res.n, seed=SEED, workers=1)
    pd.testing.assert_frame_equal(res.kpis, plain.kpis)


def test_precision_does_not_depend_on_workers(short_scenario):
    one = simulate(short_scenario, replications=5, seed=SEED, workers=1, precision=0.04)
    two = simulate(short_scenario, replications=5, seed=SEED, workers=2, precision=0.04)
    assert one.meta == two.meta
    pd.testing.assert_frame_equal(one.kpis, two.kpis)


def test_cap_stops_and_says_so(short_scenario):
    res = simulate(short_scenario, replications=5, seed=SEED, precision=0.001, max_replications=12)
    assert res.n == 12 and not res.meta["precision"]["reached"]


def test_compare_keeps_arms_paired_and_sweep_points_apart():
    a, b = series_a(), series_a(**{"roles.ae.headcount": 8})
    cmp = compare([a, b], replications=5, seed=SEED, precision=0.05, workers=2)
    assert cmp.arms[0].n == cmp.arms[1].n == cmp.arms[0].meta["precision"]["replications"]
    sw = sweep(
        SERIES_A,
        ["lead_sources.paid.budget_per_month=0,50000"],
        replications=5,
        seed=SEED,
        overrides={"horizon_months": 12},
        precision=0.05,
        workers=2,
    )
    for r in sw.results:
        assert r.meta["precision"]["reached"] and r.n == r.meta["precision"]["replications"]


def test_bad_precision_settings():
    with pytest.raises(ExperimentError, match="between 0 and 1"):
        Precision(2.0)
    with pytest.raises(ExperimentError, match="did you mean 'arr_end'"):
        Precision(0.02, ("arr_edn",))
    with pytest.raises(ExperimentError, match=r"exceed max_replications \(10\)"):
        simulate(series_a(), replications=20, precision=0.02, max_replications=10)


def test_run_precision_from_the_cli(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = cli.main(
        [
            "run",
            str(SERIES_A),
            "--set",
            "horizon_months=12",
            "-n",
            "5",
            "-s",
            str(SEED),
            "-w",
            "1",
            "--precision",
            "0.05",
            "--target",
            "arr_end",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    doc = json.loads(out.read_text())
    n = doc["precision"]["replications"]
    assert doc["replications"] == n and doc["precision"]["reached"]
    assert f"95% CI half-width within 5% of the mean after {n} replications" in text
    assert f": {n} replications, seed {SEED}" in text


def test_run_precision_bad_target_exits_2(capsys):
    assert cli.main(["run", str(SERIES_A), "--precision", "0.02", "--target", "cac_payback", "-q"]) == 2
    assert "did you mean 'cac_payback_months'?" in capsys.readouterr().err
