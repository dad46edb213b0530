"""Which assumption matters most for a KPI: Morris screening or Sobol indices (SALib), plus a tornado.

Each input is a dotted scenario key with a range (`segments.smb.win_rate=0.2..0.35`). SALib draws
the sample points (Morris trajectories, or Saltelli/Sobol points); every point is the scenario with
those overrides (loaded, and so validated, like a sweep point), run with the same seed and
replication indices (common random numbers: points differ by their inputs, not by luck) and
averaged over its replications. SALib then ranks the inputs: Morris `mu_star` (mean absolute
elementary effect, with a bootstrap 95% CI) and `sigma` (non-linearity or interactions); Sobol
`S1` (first order) and `ST` (total), each with a 95% CI. A tornado (each input alone at its low and
high end, every other input at the scenario's value) is computed beside it: the founder-facing
view, which ignores interactions.

`default_params` lists the most uncertain inputs of a scenario with +-20% ranges (probabilities
clipped to [0, 1]) when the user names none. SALib is an optional dependency
(`pip install "orgsim[sensitivity]"`), imported only when an analysis runs.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from orgsim.experiments.executors import Executor, Progress, using
from orgsim.experiments.stats import ExperimentError, check_kpi
from orgsim.experiments.sweep_grid import as_overrides, load_points
from orgsim.metrics import Replication
from orgsim.scenario import Scenario
from orgsim.scenario.loader import load_scenario, load_scenario_dict

__all__ = ["DEFAULT_SPREAD", "METHODS", "SensitivityResult", "default_params", "parse_params", "sensitivity"]

METHODS = ("morris", "sobol")
DEFAULT_SPREAD = 0.2  # default ranges: the scenario's value +-20%
# The inputs founders guess most (docs/explanation/sensitivity.md): {segment} expands to every segment.
# (dotted key, is a probability: clipped to [0, 1])
DEFAULT_KEYS: tuple[tuple[str, bool], ...] = (
    ("segments.{segment}.win_rate", True),
    ("segments.{segment}.acv.mean", False),
    ("lead_sources.outbound.meetings_per_sdr_month", False),
    ("lead_sources.content.leads_per_marketer_month", False),
    ("lead_sources.paid.cost_per_lead", False),
    ("funnel.mql_to_sql", True),
    ("customers.renewal_curve.typical_health", True),
)
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUM})\s*\.\.\s*({_NUM})\s*$")
_HELP = "write KEY=LOW..HIGH, e.g. segments.smb.win_rate=0.2..0.35"


@dataclass(frozen=True)
class Param:
    key: str
    low: float
    high: float
    integer: bool = False  # both ends written as integers: samples are rounded (headcounts, months)

    def value(self, x: float) -> float | int:
        return int(round(x)) if self.integer else float(f"{x:.10g}")


def parse_params(specs: Sequence[str]) -> list[Param]:
    """`KEY=LOW..HIGH` strings -> Params; ExperimentError naming the one that is malformed."""
    out: list[Param] = []
    for spec in specs:
        if not isinstance(spec, str) or "=" not in spec:
            raise ExperimentError(f"--params {spec!r}: {_HELP}")
        key, raw = (s.strip() for s in spec.split("=", 1))
        m = _RANGE.match(raw)
        if not key:
            raise ExperimentError(f"--params {spec!r}: no key before '='; {_HELP}")
        if not m:
            raise ExperimentError(f"--params {key}: {raw!r} is not a range LOW..HIGH of numbers; {_HELP}")
        lo, hi = float(m.group(1)), float(m.group(2))
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
            raise ExperimentError(f"--params {key}: range {raw!r} must go up (LOW < HIGH, finite)")
        if any(p.key == key for p in out):
            raise ExperimentError(f"--params {key} is given twice")
        integer = bool(re.fullmatch(r"[+-]?\d+", m.group(1)) and re.fullmatch(r"[+-]?\d+", m.group(2)))
        out.append(Param(key, lo, hi, integer))
    if len(out) < 2:
        raise ExperimentError("sensitivity needs at least two --params to rank (or none, for the defaults)")
    return out


def _lookup(doc: Any, key: str) -> Any:
    for part in key.split("."):
        m = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        name, index = (m.group(1), int(m.group(2))) if m else (part, None)
        if not isinstance(doc, Mapping) or name not in doc:
            return None
        doc = doc[name]
        if index is not None:
            doc = doc[index] if isinstance(doc, list) and index < len(doc) else None
    return doc


def default_params(scenario: Scenario, spread: float = DEFAULT_SPREAD) -> list[Param]:
    """`DEFAULT_KEYS` that the scenario sets to a positive number, each at its value +-`spread`."""
    doc = scenario.model_dump(mode="json")
    out = []
    for pattern, probability in DEFAULT_KEYS:
        keys = [pattern.format(segment=s) for s in doc.get("segments", {})] if "{segment}" in pattern else [pattern]
        for key in keys:
            v = _lookup(doc, key)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
                lo, hi = v * (1 - spread), v * (1 + spread)
                if probability:
                    lo, hi = max(lo, 0.0), min(hi, 1.0)
                out.append(Param(key, float(f"{lo:.6g}"), float(f"{hi:.6g}")))
    return out


@dataclass(repr=False)
class SensitivityResult:
    """The ranking of the inputs for every KPI, the tornado, and every sample point's KPI means."""

    scenario: str
    method: str
    params: list[Param]
    kpis: list[str]
    seed: int
    replications: int
    horizon_months: int
    baseline: dict[str, Any]  # key -> the scenario's own value
    indices: dict[str, list[dict[str, Any]]]  # kpi -> one row per input, most influential first
    tornado: dict[str, list[dict[str, Any]]]  # kpi -> one row per input: low, high, swing
    points: pd.DataFrame  # one row per sample point: the inputs and each KPI's mean
    design: dict[str, Any] = field(default_factory=dict)  # trajectories / samples / levels
    runtime_s: float = 0.0
    executor: str = ""

    def __repr__(self) -> str:
        size = f"{len(self.params)} inputs, {len(self.points)} points"
        return f"<SensitivityResult {self.method} of {self.scenario}: {size}>"

    def ranking(self) -> pd.DataFrame:
        """Tidy: one row per KPI and input, rank 1 = most influential."""
        rows = [{"kpi": k, "rank": i + 1, **row} for k in self.kpis for i, row in enumerate(self.indices[k])]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """`sensitivity --json`."""
        return {
            "scenario": self.scenario,
            "method": self.method,
            "seed": self.seed,
            "replications": self.replications,
            "horizon_months": self.horizon_months,
            "design": {**self.design, "points": int(len(self.points))},
            "params": {
                p.key: {"low": p.low, "high": p.high, "baseline": self.baseline.get(p.key)} for p in self.params
            },
            "kpis": {k: {"ranking": self.indices[k], "tornado": self.tornado[k]} for k in self.kpis},
        }


