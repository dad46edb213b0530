"""`run_replication` pauses Python's cyclic garbage collector for the whole replication and
gives it back as it found it: on after a run that began with it on (also when the run fails),
off after one that began with it off; the record is the same whichever way it began."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest

from orgsim.engine import run_replication
from orgsim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_the_collector_is_left_as_it_was_found():
    sc = load_scenario(ROOT / "scenarios/reference.yaml", {"horizon_months": 6})
    assert gc.isenabled()
    on = run_replication(sc, 3, 0)
    assert gc.isenabled()
    gc.disable()
    try:
        off = run_replication(sc, 3, 0)
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert (on.funnel, on.counters) == (off.funnel, off.counters)
    assert on.monthly.keys() == off.monthly.keys()
    assert all(np.array_equal(on.monthly[k], off.monthly[k]) for k in on.monthly)


def test_the_collector_comes_back_after_a_failed_run(monkeypatch):
    sc = load_scenario(ROOT / "scenarios/reference.yaml", {"horizon_months": 6})

    def fail(self, until=None):
        raise RuntimeError("boom")

    monkeypatch.setattr("orgsim.model.company.Company.run", fail)
    with pytest.raises(RuntimeError):
        run_replication(sc, 3, 0)
    assert gc.isenabled()
