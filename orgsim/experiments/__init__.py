"""Experiments: many replications, in parallel, compared, swept and tournamented.

Replication i of any experiment uses the random streams of (seed, i), so results are identical for
any number of workers (or a Dask cluster), and scenarios run with one seed share their random
numbers (common random numbers): paired differences between them are sharp.

Modules, in dependency order:

- `runner`: what a worker runs (`run_chunk`: simulate, check, reduce); the only module worker
  processes need;
- `executors`: where replications run (this process, a local process pool, `dask_exec` for Dask);
- `stats`: summaries, paired differences (t-test, Wilcoxon, probability of being better),
  which way each KPI is better;
- `precision`: adding replications until confidence intervals are tight (`--precision`);
- `results`: `simulate` and `Results`;
- `comparison`: `compare` and `Comparison` (paired arms);
- `sweep_grid`: the grid of a sweep (`--vary` values, their combinations, the scenario at each point);
- `sweeps`: `sweep` and `SweepResult` (a grid of overrides);
- `focus_orders`: `focus` and `FocusResult` (growth-stage focus orders, sequential ranking and
  selection).

(The modules are not named after the functions they define, so that importing a module never
hides the function of the same name on this package.)

Names are imported from their modules on first use, so a worker importing `runner` does not pay
for pandas and scipy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Comparison": "comparison",
    "compare": "comparison",
    "FocusResult": "focus_result",
    "focus": "focus_orders",
    "Precision": "precision",
    "Results": "results",
    "simulate": "results",
    "Executor": "executors",
    "available_cores": "executors",
    "executor": "executors",
    "run_replications": "executors",
    "KPI_DIRECTION": "stats",
    "ExperimentError": "stats",
    "ReplicationError": "runner",
    "describe": "stats",
    "paired_difference": "stats",
    "SweepResult": "sweeps",
    "parse_vary": "sweep_grid",
    "sweep": "sweeps",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'orgsim.experiments' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# For type checkers and IDEs: `name as name` is the explicit re-export form (PEP 484), so the
# names count as used and exported though `__all__` is computed.
if TYPE_CHECKING:
    from orgsim.experiments.comparison import Comparison as Comparison, compare as compare
    from orgsim.experiments.executors import (
        Executor as Executor,
        available_cores as available_cores,
        executor as executor,
        run_replications as run_replications,
    )
    from orgsim.experiments.focus_orders import focus as focus
    from orgsim.experiments.focus_result import FocusResult as FocusResult
    from orgsim.experiments.precision import Precision as Precision
    from orgsim.experiments.results import Results as Results, simulate as simulate
    from orgsim.experiments.runner import ReplicationError as ReplicationError
    from orgsim.experiments.stats import (
        KPI_DIRECTION as KPI_DIRECTION,
        ExperimentError as ExperimentError,
        describe as describe,
        paired_difference as paired_difference,
    )
    from orgsim.experiments.sweep_grid import parse_vary as parse_vary
    from orgsim.experiments.sweeps import SweepResult as SweepResult, sweep as sweep