def _clean(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _means(reps: list[Replication], kpi: str) -> float:
    vals = [float(v) for v in (r.kpis[kpi] for r in reps) if v is not None and math.isfinite(v)]
    return float(np.mean(vals)) if vals else math.nan


def _analyze(method: str, problem: dict, x: np.ndarray, y: np.ndarray, seed: int) -> list[dict[str, Any]]:
    if method == "morris":
        from SALib.analyze import morris

        si = morris.analyze(problem, x, y, num_resamples=1000, conf_level=0.95, seed=seed)
        rows = [
            {
                "param": name,
                "mu_star": _clean(si["mu_star"][i]),
                "mu_star_conf": _clean(si["mu_star_conf"][i]),
                "mu": _clean(si["mu"][i]),
                "sigma": _clean(si["sigma"][i]),
            }
            for i, name in enumerate(problem["names"])
        ]
        return sorted(rows, key=lambda r: -(r["mu_star"] or 0.0))
    from SALib.analyze import sobol

    si = sobol.analyze(problem, y, calc_second_order=False, num_resamples=1000, conf_level=0.95, seed=seed)
    rows = [
        {
            "param": name,
            "S1": _clean(si["S1"][i]),
            "S1_conf": _clean(si["S1_conf"][i]),
            "ST": _clean(si["ST"][i]),
            "ST_conf": _clean(si["ST_conf"][i]),
        }
        for i, name in enumerate(problem["names"])
    ]
    return sorted(rows, key=lambda r: -(r["ST"] or 0.0))


def sensitivity(
    scenario: str | os.PathLike | Scenario,
    params: Sequence[Param] | Sequence[str] | None = None,
    kpis: Sequence[str] = ("arr_end",),
    method: str = "morris",
    *,
    trajectories: int = 10,
    levels: int = 4,
    samples: int = 64,
    replications: int = 5,
    seed: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    scheduler: Any = None,
    executor: Executor | None = None,
) -> SensitivityResult:
    """Rank `params` by their influence on each KPI (see the module docstring).

    Args:
        params: `Param`s or `KEY=LOW..HIGH` strings; None = `default_params` of the scenario.
        method: "morris" (trajectories x (inputs + 1) points, `levels` grid levels) or
            "sobol" (samples x (inputs + 2) points; `samples` a power of 2).
        replications, seed: every point runs replications 0..R-1 with the same seed.
    Raises:
        ExperimentError: bad params, method, KPI or design size; ScenarioError: a key or value the
            scenario refuses (every problem, before anything runs).
    """
    if method not in METHODS:
        raise ExperimentError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    kpis = [check_kpi(k, "KPI in --kpi") for k in kpis] or ["arr_end"]
    sets = dict(as_overrides(overrides) or {})
    # problems are the file's (its name for a loaded Scenario, which has no file)
    source = scenario.name if isinstance(scenario, Scenario) else str(scenario)
    if isinstance(scenario, Scenario):
        base = load_scenario_dict(scenario.model_dump(mode="json"), source, sets)
    else:
        base = load_scenario(scenario, sets)
    if not params:
        ps_ = default_params(base)
    elif all(isinstance(p, Param) for p in params):
        ps_ = [p for p in params if isinstance(p, Param)]
    else:
        ps_ = parse_params([str(p) for p in params])
    clash = [p.key for p in ps_ if p.key in sets]
    if clash:
        raise ExperimentError(f"{clash[0]} is both set (--set) and a --params input; drop one")
    if method == "sobol" and (samples < 2 or samples & (samples - 1)):
        raise ExperimentError(f"--samples {samples}: Sobol needs a power of 2 (e.g. 32, 64, 128)")
    seed = base.seed if seed is None else int(seed)
    doc = base.model_dump(mode="json")
    baseline = {p.key: _lookup(doc, p.key) for p in ps_}
    problem = {"num_vars": len(ps_), "names": [p.key for p in ps_], "bounds": [[p.low, p.high] for p in ps_]}
    if method == "morris":
        from SALib.sample import morris as morris_sample

        x = morris_sample.sample(problem, N=trajectories, num_levels=levels, seed=seed)
        design = {"trajectories": trajectories, "levels": levels}
    else:
        from SALib.sample import sobol as sobol_sample

        x = sobol_sample.sample(problem, samples, calc_second_order=False, scramble=True, seed=seed)
        design = {"samples": samples}
    # Tornado: every input alone at its low and high end; then the scenario itself.
    oat = [{p.key: p.value(end)} for p in ps_ for end in (p.low, p.high)]
    points = [{p.key: p.value(v) for p, v in zip(ps_, row)} for row in x] + oat + [{}]
    scs = load_points(base, points, None, source=source, option="--params")  # every problem, before any run
    t0 = time.perf_counter()
    with using(executor, workers, scheduler, cap=max(1, replications * len(scs))) as ex:
        got = ex.run([(i, sc, seed, range(replications)) for i, sc in enumerate(scs)], progress)
        label = ex.label
    means = {k: np.array([_means(got[i], k) for i in range(len(scs))]) for k in kpis}
    n = len(x)
    indices, tornado = {}, {}
    for k in kpis:
        y = means[k][:n]
        if not np.all(np.isfinite(y)):
            raise ExperimentError(
                f"{k} is undefined at some sample points (e.g. no new customers); choose another --kpi"
            )
        indices[k] = _analyze(method, problem, np.asarray(x, dtype=float), y, seed)
        mid = _clean(means[k][-1])
        rows: list[dict[str, Any]] = []
        for j, p in enumerate(ps_):
            lo, hi = _clean(means[k][n + 2 * j]), _clean(means[k][n + 2 * j + 1])
            swing = abs(hi - lo) if lo is not None and hi is not None else None
            rows.append({"param": p.key, "low": lo, "high": hi, "baseline": mid, "swing": swing})
        tornado[k] = sorted(rows, key=lambda r: -(r["swing"] or 0.0))
    table = pd.DataFrame(x[:, : len(ps_)], columns=[p.key for p in ps_])
    for k in kpis:
        table[k] = means[k][:n]
    table.insert(0, "point", range(n))
    return SensitivityResult(
        base.name,
        method,
        ps_,
        kpis,
        seed,
        replications,
        base.horizon_months,
        baseline,
        indices,
        tornado,
        table,
        design,
        runtime_s=time.perf_counter() - t0,
        executor=label,
    )
