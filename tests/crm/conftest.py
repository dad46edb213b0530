"""One short simulated event log shared by the tests of `orgsim export-crm` (reference.yaml, 1 replication)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCENARIO = ROOT / "scenarios" / "reference.yaml"
HORIZON = {"horizon_months": 12}
SEED = 1
AS_OF = "2026-07-01"  # the middle of the horizon: many deals still open


@pytest.fixture(scope="session")
def as_of() -> str:
    """The as-of date of the exports (a fixture: `from conftest import` is ambiguous with several conftests)."""
    return AS_OF


@pytest.fixture(scope="session")
def events():
    import orgsim

    sc = orgsim.load_scenario(str(SCENARIO), overrides=HORIZON)
    return orgsim.simulate(sc, replications=1, seed=SEED, workers=1, events=True).events


@pytest.fixture(scope="session")
def scenario():
    import orgsim

    return orgsim.load_scenario(str(SCENARIO), overrides=HORIZON)
