"""The scenario loader: every bad input becomes a ScenarioError listing all problems, with lines."""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path

import pytest

from orgsim.scenario import Scenario
from orgsim.scenario.errors import ScenarioError
from orgsim.scenario.loader import load_scenario, load_scenario_dict, parse_set, scenario_to_dict
from orgsim.scenario.yamlmap import format_path, parse_path, parse_yaml

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT / "scenarios" / "series-a.yaml"
BAD = Path(__file__).resolve().parent / "bad_scenarios"
BASE = "scenarios/series-a.yaml"  # how problems in the reference (as a base file) are attributed


def _base_line(key: str) -> int:
    """The line of `key:` in the base file (problems in it are attributed to that line)."""
    return next(i for i, ln in enumerate(REF.read_text().splitlines(), 1) if ln.lstrip().startswith(f"{key}:"))


# file -> (number of problems, substrings the error text must contain)
CASES: dict[str, tuple[int, list[str]]] = {
    "pods_sum.yaml": (1, ["roles.ae.pods (line 5): pods must sum to 1 (got 1.2)"]),
    "outbound_unknown_segment.yaml": (
        2,
        [
            (
                "lead_sources.outbound.segment_mix.strategic (line 5): unknown segment 'strategic'; "
                "segments are smb, mid_market, enterprise"
            ),
            "lead_sources.outbound.segment_mix (line 5): segment_mix must sum to 1 (got 1.15)",
        ],
    ),
    "thresholds_reversed.yaml": (1, ["customers.active_threshold (line 4): must be <= healthy_threshold (0.7 > 0.6)"]),
    "starting_customers_unknown_segment.yaml": (
        1,
        [
            (
                "company.starting_customers.government (line 4): unknown segment 'government'; "
                "segments are smb, mid_market, enterprise"
            ),
        ],
    ),
    "presales_effort_missing.yaml": (1, ["segments.smb.effort_hours.presales: needed because needs_presales is true"]),
    "renewals_without_csm.yaml": (
        2,  # the renewals, and the expansions that pass to CSMs after 6 months
        [
            "ownership.renewal: is 'csm' but the scenario never has a CSM (roles.csm); use 'ae' or staff CSMs",
            "ownership.expansion_by_sales_months: expansions after 6 months pass from sales to CSMs",
        ],
    ),
    "yaml_syntax.yaml": (1, ["(file) (line 5): invalid YAML: while parsing a flow sequence (started on line 4)"]),
    "empty.yaml": (1, ["(file): the file is empty; a scenario needs at least segments and roles"]),
    "top_level_list.yaml": (1, ["(file) (line 2): the top level must be a mapping", "not a list"]),
    "win_rate_text.yaml": (1, ["segments.smb.win_rate (line 5): must be a number (got 'high')"]),
    "unknown_key_typo.yaml": (1, ["segments.smb.win_rte (line 5): unknown key; did you mean 'win_rate'?"]),
    "unknown_top_level_key.yaml": (1, ["horizon (line 3): unknown key; did you mean 'horizon_months'?"]),
    "negative_headcount.yaml": (1, ["roles.sdr.headcount (line 5): must be >= 0 (got -1)"]),
    "fractional_headcount.yaml": (1, ["roles.ae.headcount (line 4): must be a whole number (got 2.5)"]),
    "boolean_headcount.yaml": (1, ["roles.se.headcount (line 5): must be a whole number (got true)"]),
    "probability_above_one.yaml": (1, ["segments.enterprise.win_rate (line 5): must be <= 1 (got 1.3)"]),
    "handoff_bad_values.yaml": (
        3,
        [
            "customers.handoff.go_live_days (line 5): must be >= 0 (got -3)",
            "customers.handoff.health_penalty (line 6): must be <= 1 (got 1.5)",
            "customers.handoff.expertise_hour (line 7): unknown key; did you mean 'expertise_hours'?",
        ],
    ),
    "lead_mix_sum.yaml": (1, ["segments (line 3): lead_mix over segments must sum to 1 (got 1.35)"]),
    "gamma_without_cv.yaml": (1, ["segments.smb.acv (line 5): a gamma distribution needs cv"]),
    "uniform_low_above_high.yaml": (1, ["segments.mid_market.sales_cycle_days (line 5): uniform needs low <= high"]),
    "gamma_cv_zero.yaml": (1, ["effort_hours.qualify (line 4): a gamma distribution needs cv > 0"]),
    "unknown_dist_kind.yaml": (
        1,
        [
            "segments.smb.go_live_days.dist (line 5): must be one of 'fixed', 'exponential', 'gamma'",
            "(got 'gama'); did you mean 'gamma'?",
        ],
    ),
    "dist_as_text.yaml": (1, ["segments.enterprise.acv (line 5): must be a number or a distribution", "(got 'lots')"]),
    "focus_order_repeat.yaml": (1, ["hiring.growth.focus_order (line 5): must not repeat a department"]),
    "focus_order_unknown_department.yaml": (
        1,
        [
            "hiring.growth.focus_order (line 5): unknown department 'engineering'; choose from product, sales",
        ],
    ),
    "hiring_plan_unknown_role.yaml": (
        1,
        ["hiring.plan[1].role (line 6): unknown role 'sdrs'; roles are marketer, sdr"],
    ),
    "hiring_plan_after_horizon.yaml": (1, ["hiring.plan[0].month (line 5): is after the horizon (48 > 36)"]),
    "growth_mix_unknown_role.yaml": (1, ["hiring.growth.mix.sales.account_exec (line 6): unknown role 'account_exec'"]),
    "qualification_without_sdrs.yaml": (
        1,
        [
            "ownership.qualification: is 'sdr' but the scenario never has an SDR",
            f"{BASE}, line {_base_line('qualification')})",  # the value was written in the base file
        ],
    ),
    "delivery_without_implementers.yaml": (
        2,
        [
            "segments.mid_market.delivered_by: is 'implementation' but the scenario never has an implementer",
            "segments.enterprise.delivered_by: is 'implementation' but the scenario never has an implementer",
        ],
    ),
    "presales_without_se.yaml": (2, ["segments.mid_market.needs_presales: deals would wait forever: no SE"]),
    "expansion_without_csm.yaml": (
        1,
        [
            "ownership.expansion_by_sales_months: expansions after 6 months pass from sales to CSMs, but the "
            "scenario never has a CSM (roles.csm), so they would wait forever",
            f"{BASE}, line {_base_line('expansion_by_sales_months')})",
        ],
    ),
    "mql_review_without_marketers.yaml": (
        1,
        [
            "effort_hours.mql_review (line 5): asks for marketer time per lead but the scenario never has a marketer "
            "(roles.marketer), so no lead would ever become an MQL",
        ],
    ),
    "extends_cycle_a.yaml": (
        1,
        [
            (
                "extends: files extend each other in a cycle: "
                "extends_cycle_a.yaml -> extends_cycle_b.yaml -> extends_cycle_a.yaml"
            ),
            "(in ",
        ],
    ),
    "extends_cycle_b.yaml": (1, ["cycle: extends_cycle_b.yaml -> extends_cycle_a.yaml -> extends_cycle_b.yaml"]),
    "extends_missing_file.yaml": (1, ["extends (line 2): base file not found:", "no-such-base.yaml"]),
    "extends_broken_base.yaml": (1, ["extends (line 2): invalid YAML:", "yaml_syntax.yaml, line 5)"]),
    "extends_not_a_path.yaml": (1, ["extends (line 2): must be the path of a scenario file (got a list)"]),
    "duplicate_key.yaml": (1, ["roles.sdr.headcount (line 7): duplicate key 'headcount' (first given on line 5)"]),
    "nan_value.yaml": (1, ["segments.smb.renewal_rate (line 5): must be a finite number (got .nan)"]),
    "inf_value.yaml": (1, ["company.starting_cash (line 4): must be a finite number (got .inf)"]),
    "horizon_million_months.yaml": (1, ["horizon_months (line 3): must be <= 240 (got 1000000)"]),
    "billion_leads.yaml": (
        1,
        [
            "lead_sources.paid.budget_per_month (line 5): buys 1e+09 leads a month; the limit is 1,000,000",
        ],
    ),
    "exponent_as_text.yaml": (
        1,
        [
            "lead_sources.paid.budget_per_month (line 5): must be a number (got '1e6'); YAML reads this as text",
        ],
    ),
    "impossible_date.yaml": (
        1,
        [
            "time.start_date (line 4): input should be a valid date or datetime, day value is outside expected range "
            "(got '2026-02-30')",
        ],
    ),
    "qualification_typo.yaml": (1, ["ownership.qualification (line 4): must be one of 'sdr', 'ae' (got 'sdrs')"]),
    "missing_required.yaml": (1, ["segments.smb.win_rate (line 3): required field missing"]),
    "multiple_problems.yaml": (
        4,
        [
            "multiple_problems.yaml: 4 problems",
            "horizon_months (line 3): must be >= 1 (got 0)",
            "roles.sdr.headcount (line 5): must be >= 0 (got -2)",
            "roles.ae.department (line 6): must be one of 'marketing', 'sales'",
            "(got 'sale'); did you mean 'sales'?",
            "segments.smb.win_rte (line 9): unknown key; did you mean 'win_rate'?",
        ],
    ),
}


