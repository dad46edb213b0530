"""Every test may extend the bundled scenarios from wherever it writes its own files.

`extends` is confined to the scenario's own directory tree (and roots named in
ORGSIM_EXTENDS_ROOTS); tests write scenarios in temporary directories that extend
`scenarios/*.yaml`, and the bad-scenario corpus extends them from `tests/unit/bad_scenarios/`.
Tests of the confinement itself clear the variable.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(autouse=True)
def _extends_may_reach_the_bundled_scenarios(monkeypatch):
    monkeypatch.setenv("ORGSIM_EXTENDS_ROOTS", str(SCENARIOS))
