"""Exports as spreadsheets and CRMs really write them, and what the as-of date may know: semicolon
and tab delimiters, UTF-16 "Unicode text", segment names that are not plain YAML keys, a stage
history cut at --as-of, stage rows naming no deal, and why nothing is left at an early as-of."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

pytest.importorskip("lifelines")

from orgsim import cli  # noqa: E402
from orgsim.calibrate.readers import read_export  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
F = REPO / "tests" / "fixtures" / "crm" / "generic"
DEALS, STAGES = F / "deals.csv", F / "stages.csv"


@pytest.mark.parametrize("sep, encoding", [(";", "utf-8"), ("\t", "utf-8"), ("\t", "utf-16"), (",", "utf-16")], ids=str)
def test_semicolon_tab_and_utf16_exports_read_like_the_csv(sep, encoding, tmp_path):
    plain = read_export("generic", [DEALS]).deals
    p = tmp_path / "deals.csv"
    p.write_bytes(DEALS.read_text().replace(",", sep).encode(encoding))  # utf-16 writes its byte-order mark
    got = read_export("generic", [p]).deals
    pd.testing.assert_frame_equal(got.drop(columns="file"), plain.drop(columns="file"))


def test_a_decimal_comma_in_a_semicolon_export_names_the_cell(tmp_path, capsys):
    lines = DEALS.read_text().replace(",", ";").splitlines()
    lines[1] = lines[1].replace(";6030;", ";6030,5;")
    p = tmp_path / "deals.csv"
    p.write_text("\n".join(lines) + "\n")
    assert cli.main(["calibrate", str(p), "--format", "generic"]) == 2
    assert capsys.readouterr().err == (
        f"error: {p}: row 1, column 'amount': not a number; expected digits with a '.' decimal point (got '6030,5')\n"
    )


def test_segment_names_that_are_not_plain_keys_are_quoted_in_the_fragment(tmp_path, capsys):
    names = {"smb": "#smb", "mid_market": "emea: north", "enterprise": "yes"}
    df = pd.read_csv(DEALS, dtype=str, keep_default_na=False)
    df["segment"] = df["segment"].map(names)
    p, out = tmp_path / "deals.csv", tmp_path / "fragment.yaml"
    df.to_csv(p, index=False)
    assert cli.main(["calibrate", str(p), "--format", "generic", "--out", str(out)]) == 0
    text = out.read_text()
    assert '\n  "#smb":\n' in text and '\n  "emea:_north":\n' in text
    assert "\n  # yes: 12 deals, left out" in text
    assert list(yaml.safe_load(text)["segments"]) == ["#smb", "emea:_north"]  # the YAML reads back


def test_stage_history_is_cut_at_as_of(tmp_path):
    def stages(files: list[Path]) -> list[dict]:
        js = tmp_path / "cal.json"
        assert cli.main(["calibrate", *map(str, files), "--format", "generic", "--as-of", "2023-06-30",
                         "--json", str(js), "--out", str(tmp_path / "f.yaml")]) == 0  # fmt: skip
        return json.loads(js.read_text())["stages"]

    h = pd.read_csv(STAGES, dtype=str)
    cut = tmp_path / "stages.csv"
    h[h["entered_date"] <= "2023-06-30"].to_csv(cut, index=False)
    known_then = stages([DEALS, cut])
    assert stages([DEALS, STAGES]) == known_then  # later stage changes had not happened at the as-of date
    assert known_then[0] == {"stage": "discovery", "entered": 128, "advanced": 104, "still_open_here": 12,
                             "conversion": 0.8966}  # fmt: skip


def test_stage_rows_of_unknown_deals_are_counted(tmp_path, capsys):
    p = tmp_path / "stages.csv"
    p.write_text(STAGES.read_text().replace("\nD-00001,", "\nX-00001,"))
    assert cli.main(["calibrate", str(DEALS), str(p), "--format", "generic", "--out", str(tmp_path / "f.yaml")]) == 0
    n = STAGES.read_text().count("\nD-00001,")
    assert f"warning: data quality: {n} stage-history rows naming no deal of the deal files left out\n" in (
        capsys.readouterr().err
    )


def test_nothing_left_at_an_early_as_of_says_why(capsys):
    assert cli.main(["calibrate", str(DEALS), "--format", "generic", "--as-of", "2000-01-01"]) == 2
    err = capsys.readouterr().err
    assert "warning: data quality: 413 deals created after the as-of date (in the future) left out\n" in err
    assert err.endswith("no deals left to estimate from (see the warnings above)\n")


@pytest.mark.parametrize(
    "maps, expected",
    [
        (["Region=segment"], "--map Region=segment: no file has a column 'Region'"),
        (["owner=segment", "source=segment"], "--map source=segment: field 'segment' is already read from column "
         "'owner'"),
    ],
)  # fmt: skip
def test_a_map_names_a_column_that_exists_and_a_field_once(maps, expected, capsys):
    args = [x for m in maps for x in ("--map", m)]
    assert cli.main(["calibrate", str(DEALS), "--format", "generic", *args]) == 2
    assert capsys.readouterr().err == f"error: {expected}\n"