def _error(path, overrides=None) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides=overrides)
    return info.value


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ---- the corpus of bad scenarios -------------------------------------------------------------


def test_corpus_is_complete():
    files = {p.name for p in BAD.glob("*.yaml")}
    assert files == set(CASES)
    assert len(files) >= 40


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_scenario(name):
    count, expected = CASES[name]
    err = _error(BAD / name)
    text = str(err)
    assert text.startswith(f"{BAD / name}: {count} problem")
    assert len(err.problems) == count, text
    for fragment in expected:
        assert fragment in text, f"{fragment!r} not in:\n{text}"


def test_problems_sorted_by_line():
    err = _error(BAD / "multiple_problems.yaml")
    lines = [p.line for p in err.problems]
    assert lines == sorted(lines)


# ---- the reference scenario ------------------------------------------------------------------


def test_reference_loads_unchanged_and_deterministically():
    before = hashlib.sha256(REF.read_bytes()).hexdigest()
    a = load_scenario(REF)
    b = load_scenario(str(REF))
    assert isinstance(a, Scenario)
    assert a == b
    assert a.name == "series-a"
    assert a.roles["sdr"].headcount == 4
    assert hashlib.sha256(REF.read_bytes()).hexdigest() == before


def test_scenario_to_dict_round_trips():
    sc = load_scenario(REF)
    d = scenario_to_dict(sc)
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert load_scenario_dict(d) == sc
    assert load_scenario_dict(d, overrides={"roles.ae.headcount": 9}).roles["ae"].headcount == 9


