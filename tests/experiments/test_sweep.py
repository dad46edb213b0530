"""sweep: --vary parsing (lists, ranges, YAML values), the grid, tidy rows with parameters,
common random numbers across points, files and errors from the CLI."""

from __future__ import annotations

import csv
import json

import pytest
from experiments_support import REFERENCE, SEED, SERIES_A, series_a

from orgsim import cli
from orgsim.experiments import ExperimentError, sweep
from orgsim.experiments.sweep_grid import expand_range, grid, load_points, parse_vary
from orgsim.metrics import KPI_KEYS
from orgsim.scenario.errors import ScenarioError


@pytest.mark.parametrize(
    ("spec", "key", "values"),
    [
        ("roles.sdr.headcount=2,4,6", "roles.sdr.headcount", [2, 4, 6]),
        ("roles.sdr.headcount=1..6", "roles.sdr.headcount", [1, 2, 3, 4, 5, 6]),
        ("roles.sdr.headcount=0..10:5", "roles.sdr.headcount", [0, 5, 10]),
        ("x=1..3,8", "x", [1, 2, 3, 8]),
        ("funnel.mql_to_sql=0.1..0.5:0.1", "funnel.mql_to_sql", [0.1, 0.2, 0.3, 0.4, 0.5]),
        ("funnel.mql_to_sql=0.3, 0.45", "funnel.mql_to_sql", [0.3, 0.45]),
        ("ownership.renewal=csm,ae", "ownership.renewal", ["csm", "ae"]),
        (
            "hiring.growth.focus_order=[product,sales],[sales,product]",
            "hiring.growth.focus_order",
            [["product", "sales"], ["sales", "product"]],
        ),
        ("a.b={x: 1, y: 2},null", "a.b", [{"x": 1, "y": 2}, None]),
        (" x = -2..1 ", "x", [-2, -1, 0, 1]),
    ],
)
def test_parse_vary(spec, key, values):
    assert parse_vary(spec) == (key, values)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("roles.sdr.headcount", "write KEY=V1,V2"),
        ("=1,2", "no key before '='"),
        ("x=", "no values after '='"),
        ("x=1,,2", "an empty value"),
        ("x=1,2,", "an empty value"),
        ("x=6..1", "is empty: it must go up"),
        ("x=1..5:0", "the step must be > 0"),
        ("x=0.1..0.5", "needs a step when its ends are not integers"),
        ("x=1..", "is not a range"),
        ("x=a..b", "is not a range"),
        ("x=1,1", "value 1 is given twice"),
        ("x=[1,2", "not valid YAML"),
        ("x=0..100000", "at most 10,000"),
    ],
)
def test_parse_vary_errors(spec, message):
    with pytest.raises(ExperimentError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse_vary(spec)


def test_float_ranges_have_clean_values():
    assert expand_range("0.1..0.3:0.1") == [0.1, 0.2, 0.3]
    assert expand_range("1..2:0.25") == [1.0, 1.25, 1.5, 1.75, 2.0]
    assert expand_range("3") is None


def test_grid_is_every_combination_first_key_slowest():
    assert grid({"a": [1, 2], "b": ["x", "y", "z"]}) == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 1, "b": "z"},
        {"a": 2, "b": "x"},
        {"a": 2, "b": "y"},
        {"a": 2, "b": "z"},
    ]
    with pytest.raises(ExperimentError, match="at most 10,000"):
        grid({"a": list(range(200)), "b": list(range(200))})


@pytest.fixture(scope="module")
def result():
    # reference.yaml: in series-a a finite market couples SDR headcount to paid leads through the
    # penetration their deals make (see test_points_share_random_numbers)
    return sweep(
        REFERENCE,
        ["roles.sdr.headcount=2,6", "lead_sources.paid.budget_per_month=25000,75000"],
        replications=5,
        seed=SEED,
        workers=2,
        overrides={"horizon_months": 12},
    )


def test_sweep_frame_is_tidy_and_rows_carry_their_parameters(result):
    df = result.to_frame()
    assert len(df) == 4 * len(KPI_KEYS)
    assert list(df.columns[:2]) == ["roles.sdr.headcount", "lead_sources.paid.budget_per_month"]
    assert {"point", "kpi", "replications", "n", "mean", "std", "ci95_low", "ci95_high"} <= set(df.columns)
    arr = df[df.kpi == "arr_end"]
    assert arr[["roles.sdr.headcount", "lead_sources.paid.budget_per_month"]].values.tolist() == [
        [2, 25000],
        [2, 75000],
        [6, 25000],
        [6, 75000],
    ]
    # more budget and more SDRs both bring ARR
    m = arr.set_index(["roles.sdr.headcount", "lead_sources.paid.budget_per_month"])["mean"]
    assert m[(6, 75000)] > m[(2, 25000)]
    per_rep = result.kpis
    assert len(per_rep) == 4 * 5 and "roles.sdr.headcount" in per_rep.columns


