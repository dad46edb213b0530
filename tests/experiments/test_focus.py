"""focus: the sequential ranking-and-selection procedure on numbers whose truth is known, then on
the model's growth-stage focus orders, and the command's errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from experiments_support import SEED, SERIES_A, series_a

from orgsim import cli
from orgsim.experiments import ExperimentError, focus
from orgsim.experiments.focus_orders import parse_constraint, parse_order, stages_reached
from orgsim.experiments.selection import select

DEPTS = ["product", "sales", "marketing", "service"]


def synthetic(means: dict, noise: float = 1.0, common: float = 5.0, seed: int = 0):
    """Replication r of alternative k: means[k] + common[r] + noise * e[k, r] (as CRN gives)."""

    def value(key, r):
        c = np.random.default_rng([seed, r]).normal(0, common)
        e = np.random.default_rng([seed, r, 1 + list(means).index(key)]).normal(0, noise)
        return means[key] + c + e

    calls = []

    def draw(need):
        calls.append({k: (rng.start, rng.stop) for k, rng in need.items()})
        return {k: [{"arr_end": value(k, r), "cash_end": means[k] - 3} for r in rng] for k, rng in need.items()}

    return draw, calls


def test_clear_winner_is_found_with_fewer_replications():
    means = {"a": 10.0, "b": 9.0, "c": 8.0, "d": 5.0, "e": 9.8}
    draw, calls = synthetic(means)
    sel = select(list(means), draw, "arr_end", goal=1, n0=10, batch=10, cap=200)
    assert sel.chosen == "a"
    assert sel.status["a"] == "chosen" and all(sel.status[k] == "eliminated" for k in "bcde")
    used = sum(len(v) for v in sel.rows.values())
    assert used < len(means) * len(sel.rows["a"])  # less than equal allocation
    assert len(sel.rows["d"]) == 10  # the clearly worst goes at the first look
    assert calls[0] == {k: (0, 10) for k in means}  # replications 0..n0-1 for everyone
    assert sel.looks == 1 + 19 and sel.alpha_each == pytest.approx(0.05 / (4 * 20))


def test_minimising_and_constraints():
    means = {"a": 10.0, "b": 4.0, "c": 2.0}
    draw, _ = synthetic(means, noise=0.5)
    sel = select(list(means), draw, "arr_end", goal=-1, minimum={"cash_end": 0.0}, n0=5, cap=50)
    assert sel.status["c"] == "infeasible" and "cash_end" in sel.reasons["c"]  # mean cash_end -1 < 0
    assert sel.chosen == "b"


def test_alternatives_that_cannot_be_separated_stay_contenders_until_the_cap():
    draw, _ = synthetic({"a": 1.0, "b": 1.0, "c": -50.0}, noise=1.0)
    sel = select(["a", "b", "c"], draw, "arr_end", goal=1, n0=5, batch=5, cap=30)
    assert {sel.status["a"], sel.status["b"]} == {"chosen", "contender"}
    assert sel.status["c"] == "eliminated" and len(sel.rows["a"]) == 30


def test_identical_alternatives_are_merged_not_run_forever():
    means = {"a": 1.0, "b": 1.0}
    draw, _ = synthetic(means, noise=0.0)  # b gets exactly a's numbers
    sel = select(["a", "b"], draw, "arr_end", goal=1, n0=4, cap=100)
    assert sel.chosen == "a" and sel.status["b"] == "identical" and sel.same_as["b"] == "a"
    assert len(sel.rows["a"]) == 4


def test_indifference_zone_stops_early():
    draw, _ = synthetic({"a": 1.0, "b": 0.99, "c": -20.0}, noise=0.05)
    sel = select(["a", "b", "c"], draw, "arr_end", goal=1, n0=10, cap=1000, delta=0.5)
    assert sel.stopped_by_delta and len(sel.rows["a"]) < 1000
    assert sel.status["b"] in ("within delta", "chosen")


@pytest.mark.slow
def test_the_best_is_eliminated_at_most_alpha_of_the_time():
    # The guarantee: P(the true best is eliminated) <= alpha. 400 tournaments in which the best
    # is only slightly better than two rivals (so elimination errors are possible).
    lost = 0
    runs = 400
    for seed in range(runs):
        draw, _ = synthetic({"best": 0.3, "r1": 0.0, "r2": 0.0, "r3": -0.2}, noise=1.0, seed=seed)
        sel = select(["r1", "best", "r2", "r3"], draw, "arr_end", goal=1, n0=5, batch=5, cap=40, alpha=0.2)
        lost += sel.status["best"] == "eliminated"
    se = (0.2 * 0.8 / runs) ** 0.5
    assert lost / runs <= 0.2 + 3 * se
    assert lost / runs < 0.1  # Bonferroni is conservative


def test_equal_allocation_has_one_look():
    draw, calls = synthetic({"a": 1.0, "b": 2.0})
    sel = select(["a", "b"], draw, "arr_end", goal=1, n0=7, sequential=False)
    assert sel.chosen == "b" and len(calls) == 1 and sel.status["a"] == "ranked"


def test_parse_order_and_constraint():
    assert parse_order("sales,product,marketing,service", DEPTS) == ("sales", "product", "marketing", "service")
    assert parse_order("sales > product > marketing > service", DEPTS)[0] == "sales"
    with pytest.raises(ExperimentError, match="unknown department 'markting'; did you mean 'marketing'"):
        parse_order("product,sales,markting,service", DEPTS)
    with pytest.raises(ExperimentError, match="not a permutation"):
        parse_order("product,sales,sales,service", DEPTS)
    with pytest.raises(ExperimentError, match="not a permutation"):
        parse_order("product,sales,service", DEPTS)
    assert parse_constraint("cash_end=0") == ("cash_end", 0.0)
    with pytest.raises(ExperimentError, match="did you mean 'cash_end'"):
        parse_constraint("cash_edn=0")
    with pytest.raises(ExperimentError, match="not a number"):
        parse_constraint("cash_end=lots")


# ---- on the model ------------------------------------------------------------------------


FAST = {"horizon_months": 12, "hiring.growth.months_per_stage": 3}  # every stage within a year


def test_focus_on_a_few_orders():
    orders = ["product,sales,marketing,service", "marketing,sales,product,service", "service,product,sales,marketing"]
    res = focus(
        SERIES_A,
        orders=orders,
        replications=6,
        max_replications=24,
        seed=SEED,
        workers=2,
        overrides=FAST,
        minimum=["cash_end=0"],
    )
    assert stages_reached(series_a(**FAST)) == 4 and res.notes == []
    assert res.chosen in res.orders and len(res.orders) == 3
    rk = res.ranking()
    assert rk.iloc[0]["status"] == "chosen" and rk.iloc[0]["order"] == " > ".join(res.chosen)
    assert res.results[res.chosen].n == max(r.n for r in res.results.values())
    for o, r in res.results.items():  # each order really ran its own focus order, with the same seed
        assert list(r.scenario.hiring.growth.focus_order) == list(o) and r.seed == SEED
    assert res.replications_used == sum(r.n for r in res.results.values())
    assert 0 <= res.saving < 1
    doc = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert doc["chosen"] == list(res.chosen) and doc["orders"][0]["status"] == "chosen"
    assert "confidence" in doc["statement"]
    assert doc["orders"][0]["difference_to_chosen"] is None
    for o in doc["orders"][1:]:  # paired over the replications both orders ran
        chosen_n = res.results[res.chosen].n
        assert o["difference_to_chosen"]["n"] == min(o["replications"], chosen_n) >= 2


def test_constraints_nobody_meets():
    res = focus(
        SERIES_A,
        orders=["product,sales,marketing,service", "sales,product,marketing,service"],
        replications=3,
        seed=SEED,
        overrides=FAST,
        minimum={"cash_end": 1e12},
    )
    assert res.chosen is None and "No order satisfies" in res.statement
    assert set(res.selection.status.values()) == {"infeasible"}


def test_short_horizon_note():
    res = focus(
        series_a(),
        orders=["product,sales,marketing,service", "sales,product,marketing,service"],
        replications=2,
        seed=SEED,
        method="equal",
    )
    assert "reaches only the first 2 of 4 stages" in res.notes[0]
    assert res.replications_used == 4


@pytest.mark.slow
def test_all_24_orders_sequential_saves_replications():
    res = focus(SERIES_A, replications=8, batch=8, max_replications=40, seed=SEED, workers=2, overrides=FAST)
    assert len(res.orders) == 24
    assert res.replications_used < res.equal_allocation
    eliminated = [o for o, s in res.selection.status.items() if s == "eliminated"]
    assert len(eliminated) >= 12
    chosen = np.array(res.results[res.chosen].values("arr_end"))
    for o in eliminated:  # every eliminated order is worse than the chosen one on the replications it had
        own = np.array(res.results[o].values("arr_end"))
        assert np.mean(own - chosen[: own.size]) < 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--orders", "product,sales,markting,service", "--orders", "sales,product,marketing,service"),
            "did you mean 'marketing'?",
        ),
        (("--orders", "product,sales,service"), "not a permutation"),
        (("--orders", "product,sales,marketing,service"), "at least two orders"),
        (("--by", "arr_ed"), "did you mean 'arr_end'?"),
        (("--by", "headcount_end"), "no better direction"),
        (("--min", "cash=0"), "unknown KPI 'cash'"),
        (("--min", "cash_end"), "write KPI=VALUE"),
        (("--set", "hiring.growth.hires_per_month=0"), "hires nobody"),
        (("--set", "hiring.growth.focus_order=[product,sales]"), "do not set it"),
        (("--delta", "-1"), "must be > 0"),
    ],
)
def test_focus_bad_input_exits_2(capsys, args, message):
    assert cli.main(["focus", str(SERIES_A), *args, "-q", "-n", "2"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_focus_refuses_a_first_stage_above_the_cap_as_run_and_compare_do(capsys, tmp_path):
    # it used to run the 4 replications and record max_replications: 4
    orders = ["--orders", "product,sales,marketing,service", "--orders", "sales,product,marketing,service"]
    args = ["focus", str(SERIES_A), *orders, "--set", "horizon_months=2", "-w", "1", "-q", "-n", "4"]
    assert cli.main([*args, "--max-replications", "2"]) == 2
    assert capsys.readouterr().err == "error: replications (4) exceed max_replications (2)\n"
    assert cli.main(["run", str(SERIES_A), "-n", "4", "--max-replications", "2", "--precision", "0.1", "-q"]) == 2
    assert capsys.readouterr().err == "error: replications (4) exceed max_replications (2)\n"
    # --equal has no cap: every order runs N, as recorded
    out = tmp_path / "f.json"
    assert cli.main([*args, "--max-replications", "2", "--equal", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["max_replications"] == 4 and doc["replications_used"] == 8


def test_focus_errors_name_the_file_not_the_scenarios_name(capsys):
    assert cli.main(["focus", str(SERIES_A), "--set", "hiring.growth=null", "-q", "-n", "2"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {SERIES_A}: no growth plan (hiring.growth), so there is no focus order to vary\n"


def test_focus_command_prints_ranking_and_cost(capsys, tmp_path):
    out = tmp_path / "f.json"
    assert (
        cli.main(
            [
                "focus",
                str(SERIES_A),
                "--set",
                "horizon_months=12",
                "--set",
                "hiring.growth.months_per_stage=3",
                "--orders",
                "product,sales,marketing,service",
                "--orders",
                "marketing,sales,product,service",
                "-n",
                "4",
                "--max-replications",
                "12",
                "-w",
                "1",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "2 focus orders ranked by arr_end (higher is better)" in text
    assert "chosen: " in text and "replications: " in text
    assert json.loads(out.read_text())["by"] == "arr_end"