# ---- unreadable files ------------------------------------------------------------------------


def test_missing_file(tmp_path):
    err = _error(tmp_path / "nope.yaml")
    assert [(p.path, p.message) for p in err.problems] == [("", "file not found")]


def test_directory(tmp_path):
    err = _error(tmp_path)
    assert err.problems[0].path == ""
    assert "is a directory" in err.problems[0].message


def test_non_utf8_bytes(tmp_path):
    p = tmp_path / "latin1.yaml"
    p.write_bytes(b"name: x\ndescription: ok\nroles: {caf\xe9: {department: sales}}\n")
    err = _error(p)
    assert len(err.problems) == 1
    assert err.problems[0].line == 3
    assert "not UTF-8 text (byte 0xe9)" in str(err)


def test_binary_file(tmp_path):
    p = tmp_path / "image.yaml"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    assert "binary data, not YAML text" in str(_error(p))


def test_utf16_file(tmp_path):
    p = tmp_path / "utf16.yaml"
    p.write_bytes("name: x\n".encode("utf-16"))
    assert "UTF-16 text; save it as UTF-8" in str(_error(p))


def test_utf8_bom_is_fine(tmp_path):
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + f"extends: {REF}\nname: bom\n".encode())
    assert load_scenario(p).name == "bom"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("a: &x [1, *x]\n", "recursive alias"),
        (
            "a: &a [1,1,1,1,1,1,1,1,1,1]\n"
            + "".join(
                f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(7)
            ),
            "expands to more than",
        ),
        ("a: " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
        ("name: a\n---\nname: b\n", "expected a single document"),
        ("name: !!python/object/apply:os.system [echo hi]\n", "could not determine a constructor"),
        ("? [a, b]\n: 1\n", "mapping keys must be plain text"),
        ("roles:\n\tsdr: 1\n", "invalid YAML"),
        ("just a string\n", "the top level must be a mapping"),
        ("segments: {1: {lead_mix: 1}}\nroles: {}\n", "keys must be text (got 1)"),
        ("segments: []\nroles: []\n", "must be a mapping (got a list)"),
        ("name: 2026\n", "must be text (got 2026); put it in quotes"),
    ],
)
def test_odd_documents_give_scenario_errors(tmp_path, text, fragment):
    err = _error(_write(tmp_path, "odd.yaml", text))
    assert fragment in str(err)


