"""The result of `orgsim optimize`: the trials, the confirmed winner, its gain over the scenario's own plan.

`Key` names a plan: ((scenario key, Optuna value), ...) sorted by key; `()` is the scenario's own
plan (the baseline). `best_scenario_yaml` writes the winner as a scenario that `extends:` the
optimised scenario and sets only the varied keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from orgsim.experiments.hire_result import diff_words
from orgsim.experiments.optimize_space import Constraint, Dim
from orgsim.experiments.selection import Rows, Selection, mean_of
from orgsim.experiments.stats import describe_kpi, paired_difference
from orgsim.metrics.registry import KPI_KEYS, KPI_LABELS, fmt, unit_of
from orgsim.scenario import Scenario
from orgsim.scenario.yamlmap import parse_path

__all__ = ["Key", "OptimizeResult", "show_value"]

Key = tuple[tuple[str, Any], ...]


@dataclass(repr=False)
class OptimizeResult:
    """What `orgsim.experiments.optimize.optimize` found (see its module docstring)."""

    scenario: str
    base: Scenario
    dims: list[Dim]
    kpi: str
    direction: int
    constraints: list[Constraint]
    seed: int
    replications: int
    at_month: int
    own: dict[str, Any]  # key -> the scenario's own value
    study: Any  # optuna.Study
    trials_before: int  # trials the study held before this call (a resumed study)
    keys: list[Key]  # the confirmed plans, the baseline () first
    selection: Selection[Key]
    rows: dict[Key, Rows]  # per confirmed plan: one KPI dict per replication
    alpha: float
    max_replications: int
    search_s: float = 0.0
    runtime_s: float = 0.0
    executor: str = ""
    question: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<OptimizeResult {self.scenario} {self.kpi}: {len(self.study.trials)} trials>"

    # ---- plans ---------------------------------------------------------------------------------

    def values(self, key: Key) -> dict[str, Any]:
        """The scenario values of a plan (the scenario's own for the baseline)."""
        if not key:
            return dict(self.own)
        by_key = {d.key: d for d in self.dims}
        return {k: by_key[k].value(v) for k, v in key}

    def label(self, key: Key) -> str:
        if not key:
            return "the scenario's own plan"
        return ", ".join(f"{k}={show_value(v)}" for k, v in self.values(key).items())

    @property
    def chosen(self) -> Key | None:
        return self.selection.chosen

    def goal_of(self, key: Key) -> list[float | None]:
        return [r.get(self.kpi) for r in self.rows[key]]

    def gain(self, key: Key) -> dict[str, Any]:
        """plan - the scenario's own plan on the goal, paired over the replications both ran."""
        a, b = self.goal_of(key), self.goal_of(())
        n = min(len(a), len(b))
        d = paired_difference(a[:n], b[:n])
        return {"n": d["n"], "mean": d["mean"], "ci95": list(d["ci95"]), "p_value": d["p_value"]}

    def feasible(self, key: Key) -> bool:
        return self.selection.status.get(key) != "infeasible"

    def ranked(self) -> list[Key]:
        group = {"chosen": 0, "contender": 1, "identical": 1, "eliminated": 2, "infeasible": 3}

        def order(k: Key) -> tuple[int, float]:
            m = mean_of(self.goal_of(k))
            return group.get(self.selection.status.get(k, ""), 4), -math.inf if m is None else -self.direction * m

        return sorted(self.keys, key=order)

    # ---- words ---------------------------------------------------------------------------------

    @property
    def goal_words(self) -> str:
        name = "ARR" if self.kpi == "arr_end" else KPI_LABELS.get(self.kpi, self.kpi)
        return f"{name} at month {self.at_month}"

    def _stat(self, key: Key) -> str:
        d = describe_kpi(self.kpi, self.goal_of(key))  # the CI of the JSON's "goal", clipped alike
        u = unit_of(self.kpi)
        return f"{fmt(d['mean'], u)} [{fmt(d['ci95'][0], u)}, {fmt(d['ci95'][1], u)}]"

    @property
    def answer(self) -> str:
        """The answer in one sentence with 95% CIs."""
        chosen = self.chosen
        cons = (
            "; ".join(
                f"meets {c.text} ({fmt(mean_of([r.get(c.kpi) for r in self.rows[chosen]]), unit_of(c.kpi))})"
                for c in self.constraints
            )
            if chosen is not None
            else ""
        )
        if chosen is None:
            return (
                f"No plan tried meets {', '.join(c.text for c in self.constraints)}, not even the scenario's own; "
                "widen the ranges or relax a constraint."
            )
        if not chosen:
            return (
                f"Keep the scenario's own plan: none of the {len(self.keys) - 1} best plans found does better on "
                f"{self.goal_words} ({self._stat(())}){'; ' + cons if cons else ''}."
            )
        point, ci = diff_words(self.gain(chosen), unit_of(self.kpi))
        return (
            f"Best plan: {self.label(chosen)}: {self.goal_words} {self._stat(chosen)} vs {self._stat(())} for the "
            f"scenario's plan, {point} {ci} (paired, {self.gain(chosen)['n']} replications)"
            f"{'; ' + cons if cons else ''}."
        )

    @property
    def statement(self) -> str:
        sel, k = self.selection, len(self.keys)
        conf = f"{(1 - self.alpha) * 100:g}%"
        better = "higher" if self.direction > 0 else "lower"
        if self.chosen is None:
            return "No confirmed plan meets the constraints."
        survivors = [key for key in self.keys if sel.status.get(key) in ("chosen", "contender")]
        how = f"sequential elimination, one-sided paired tests at {sel.alpha_each:.2g} each"
        if len(survivors) == 1:
            return (
                f"With at least {conf} confidence no other of the {k} confirmed plans has a {better} mean "
                f"{self.kpi} than {self.label(self.chosen)} ({how})."
            )
        return (
            f"With at least {conf} confidence the best of the {k} confirmed plans is one of these {len(survivors)}, "
            f"which {self.max_replications} replications each could not separate; "
            f"{self.label(self.chosen)} has the best sample mean ({how})."
        )

    # ---- tables and JSON -----------------------------------------------------------------------

    def trials_frame(self) -> pd.DataFrame:
        """One row per trial of the study: number, state, params, goal mean, feasible, the KPIs' means."""
        rows = []
        for t in self.study.trials:
            kpis = t.user_attrs.get("kpis", {})
            row: dict[str, Any] = {
                "trial": t.number,
                "state": t.state.name,
                "run": "earlier" if t.number < self.trials_before else "this",
                "cached": bool(t.user_attrs.get("cached")),
            }
            row.update({d.key: t.params.get(d.key) for d in self.dims})
            row["goal"] = t.value if t.values else None
            row["feasible"] = all(v <= 0 for v in t.user_attrs.get("constraints", [])) if kpis else False
            row.update({k: kpis.get(k) for k in KPI_KEYS})
            rows.append(row)
        return pd.DataFrame(rows)

    def importances(self) -> dict[str, float]:
        """PED-ANOVA importances of the params (optuna.importance; no scikit-learn); {} when too few trials."""
        import warnings

        import optuna

        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # "too few trials": equal shares would mislead
            try:
                ev = optuna.importance.PedAnovaImportanceEvaluator()
                got = optuna.importance.get_param_importances(self.study, evaluator=ev)
            except (RuntimeError, ValueError, ZeroDivisionError, UserWarning):
                return {}
        return {k: float(v) for k, v in got.items()}

    def confirmation(self) -> list[dict[str, Any]]:
        out = []
        for rank, k in enumerate(self.ranked(), start=1):
            out.append(
                {
                    "rank": rank,
                    "plan": "baseline" if not k else "candidate",
                    "params": self.values(k),
                    "status": self.selection.status.get(k, ""),
                    "feasible": self.feasible(k),
                    "replications": len(self.rows[k]),
                    "goal": _stat(self.kpi, self.goal_of(k)),
                    "gain_over_baseline": None if not k else self.gain(k),
                    "constraints": {c.text: mean_of([r.get(c.kpi) for r in self.rows[k]]) for c in self.constraints},
                    "note": self.selection.reasons.get(k, ""),
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """`optimize --json` (docs/reference/interfaces.md)."""
        c = self.chosen
        frame = self.trials_frame()
        complete = frame[frame["state"] == "COMPLETE"] if len(frame) else frame

        def plan(k: Key) -> dict[str, Any]:
            return {
                "params": self.values(k),
                "goal": _stat(self.kpi, self.goal_of(k)),
                "feasible": self.feasible(k),
                "replications": len(self.rows[k]),
                "kpis": {x: _stat(x, [r.get(x) for r in self.rows[k]]) for x in KPI_KEYS},
            }

        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "replications": self.replications,
            "at_month": self.at_month,
            "goal": {"kpi": self.kpi, "direction": "max" if self.direction > 0 else "min"},
            "constraints": [{"kpi": x.kpi, "op": x.op, "bound": x.bound} for x in self.constraints],
            "space": {d.key: d.describe() for d in self.dims},
            "trials": {
                "total": int(len(frame)),
                "this_run": int(len(frame) - self.trials_before),
                "complete": int(len(complete)),
                "feasible": int(complete["feasible"].sum()) if len(complete) else 0,
                "search_seconds": round(self.search_s, 3),
            },
            "best": None if c is None else {**plan(c), "is_baseline": not c},
            "baseline": plan(()),
            "gain": None if c is None or not c else self.gain(c),
            "confirmation": self.confirmation(),
            "importances": self.importances(),
            "answer": self.answer,
            "statement": self.statement,
            "runtime_s": round(self.runtime_s, 3),
            "executor": self.executor,
        }

    # ---- the best plan as a scenario -----------------------------------------------------------

    def best_overrides(self) -> dict[str, Any]:
        """The nested mapping best.yaml sets: each varied key (a list is written whole, from the plan)."""
        key = self.chosen if self.chosen is not None else ()
        from orgsim.experiments.sweep_grid import load_points

        sc = load_points(self.base, [self.values(key)])[0].model_dump(mode="json")
        out: dict[str, Any] = {}
        for k in self.values(key):
            parts = parse_path(k) or (k,)
            head = []
            for p in parts:
                if isinstance(p, int):
                    break
                head.append(p)
            value: Any = sc
            for p in head:
                value = value[p]
            node = out
            for p in head[:-1]:
                node = node.setdefault(p, {})
            node[head[-1]] = value
        return out


def _stat(kpi: str, values: list[float | None]) -> dict[str, Any]:
    d = describe_kpi(kpi, values)
    return {"mean": d["mean"], "std": d["std"], "ci95": d["ci95"], "n": d["n"]}


def show_value(v: Any) -> str:
    """A plan's value as --vary would write it."""
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list):
        return "[" + ",".join(map(str, v)) + "]"
    return str(v)
