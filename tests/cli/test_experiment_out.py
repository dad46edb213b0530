"""`compare`, `sweep` and `focus --out DIR`: the files a user gets, and `orgsim report DIR` on them.

Each command runs once per module (in-process, through `orgsim.cli.main`, with a 12-month horizon
and 2-3 replications); the tests then read the directory as a user or a script would: the JSON
is what --json writes, the CSVs parse with the expected rows and columns, the PNGs are PNGs, and
report.html is self-contained and says what the JSON says. Regeneration runs the real command in
a fresh process.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import orgsim
from orgsim import cli
from orgsim.metrics import KPI_KEYS
from orgsim.metrics.registry import fmt

REPO = Path(__file__).resolve().parents[2]
SERIES_A, NO_SDR = REPO / "scenarios" / "series-a.yaml", REPO / "scenarios" / "no-sdr.yaml"
BASE_NAME = "series-a"
COMMON = ("-s", "1", "-w", "1", "--set", "horizon_months=12", "--quiet")
ORDERS = ("product,sales,marketing,service", "sales,product,marketing,service")
PNG = b"\x89PNG\r\n\x1a\n"
COMMANDS = ("compare", "sweep", "focus")
FILES = {  # besides manifest.json, report.html, plots/ and Parquet copies
    "compare": {"compare.json", "summary.csv", "differences.csv", "kpis.csv", "monthly.csv"},
    "sweep": {"sweep.json", "sweep.csv", "kpis.csv"},
    "focus": {"focus.json", "ranking.csv", "kpis.csv"},
}
PLOTS = {"compare": {"differences", "arr_fan"}, "sweep": {"sweep"}, "focus": {"ranking"}}
HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None


@dataclass
class Made:
    """What one command wrote: its --out directory and its --json (and --csv) file."""

    out: Path
    json_file: Path
    csv_file: Path | None = None


def run_cli(*args: str) -> None:
    assert cli.main(list(args)) == 0


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Made]:
    tmp = tmp_path_factory.mktemp("experiments")
    cmp = Made(tmp / "runs" / "no-sdr", tmp / "compare.json")  # --out's parents are created
    run_cli(
        "compare", str(SERIES_A), str(NO_SDR), "-n", "3", *COMMON, "--out", str(cmp.out), "--json", str(cmp.json_file)
    )
    sw = Made(tmp / "sweep", tmp / "sweep.json", tmp / "sweep.csv")
    run_cli(
        "sweep",
        str(SERIES_A),
        "--vary",
        "roles.sdr.headcount=2,4",
        "-n",
        "2",
        *COMMON,
        "--out",
        str(sw.out),
        "--json",
        str(sw.json_file),
        "--csv",
        str(sw.csv_file),
    )
    fo = Made(tmp / "focus", tmp / "focus.json")
    run_cli(
        "focus",
        str(SERIES_A),
        "--orders",
        ORDERS[0],
        "--orders",
        ORDERS[1],
        "-n",
        "2",
        "--max-replications",
        "4",
        "--min",
        "cash_end=0",
        *COMMON,
        "--out",
        str(fo.out),
        "--json",
        str(fo.json_file),
    )
    return {"compare": cmp, "sweep": sw, "focus": fo}


def result(made: dict[str, Made], command: str) -> dict:
    return json.loads((made[command].out / f"{command}.json").read_text(encoding="utf-8"))


def manifest(made: dict[str, Made], command: str) -> dict:
    return json.loads((made[command].out / "manifest.json").read_text(encoding="utf-8"))


class Page(HTMLParser):
    """The tags, src/href attributes and visible text of an HTML document."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[tuple[str, str]] = []
        self.words: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.refs += [(tag, v or "") for k, v in attrs if k in ("src", "href", "srcset", "data", "poster", "action")]

    def handle_data(self, data: str) -> None:
        self.words.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.words).split())


def report(made: dict[str, Made], command: str) -> Page:
    return Page((made[command].out / "report.html").read_text(encoding="utf-8"))


