"""Fixtures for the experiment tests; helpers live in experiments_support.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from experiments_support import series_a  # noqa: E402


@pytest.fixture(scope="session")
def short_scenario():
    return series_a()