def test_points_share_random_numbers(result):
    # SDR headcount does not touch paid marketing: paid leads identical, point by point (on
    # reference.yaml; with series-a's finite market more SDRs win more accounts, fewer are left to find)
    paid = {}
    for p, res in zip(result.points, result.results):
        assert res.seed == SEED and res.params == p
        paid.setdefault(p["lead_sources.paid.budget_per_month"], []).append(
            [r.funnel["leads.paid"] for r in res.replications]
        )
    for runs in paid.values():
        assert runs[0] == runs[1]


def test_sweep_json_document(result):
    doc = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert doc["vary"] == {"roles.sdr.headcount": [2, 6], "lead_sources.paid.budget_per_month": [25000, 75000]}
    assert [pt["params"] for pt in doc["points"]][1] == {
        "roles.sdr.headcount": 2,
        "lead_sources.paid.budget_per_month": 75000,
    }
    assert {"kpis", "funnel", "stages", "replications", "seed"} <= set(doc["points"][0])


def test_unknown_key_and_bad_values_are_reported_before_running():
    with pytest.raises(ScenarioError, match="did you mean 'headcount'"):
        sweep(SERIES_A, ["roles.sdr.headcont=1,2"], replications=1)
    with pytest.raises(ScenarioError) as e:
        sweep(SERIES_A, ["roles.sdr.headcount=-1,2,-3"], replications=1)
    text = str(e.value)
    assert text.startswith(f"{SERIES_A}: 2 problems")
    assert "must be >= 0 (got -1) (in --vary roles.sdr.headcount)" in text and "must be >= 0 (got -3)" in text
    with pytest.raises(ExperimentError, match="both set"):
        sweep(SERIES_A, ["horizon_months=6,12"], overrides={"horizon_months": 3})
    with pytest.raises(ExperimentError, match="given twice"):
        sweep(SERIES_A, ["horizon_months=6", "horizon_months=12"])


def test_load_points_names_the_given_source_and_a_value_under_a_key():
    # a loaded Scenario has no file: the caller names it; a problem inside a varied list names its key
    plan = [{"month": 1, "role": "ae", "count": -1}]
    with pytest.raises(ScenarioError) as e:
        load_points(series_a(), [{"hiring.plan": plan}], {"horizon_months": 0}, source="my.yaml", option="--vary")
    text = str(e.value)
    assert text.startswith("my.yaml: 2 problems")
    assert "hiring.plan[0].count: must be >= 1 (got -1) (in --vary hiring.plan)" in text
    assert "horizon_months: must be >= 1 (got 0) (in overrides)" in text  # not the point's: stays an override


def test_sweep_a_loaded_scenario_with_a_mapping():
    res = sweep(series_a(), {"roles.sdr.headcount": range(2, 4)}, replications=2, seed=SEED)
    assert [p["roles.sdr.headcount"] for p in res.points] == [2, 3]
    assert res.results[1].scenario.roles["sdr"].headcount == 3


def test_sweep_command_writes_csv_and_json(tmp_path, capsys):
    out_csv, out_json = tmp_path / "s.csv", tmp_path / "s.json"
    code = cli.main(
        [
            "sweep",
            str(SERIES_A),
            "--vary",
            "roles.sdr.headcount=2..3",
            "--set",
            "horizon_months=6",
            "-n",
            "2",
            "-s",
            "4",
            "-w",
            "1",
            "--csv",
            str(out_csv),
            "--json",
            str(out_json),
            "--kpi",
            "arr_end",
            "--kpi",
            "cac",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "sweep of 2 points, 2 replications each, seed 4" in out and "roles.sdr.headcount" in out
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 2 * len(KPI_KEYS) and rows[0]["roles.sdr.headcount"] == "2"
    assert json.loads(out_json.read_text())["seed"] == 4


def test_sweep_over_the_horizon_shows_every_horizon_in_its_header(capsys):
    assert cli.main(["sweep", str(REFERENCE), "--vary", "horizon_months=2,3", "-n", "1", "-w", "1"]) == 0
    assert "(the same random numbers at every point), 2..3 months, " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--vary", "roles.sdr.headcount"), "write KEY=V1,V2"),
        (("--vary", "roles.sdr.headcont=1,2"), "did you mean 'headcount'?"),
        (("--vary", "x=1..a"), "is not a range"),
        (
            ("--vary", "roles.sdr.headcount=1,2", "--kpi", "arr_ed"),
            "unknown KPI in --kpi 'arr_ed'; did you mean 'arr_end'?",
        ),
        ((), "Missing option '--vary'"),
    ],
)
def test_sweep_bad_input_exits_2(capsys, args, message):
    assert cli.main(["sweep", str(SERIES_A), *args, "-q"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