# ---- the files -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_out_writes_every_file_and_the_manifest_lists_them(made: dict[str, Made], command: str):
    out = made[command].out
    written = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    expected = FILES[command] | {"manifest.json", "report.html"} | {f"plots/{n}.png" for n in PLOTS[command]}
    parquet = {f"{Path(name).stem}.parquet" for name in FILES[command] if name.endswith(".csv")}
    assert written == expected | (parquet if HAS_PYARROW else set())
    assert all((out / name).stat().st_size > 0 for name in written)
    assert set(manifest(made, command)["files"]) == written, "the manifest lists exactly the files written"


@pytest.mark.parametrize("command", COMMANDS)
def test_json_in_dir_is_exactly_what_json_writes(made: dict[str, Made], command: str):
    assert (made[command].out / f"{command}.json").read_bytes() == made[command].json_file.read_bytes()


def test_sweep_csv_in_dir_is_exactly_what_csv_writes(made: dict[str, Made]):
    assert (made["sweep"].out / "sweep.csv").read_bytes() == made["sweep"].csv_file.read_bytes()


@pytest.mark.parametrize("command", COMMANDS)
def test_manifest_says_what_produced_the_results(made: dict[str, Made], command: str):
    m = manifest(made, command)
    assert m["command"] == command and m["orgsim_version"] == orgsim.__version__
    files = [SERIES_A, NO_SDR] if command == "compare" else [SERIES_A]
    assert [f["file"] for f in m["scenario_files"]] == [str(p) for p in files]
    assert [f["sha256"] for f in m["scenario_files"]] == [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
    assert m["overrides"] == ["horizon_months=12"] and (m["seed"], m["workers"]) == (1, 1)
    assert m["replications"] == {"compare": 3, "sweep": 2, "focus": 2}[command]
    names = [BASE_NAME, "no-sdr"] if command == "compare" else [BASE_NAME]
    assert list(m["scenarios"]) == names and all(s["horizon_months"] == 12 for s in m["scenarios"].values())
    assert m["created_utc"].endswith("Z") and m["runtime_s"] >= 0 and m["python"]
    settings = {
        "compare": {"baseline": BASE_NAME},
        "sweep": {
            "vary": ["roles.sdr.headcount=2,4"],
            "kpis": ["arr_end", "new_customers", "cac_payback_months", "cash_end", "cash_out"],
        },
        "focus": {
            "by": "arr_end",
            "goal": "max",
            "minimum": ["cash_end=0"],
            "maximum": [],
            "orders": list(ORDERS),
            "method": "sequential",
            "batch": 2,
            "max_replications": 4,
            "alpha": 0.05,
            "delta": None,
        },
    }[command]
    assert m["settings"] == settings


def test_compare_tables(made: dict[str, Made]):
    out, doc = made["compare"].out, result(made, "compare")
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["scenario", "kpi", "n", "mean", "std", "ci95_low", "ci95_high"]
    assert len(summary) == 2 * len(KPI_KEYS)
    arr = summary.set_index(["scenario", "kpi"]).loc[("no-sdr", "arr_end")]
    assert arr["mean"] == pytest.approx(doc["arms"]["no-sdr"]["kpis"]["arr_end"]["mean"], rel=1e-12)

    diffs = pd.read_csv(out / "differences.csv")
    assert {"arm", "kpi", "mean", "ci95_low", "ci95_high", "p_value", "significant"} <= set(diffs.columns)
    assert list(diffs["arm"]) == ["no-sdr"] * len(KPI_KEYS) and list(diffs["kpi"]) == list(KPI_KEYS)
    d = diffs.set_index("kpi").loc["arr_end"]
    assert d["mean"] == pytest.approx(doc["differences"]["no-sdr"]["arr_end"]["mean"], rel=1e-12)

    kpis = pd.read_csv(out / "kpis.csv")
    assert {"scenario", "replication", "seed", *KPI_KEYS} <= set(kpis.columns)
    assert sorted(zip(kpis["scenario"], kpis["replication"])) == sorted(
        (s, r) for s in (BASE_NAME, "no-sdr") for r in range(3)
    )
    monthly = pd.read_csv(out / "monthly.csv")
    assert list(monthly.columns) == ["scenario", "replication", "seed", "month", "metric", "value"]
    arr_rows = monthly[monthly["metric"] == "arr"]
    assert arr_rows.groupby("scenario").size().to_dict() == {BASE_NAME: 3 * 12, "no-sdr": 3 * 12}


def test_sweep_tables(made: dict[str, Made]):
    out, doc = made["sweep"].out, result(made, "sweep")
    frame = pd.read_csv(out / "sweep.csv")
    assert list(frame.columns) == [
        "roles.sdr.headcount",
        "point",
        "kpi",
        "replications",
        "n",
        "mean",
        "std",
        "ci95_low",
        "ci95_high",
    ]
    assert len(frame) == 2 * len(KPI_KEYS) and sorted(set(frame["roles.sdr.headcount"])) == [2, 4]
    kpis = pd.read_csv(out / "kpis.csv")
    assert {"roles.sdr.headcount", "point", "replication", *KPI_KEYS} <= set(kpis.columns)
    assert len(kpis) == 2 * 2
    means = kpis.groupby("point")["arr_end"].mean()
    assert [means[p["point"]] for p in doc["points"]] == pytest.approx(
        [p["kpis"]["arr_end"]["mean"] for p in doc["points"]], rel=1e-12
    )


def test_focus_tables(made: dict[str, Made]):
    out, doc = made["focus"].out, result(made, "focus")
    ranking = pd.read_csv(out / "ranking.csv")
    assert {"rank", "order", "status", "replications", "mean", "ci95_low", "ci95_high", "cash_end"} <= set(
        ranking.columns
    )
    assert list(ranking["order"]) == [" > ".join(o["order"]) for o in doc["orders"]]
    kpis = pd.read_csv(out / "kpis.csv")
    assert kpis.columns[0] == "order" and {"replication", *KPI_KEYS} <= set(kpis.columns)
    assert kpis.groupby("order").size().to_dict() == {" > ".join(o["order"]): o["replications"] for o in doc["orders"]}


@pytest.mark.skipif(not HAS_PYARROW, reason="Parquet copies are written only when pyarrow is installed")
@pytest.mark.parametrize("command", COMMANDS)
def test_parquet_copies_hold_the_csv_tables(made: dict[str, Made], command: str):
    def cells(df: pd.DataFrame) -> pd.DataFrame:  # Parquet's null and "" are both a CSV's empty cell
        df = df.astype(object)
        return df.where(df.notna() & (df != ""), None)

    for name in FILES[command] - {f"{command}.json"}:
        stem = Path(name).stem
        pd.testing.assert_frame_equal(
            cells(pd.read_parquet(made[command].out / f"{stem}.parquet")),
            cells(pd.read_csv(made[command].out / name)),
            check_dtype=False,
        )


@pytest.mark.parametrize("command", COMMANDS)
def test_plots_are_pngs(made: dict[str, Made], command: str):
    from PIL import Image

    for name in PLOTS[command]:
        path = made[command].out / "plots" / f"{name}.png"
        assert path.read_bytes().startswith(PNG)
        with Image.open(path) as im:
            assert im.width > 400 and im.height > 150


# ---- report.html -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_report_is_self_contained(made: dict[str, Made], command: str):
    page = report(made, command)
    for tag, ref in page.refs:
        assert not ref.lower().startswith(("http:", "https:", "//", "ftp:", "file:")), (tag, ref[:80])
    images = [ref for tag, ref in page.refs if tag == "img"]
    assert len(images) == len(PLOTS[command])
    for src in images:
        assert src.startswith("data:image/png;base64,") and base64.b64decode(src.split(",", 1)[1]).startswith(PNG)
    assert not {"script", "link", "iframe", "object", "embed"} & set(page.tags)
    for heading in ("What was run", "What it shows", "Plots", "Manifest"):
        assert heading in page.text


def test_compare_report_headline_matches_the_json(made: dict[str, Made]):
    text, d = report(made, "compare").text, result(made, "compare")["differences"]["no-sdr"]["arr_end"]
    more = "more" if d["mean"] > 0 else "less"
    p = "p<0.001" if d["p_value"] < 0.001 else f"p={d['p_value']:.3f}"
    verdict = "is significant" if d["p_value"] < 0.05 else "is not significant"
    assert f"no-sdr ends with {fmt(abs(d['mean']), 'money')} {more} ARR than {BASE_NAME}" in text
    assert f"the difference {verdict} ({p})" in text
    assert "3 times over 12 months with seed 1" in text and "Common random numbers" in text


def test_compare_report_marks_where_the_rank_test_disagrees(made: dict[str, Made]):
    diffs = result(made, "compare")["differences"]["no-sdr"]
    disagree = sum(bool(d["tests_disagree"]) for d in diffs.values())
    assert report(made, "compare").text.count("†") == disagree + 1  # one per such KPI, one in the legend


def test_sweep_report_headline_matches_the_json(made: dict[str, Made]):
    text, doc = report(made, "sweep").text, result(made, "sweep")
    best = max(doc["points"], key=lambda p: p["kpis"]["arr_end"]["mean"])
    assert (
        f"The best point for ARR at end (highest mean) is roles.sdr.headcount = "
        f"{best['params']['roles.sdr.headcount']}: {fmt(best['kpis']['arr_end']['mean'], 'money')}"
    ) in text
    assert "As roles.sdr.headcount goes from 2 to 4, ARR at end moves from" in text
    assert "2 replications of 12 months with seed 1" in text


def test_focus_report_headline_matches_the_json(made: dict[str, Made]):
    text, doc = report(made, "focus").text, result(made, "focus")
    assert doc["statement"] in text
    assert f"Chosen order: {' → '.join(doc['chosen'])}" in text
    assert f"It took {doc['replications_used']:,} replications in {len(doc['rounds'])} looks" in text
    assert "Orders had to meet mean cash_end ≥ 0" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_report_command_regenerates_the_same_report(made: dict[str, Made], command: str):
    out = made[command].out
    before = {p: p.read_bytes() for p in [out / "report.html", *(out / "plots").glob("*.png")]}
    for path in before:
        path.unlink()
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    p = subprocess.run(
        [sys.executable, "-m", "orgsim", "report", str(out)], env=env, capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 0, p.stderr
    assert {path: path.read_bytes() for path in before} == before


def test_report_command_names_what_an_experiment_dir_lacks(made: dict[str, Made], tmp_path: Path, capsys):
    broken = tmp_path / "cmp"
    broken.mkdir()
    for name in ("compare.json", "manifest.json", "differences.csv"):
        (broken / name).write_bytes((made["compare"].out / name).read_bytes())
    assert cli.main(["report", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "missing monthly.csv" in err and str(broken) in err and "Traceback" not in err


# ---- bad --out -------------------------------------------------------------------------------


def command_args(command: str) -> list[str]:
    return {
        "compare": ["compare", str(SERIES_A), str(NO_SDR)],
        "sweep": ["sweep", str(SERIES_A), "--vary", "roles.sdr.headcount=2,4"],
        "focus": ["focus", str(SERIES_A)],
    }[command]


@pytest.mark.parametrize("command", COMMANDS)
def test_out_that_is_a_file_exits_2_naming_it(tmp_path: Path, capsys, command: str):
    target = tmp_path / "taken"
    target.write_text("not a directory")
    assert cli.main([*command_args(command), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert str(target) in err and "is a file" in err and "Traceback" not in err
    assert target.read_text() == "not a directory"


@pytest.mark.parametrize("command", COMMANDS)
def test_out_under_a_file_exits_2_before_running(tmp_path: Path, capsys, command: str, monkeypatch):
    import orgsim.experiments

    (tmp_path / "file").write_text("x")
    target = tmp_path / "file" / "out"
    monkeypatch.setattr(orgsim.experiments, command, lambda *a, **k: pytest.fail("ran before checking --out"))
    assert cli.main([*command_args(command), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"--out {target}: {tmp_path / 'file'} is not a directory" in err and "Traceback" not in err


@pytest.mark.parametrize("command", COMMANDS)
def test_help_explains_out(capsys, command: str):
    assert cli.main([command, "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "-o, --out DIR" in out and "report.html" in out and f"{command}.json (as --json)" in out
    assert f"orgsim {command} " in out and "--out out/" in out  # an example