def test_merge_keys_are_not_duplicates(tmp_path):
    p = _write(
        tmp_path,
        "anchors.yaml",
        f"""extends: {REF}
roles:
  sdr: &person {{department: sales, headcount: 2, annual_cost: 90000}}
  ae:
    <<: *person
    headcount: 5
""",
    )
    sc = load_scenario(p)
    assert sc.roles["ae"].headcount == 5
    assert sc.roles["ae"].annual_cost == 90000


# ---- values ----------------------------------------------------------------------------------


def test_whole_float_is_a_count_but_true_is_not(tmp_path):
    ok = _write(tmp_path, "ok.yaml", f"extends: {REF}\nroles:\n  sdr: {{headcount: 4.0}}\n")
    assert load_scenario(ok).roles["sdr"].headcount == 4
    err = _error(REF, {"segments.smb.win_rate": True, "roles.sdr.headcount": "4", "segments.smb.needs_presales": 1})
    text = str(err)
    assert "segments.smb.win_rate: must be a number (got true)" in text
    assert "roles.sdr.headcount: must be a whole number (got '4'); remove the quotes" in text
    assert "segments.smb.needs_presales: must be true or false (got 1)" in text


def test_nan_and_inf_in_overrides():
    err = _error(
        REF, {"company.starting_cash": float("nan"), "segments.smb.acv": {"dist": "fixed", "value": float("inf")}}
    )
    text = str(err)
    assert "company.starting_cash: must be a finite number (got .nan) (in overrides)" in text
    assert "segments.smb.acv.value: must be a finite number (got .inf)" in text
    assert len(err.problems) == 2


# ---- extends ---------------------------------------------------------------------------------


def test_extends_deep_merge(tmp_path):
    child = _write(
        tmp_path,
        "child.yaml",
        f"""extends: {REF}
name: child
roles:
  sdr: {{headcount: 7}}
segments:
  smb:
    win_rate: 0.3
    acv: {{mean: 9000}}                        # no dist: merges into the base's lognormal
  mid_market:
    sales_cycle_days: {{dist: fixed, value: 60}}  # names its dist: replaces the base's gamma
lead_sources:
  outbound: {{segment_mix: null}}
hiring:
  plan:
    - {{month: 3, role: ae, count: 2}}
""",
    )
    sc, ref = load_scenario(child), load_scenario(REF)
    assert sc.name == "child"
    assert sc.roles["sdr"].headcount == 7
    assert sc.roles["sdr"].annual_cost == ref.roles["sdr"].annual_cost  # kept from the base
    assert sc.roles["ae"] == ref.roles["ae"]
    assert sc.segments["smb"].win_rate == 0.3
    assert sc.segments["smb"].lead_mix == ref.segments["smb"].lead_mix
    assert (sc.segments["smb"].acv.dist, sc.segments["smb"].acv.mean, sc.segments["smb"].acv.cv) == (
        "lognormal",
        9000,
        0.6,
    )
    assert sc.segments["mid_market"].sales_cycle_days.expected == 60
    assert sc.segments["enterprise"] == ref.segments["enterprise"]
    assert sc.lead_sources.outbound.segment_mix is None  # null replaces
    assert [(r.month, r.role, r.count) for r in sc.hiring.plan] == [(3, "ae", 2)]  # lists replace
    assert sc.horizon_months == ref.horizon_months


def test_extends_chain_relative_to_each_file(tmp_path):
    (tmp_path / "bases").mkdir()
    _write(
        tmp_path / "bases",
        "mid.yaml",
        f"extends: {REF}\nname: mid\nroles:\n  sdr: {{headcount: 1}}\n  ae: {{headcount: 8}}\n",
    )
    top = _write(tmp_path, "top.yaml", "extends: bases/mid.yaml\nroles:\n  sdr: {headcount: 2}\n")
    sc = load_scenario(top)
    assert (sc.name, sc.roles["sdr"].headcount, sc.roles["ae"].headcount) == ("mid", 2, 8)


