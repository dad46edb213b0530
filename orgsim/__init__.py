"""orgsim: an organisation-design simulator for SaaS companies.

    import orgsim
    sc = orgsim.load_scenario("scenarios/series-a.yaml", overrides={"roles.sdr.headcount": 4})
    res = orgsim.simulate(sc, replications=30, seed=7, workers=2)
    res.summary()

Nothing runs at import time, and nothing heavy is imported either: each name below is imported
from its module on first use (PEP 562). That keeps worker processes lean - a worker needs the
engine, not pandas, scipy or the CLI - and `import orgsim` quick. To export a new name, add it
to `_EXPORTS` (and, as `name as name`, to the TYPE_CHECKING block for type checkers and IDEs).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "OrgsimError": "orgsim.scenario.errors",
    "Problem": "orgsim.scenario.errors",
    "ScenarioError": "orgsim.scenario.errors",
    "Comparison": "orgsim.experiments",
    "ExperimentError": "orgsim.experiments",
    "FocusResult": "orgsim.experiments",
    "Results": "orgsim.experiments",
    "SweepResult": "orgsim.experiments",
    "compare": "orgsim.experiments",
    "executor": "orgsim.experiments",
    "focus": "orgsim.experiments",
    "simulate": "orgsim.experiments",
    "sweep": "orgsim.experiments",
    "load_scenario": "orgsim.scenario.loader",
    "load_scenario_dict": "orgsim.scenario.loader",
    "KPI_KEYS": "orgsim.metrics.registry",
    "Scenario": "orgsim.scenario",
}
_SUBMODULES = {
    "cli",
    "distributions",
    "engine",
    "experiments",
    "metrics",
    "model",
    "names",
    "outputs",
    "rng",
    "scenario",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module 'orgsim' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# For type checkers and IDEs: `name as name` is the explicit re-export form (PEP 484), so the
# names count as used and exported though `__all__` is computed.
if TYPE_CHECKING:
    from orgsim.experiments import (
        Comparison as Comparison,
        ExperimentError as ExperimentError,
        FocusResult as FocusResult,
        Results as Results,
        SweepResult as SweepResult,
        compare as compare,
        executor as executor,
        focus as focus,
        simulate as simulate,
        sweep as sweep,
    )
    from orgsim.metrics.registry import KPI_KEYS as KPI_KEYS
    from orgsim.scenario import Scenario as Scenario
    from orgsim.scenario.errors import OrgsimError as OrgsimError, Problem as Problem, ScenarioError as ScenarioError
    from orgsim.scenario.loader import load_scenario as load_scenario, load_scenario_dict as load_scenario_dict
