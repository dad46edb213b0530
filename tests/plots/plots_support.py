"""Helpers shared by the plot and report tests (a module with a unique name, not conftest, so
that `import` finds it whatever other test directories hold)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orgsim  # noqa: E402

SCENARIO = ROOT / "scenarios" / "series-a.yaml"
SHORT = {"horizon_months": 12}
REPS, SEED = 2, 1


def load(path: Path = SCENARIO, **overrides: object) -> orgsim.Scenario:
    return orgsim.load_scenario(str(path), overrides={**SHORT, **overrides})


def orgsim_cmd(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real command line, as a user runs it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["MPLBACKEND"] = "Agg"
    return subprocess.run(
        [sys.executable, "-m", "orgsim", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