def test_problem_written_in_base_names_the_base(tmp_path):
    _write(tmp_path, "base.yaml", f"extends: {REF}\nroles:\n  sdr:\n    headcount: -3\n")
    child = _write(tmp_path, "child.yaml", "extends: base.yaml\nname: child\nroles:\n  ae: {headcount: -1}\n")
    err = _error(child)
    by_path = {p.path: p for p in err.problems}
    assert by_path["roles.ae.headcount"].line == 4
    sdr = by_path["roles.sdr.headcount"]
    assert sdr.line is None  # the line is in another file: named in the message instead
    assert sdr.message == f"must be >= 0 (got -3) (in {tmp_path / 'base.yaml'}, line 4)"


def test_self_extends(tmp_path):
    p = _write(tmp_path, "me.yaml", "extends: me.yaml\n")
    assert "cycle: me.yaml -> me.yaml" in str(_error(p))


def test_extends_in_dict_needs_absolute_path():
    with pytest.raises(ScenarioError, match="needs a scenario file to be relative to"):
        load_scenario_dict({"extends": "series-a.yaml"})
    assert load_scenario_dict({"extends": str(REF), "name": "d"}).name == "d"


def test_load_scenario_dict_does_not_touch_its_input():
    data = scenario_to_dict(load_scenario(REF))
    snapshot = json.dumps(data, sort_keys=True)
    load_scenario_dict(data, overrides={"roles.sdr.headcount": 1, "hiring.plan[0].count": 4})
    assert json.dumps(data, sort_keys=True) == snapshot
    with pytest.raises(ScenarioError, match=r"^<dict>: 1 problem"):
        load_scenario_dict([1, 2])


# ---- overrides -------------------------------------------------------------------------------


def test_override_dict_changes_the_field():
    sc = load_scenario(REF, overrides={"roles.sdr.headcount": 9, "hiring.plan[0].count": 3})
    assert sc.roles["sdr"].headcount == 9
    assert sc.hiring.plan[0].count == 3


def test_override_strings_are_parsed_as_yaml():
    sc = load_scenario(
        REF,
        overrides=[
            "roles.sdr.headcount=4",
            "segments.smb.acv={dist: gamma, mean: 9000, cv: 0.4}",
            "hiring.growth.focus_order=[sales, product, marketing, service]",
            "lead_sources.outbound.segment_mix=null",
            "segments.smb.effort_hours.delivery=5",
            "name=a=b",
        ],
    )
    assert sc.roles["sdr"].headcount == 4
    assert (sc.segments["smb"].acv.dist, sc.segments["smb"].acv.mean) == ("gamma", 9000)
    assert sc.hiring.growth.focus_order == ["sales", "product", "marketing", "service"]
    assert sc.lead_sources.outbound.segment_mix is None
    assert sc.segments["smb"].effort_hours.delivery.expected == 5
    assert sc.name == "a=b"


def test_override_inside_bare_number_distribution():
    sc = load_scenario(REF, overrides={"segments.smb.effort_hours.delivery": 5})
    assert sc.segments["smb"].effort_hours.delivery.value == 5
    sc2 = load_scenario(REF, overrides=["segments.smb.acv.mean=12000"])
    assert sc2.segments["smb"].acv.mean == 12000


def test_override_unknown_path_suggests():
    err = _error(REF, ["roles.sdr.headcont=3", "segments.smb.win_rte=0.3", "horizon=12"])
    text = str(err)
    assert "roles.sdr.headcont: unknown key 'headcont'; did you mean 'headcount'?" in text
    assert "segments.smb.win_rte: unknown key 'win_rte'; did you mean 'win_rate'?" in text
    assert "horizon: unknown key 'horizon'; did you mean 'horizon_months'?" in text
    assert len(err.problems) == 3


def test_override_unknown_role_names_the_roles():
    text = str(_error(REF, {"roles.newrole.headcount": 2}))
    assert "roles.newrole.headcount: unknown role 'newrole'; roles are marketer, sdr, ae, se" in text
    assert "sdr" in str(_error(REF, {"roles.sdrs.headcount": 2}))  # did you mean 'sdr'?
    # a whole new role is fine
    sc = load_scenario(REF, {"roles.newrole": {"department": "sales", "headcount": 2}})
    assert sc.roles["newrole"].headcount == 2


