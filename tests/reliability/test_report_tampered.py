"""`orgsim report DIR` on files edited by hand (issue 18, item 9): exit 2 naming the file, the
row and the column, never "internal error"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from orgsim import cli

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "scenarios" / "series-a.yaml")
COMMON = ["-n", "2", "-w", "1", "-q", "--set", "horizon_months=3"]


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("made")
    dirs = {"run": tmp / "run", "sweep": tmp / "sweep", "focus": tmp / "focus"}
    assert cli.main(["run", SCENARIO, *COMMON, "--out", str(dirs["run"])]) == 0
    sweep = ["sweep", SCENARIO, "--vary", "roles.sdr.headcount=2,4", *COMMON, "--out", str(dirs["sweep"])]
    assert cli.main([*sweep, "--checkpoint", str(tmp / "ck.jsonl")]) == 0
    focus = [
        "focus",
        SCENARIO,
        "--orders",
        "product,sales,marketing,service",
        "--orders",
        "sales,product,marketing,service",
    ]
    assert (
        cli.main([*focus, *COMMON, "--equal", "--out", str(dirs["focus"]), "--checkpoint", str(tmp / "f.jsonl")]) == 0
    )
    return dirs


def _copy(made: dict[str, Path], kind: str, tmp_path: Path) -> Path:
    d = tmp_path / kind
    shutil.copytree(made[kind], d)
    return d


def _edit_line(path: Path, line: int, edit) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[line - 1] = edit(lines[line - 1])
    path.write_text("".join(lines))


def _set_cell(path: Path, line: int, column: str, value: str) -> None:
    header = path.read_text().splitlines()[0].split(",")
    i = header.index(column)

    def edit(text: str) -> str:
        cells = text.rstrip("\n").split(",")
        cells[i] = value
        return ",".join(cells) + "\n"

    _edit_line(path, line, edit)


def _report(d: Path, capsys) -> str:
    code = cli.main(["report", str(d)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "internal error" not in err and "Traceback" not in err, err
    return err


def test_the_untouched_directories_report(made, tmp_path, capsys):
    for kind in made:
        assert cli.main(["report", str(_copy(made, kind, tmp_path))]) == 0, capsys.readouterr().err


def test_text_in_a_monthly_value(made, tmp_path, capsys):
    d = _copy(made, "run", tmp_path)
    _set_cell(d / "monthly.csv", 5, "value", "lots")
    err = _report(d, capsys)
    assert "monthly.csv: line 5, column 'value' holds 'lots'" in err


def test_a_blank_month(made, tmp_path, capsys):
    d = _copy(made, "run", tmp_path)
    _set_cell(d / "monthly.csv", 3, "month", "")
    assert "monthly.csv: line 3, column 'month' is blank" in _report(d, capsys)


def test_manifest_roles_as_a_list(made, tmp_path, capsys):
    d = _copy(made, "run", tmp_path)
    m = json.loads((d / "manifest.json").read_text())
    m["scenario"]["roles"] = ["ae", "sdr"]
    (d / "manifest.json").write_text(json.dumps(m))
    err = _report(d, capsys)
    assert "manifest.json: its resolved scenario is not valid" in err and "roles" in err


def test_manifest_scenario_not_an_object(made, tmp_path, capsys):
    d = _copy(made, "run", tmp_path)
    m = json.loads((d / "manifest.json").read_text())
    m["scenario"] = [1, 2]
    (d / "manifest.json").write_text(json.dumps(m))
    assert "manifest.json: 'scenario' should be a JSON object" in _report(d, capsys)


def test_an_unterminated_quote_in_counters(made, tmp_path, capsys):
    d = _copy(made, "run", tmp_path)
    _edit_line(d / "counters.csv", 2, lambda t: '"' + t)
    assert "counters.csv: cannot read it as CSV" in _report(d, capsys)


def test_a_dropped_column_in_funnel(made, tmp_path, capsys):
    d = _copy(made, "run", tmp_path)
    path = d / "funnel.csv"
    rows = [line.split(",") for line in path.read_text().splitlines()]
    i = rows[0].index("won")
    path.write_text("".join(",".join(r[:i] + r[i + 1 :]) + "\n" for r in rows))
    assert "funnel.csv: missing column(s) won" in _report(d, capsys)


def test_a_ragged_row_in_funnel(made, tmp_path, capsys):
    d = _copy(made, "run", tmp_path)
    _edit_line(d / "funnel.csv", 2, lambda t: t.rstrip("\n") + ",1,2,3\n")
    assert "funnel.csv: a row has more cells than the header" in _report(d, capsys)


def test_text_in_sweep_csv(made, tmp_path, capsys):
    d = _copy(made, "sweep", tmp_path)
    _set_cell(d / "sweep.csv", 2, "mean", "lots")
    assert "sweep.csv: line 2, column 'mean' holds 'lots'" in _report(d, capsys)


def test_text_in_ranking_csv(made, tmp_path, capsys):
    d = _copy(made, "focus", tmp_path)
    _set_cell(d / "ranking.csv", 2, "replications", "many")
    assert "ranking.csv: line 2, column 'replications' holds 'many'" in _report(d, capsys)


def test_experiment_manifest_settings_as_a_list(made, tmp_path, capsys):
    d = _copy(made, "sweep", tmp_path)
    m = json.loads((d / "manifest.json").read_text())
    m["settings"] = ["kpis"]
    (d / "manifest.json").write_text(json.dumps(m))
    assert "manifest.json: 'settings' should be a JSON object" in _report(d, capsys)
