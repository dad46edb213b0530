"""benchmarks/golden.py's comparison: the check that a speed change moved no number."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _golden():
    spec = importlib.util.spec_from_file_location("golden", ROOT / "benchmarks" / "golden.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_identical_dumps_have_no_differences_and_nan_equals_nan():
    g = _golden()
    dump = {"a/0": {"kpis": {"x": 1.0, "y": float("nan")}, "monthly": {"arr": [1.0, float("nan")]}}}
    assert g.differences(dump, dump) == ([], [])


def test_a_moved_number_a_series_and_a_missing_key_are_differences_an_added_key_is_not():
    g = _golden()
    before = {"a/0": {"kpis": {"x": 1.0, "z": 2.0}, "monthly": {"arr": [1.0, 2.0]}}, "a/events": "abc"}
    after = {"a/0": {"kpis": {"x": 1.5, "new": 3.0}, "monthly": {"arr": [1.0, 2.5]}}, "a/events": "abd"}
    diffs, added = g.differences(before, after)
    assert diffs == [
        ".a/0.kpis.x: 1.0 -> 1.5",
        ".a/0.kpis.z: missing",
        ".a/0.monthly.arr: series differs",
        ".a/events: abc -> abd",
    ]
    assert added == [".a/0.kpis.new"]
