"""`-q/--quiet` does what the docs say for every command that runs replications: nothing on stdout
or stderr (no progress bar, no tables, no `report:` line) but errors and the scenario's warnings;
the files are written as usual (`run -q --out` in tests/cli/test_cli.py). reference.yaml, 3 months,
2 replications: seconds in all."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgsim.cli import main
from orgsim.cli.common import progress_bar

REPO = Path(__file__).resolve().parents[2]
REF = str(REPO / "scenarios" / "reference.yaml")
SHORT = ("--set", "horizon_months=3", "-n", "2", "-s", "1")
COMMANDS = {
    "run": ("run", REF, *SHORT),
    "compare": ("compare", REF, str(REPO / "scenarios" / "no-sdr.yaml"), *SHORT),
    "sweep": ("sweep", REF, "--vary", "roles.sdr.headcount=1,2", *SHORT),
    "focus": (
        "focus",
        REF,
        "--orders",
        "product,sales,marketing,service",
        "--orders",
        "sales,marketing,service,product",
        *SHORT,
    ),  # fmt: skip
    "hire": ("hire", REF, "--next", "1", "--roles", "ae,sdr", "--at-month", "3", "-n", "2", "--max-replications", "2"),
    "sensitivity": (
        "sensitivity",
        REF,
        "--params",
        "roles.sdr.headcount=1..3",
        "--params",
        "segments.smb.win_rate=0.2..0.3",
        "--trajectories",
        "2",
        *SHORT,
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_quiet_prints_nothing_and_still_writes(name: str, tmp_path: Path, capsys):
    if name == "sensitivity":
        pytest.importorskip("SALib")
    out = tmp_path / "out.json"
    assert main([*COMMANDS[name], "-q", "--json", str(out)]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")
    assert out.read_text().startswith("{")


def test_quiet_keeps_the_warnings(tmp_path: Path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(f"extends: {REF}\ncompany: {{funding: [{{month: 40, amount: 1000000}}]}}\n")
    assert main(["run", str(f), *SHORT, "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(f"warning: {f}: company.funding[0].month")


def test_no_progress_bar_when_quiet_even_on_a_terminal(monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert progress_bar(False, 3).enabled and not progress_bar(True, 3).enabled
