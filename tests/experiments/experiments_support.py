"""Shared helpers for the experiment tests: short scenarios (12 months) and a fixed seed.

(A module of its own, not conftest.py: several test folders have a conftest, and importing one
by name picks whichever was collected first.)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orgsim.scenario.loader import load_scenario  # noqa: E402

SERIES_A = ROOT / "scenarios" / "series-a.yaml"
# the company before issue 12's mechanisms: no finite market, no recycling, no momentum; for tests of
# how common random numbers decouple the lead side from the rest (series-a couples them on purpose)
REFERENCE = ROOT / "scenarios" / "reference.yaml"
SEED = 11
SHORT = {"horizon_months": 12}


def series_a(**overrides):
    """series-a over 12 months, with overrides by dotted path."""
    return load_scenario(SERIES_A, {**SHORT, **overrides})


def reference(**overrides):
    """reference.yaml (the company without issue 12's mechanisms) over 12 months, with overrides."""
    return load_scenario(REFERENCE, {**SHORT, **overrides})
