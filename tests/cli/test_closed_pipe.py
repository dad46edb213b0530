"""A reader that goes away (`orgsim ... | head -1`): orgsim stops quietly with 141 (128 + SIGPIPE), as a
Unix tool does, not with 1 (the internal-error status) or a traceback.

The pipe's read end is closed before orgsim starts, so its first write fails every time (no race with
how fast a reader would have left).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orgsim.cli import EXIT_PIPE

REPO = Path(__file__).resolve().parents[2]
SERIES_A = str(REPO / "scenarios" / "series-a.yaml")
REFERENCE = str(REPO / "scenarios" / "reference.yaml")


def _with_closed_stdout(*args: str) -> subprocess.CompletedProcess:
    read, write = os.pipe()
    os.close(read)  # nobody will ever read: every write to stdout fails with EPIPE
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    try:
        return subprocess.run(
            [sys.executable, "-m", "orgsim", *args],
            cwd=REPO,
            env=env,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [
        ("validate", SERIES_A, REFERENCE),  # click.echo
        ("run", SERIES_A, "-n", "1", "--set", "horizon_months=2"),  # rich tables
        ("compare", REFERENCE, REFERENCE, "-n", "2", "-w", "1", "--set", "horizon_months=2"),
        ("--help",),
    ],
)
def test_a_closed_stdout_ends_quietly_with_141(args: tuple[str, ...]):
    p = _with_closed_stdout(*args)
    assert EXIT_PIPE == 141
    assert p.returncode == EXIT_PIPE, p.stderr
    assert p.stderr == ""  # no traceback, no "Exception ignored", no "internal error"


def test_an_open_stdout_is_unaffected():
    p = subprocess.run(
        [sys.executable, "-m", "orgsim", "validate", SERIES_A, REFERENCE],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("OK  ") == 2