def test_override_wrong_type_and_shape():
    err = _error(
        REF,
        [
            "roles.sdr.headcount=many",
            "hiring.plan[5].count=1",
            "hiring.plan.count=1",
            "roles.sdr.headcount.extra=1",
            "roles.sdr.headcount",
        ],
    )
    text = str(err)
    assert "roles.sdr.headcount: must be a whole number (got 'many') (in overrides)" in text
    assert "hiring.plan[5].count: hiring.plan has 1 entry, so there is no [5]" in text
    assert "hiring.plan.count: hiring.plan is a list; pick an item by index" in text
    assert "roles.sdr.headcount.extra: unknown key 'extra': roles.sdr.headcount is a single value" in text
    assert "an override needs KEY=VALUE" in text
    assert len(err.problems) == 5


def test_override_list_index_written_as_a_key_gets_the_bracketed_path():
    # hiring.plan.0.count: the suggestion is the path itself with the index in brackets, not
    # hiring.plan[0].0 (an index after an index)
    text = str(_error(REF, ["hiring.plan.0.count=2", "hiring.growth.focus_order.1=sales"]))
    assert (
        "hiring.plan.0.count: hiring.plan is a list; pick an item by its index in brackets: hiring.plan[0].count"
        in text
    )
    assert "its index in brackets: hiring.growth.focus_order[1] (in overrides)" in text
    assert "[0].0" not in text and "[0].1" not in text


def test_overrides_reported_with_file_problems(tmp_path):
    err = _error(BAD / "negative_headcount.yaml", {"roles.ae.headcount": -5})
    assert {p.path for p in err.problems} == {"roles.sdr.headcount", "roles.ae.headcount"}


def test_parse_set():
    assert parse_set(["a.b=4", "c=[x, y]", "d=null", "e=", "f=a=b", " g = 1.5"]) == {
        "a.b": 4,
        "c": ["x", "y"],
        "d": None,
        "e": None,
        "f": "a=b",
        "g": 1.5,
    }
    with pytest.raises(ScenarioError, match="needs KEY=VALUE"):
        parse_set(["roles.sdr.headcount"])
    with pytest.raises(ScenarioError, match="not valid YAML"):
        parse_set(["x=[1"])
    # dates: a real one is a date, an impossible one stays text for the schema to reject
    assert parse_set(["time.start_date=2025-03-01", "time.start_date=2025-13-01"]) == {"time.start_date": "2025-13-01"}
    assert parse_set(["time.start_date=2025-03-01"]) == {"time.start_date": datetime.date(2025, 3, 1)}
    with pytest.raises(ScenarioError, match=r"time\.start_date: input should be a valid date.*month value"):
        load_scenario(REF, ["time.start_date=2025-13-01"])


# ---- the line map ----------------------------------------------------------------------------


def test_yamlmap_lines_and_paths():
    doc = parse_yaml("a:\n  b: 1\n  c:\n    - {d: 2}\n    - e\nf: [1,\n  2]\n")
    assert doc.data == {"a": {"b": 1, "c": [{"d": 2}, "e"]}, "f": [1, 2]}
    assert doc.lines[("a", "b")] == 2
    assert doc.lines[("a", "c", 0, "d")] == 4
    assert doc.lines[("a", "c", 1)] == 5
    assert doc.lines[("f", 1)] == 7
    assert parse_path("hiring.plan[0].role") == ("hiring", "plan", 0, "role")
    assert format_path(("hiring", "plan", 0, "role")) == "hiring.plan[0].role"
    assert parse_path("a..b") is None


def test_a_budget_raised_by_extends_moves_cost_per_lead_as_set_does(tmp_path):
    """Cost per lead is quoted at the base's budget whichever way the budget is raised
    (the child's budget used to become its own reference: 2.00x leads instead of 1.74x)."""
    child = _write(tmp_path, "child.yaml", f"extends: {REF}\nlead_sources:\n  paid: {{budget_per_month: 100000}}\n")
    by_extends = load_scenario(child, extends_roots=[ROOT]).lead_sources.paid
    by_set = load_scenario(REF, overrides={"lead_sources.paid.budget_per_month": 100000}).lead_sources.paid
    assert by_extends == by_set
    assert by_extends.reference_budget_per_month == load_scenario(REF).lead_sources.paid.budget_per_month


def test_a_file_may_state_its_own_reference_budget(tmp_path):
    text = f"extends: {REF}\nlead_sources:\n  paid: {{budget_per_month: 100000, reference_budget_per_month: 100000}}\n"
    paid = load_scenario(_write(tmp_path, "child.yaml", text), extends_roots=[ROOT]).lead_sources.paid
    assert paid.reference_budget_per_month == 100000
