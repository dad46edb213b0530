"""Manifests: what produced a run or an experiment directory, written as its manifest.json.

A manifest names the orgsim version, the scenario files (with their SHA-256), the overrides, the
fully resolved scenarios, seed, replications, workers, settings, when it ran and for how long, and
the Python version - enough to rerun it and to tell whether the inputs have changed since.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from orgsim import __version__
from orgsim.outputs.files import sha256_file
from orgsim.scenario.loader import scenario_to_dict

if TYPE_CHECKING:
    from orgsim.scenario import Scenario

__all__ = ["experiment_manifest", "run_manifest"]


def run_manifest(
    scenario_path: str,
    sc: Scenario,
    *,
    overrides: list[str],
    seed: int,
    replications: int,
    workers: int,
    started: _dt.datetime,
    runtime_s: float,
    files: Sequence[str],
) -> dict[str, Any]:
    """What produced a run directory (`orgsim run --out DIR`); `files` lists what it holds."""
    return {
        "orgsim_version": __version__,
        "scenario_file": str(scenario_path),
        "scenario_file_abs": os.path.abspath(scenario_path),
        "scenario_sha256": sha256_file(scenario_path),
        "overrides": overrides,
        "scenario": scenario_to_dict(sc),
        "seed": seed,
        "replications": replications,
        "workers": workers,
        "created_utc": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "runtime_s": round(runtime_s, 3),
        "python": platform.python_version(),
        "files": list(files),
    }


def experiment_manifest(
    scenario_files: Sequence[str],
    scenarios: Sequence[Scenario],
    *,
    overrides: Sequence[str],
    seed: int,
    replications: int,
    workers: int,
    settings: Mapping[str, Any],
    started: _dt.datetime,
    runtime_s: float,
) -> dict[str, Any]:
    """What produced an experiment (`experiment_files` adds "command" and "files")."""
    return {
        "orgsim_version": __version__,
        "scenario_files": [
            {"file": str(p), "file_abs": os.path.abspath(p), "sha256": sha256_file(p)} for p in scenario_files
        ],
        "overrides": list(overrides),
        "scenarios": {sc.name: scenario_to_dict(sc) for sc in scenarios},
        "seed": seed,
        "replications": replications,
        "workers": workers,
        "settings": dict(settings),
        "created_utc": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "runtime_s": round(runtime_s, 3),
        "python": platform.python_version(),
    }
