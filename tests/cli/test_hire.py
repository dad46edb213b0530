"""`orgsim hire`: the JSON shape, the no-hire baseline, bad input, worker-independence, the sentence.

Small on purpose: reference.yaml, one or two hires over two roles, a few replications and a short
horizon (--at-month), so the whole file takes seconds.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from orgsim.cli import main
from orgsim.engine import run_replication
from orgsim.experiments.hire_mixes import mixes
from orgsim.metrics import KPI_KEYS
from orgsim.metrics.registry import NONNEGATIVE_KPIS, PROBABILITY_KPIS
from orgsim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parents[2]
REF = str(REPO / "scenarios" / "reference.yaml")
FAST = ("--roles", "ae,sdr", "--at-month", "9", "-n", "3", "--max-replications", "6", "-s", "11", "-q")


def _hire(tmp_path: Path, name: str, *extra: str) -> dict:
    out = tmp_path / f"{name}.json"
    assert main(["hire", REF, "--next", "2", *FAST, *extra, "--json", str(out)]) == 0
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _hire(tmp_path_factory.mktemp("hire"), "w1", "-w", "1")


def test_json_shape_and_baseline(doc):
    assert {"options", "baseline", "recommendation"} <= set(doc)
    hires = [o["hires"] for o in doc["options"]]
    # 2 hires over ae, sdr: {ae: 2}, {ae: 1, sdr: 1}, {sdr: 2}, and no hire
    assert sorted(map(json.dumps, hires)) == sorted(map(json.dumps, [{}, {"ae": 2}, {"ae": 1, "sdr": 1}, {"sdr": 2}]))
    assert [o["rank"] for o in doc["options"]] == [1, 2, 3, 4]
    for o in doc["options"]:
        assert {"hires", "rank", "feasible", "kpis"} <= set(o)
        assert isinstance(o["feasible"], bool)
        assert set(o["kpis"]) == set(KPI_KEYS)
        assert set(o["kpis"]["arr_end"]) == {"n", "mean", "std", "ci95"}
    assert doc["baseline"]["hires"] == {}
    assert doc["baseline"] == next(o for o in doc["options"] if o["hires"] == {})
    assert doc["at_month"] == 9


def test_kpis_are_leaf_statistics_clipped_as_in_run_json(tmp_path):
    """Every KPI of every option is {n, mean, std, ci95} (docs/reference/interfaces.md: every leaf
    statistic of the JSON documents carries `n`), its CI clipped as `run --json` clips it: a share's
    to [0, 1], any other KPI that cannot be negative at 0 (docs/explanation/statistics.md). Two
    replications of 3 months: t(0.975, 1) = 12.7 takes the raw intervals of the counts below 0."""
    out = tmp_path / "out"
    doc = _hire(tmp_path, "short", "-n", "2", "--max-replications", "2", "--at-month", "3", "--out", str(out))
    clipped = 0
    for o in doc["options"]:
        for k, v in o["kpis"].items():
            assert set(v) == {"n", "mean", "std", "ci95"}, (k, v)
            assert 0 <= v["n"] <= o["replications"]
            lo, hi = v["ci95"]
            if lo is None:
                assert v["n"] == 0 and v["mean"] is None, (k, v)
            elif k in PROBABILITY_KPIS:
                assert 0.0 <= lo <= hi <= 1.0, (o["hires"], k, v)
            elif k in NONNEGATIVE_KPIS:
                assert 0.0 <= lo <= hi, (o["hires"], k, v)
            clipped += lo == 0.0 and v["mean"] - 12.7 * v["std"] / 2**0.5 < 0
    assert clipped  # the case is exercised
    # the ranking table (and the terminal, which prints it) has the JSON's CI of the --by KPI
    ranking = list(csv.DictReader((out / "ranking.csv").open()))
    for row, option in zip(ranking, doc["options"], strict=True):
        ci = option["kpis"][doc["by"]]["ci95"]
        assert [float(row["ci95_low"]), float(row["ci95_high"])] == pytest.approx(ci), row


def test_recommendation_matches_the_json(doc):
    best = doc["options"][0]
    assert best["rank"] == 1 and best["status"] == "chosen"
    rec = doc["recommendation"]
    if best["hires"]:
        names = {"ae": "AE", "sdr": "SDR"}
        for role, count in best["hires"].items():
            assert re.search(rf"\b{count} {names[role]}s?\b", rec), rec
        d = best["difference_to_baseline"]
        m = re.search(r": ([+-])\$([\d.,]+)([Mk]?) ARR at month 9 \[", rec)
        assert m, rec
        scale = {"M": 1e6, "k": 1e3, "": 1}[m.group(3)]
        value = float(m.group(2).replace(",", "")) * scale * (1 if m.group(1) == "+" else -1)
        assert value == pytest.approx(d["mean"], rel=0.01, abs=scale)
        # the paired difference is the chosen option's ARR minus no hire's, over the same replications
        assert d["mean"] == pytest.approx(best["kpis"]["arr_end"]["mean"] - doc["baseline"]["kpis"]["arr_end"]["mean"])
    else:
        assert rec.startswith("Hire no one yet")
    cash = round(best["kpis"]["cash_out"]["mean"] * 100)
    assert f"cash runs out in {cash}% of futures" in rec


def test_when_cash_runs_out_the_sentence_says_when_beside_no_hire(tmp_path):
    """A company short of cash: the answer gives the chosen option's mean first month below zero
    (over the futures that run out) and no hire's, as the JSON's KPIs have them."""
    doc = _hire(tmp_path, "broke", "--set", "company.starting_cash=3000000")  # runs out in month 6 or 7
    best, base = doc["options"][0], doc["baseline"]
    assert best["kpis"]["cash_out"]["mean"] > 0, best["kpis"]["cash_out"]
    rec = doc["recommendation"]
    month = best["kpis"]["cash_out_month"]["mean"]
    assert f"of futures, first in month {month:.1f} on average" in rec, rec
    assert best["hires"], rec  # a hire is chosen: its month is set beside no hire's
    base_month = base["kpis"]["cash_out_month"]["mean"]
    assert f"(no hire: {'never' if base_month is None else f'month {base_month:.1f}'})" in rec, rec


def test_same_seed_same_ranking_whatever_the_workers(doc, tmp_path):
    other = _hire(tmp_path, "w2", "-w", "2")
    assert [o["hires"] for o in other["options"]] == [o["hires"] for o in doc["options"]]
    assert [o["kpis"]["arr_end"] for o in other["options"]] == [o["kpis"]["arr_end"] for o in doc["options"]]
    assert other["recommendation"] == doc["recommendation"]


def test_a_constraint_nobody_meets_is_reported(tmp_path):
    doc = _hire(tmp_path, "none", "--min", "arr_end=1e12")
    assert all(not o["feasible"] for o in doc["options"])
    assert doc["recommendation"].startswith("No option meets the constraints")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--roles", "ae,sdrr"), "--roles: unknown role 'sdrr'; did you mean 'sdr'?"),
        (("--roles", "ae,ae"), "--roles: role 'ae' is given twice"),
        (("--by", "arr_ned"), "--by: unknown KPI to rank by 'arr_ned'; did you mean 'arr_end'?"),
        (("--min", "runway=12"), "--min: unknown KPI 'runway'"),
        (("--min", "runway_months:12"), "--min: constraint 'runway_months:12': write KPI=VALUE"),
        (("--max", "cash_out=lots"), "--max: constraint 'cash_out=lots': 'lots' is not a number"),
        (("--at-month", "99"), "--at-month 99: the scenario's horizon_months is"),
        (("-n", "4", "--max-replications", "2"), "error: replications (4) exceed max_replications (2)"),
        (  # no front-line role left in sales, marketing or service: the file is named, not the scenario's name
            (
                "--set",
                "hiring.growth=null",
                *(f"--set=roles.{r}.department=functional" for r in ("ae", "sdr", "se", "csm", "marketer")),
            ),
            f"--roles: {REF} has none of the roles ae, sdr, se, csm, marketer",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_option(extra, message, capsys, tmp_path):
    out = tmp_path / "x.json"
    assert main(["hire", REF, "--next", "1", *extra, "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()


def test_mixes_are_every_multiset_plus_no_hire():
    got = mixes(["ae", "sdr", "se", "marketer"], 3)
    assert got[0] == () and len(got) == 21  # C(6, 3) = 20 mixes + no hire
    assert len(set(got)) == 21 and all(sum(c for _, c in m) == 3 for m in got[1:])


def test_at_month_reads_the_kpis_of_a_longer_run_at_that_month():
    """--at-month M runs M months: the model is causal, so month M is the same in a longer run."""
    long_ = run_replication(load_scenario(REF), 11, 0).monthly
    short = run_replication(load_scenario(REF, {"horizon_months": 9}), 11, 0).monthly
    assert short["arr"][-1] == long_["arr"][8] and short["cash"][-1] == long_["cash"][8]


def test_out_dir_has_tables_plot_and_report(tmp_path):
    out = tmp_path / "out"
    assert main(["hire", REF, "--next", "1", *FAST, "--out", str(out)]) == 0
    for name in ("hire.json", "ranking.csv", "kpis.csv", "manifest.json", "plots/options.png", "report.html"):
        assert (out / name).is_file(), name
    html = (out / "report.html").read_text()
    assert json.loads((out / "hire.json").read_text())["recommendation"].split(":")[0] in html
    assert main(["report", str(out)]) == 0  # rebuilt from the files alone
