"""Every test may extend the bundled scenarios from wherever it writes its own files.

`extends` is confined to the scenario's own directory tree (and roots named in
ORGSIM_EXTENDS_ROOTS); tests write scenarios in temporary directories that extend
`scenarios/*.yaml`, and the bad-scenario corpus extends them from `tests/unit/bad_scenarios/`.
Tests of the confinement itself clear the variable.

Under pytest-xdist (`-n auto`; `--dist loadgroup` is in pyproject's addopts), the tests of each
module in ONE_WORKER run in one worker: their module fixtures (or cached runs) simulate the arms
once, where spread over two workers each would simulate them again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(autouse=True)
def _extends_may_reach_the_bundled_scenarios(monkeypatch):
    monkeypatch.setenv("ORGSIM_EXTENDS_ROOTS", str(SCENARIOS))


# modules whose module-scoped fixtures or cached runs cost seconds to minutes: measured with
# `--durations=0` (2026-11-27), each was set up in both workers under the default distribution.
# The value is the module's seconds in that run: the modules go first, the longest first, so
# that the many short tests after them fill both workers to the end instead of one worker
# finishing a long module alone.
ONE_WORKER = {
    "tests/validation/test_directions.py": 139,
    "tests/validation/test_handoff.py": 119,
    "tests/validation/test_erlang_c.py": 96,
    "tests/app/test_app_browser.py": 89,
    "tests/validation/test_relationships.py": 84,
    "tests/plots/test_experiment_report_browser.py": 56,
    "tests/cli/test_cash_out.py": 51,
    "tests/cli/test_experiment_out.py": 41,
    "tests/validation/test_momentum.py": 41,
    "tests/plots/test_bottleneck_thresholds.py": 38,
    "tests/validation/test_series_a_capacity.py": 32,
    "tests/cli/test_run_sensitivity.py": 32,
    "tests/validation/test_presales_coverage.py": 32,
    "tests/validation/test_functional.py": 32,
    "tests/crm/test_round_trip.py": 29,
    "tests/validation/test_people_differ.py": 28,
    "tests/reliability/test_report_tampered.py": 26,
    "tests/validation/test_founders_time.py": 25,
    "tests/validation/test_series_a_lands.py": 23,
    "tests/validation/test_self_sourcing.py": 10,
    "tests/validation/test_work_priorities.py": 7,
}


# modules of many independent tests, some of them long (a page of examples, a notebook, the
# 24-order focus): not grouped, but started early too, for the same reason (seconds, same run)
EARLY = {
    "tests/docs/test_examples.py": 245,
    "tests/notebooks/test_notebooks.py": 150,
    "tests/experiments/test_focus.py": 93,
}


def pytest_configure(config: pytest.Config) -> None:
    stale = sorted(m for m in {**ONE_WORKER, **EARLY} if not (ROOT / m).is_file())
    if stale:
        raise pytest.UsageError(f"tests/conftest.py: ONE_WORKER or EARLY names modules that do not exist: {stale}")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups off the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def module(item: pytest.Item) -> str:
        return item.path.resolve().relative_to(ROOT).as_posix()

    for item in items:
        if module(item) in ONE_WORKER:
            item.add_marker(pytest.mark.xdist_group(name=item.path.stem))
    # a stable sort: each module keeps its tests' order, the rest keep theirs
    weight = {**ONE_WORKER, **EARLY}
    items.sort(key=lambda item: -weight.get(module(item), 0))
