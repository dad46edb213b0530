"""The app's logic without a browser: edits as overrides, errors by field, runs, summaries, files."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import orgsim
from orgsim.app import files, logic

ROOT = Path(__file__).resolve().parents[2]
SERIES_A = str(ROOT / "scenarios" / "series-a.yaml")
REFERENCE = str(ROOT / "scenarios" / "reference.yaml")
SHORT = {"horizon_months": 6}


def test_edits_are_the_overrides_set_would_apply():
    sc, err = logic.load_edited(SERIES_A, {"roles.sdr.headcount": 7, "hiring.growth.focus_order": ["sales", "product"]})
    assert err is None
    cli = orgsim.load_scenario(
        SERIES_A, overrides=["roles.sdr.headcount=7", "hiring.growth.focus_order=[sales, product]"]
    )
    assert sc == cli


def test_invalid_values_give_the_cli_messages_by_field():
    _, err = logic.load_edited(SERIES_A, {"roles.sdr.headcount": -1, "ownership.routing": "nearest"})
    with pytest.raises(orgsim.ScenarioError) as cli:
        orgsim.load_scenario(SERIES_A, overrides=["roles.sdr.headcount=-1", "ownership.routing=nearest"])
    assert str(err) == str(cli.value)
    problems = logic.field_problems(err)
    assert logic.problems_for(problems, "roles.sdr.headcount") == [
        "roles.sdr.headcount: must be >= 0 (got -1) (in overrides)"
    ]
    assert "must be one of 'segment'" in logic.problems_for(problems, "ownership.routing")[0]
    assert logic.problems_for(problems, "roles.ae.headcount") == []


def test_text_fields_parse_like_set():
    c = {c.path: c for c in logic.controls(orgsim.load_scenario(SERIES_A))}
    assert logic.parse_input(c["roles.sdr.headcount"], "5") == 5
    assert logic.parse_input(c["hiring.growth.focus_order"], "sales, product") == ["sales", "product"]
    assert logic.parse_input(c["hiring.plan"], "[{month: 2, role: ae, count: 1}]") == [
        {"month": 2, "role": "ae", "count": 1}
    ]
    assert c["ownership.routing"].choices == ("segment", "round_robin", "least_loaded")
    _, err = logic.load_edited(SERIES_A, {"roles.sdr.headcount": logic.parse_input(c["roles.sdr.headcount"], "four")})
    assert "roles.sdr.headcount" in logic.field_problems(err)


@pytest.fixture(scope="module")
def plan():
    base, _ = logic.load_edited(REFERENCE, {}, SHORT)
    edited, _ = logic.load_edited(REFERENCE, {"roles.sdr.headcount": 6}, SHORT)
    return logic.run_plan(base, edited, 3, 11, key=(REFERENCE, 6), workers=1)


def test_a_plan_is_paired_with_its_baseline(plan):
    base, _ = logic.load_edited(REFERENCE, {}, SHORT)
    edited, _ = logic.load_edited(REFERENCE, {"roles.sdr.headcount": 6}, SHORT)
    direct = orgsim.compare({"baseline": base, logic.PLAN_NAME: edited}, replications=3, seed=11)
    assert list(plan.plan.kpis["arr_end"]) == list(direct.arms[1].kpis["arr_end"])
    assert list(plan.baseline.kpis["arr_end"]) == list(direct.arms[0].kpis["arr_end"])
    again = logic.run_plan(base, edited, 3, 11, key=(REFERENCE, 6), workers=1)
    assert again.baseline_cached and again.baseline is plan.baseline


def test_summaries_hold_paired_differences(plan):
    kpis = logic.kpi_table(plan).set_index("")
    d = plan.comparison.difference(plan.plan, "arr_end")
    assert kpis.loc["arr_end", "difference [95% CI]"].startswith(logic._fmt(d["mean"], "money", True))
    assert list(logic.funnel_table(plan)[""]) == ["leads", "mql", "sql", "opportunities", "won"]
    roles = logic.role_table(plan).set_index("")
    assert "sdr" in roles.index and "pp" in roles.loc["sdr", "difference [95% CI]"]
    assert set(logic.stage_table(plan)[""]) >= {"sdr", "sales"}
    assert "cash runs out in" in logic.cash_out_words(plan)
    figs = files.figures(plan)
    assert set(figs) == {"arr", "cash", "differences", "funnel", "bottlenecks"}
    assert all(png.startswith(b"\x89PNG") for png in figs.values())


def test_cancel_stops_between_replications():
    base, _ = logic.load_edited(REFERENCE, {}, SHORT)
    seen: list[int] = []
    stop = threading.Event()

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done >= 1:
            stop.set()

    with pytest.raises(logic.Cancelled):
        logic.run_plan(base, base, 5, 12, key=("cancel",), workers=1, progress=progress, cancel=stop)
    assert max(seen) < 10


def test_downloaded_yaml_loads_and_validates(plan, tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(files.scenario_yaml(plan.plan.scenario, REFERENCE))
    sc = orgsim.load_scenario(path)
    assert sc.roles["sdr"].headcount == 6 and sc.horizon_months == 6
    assert sc.model_dump() == plan.plan.scenario.model_dump()


def test_report_html(plan):
    html = files.report_html(plan.plan, REFERENCE).decode()
    assert html.startswith("<!DOCTYPE html>") and logic.PLAN_NAME in html


def test_bundled_scenarios_list_the_given_file_first(tmp_path):
    mine = tmp_path / "mine.yaml"
    files = logic.bundled_scenarios(mine)
    assert next(iter(files)) == "mine" and "series-a" in files


def test_who_to_hire_ranks_every_single_hire():
    sc, _ = logic.load_edited(REFERENCE, {}, SHORT)
    words, ranking = logic.who_to_hire(sc, 2, workers=1)
    assert words and len(ranking) >= 2 and list(ranking["rank"])[0] == 1
    first = ranking.iloc[0]
    assert first["status"] == "chosen" and words.startswith(
        f"Hire {first['hire']}:" if first["hire"] != "no hire" else "Hire no one"
    )
    assert ranking.set_index("hire").loc["no hire", "difference to no hire [95% CI]"] == "+$0.00M [+$0.00M, +$0.00M]"
    assert "ARR at month" in ranking.columns[4] and ranking.iloc[0, 4].startswith("$")
