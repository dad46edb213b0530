"""`orgsim calibrate` end to end on the fixtures: the fragment (valid under `extends:`), the JSON
layout of the interfaces contract, the report, and every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

pytest.importorskip("lifelines")

from orgsim import cli  # noqa: E402
from orgsim.scenario.loader import load_scenario  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
F = "tests/fixtures/crm"
GENERIC = [f"{F}/generic/deals.csv", f"{F}/generic/stages.csv"]
ARGS = {
    "generic": [*GENERIC],
    "salesforce": [f"{F}/salesforce/Opportunity.csv", f"{F}/salesforce/OpportunityHistory.csv"],
    "hubspot": [f"{F}/hubspot/deals.csv"],
    "pipedrive": [f"{F}/pipedrive/deals.csv", "--segments", "smb:<20000,mid_market"],
    "sales-pipeline": [f"{F}/sales-pipeline/sales_pipeline.csv", "--segments", "smb"],
}


@pytest.fixture(scope="module")
def generic(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cal")
    args = ["calibrate", *[str(REPO / p) for p in GENERIC], "--format", "generic", "--as-of", "2024-06-30"]
    out = [*args, "--out", str(tmp / "fragment.yaml"), "--json", str(tmp / "cal.json"), "--report", str(tmp / "rep")]
    assert cli.main([*out, "--extends", str(REPO / "scenarios" / "series-a.yaml")]) == 0
    return tmp


def test_json_has_the_contract_layout(generic):
    d = json.loads((generic / "cal.json").read_text())
    assert d["as_of"] == "2024-06-30" and d["as_of_source"] == "--as-of"
    assert list(d["segments"]) == ["smb", "mid_market", "enterprise"]
    smb = d["segments"]["smb"]
    assert {"n_deals", "n_open", "win_rate", "win_rate_closed_only", "sales_cycle_days", "acv"} <= set(smb)
    assert smb["n_deals"] == 260 and smb["n_open"] == 15
    lo, hi = smb["win_rate"]["ci95"]
    assert lo < smb["win_rate"]["estimate"] < hi
    assert smb["sales_cycle_days"]["dist"] in ("exponential", "gamma", "lognormal")
    assert {"mean", "cv"} <= set(smb["sales_cycle_days"]) and {"mean", "cv", "dist"} <= set(smb["acv"])
    assert d["segments"]["enterprise"]["included"] is False
    assert {w["key"] for w in d["data_quality"]["warnings"]} == {
        "duplicates",
        "created_after_as_of",
        "segment_too_small",
    }
    assert [s["stage"] for s in d["stages"]] == ["discovery", "demo", "proposal", "negotiation"]
    assert d["volumes"]["deals_per_month"] > 0 and "inbound" in d["volumes"]["deals_per_month_by_source"]


def test_fragment_extends_a_scenario_and_validates(generic):
    text = (generic / "fragment.yaml").read_text()
    data = yaml.safe_load(text)
    cal = json.loads((generic / "cal.json").read_text())
    assert set(data["segments"]) == {"smb", "mid_market"}  # enterprise: too few decided deals
    assert data["segments"]["smb"]["win_rate"] == cal["segments"]["smb"]["win_rate"]["estimate"]
    assert "# enterprise: 12 deals, left out: 6 decided deals (< 20)" in text
    assert "as of 2024-06-30" in text and "95% CI" in text
    sc = load_scenario(str(generic / "fragment.yaml"))
    assert sc.name == "fragment"  # named after the file, not the base
    assert sc.segments["smb"].win_rate == data["segments"]["smb"]["win_rate"]
    assert sc.segments["mid_market"].acv.dist == data["segments"]["mid_market"]["acv"]["dist"]
    assert (
        sc.segments["enterprise"].win_rate
        == load_scenario(str(REPO / "scenarios" / "series-a.yaml")).segments["enterprise"].win_rate
    )


def test_report_has_the_curves_and_data_quality(generic):
    files = sorted(p.name for p in (generic / "rep").iterdir())
    for seg in ("smb", "mid_market", "enterprise"):
        assert {f"cumulative_incidence_{seg}.png", f"cycle_{seg}.png", f"acv_{seg}.png"} <= set(files)
    html = (generic / "rep" / "report.html").read_text()
    assert "Data quality" in html and "rows repeating an earlier deal id" in html and "Stage-to-stage" in html


@pytest.mark.parametrize("fmt", list(ARGS))
def test_every_format_runs(fmt, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(REPO)
    assert cli.main(["calibrate", *ARGS[fmt], "--format", fmt, "--json", str(tmp_path / "c.json")]) == 0
    out = capsys.readouterr().out
    assert "win closed-only" in out and "win censoring-aware" in out and "segments:" in out
    d = json.loads((tmp_path / "c.json").read_text())
    assert d["format"] == fmt and any(s["included"] for s in d["segments"].values())


def test_a_segment_the_base_lacks_fails_the_extends_check(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(REPO)
    out = tmp_path / "f.yaml"
    args = [*ARGS["sales-pipeline"][:1], "--format", "sales-pipeline", "--segments", "all"]
    assert cli.main(["calibrate", *args, "--extends", "scenarios/series-a.yaml", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.endswith(
        "error: --extends scenarios/series-a.yaml: it has no segment 'all' (its segments: smb, mid_market, enterprise);"
        " name the export's segments as the scenario does, with --segments or a segment column\n"
    )
    assert not out.exists()


def test_the_benchmark_script_runs(capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_calibrate", REPO / "benchmarks" / "calibrate.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--deals", "3000", "--repeats", "1"]) == 0
    assert "calibrate on 3,000 deals" in capsys.readouterr().out


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        cli.cli.main(["calibrate", "--help"], prog_name="orgsim")
    text = capsys.readouterr().out
    assert "Examples:" in text and "--format" in text and "--extends" in text


def test_report_and_out_are_checked_before_reading(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(REPO)
    a_file = tmp_path / "report"
    a_file.write_text("x")
    assert cli.main(["calibrate", *GENERIC, "--format", "generic", "--report", str(a_file)]) == 2
    assert capsys.readouterr().err == f"error: --report {a_file}: exists and is not a directory\n"
    rep = tmp_path / "rep"
    rep.mkdir()
    out = rep / "f.yaml"
    assert cli.main(["calibrate", *GENERIC, "--format", "generic", "--report", str(rep), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"error: --out {out} is inside --report {rep}, which orgsim replaces as a whole; write it elsewhere\n"
    )
    assert list(rep.iterdir()) == []


def _contract_csv(path: Path) -> Path:
    """A generic export with exactly the contract's columns: smb well supported, mid_market with
    one win (no ACV fit), enterprise with open deals only (nothing decided: no win rate, no cycle)."""
    rows = ["deal_id,segment,source,created_date,closed_date,outcome,amount"]
    for i in range(30):
        created = f"2024-01-{1 + i % 28:02d}"
        outcome = "won" if i % 3 == 0 else "lost"
        rows.append(f"S{i},smb,inbound,{created},2024-03-{1 + (i * 7) % 28:02d},{outcome},{5000 + 250 * i}")
    rows += [f"M{i},mid_market,outbound,2024-02-0{1 + i},2024-04-0{1 + i},lost,30000" for i in range(3)]
    rows.append("M9,mid_market,outbound,2024-02-09,2024-04-20,won,41000")
    rows += ["E1,enterprise,outbound,2024-03-01,,open,150000", "E2,enterprise,,2024-04-01,,open,90000"]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_every_segment_has_the_contract_keys_even_when_not_estimable(tmp_path, capsys):
    """docs/reference/interfaces.md: segments.<seg> holds n_deals, n_open, win_rate {estimate, ci95},
    sales_cycle_days {dist, mean, cv} and acv; a value that cannot be estimated is null (as in
    every JSON document of orgsim), the key is not left out."""
    deals = _contract_csv(tmp_path / "deals.csv")
    out = tmp_path / "cal.json"
    args = ["calibrate", str(deals), "--format", "generic", "--as-of", "2024-06-30", "--json", str(out)]
    assert cli.main(args) == 0
    capsys.readouterr()

    def no_nan(x: str) -> None:
        raise AssertionError(f"{x} in the JSON")

    d = json.loads(out.read_text(), parse_constant=no_nan)
    assert list(d["segments"]) == ["smb", "mid_market", "enterprise"]
    for name, s in d["segments"].items():
        assert {"n_deals", "n_open", "win_rate", "sales_cycle_days", "acv"} <= set(s), name
        assert {"estimate", "ci95"} <= set(s["win_rate"]) and len(s["win_rate"]["ci95"]) == 2, name
        assert {"dist", "mean", "cv"} <= set(s["sales_cycle_days"]), name
        assert {"dist", "mean", "cv"} <= set(s["acv"]), name
    smb, mid, ent = (d["segments"][k] for k in ("smb", "mid_market", "enterprise"))
    assert smb["n_deals"] == 30 and smb["n_open"] == 0 and smb["acv"]["dist"] is not None
    assert mid["acv"] == {**mid["acv"], "dist": None, "mean": None, "cv": None}  # one win: no fit
    assert mid["sales_cycle_days"]["dist"] is not None and mid["win_rate"]["estimate"] is not None
    assert ent["n_deals"] == 2 and ent["n_open"] == 2 and ent["included"] is False
    assert ent["win_rate"]["estimate"] is None and ent["win_rate"]["ci95"] == [None, None]
    assert ent["sales_cycle_days"]["dist"] is None and ent["acv"]["mean"] is None
