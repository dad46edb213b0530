"""Running out of cash, as a founder meets it on the command line (issue: "the company as a whole").

The run is the issue's reproduction: series-a-benchmarked with win rates at 0.01 and no expansion
burns its $10M. Before cash-out was modelled it went to -$5.5M while hiring, `burn_multiple` was
left out of the mean where undefined, and only `run --out` findings said when cash ran out.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from tests.cli.test_cli import REPO, orgsim_cmd

BROKE = (
    "scenarios/series-a-benchmarked.yaml",
    "-n",
    "6",
    "--seed",
    "1",
    "--set",
    "segments.smb.win_rate=0.01",
    "--set",
    "segments.mid_market.win_rate=0.01",
    "--set",
    "segments.enterprise.win_rate=0.01",
    "--set",
    "customers.expansion.monthly_probability=0",
)


@pytest.fixture(scope="module")
def broke(tmp_path_factory) -> tuple[str, dict, Path]:
    out = tmp_path_factory.mktemp("broke")
    p = orgsim_cmd("run", *BROKE, "--json", str(out / "run.json"), "--out", str(out / "dir"))
    assert p.returncode == 0, p.stderr
    return p.stdout, json.loads((out / "run.json").read_text()), out / "dir"


def test_every_replication_runs_out_and_the_terminal_says_so_first(broke):
    stdout, _, _ = broke
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    # the line after the run's header, before any table
    assert lines[1].startswith("cash: runs out in 6 of 6 replications"), lines[:3]
    assert "cash_out " in stdout and "cash_out_month" in stdout and "cash_min" in stdout


def test_cash_kpis_in_the_json(broke):
    _, run, _ = broke
    k = run["kpis"]
    assert k["cash_out"]["n"] == 6 and k["cash_out"]["mean"] == 1.0
    assert k["cash_out_month"]["n"] == 6 and 1 <= k["cash_out_month"]["mean"] <= 36
    assert k["cash_min"]["mean"] < 0
    # the company stops at its default: it never digs to the -$5.5M it reached while hiring on
    assert k["cash_min"]["mean"] > -2_000_000
    assert k["cash_end"]["mean"] == pytest.approx(k["cash_min"]["mean"])


def test_an_undefined_burn_multiple_is_counted_not_hidden(broke):
    stdout, run, _ = broke
    bm = run["kpis"]["burn_multiple"]
    assert bm["n"] < 6  # some replications burn with no net new ARR
    row = next(ln for ln in stdout.splitlines() if ln.startswith("burn_multiple"))
    assert row.rstrip().endswith(f"{bm['n']}/6")


def _monthly(d: Path) -> dict[int, dict[str, dict[int, float]]]:
    out: dict[int, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    with open(d / "monthly.csv", newline="") as f:
        for row in csv.DictReader(f):
            out[int(row["replication"])][row["metric"]][int(row["month"])] = float(row["value"])
    return out


def test_after_the_default_nothing_moves_and_the_months_say_so(broke):
    _, run, d = broke
    monthly = _monthly(d)
    assert len(monthly) == 6
    for series in monthly.values():
        cash, defaulted = series["cash"], series["defaulted"]
        first_below = min(m for m, c in cash.items() if c < 0)  # 1-based month
        for m in cash:
            assert defaulted[m] == (1.0 if m > first_below else 0.0)
            if m > first_below:
                assert series["new_customers"][m] == 0.0  # not a negative difference of totals
                assert series["headcount"][m] == series["headcount"][first_below]
                assert cash[m] == cash[first_below]
        # hiring froze with the first close below zero (default_grace_months 0: it is also the last)
        assert series["requisitions_open"][first_below] >= 0


def test_the_report_leads_with_cash(broke):
    _, _, d = broke
    html = (d / "report.html").read_text()
    at = html.index("Cash runs out")
    before = html[html.rindex("<ul", 0, at) : at]
    assert before.count("<li") == 1  # the first bullet of the findings list


def test_a_funding_round_saves_the_company(tmp_path):
    """The same company with $8M arriving in month 24 ("when must we raise?"): fewer runs default."""
    p = orgsim_cmd(
        "run",
        *BROKE,
        "--set",
        "company.funding=[{month: 24, amount: 8000000}]",
        "--json",
        str(tmp_path / "r.json"),
    )
    assert p.returncode == 0, p.stderr
    k = json.loads((tmp_path / "r.json").read_text())["kpis"]
    assert k["cash_out"]["mean"] == 0.0
    assert k["cash_out_month"]["n"] == 0
    assert k["cash_min"]["mean"] > 0


def test_a_sweep_says_which_points_go_bankrupt():
    """1 vs 2 hires a month (the issue's founder): the better cash_end must not hide a bankruptcy."""
    p = orgsim_cmd("sweep", *BROKE[:1], "--vary", "hiring.growth.hires_per_month=1,2", "-n", "3", *BROKE[3:11])
    assert p.returncode == 0, p.stderr
    assert "cash_out" in p.stdout.splitlines()[2]  # a column of the table
    assert "cash runs out at 1 of 2 points" in p.stdout


def test_cash_out_is_the_first_warning_and_the_first_finding(broke):
    """Ranked by severity: cash first (issue 15), in the JSON and in report.html."""
    _, run, d = broke
    first = run["warnings"][0]
    assert first["severity"] == "critical" and first["path"] == "company.starting_cash"
    month = run["kpis"]["cash_out_month"]["mean"]
    assert first["message"] == f"cash runs out in 6 of 6 replications, first in month {month:.1f} on average"
    f0 = run["findings"][0]
    assert (f0["severity"], f0["group"]) == ("critical", "cash") and f0["text"].startswith("Cash runs out in 6 of 6")
    assert [f["group"] for f in run["findings"]] == sorted(
        (f["group"] for f in run["findings"]), key=["cash", "growth", "other"].index
    )
    html = (d / "report.html").read_text(encoding="utf-8")
    items = html.split('<ul class="findings">')[1].split("</ul>")[0].split("</li>")
    assert items[0].startswith('<li class="critical"><span class="sev">critical</span> Cash runs out in 6 of 6')


def test_one_replication_says_when_not_how_often(tmp_path):
    """With -n 1 there is no "1 of 1 replications" and no average: the month cash ran out."""
    p = orgsim_cmd("run", *BROKE[:1], "-n", "1", *BROKE[3:], "--json", str(tmp_path / "r.json"))
    assert p.returncode == 0, p.stderr
    run = json.loads((tmp_path / "r.json").read_text())
    month = run["kpis"]["cash_out_month"]["mean"]
    assert f"cash: runs out in month {month:.0f}" in p.stdout
    assert run["warnings"][0]["message"] == f"cash runs out in month {month:.0f}"
    assert run["findings"][0]["text"].startswith(f"Cash runs out in the one replication, in month {month:.0f};")
    assert "replications" not in run["warnings"][0]["message"] + run["findings"][0]["text"].split(";")[0]


def test_compare_gives_every_arm_its_warnings_and_findings(tmp_path):
    """`compare --json` arms carry run --json's "warnings" and "findings", cash first, per arm."""
    (tmp_path / "ref.yaml").write_bytes((REPO / "scenarios" / "reference.yaml").read_bytes())
    (tmp_path / "broke.yaml").write_text("extends: ref.yaml\nname: broke\ncompany: {starting_cash: 100000}\n")
    p = orgsim_cmd(
        "compare",
        str(tmp_path / "ref.yaml"),
        str(tmp_path / "broke.yaml"),
        "-n",
        "2",
        "--set",
        "horizon_months=12",
        "--json",
        str(tmp_path / "c.json"),
    )
    assert p.returncode == 0, p.stderr
    arms = json.loads((tmp_path / "c.json").read_text())["arms"]
    ok, broke = arms["series-a-reference"], arms["broke"]
    assert not any(w["path"] == "company.starting_cash" for w in ok["warnings"])
    assert ok["findings"][0]["text"].startswith("Cash never runs out")
    assert broke["warnings"][0]["message"].startswith("cash runs out in 2 of 2 replications, first in month")
    assert (broke["findings"][0]["group"], broke["findings"][0]["severity"]) == ("cash", "critical")
