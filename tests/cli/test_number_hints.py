"""A number in exponent form that YAML reads as text (`5e4`): the message says how to write the user's
own number, in a scenario file and in --set, with the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgsim import cli

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "scenarios" / "reference.yaml"


def test_a_file_value_gets_its_own_number_back(tmp_path: Path, capsys):
    text = REFERENCE.read_text(encoding="utf-8")
    assert "    budget_per_month: 50000\n" in text
    bad = tmp_path / "exp.yaml"
    bad.write_text(text.replace("    budget_per_month: 50000\n", "    budget_per_month: 5e4\n"), encoding="utf-8")
    line = text[: text.index("    budget_per_month: 50000")].count("\n") + 1
    assert cli.main(["validate", str(bad)]) == 2
    assert capsys.readouterr().err == (
        f"{bad}: 1 problem\n"
        f"  lead_sources.paid.budget_per_month (line {line}): must be a number (got '5e4'); "
        "YAML reads this as text: write 50000 or 5.0e+4\n"
    )


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("1e3", "write 1000 or 1.0e+3"),
        ("2E1", "write 20 or 2.0e+1"),
    ],
)
def test_a_set_value_gets_its_own_number_back(value: str, hint: str, capsys):
    assert cli.main(["run", str(REFERENCE), "-n", "1", "--set", f"roles.sdr.headcount={value}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{REFERENCE}: 1 problem\n")
    assert f"roles.sdr.headcount: must be a whole number (got '{value}'); YAML reads this as text: {hint}" in err
    assert "1000000" not in err and "Traceback" not in err


def test_small_and_huge_numbers_are_spelled_as_yaml_reads_them(capsys):
    from orgsim.scenario.messages import text_hint

    assert text_hint("1.5e-3") == "; YAML reads this as text: write 0.0015 or 1.5e-3"
    assert text_hint("-5e4") == "; YAML reads this as text: write -50000 or -5.0e+4"
    assert text_hint("1e20") == "; YAML reads this as text: write 1.0e+20"  # no 21-digit integer
    assert text_hint("1e400") == ""  # not a finite number: nothing to suggest
