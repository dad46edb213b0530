"""`run --out` writes plots and a self-contained report.html; `orgsim report DIR` regenerates it."""

from __future__ import annotations

import base64
import json
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from plots_support import ROOT, load, orgsim_cmd

import orgsim
from orgsim.outputs import report
from orgsim.outputs.text import bottleneck
from orgsim.scenario.loader import scenario_to_dict

PNG = b"\x89PNG\r\n\x1a\n"
PLOTS = {
    "arr_fan",
    "arr_bridge",
    "funnel",
    "headcount_cost",
    "bottlenecks",
    "health",
    "health_distribution",
    "cash_runway",
    "retention_cohorts",
    "health_transitions",
}


class Refs(HTMLParser):
    """Every tag name and every src/href attribute of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[tuple[str, str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "data", "poster"):
                self.refs.append((tag, name, value or ""))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Refs:
    p = Refs()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_run_out_writes_plots_report_and_lists_them(run_dir: Path):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    pngs = sorted(p.stem for p in (run_dir / "plots").glob("*.png"))
    assert set(pngs) == PLOTS
    for p in (run_dir / "plots").glob("*.png"):
        assert p.read_bytes().startswith(PNG) and p.stat().st_size > 10_000
    listed = set(manifest["files"])
    assert {f"plots/{n}.png" for n in PLOTS} | {"report.html", "counters.csv", "manifest.json"} <= listed
    assert all((run_dir / f).is_file() for f in listed), "the manifest lists only files that exist"
    assert not [p for p in run_dir.rglob("*") if p.name.endswith(".tmp")], "no temporary files left"
    counters = pd.read_csv(run_dir / "counters.csv")
    assert len(counters) == 2 and "mean_onboarding_wait_days" in counters


def test_parquet_only_with_pyarrow(run_dir: Path):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    parquet = sorted(f for f in manifest["files"] if f.endswith(".parquet"))
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        assert parquet == [] and not list(run_dir.glob("*.parquet"))
        return
    assert parquet == ["funnel.parquet", "kpis.parquet", "monthly.parquet", "stages.parquet"]
    monthly = pd.read_parquet(run_dir / "monthly.parquet")
    pd.testing.assert_frame_equal(monthly, pd.read_csv(run_dir / "monthly.csv"), check_dtype=False)


def test_report_is_self_contained(run_dir: Path):
    doc = parse(run_dir / "report.html")
    assert doc.refs, "the report has images"
    for tag, attr, value in doc.refs:
        assert not value.lower().startswith(("http:", "https:", "//", "ftp:", "file:")), (tag, attr, value[:80])
    imgs = [v for t, a, v in doc.refs if t == "img"]
    assert len(imgs) == len(PLOTS)
    for src in imgs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG)
    assert not {"script", "link", "iframe", "object", "embed"} & set(doc.tags)
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "url(" not in html


def test_report_sections_say_what_the_data_says(run_dir: Path):
    doc = parse(run_dir / "report.html")
    text = " ".join(doc.text)
    summary = json.loads((run_dir / "summary.json").read_text())
    for heading in (
        "Findings",
        "KPIs",
        "Plots",
        "The scenario in words",
        "Organisation",
        "Who owns what",
        "Hiring and growth",
        "Funnel and stages",
        "Manifest",
    ):
        assert heading in text
    worst = bottleneck(summary)
    assert f"{worst.capitalize()} is the bottleneck" in text
    assert "SDRs qualify marketing-qualified leads" in text and "CSMs run renewals." in text
    assert "Growth plan: 2 hires a month" in text and "product (from month 1), then sales (from month 10)" in text
    assert "15 people at the start" in text  # 15 engineers in product
    for kpi in ("arr_end", "cac_payback_months", "runway_months"):
        assert kpi in text
    assert summary["scenario"] in text and "scenario_sha256" in text


def test_report_command_regenerates(run_dir: Path):
    (run_dir / "report.html").unlink()
    for p in (run_dir / "plots").glob("*.png"):
        p.unlink()
    p = orgsim_cmd("report", str(run_dir))
    assert p.returncode == 0, p.stderr
    assert "report.html" in p.stdout
    assert (run_dir / "report.html").stat().st_size > 100_000
    assert {q.stem for q in (run_dir / "plots").glob("*.png")} == PLOTS


@pytest.mark.parametrize("case", ["empty", "missing", "not-json"])
def test_report_command_refuses_a_directory_without_a_run(tmp_path: Path, run_dir: Path, case: str):
    target = tmp_path / "d"
    if case != "missing":
        target.mkdir()
    if case == "not-json":
        for name in ("monthly.csv", "stages.csv", "funnel.csv"):
            (target / name).write_bytes((run_dir / name).read_bytes())
        (target / "summary.json").write_text("{not json")
    p = orgsim_cmd("report", str(target))
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "Traceback" not in p.stderr and str(target) in p.stderr
    assert {"empty": "missing summary.json", "missing": "no such directory", "not-json": "cannot read it as JSON"}[
        case
    ] in p.stderr
    assert not (target / "report.html").exists()


def test_report_escapes_text_from_data(run_dir: Path, tmp_path: Path):
    d = tmp_path / "evil"
    d.mkdir()
    for f in ("monthly.csv", "stages.csv", "funnel.csv", "counters.csv"):
        (d / f).write_bytes((run_dir / f).read_bytes())
    summary = json.loads((run_dir / "summary.json").read_text())
    summary["scenario"] = "<script>alert('name')</script>"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    manifest["scenario"]["description"] = "Acme & Co <img src=http://x.invalid/a.png onerror=alert(1)>"
    manifest["overrides"] = ["name=<b>bold</b>"]
    (d / "summary.json").write_text(json.dumps(summary))
    (d / "manifest.json").write_text(json.dumps(manifest))
    report.write_report(d)
    html = (d / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "<img src=http" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in html
    assert "Acme &amp; Co &lt;img src=http://x.invalid/a.png" in html
    assert not [v for _, _, v in parse(d / "report.html").refs if "x.invalid" in v]


def test_report_shows_the_health_distribution(run_dir: Path):
    doc = parse(run_dir / "report.html")
    alts = [t for t in doc.text if "How health is spread over the active accounts" in t]
    assert len(alts) == 1 and "share below the active and the healthy threshold" in alts[0]
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert '<img alt="health distribution" src="data:image/png;base64,' in html
    order = [html.index(f'alt="{n}"') for n in ("health", "health distribution", "cash runway")]
    assert order == sorted(order)
    assert (run_dir / "plots" / "health_distribution.png").read_bytes().startswith(PNG)


def test_report_of_a_run_without_health_bands(run_dir: Path, tmp_path: Path):
    """A run directory written before orgsim recorded health bands: the report leaves that plot out."""
    d = tmp_path / "old"
    d.mkdir()
    for f in ("summary.json", "stages.csv", "funnel.csv", "manifest.json"):
        (d / f).write_bytes((run_dir / f).read_bytes())
    monthly = pd.read_csv(run_dir / "monthly.csv")
    monthly[~monthly["metric"].str.startswith("health_band.")].to_csv(d / "monthly.csv", index=False)
    paths = report.write_report(d, dpi=40)  # what `orgsim report DIR` does, at a low resolution
    assert {p.name for p in paths} == {"report.html"} | {f"{n}.png" for n in PLOTS - {"health_distribution"}}
    assert 'alt="health distribution"' not in (d / "report.html").read_text(encoding="utf-8")


def test_findings_say_how_many_accounts_are_below_the_thresholds(result):
    """From the data: the shares below the thresholds at the last month are those of the health bands."""
    run = report.RunData(
        result.to_dict(), result.monthly, result.stages, result.funnel, {"scenario": scenario_to_dict(result.scenario)}
    )
    assert not [f for f in report.findings(run) if f.startswith("By month")]  # 12 months of series-a: ~all healthy
    (found,) = [f for f in report.findings(run, unhealthy=0.0) if f.startswith("By month")]
    last = result.monthly.query("month == 12 and metric.str.startswith('health_band.')")
    bands = last.pivot_table(index="replication", columns="metric", values="value").to_numpy()
    share = lambda upto: float((bands[:, :upto].sum(axis=1) / bands.sum(axis=1)).mean())  # noqa: E731
    assert found == (
        f"By month 12, {share(3):.0%} of accounts are below the active threshold (health < 0.3) and "
        f"{share(6):.0%} below the healthy threshold (health < 0.6); accounts below the healthy threshold "
        "renew less often than their segment's renewal rate."
    )


def test_report_works_without_manifest(run_dir: Path, tmp_path: Path):
    d = tmp_path / "bare"
    d.mkdir()
    for f in ("summary.json", "monthly.csv", "stages.csv", "funnel.csv"):
        (d / f).write_bytes((run_dir / f).read_bytes())
    paths = report.write_report(d)
    assert {p.name for p in paths} == {"report.html"} | {f"{n}.png" for n in PLOTS}
    assert "No manifest.json" in (d / "report.html").read_text(encoding="utf-8")


def test_onset_month():
    s = lambda xs: pd.Series(xs, index=range(1, len(xs) + 1), dtype=float)  # noqa: E731
    assert report.onset_month(s([0] * 12)) is None
    assert report.onset_month(s([0, 0, 0, 1, 2, 4, 6, 8, 10, 12, 13, 13])) == 6  # first at >= 20% of the peak
    assert report.onset_month(s([0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0])) is None  # a spike, not a queue
    assert report.onset_month(s([0, 0, 0, 5, 6, 0, 7, 8, 9, 9, 8, 9])) == 4  # one dip is tolerated


def test_findings_name_the_bottleneck_and_when_it_starts():
    """Too few implementers: the implementation queue builds and the finding says so in words."""
    sc = load(**{"roles.implementer.headcount": 1})
    res = orgsim.simulate(sc, replications=2, seed=1)
    run = report.RunData(
        summary=res.to_dict(),
        monthly=res.monthly,
        stages=res.stages,
        funnel=res.funnel,
        manifest={"scenario": scenario_to_dict(sc)},
        counters=res.counters,
    )
    # implementation waits longest, but its people are busy 77% of the horizon (the queue builds
    # from month ~5): under the default 85% it is not called the bottleneck; presales (95%) is
    stage = res.to_dict()["stages"]
    assert stage["implementation"]["utilization"]["mean"] < 0.85 <= stage["presales"]["utilization"]["mean"]
    found = report.findings(run)
    assert found[0].startswith("Cash never runs out")  # cash always comes first (issue 14)
    assert found[1].startswith("Presales is the bottleneck")
    assert found[2].startswith("Work waits longest at implementation, with a queue from month ")
    assert "Not called a bottleneck: its people are busy less than 85% of their time" in found[2]
    found = report.findings(run, busy=0.75)  # `orgsim report --bottleneck-utilisation 0.75`
    first = found[1]
    assert first.startswith("Implementation is the bottleneck from month ")
    month = int(first.split("from month ")[1].split(":")[0])
    queue = res.monthly.query("metric == 'queue.implementation'").groupby("month")["value"].mean()
    assert 3 <= month <= 10 and queue.loc[month:].min() >= 1
    stage = stage["implementation"]
    assert f"work waits {stage['mean_wait_hours']['mean'] / 24:.1f} days on average" in first
    assert f"at {stage['utilization']['mean']:.0%} utilisation" in first
    assert "customers waiting for delivery start with lower health" in first


def test_findings_when_nothing_waits_and_cash_runs_out():
    """60 people in every delivery role: no queue anywhere, and the payroll empties the bank.

    On scenarios/reference.yaml: in series-a AEs self-source (10% of their time), so 60 AEs also book
    ~70 meetings a month themselves and the sales pods are full for minutes at a time; the old
    company's AEs only take the work others bring, so 60 of them leave nothing waiting.
    """
    sc = load(
        ROOT / "scenarios" / "reference.yaml",
        **{f"roles.{r}.headcount": 60 for r in ("sdr", "ae", "se", "implementer", "csm")},
    )
    res = orgsim.simulate(sc, replications=1, seed=1)
    assert res.stage_summary()["mean_wait_hours"].max() < 0.01  # seconds at most (pods can be full for a moment)
    run = report.RunData(res.to_dict(), res.monthly, res.stages, res.funnel, {"scenario": scenario_to_dict(sc)})
    found = report.findings(run)
    busiest = res.stage_summary()["utilization"].idxmax()
    cash = res.monthly.query("metric == 'cash'").set_index("month")["value"]
    assert found[0].startswith(f"Cash runs out in the one replication, in month {cash[cash < 0].index[0]:.0f};")
    assert found[1].startswith(f"No stage makes work wait: every team has spare capacity (the busiest, {busiest},")


def test_report_shows_retention(run_dir: Path):
    """The retention section (by segment, churn reasons) and its two plots, from summary.json."""
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "<h2>Retention</h2>" in html and "Churn and contraction by reason" in html
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    for seg in summary["retention"]["by_segment"]:
        assert f"<td>{seg}</td>" in html
    for name in ("retention_cohorts", "health_transitions"):
        assert (run_dir / "plots" / f"{name}.png").read_bytes().startswith(PNG)
        assert f'alt="{name.replace("_", " ")}"' in html


def test_report_of_a_run_without_retention(run_dir: Path, tmp_path: Path):
    """A run directory written before retention outputs: the report is made without them."""
    old = tmp_path / "old"
    old.mkdir()
    for f in run_dir.iterdir():
        if f.is_file():
            (old / f.name).write_bytes(f.read_bytes())
    summary = json.loads((old / "summary.json").read_text(encoding="utf-8"))
    del summary["retention"]
    (old / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    files = report.report_files(report.load_run(old))
    assert "plots/retention_cohorts.png" not in files and "plots/arr_fan.png" in files
    assert "<h2>Retention</h2>" not in files[report.REPORT_FILE].decode("utf-8")
