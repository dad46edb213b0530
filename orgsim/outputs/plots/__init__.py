"""Plots of results: DataFrames in, matplotlib Figure out. Nothing here runs a simulation.

Every function takes the DataFrames `Results` gives (`monthly`, `stages`, `funnel`) or that a run
directory holds as CSV (`monthly.csv`, ...), or the tables of comparisons, focus orders and sweeps,
and returns a `matplotlib.figure.Figure` with a title, axis units and a legend, readable on its own.
Figures are built without pyplot, so they work under any backend (Agg on a server, inline in
Jupyter) and leave no global state behind; `png_bytes` renders one to PNG.

Run plots (one scenario each, except `arr_fan`, which overlays every scenario it is given):
`arr_fan`, `arr_bridge`, `funnel`, `headcount_and_cost`, `bottlenecks`, `health`, `health_distribution`,
`cash_runway`; retention (from `Results.to_dict()["retention"]`): `cohort_curves`, `health_transitions`.
Experiment plots: `differences_forest` (Comparison.differences()), `focus_ranking`, `sweep`.
"""

from __future__ import annotations

from orgsim.metrics.registry import KPI_LABELS
from orgsim.names import STAGES
from orgsim.outputs.plots.common import (
    BAD,
    DEPARTMENT_COLORS,
    DEPARTMENTS,
    GOOD,
    KPI_HIGHER_IS_BETTER,
    NEUTRAL,
    SCENARIO_COLORS,
    SOURCE_COLORS,
    STAGE_COLORS,
    WORST,
    png_bytes,
    show_figures_inline_in_ipython,
    worst_stage,
)
from orgsim.outputs.plots.experiments import differences_forest, focus_ranking, sweep
from orgsim.outputs.plots.health import (
    cash_runway,
    health,
    health_bands,
    health_distribution,
    runway_series,
)
from orgsim.outputs.plots.retention import cohort_curves, health_transitions
from orgsim.outputs.plots.run import (
    arr_bridge,
    arr_fan,
    bottlenecks,
    funnel,
    headcount_and_cost,
    run_figures,
)

__all__ = [
    "BAD",
    "DEPARTMENTS",
    "DEPARTMENT_COLORS",
    "GOOD",
    "KPI_HIGHER_IS_BETTER",
    "KPI_LABELS",
    "NEUTRAL",
    "SCENARIO_COLORS",
    "SOURCE_COLORS",
    "STAGES",
    "STAGE_COLORS",
    "WORST",
    "arr_bridge",
    "arr_fan",
    "bottlenecks",
    "cash_runway",
    "cohort_curves",
    "differences_forest",
    "focus_ranking",
    "funnel",
    "headcount_and_cost",
    "health",
    "health_bands",
    "health_distribution",
    "health_transitions",
    "png_bytes",
    "run_figures",
    "runway_series",
    "sweep",
    "worst_stage",
]

show_figures_inline_in_ipython()
