"""Warnings that save you: each one names its field, `validate` exits 0 with warnings (2 when refused),
critical ones first; `run --json` lists them (cash out first) with the ranked findings.

Every scenario is a small file extending a bundled one; no simulation runs except two short ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orgsim.cli import main
from orgsim.scenario.loader import load_scenario
from orgsim.scenario.severity import graded_warnings

REPO = Path(__file__).resolve().parents[2]
SERIES_A = REPO / "scenarios" / "series-a.yaml"

# (YAML body extending series-a, severity, dotted path, words of the message)
CASES = [
    (
        "segments: {smb: {win_rate: 0}, mid_market: {win_rate: 0}, enterprise: {win_rate: 0}}",
        "critical",
        "segments",
        "every segment's win_rate is 0 (segments.smb.win_rate, segments.mid_market.win_rate",
    ),
    ("segments: {smb: {win_rate: 0}}", "warning", "segments.smb.win_rate", "is 0 but segments.smb.lead_mix is 0.55"),
    ("funnel: {sql_to_opportunity: 0}", "critical", "funnel.sql_to_opportunity", "no SQL becomes an opportunity"),
    (
        "funnel: {mql_to_sql: 0}\nlead_sources: {outbound: {meetings_per_sdr_month: 0, meetings_per_ae_month: 0}}",
        "critical",
        "funnel.mql_to_sql",
        "no lead becomes an SQL and the run wins no customers",
    ),
    (
        "lead_sources: {paid: {mql_rate: 0}}",
        "warning",
        "lead_sources.paid.mql_rate",
        "budget_per_month (50,000 a month) buys leads none of which becomes an MQL",
    ),
    (
        "company: {funding: [{month: 40, amount: 1000000}]}",
        "info",
        "company.funding[0].month",
        "is 40, after the horizon (36 months)",
    ),
    (
        "hiring: {plan: [{month: 36, role: ae}]}",
        "info",
        "hiring.plan[0].month",
        "the hire would join after the horizon",
    ),
    (
        "customers: {tech_touch: {segments: [smb], care_hours_per_month: 0.2, accounts_per_task: 1000}}",
        "warning",
        "customers.tech_touch.accounts_per_task",
        "a program task takes 1000 x 0.2 = 200.0 CSM hours, more than a CSM's month (182.6 productive hours)",
    ),
    (
        "effort_hours: {account_care_per_month: 200}",
        "warning",
        "effort_hours.account_care_per_month",
        "is 200 CSM hours, more than a CSM's month (182.6 productive hours)",
    ),
    (
        "segments: {mid_market: {delivered_by: sales}, enterprise: {delivered_by: sales}}",
        "warning",
        "roles.implementer.headcount",
        "puts people in roles.implementer, but implementers only deliver segments with delivered_by "
        "'implementation', and no segment is",
    ),
    (
        "segments: {mid_market: {needs_presales: false}, enterprise: {needs_presales: false}}",
        "warning",
        "roles.se.headcount",
        "so SEs only enable AEs (roles.se.enablement_share, 0.15 of their time) and are idle the rest",
    ),
    (
        "ownership: {qualification: ae}\nlead_sources: {outbound: {meetings_per_sdr_month: 0}}",
        "warning",
        "roles.sdr.headcount",
        "AEs qualify the leads (ownership.qualification 'ae') and SDRs do not prospect",
    ),
    (
        "lead_sources: {content: {leads_per_marketer_month: 0}}",
        "warning",
        "roles.marketer.headcount",
        "lead_sources.content.leads_per_marketer_month is 0 and effort_hours.mql_review is null (marketers make",
    ),
]


def _line(path: str) -> int:
    """The line of series-a.yaml that sets `path` (a role's headcount: its row in roles)."""
    role = path.split(".")[1]
    return next(i for i, ln in enumerate(SERIES_A.read_text().splitlines(), 1) if ln.startswith(f"  {role}: "))


def _file(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(f"extends: {SERIES_A}\n{body}\n")
    return p


@pytest.mark.parametrize("body, severity, path, words", CASES, ids=[c[2] for c in CASES])
def test_each_warning_names_its_field_and_validate_still_exits_0(body, severity, path, words, tmp_path, capsys):
    f = _file(tmp_path, body)
    assert (severity, path) in [(s, p) for s, p, m in graded_warnings(load_scenario(str(f)))]
    assert main(["validate", str(f)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"OK  {f}")
    tag = "warning (critical)" if severity == "critical" else "warning"
    line = next(ln for ln in captured.err.splitlines() if f": {path}" in ln)
    # the field's line, in this file or (a field this file leaves to the one it extends) in that one
    in_base = line.startswith(f"{tag}: {f}: {path}: ") and line.endswith(f"(in {SERIES_A}, line {_line(path)})")
    assert (line.startswith(f"{tag}: {f}: {path} (line ") or in_base) and words in line, captured.err


@pytest.mark.parametrize(
    "body, path",
    [
        ("roles: {implementer: {headcount: 0}}", "hiring.growth.mix.service.implementer"),
        (
            "roles: {implementer: {headcount: 0}}\nhiring: {plan: [{month: 3, role: implementer}], growth: null}",
            "hiring.plan[0].role",
        ),
    ],
)
def test_hired_people_with_no_work_are_named_by_the_field_that_hires_them(body, path, tmp_path):
    f = _file(tmp_path, "segments: {mid_market: {delivered_by: sales}, enterprise: {delivered_by: sales}}\n" + body)
    assert ("warning", path) in [(s, p) for s, p, m in graded_warnings(load_scenario(str(f)))]


def test_people_with_no_work_are_not_warned_about_when_none_are_hired(tmp_path):
    f = _file(
        tmp_path,
        "segments: {mid_market: {delivered_by: sales}, enterprise: {delivered_by: sales}}\n"
        "roles: {implementer: {headcount: 0}}\nhiring: {growth: {mix: {service: {implementer: 0}}}}",
    )
    assert not [p for s, p, m in graded_warnings(load_scenario(str(f))) if "implementer" in p]


def test_critical_warnings_come_first(tmp_path, capsys):
    f = _file(tmp_path, "funnel: {sql_to_opportunity: 0}\ncompany: {funding: [{month: 40, amount: 1000000}]}")
    assert main(["validate", str(f)]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert [ln.split(":")[0] for ln in lines] == ["warning (critical)", "warning"]
    assert "funnel.sql_to_opportunity" in lines[0] and "company.funding[0].month" in lines[1]


def test_a_refused_structure_still_exits_2(tmp_path, capsys):
    f = _file(tmp_path, "hiring: {plan: [{month: 40, role: ae}]}")
    assert main(["validate", str(f)]) == 2
    assert "hiring.plan[0].month" in capsys.readouterr().err


def test_bundled_scenarios_have_no_warnings():
    for f in sorted((REPO / "scenarios").glob("*.yaml")):
        assert graded_warnings(load_scenario(str(f))) == [], f.name


def test_run_json_lists_warnings_and_ranked_findings(tmp_path):
    """A run that can win nothing: the static warning is in the JSON, and the findings say it too."""
    f = _file(tmp_path, "funnel: {sql_to_opportunity: 0}\nhorizon_months: 3")
    out = tmp_path / "run.json"
    assert main(["run", str(f), "-n", "2", "-s", "1", "-q", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert [(w["severity"], w["path"]) for w in doc["warnings"]] == [("critical", "funnel.sql_to_opportunity")]
    assert doc["funnel"]["won"]["mean"] == 0  # the warning was true
    groups = [f["group"] for f in doc["findings"]]
    assert groups == sorted(groups, key=["cash", "growth", "other"].index) and groups[0] == "cash"
    growth = [f for f in doc["findings"] if f["group"] == "growth"]
    assert growth[0]["severity"] == "critical"
    assert {f["text"] for f in growth[:2]} >= {
        "No new customer is won in any replication.",
        "Scenario: funnel.sql_to_opportunity: is 0, so no SQL becomes an opportunity and the run wins no customers.",
    }
