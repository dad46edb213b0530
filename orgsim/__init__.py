"""orgsim: an organisation-design simulator for SaaS companies.

    import orgsim
    sc = orgsim.load_scenario("scenarios/series-a.yaml", overrides={"roles.sdr.headcount": 4})
    res = orgsim.simulate(sc, replications=30, seed=7, workers=2)
    res.summary()

Nothing runs at import time.
"""

from orgsim.errors import OrgsimError, Problem, ScenarioError
from orgsim.experiments import Comparison, Results, compare, simulate
from orgsim.loader import load_scenario, load_scenario_dict
from orgsim.metrics import KPI_KEYS
from orgsim.scenario import Scenario

__version__ = "0.1.0"

__all__ = [
    "Comparison",
    "KPI_KEYS",
    "OrgsimError",
    "Problem",
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "load_scenario",
    "load_scenario_dict",
    "simulate",
]
