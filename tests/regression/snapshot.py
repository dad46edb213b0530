"""What the regression tests pin down, shared by `test_scenarios.py` and `refresh.py`.

For every scenario in scenarios/*.yaml: `simulate` with seed 11 and 3 replications over the
file's own horizon, then the mean of every KPI of `Results.summary()` and the mean wait (hours)
of every stage. The model is deterministic, so these numbers must not move unless the model (or
the scenario) changes on purpose.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
EXPECTED = Path(__file__).resolve().parent / "expected"
SEED = 11
REPLICATIONS = 3
REL_TOL = 1e-9
ABS_TOL = 1e-12  # for values that are exactly zero
REFRESH = "python tests/regression/refresh.py"

if str(ROOT) not in sys.path:  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

from orgsim.experiments import simulate  # noqa: E402
from orgsim.scenario.loader import load_scenario  # noqa: E402


def scenario_files() -> list[Path]:
    return sorted(SCENARIOS.glob("*.yaml"))


def expected_path(scenario_file: Path) -> Path:
    return EXPECTED / f"{scenario_file.stem}.json"


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if x != x else x  # NaN (undefined in every replication) -> None


def snapshot(scenario_file: Path) -> dict[str, Any]:
    """Run the scenario with the regression seed and return the pinned numbers."""
    sc = load_scenario(scenario_file)
    res = simulate(sc, replications=REPLICATIONS, seed=SEED, workers=1)
    summary = res.summary()
    stages = res.stage_summary()
    return {
        "scenario": sc.name,
        "file": f"scenarios/{scenario_file.name}",
        "seed": SEED,
        "replications": REPLICATIONS,
        "horizon_months": sc.horizon_months,
        "kpis": {k: _num(summary.loc[k, "mean"]) for k in summary.index},
        "stage_mean_wait_hours": {s: _num(stages.loc[s, "mean_wait_hours"]) for s in stages.index},
    }


def write(scenario_file: Path, snap: dict[str, Any]) -> Path:
    EXPECTED.mkdir(parents=True, exist_ok=True)
    path = expected_path(scenario_file)
    path.write_text(json.dumps(snap, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def read(scenario_file: Path) -> dict[str, Any]:
    return json.loads(expected_path(scenario_file).read_text(encoding="utf-8"))
