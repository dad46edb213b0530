"""Regression: every scenario in scenarios/ still gives exactly the numbers it gave before.

Each scenario runs with seed 11 and 3 replications over its own horizon; the KPI means of
`summary()` and the stage mean waits must match tests/regression/expected/<name>.json to a
relative tolerance of 1e-9 (the model is deterministic). After an intended model change, run
`python tests/regression/refresh.py` and review the diff of the expected files.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("orgsim_regression_snapshot", Path(__file__).with_name("snapshot.py"))
snap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snap)

FILES = snap.scenario_files()


# KPIs added after the snapshots were taken that are defined in every run (they measure what the
# model always did, e.g. whether cash went below zero): new keys, not moved numbers
ADDED_SINCE_SNAPSHOTS = {
    "sm_share_of_revenue",
    "expansion_share_of_new_arr",
    "logo_churn_rate",
    "arr_per_csm",
    "ae_to_sdr_ratio",
    "ae_to_se_ratio",
    "sales_cycle_days_smb",
    "sales_cycle_days_mid_market",
    "sales_cycle_days_enterprise",
}


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=snap.REL_TOL, abs_tol=snap.ABS_TOL)


def _diff(section: str, expected: dict, actual: dict) -> list[str]:
    out = []
    for key in sorted(set(expected) | set(actual)):
        if key not in actual:
            out.append(f"  {section}.{key}: expected {expected[key]!r}, now missing")
        elif key not in expected:
            if actual[key] is None or key in ADDED_SINCE_SNAPSHOTS:
                continue  # a KPI added since the snapshot, undefined here (its mechanism is off): nothing moved
            out.append(f"  {section}.{key}: new, {actual[key]!r} (not in the expected file)")
        elif not _close(expected[key], actual[key]):
            e, a = expected[key], actual[key]
            rel = "" if e in (None, 0) or a is None else f" (rel. change {(a - e) / abs(e):+.3g})"
            out.append(f"  {section}.{key}: expected {e!r}, got {a!r}{rel}")
    return out


def test_every_scenario_is_covered():
    assert FILES, "no scenarios/*.yaml found"


@pytest.mark.parametrize("scenario_file", FILES, ids=[f.stem for f in FILES])
def test_scenario_matches_expected(scenario_file: Path):
    path = snap.expected_path(scenario_file)
    if not path.exists():
        pytest.fail(
            f"no expected results for scenarios/{scenario_file.name} ({path.relative_to(snap.ROOT)} is missing); "
            f"run `{snap.REFRESH} {scenario_file.stem}` to create it",
            pytrace=False,
        )
    expected = snap.read(scenario_file)
    actual = snap.snapshot(scenario_file)
    problems = []
    for field in ("scenario", "horizon_months", "seed", "replications"):
        if expected.get(field) != actual[field]:
            problems.append(f"  {field}: expected {expected.get(field)!r}, got {actual[field]!r}")
    problems += _diff("kpis", expected["kpis"], actual["kpis"])
    problems += _diff("stage_mean_wait_hours", expected["stage_mean_wait_hours"], actual["stage_mean_wait_hours"])
    if problems:
        pytest.fail(
            f"scenarios/{scenario_file.name} no longer reproduces {path.relative_to(snap.ROOT)} "
            f"(seed {snap.SEED}, {snap.REPLICATIONS} replications, rel. tolerance {snap.REL_TOL:g}):\n"
            + "\n".join(problems)
            + f"\nIf the model or the scenario changed on purpose, run `{snap.REFRESH}` and review "
            "`git diff tests/regression/expected`; otherwise this is a regression (or lost determinism).",
            pytrace=False,
        )
