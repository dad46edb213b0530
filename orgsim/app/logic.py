"""What the app does, without any user interface: edits as overrides, runs, summaries, files.

Everything here is plain Python (no Solara), so it is tested without a browser and usable from a
script. The app's components (`orgsim.app.components`) only hold state and draw what this module
returns.

- An edit is a dotted-path override (``{"roles.sdr.headcount": 5}``), exactly what ``--set``
  passes, so an invalid value gets the same field-level message as the command line
  (`load_edited`).
- A run is the edited scenario against its baseline with common random numbers: the same seed
  and replication indices, so the differences are paired (`run_plan`). The baseline of a given
  file, horizon, seed and replication count is cached; a pool of worker processes is kept warm
  between runs (`shared_executor`). Progress is reported and a run can be cancelled between
  replications (`Cancelled`).
- Summaries: KPIs, cash-out, funnel, stages and roles, each as baseline, plan and paired
  difference with its 95% CI (`kpi_table`, `funnel_table`, `stage_table`, `role_table`).
- Files (the plots, the edited scenario as YAML, report.html) are `orgsim.app.files`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from orgsim.experiments.comparison import Comparison
from orgsim.experiments.executors import Executor, executor
from orgsim.experiments.results import Results, simulate
from orgsim.experiments.stats import describe, paired_difference
from orgsim.metrics.registry import FUNNEL_KEYS
from orgsim.scenario import Scenario
from orgsim.scenario.errors import ScenarioError
from orgsim.scenario.loader import load_scenario

__all__ = [
    "PLAN_NAME",
    "Cancelled",
    "Control",
    "Plan",
    "bundled_scenarios",
    "controls",
    "field_problems",
    "funnel_table",
    "hire_table",
    "kpi_table",
    "load_edited",
    "role_table",
    "run_plan",
    "shared_executor",
    "stage_table",
    "who_to_hire",
]

PLAN_NAME = "your plan"
# The KPIs the app shows, in order, with how to print a level and a difference.
KPIS: dict[str, tuple[str, str]] = {
    "arr_end": ("money", "money"),
    "new_customers": ("count", "count"),
    "cash_end": ("money", "money"),
    "cash_min": ("money", "money"),
    "cash_out": ("share", "pp"),
    "cash_out_month": ("month", "count"),
    "runway_months": ("month", "count"),
    "logo_renewal_rate": ("share", "pp"),
    "health_rate": ("share", "pp"),
    "cac_payback_months": ("month", "count"),
    "headcount_end": ("count", "count"),
}


class Cancelled(Exception):
    """The run was cancelled between replications (the Cancel button)."""


@dataclass(frozen=True)
class Control:
    """One input of the app: the dotted path it overrides, its label, its kind and its choices."""

    path: str
    label: str
    kind: str  # "int", "float", "choice", "list" (comma-separated words), "yaml" (a YAML value)
    choices: tuple[str, ...] = ()
    group: str = ""


def bundled_scenarios(extra: str | os.PathLike | None = None) -> dict[str, str]:
    """Scenario name (file stem) -> file: the bundled scenarios of a checkout, and `extra` first."""
    out: dict[str, str] = {}
    if extra:
        out[Path(extra).stem] = str(extra)
    for folder in (Path.cwd() / "scenarios", Path(__file__).resolve().parents[2] / "scenarios"):
        if folder.is_dir():
            for p in sorted(folder.glob("*.yaml")):
                out.setdefault(p.stem, str(p))
            break
    return out


def _literal_choices(model: Any, name: str) -> tuple[str, ...]:
    from typing import get_args

    return tuple(str(a) for a in get_args(type(model).model_fields[name].annotation))


def controls(sc: Scenario) -> list[Control]:
    """The inputs for a scenario: headcount of every role, hiring pace, plan and focus order,
    marketing budget, and the ownership switches (with the schema's choices)."""
    out = [Control(f"roles.{r}.headcount", r, "int", group="headcount") for r in sc.roles]
    growth = sc.hiring.growth
    if growth is not None:
        out.append(Control("hiring.growth.hires_per_month", "hires per month", "float", group="hiring"))
        out.append(Control("hiring.growth.focus_order", "focus order", "list", group="hiring"))
    out.append(Control("hiring.plan", "hiring plan (YAML list)", "yaml", group="hiring"))
    paid = getattr(sc.lead_sources, "paid", None)
    if paid is not None:
        out.append(Control("lead_sources.paid.budget_per_month", "paid budget per month", "float", group="marketing"))
    own = sc.ownership
    for name in ("qualification", "routing", "renewal", "referral_relationship", "presales_unavailable", "deal_work"):
        if name in type(own).model_fields:
            out.append(Control(f"ownership.{name}", name, "choice", _literal_choices(own, name), group="ownership"))
    return out


def current_value(sc: Scenario, path: str) -> Any:
    """The scenario's value at a dotted path, as plain data (a list of dicts for the plan)."""
    node: Any = sc.model_dump(mode="json")
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def parse_input(control: Control, text: str) -> Any:
    """What a text field holds, as the override value: YAML, like ``--set`` (a list for "list")."""
    if control.kind == "list":
        return [w.strip() for w in text.split(",") if w.strip()]
    if control.kind == "choice":
        return text
    try:
        return yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as e:
        return _Unparsed(text, str(e).splitlines()[0])


@dataclass(frozen=True)
class _Unparsed:
    text: str
    error: str


def load_edited(
    path: str, edits: Mapping[str, Any], base: Mapping[str, Any] | None = None
) -> tuple[Scenario | None, ScenarioError | None]:
    """The scenario in `path` with `base` (e.g. the horizon) and `edits` applied by dotted path.

    Returns (scenario, None), or (None, the error the CLI would print for ``--set`` of the same
    values). A value the text field could not parse as YAML is passed as its text, so the
    loader reports it against its path with the value shown.
    """
    overrides = {**dict(base or {}), **{k: (v.text if isinstance(v, _Unparsed) else v) for k, v in edits.items()}}
    try:
        return load_scenario(path, overrides=overrides), None
    except ScenarioError as e:
        return None, e


def field_problems(error: ScenarioError | None) -> dict[str, list[str]]:
    """Problem lines by the dotted path they name (a problem of ``roles.sdr`` goes to its children too)."""
    out: dict[str, list[str]] = {}
    for p in error.problems if error is not None else []:
        out.setdefault(p.path, []).append(p.render())
    return out


def problems_for(problems: Mapping[str, list[str]], path: str) -> list[str]:
    return [line for key, lines in problems.items() if key == path or key.startswith(path + "[") for line in lines]


# ---- Running ---------------------------------------------------------------------------------

_POOL: dict[int, Executor] = {}
_POOL_LOCK = threading.Lock()
_BASELINES: dict[tuple, tuple[Results, pd.DataFrame]] = {}  # baseline and its monthly table (0.2-0.5 s to build)


def shared_executor(workers: int | None = None) -> Executor:
    """One executor for the whole app, kept open (warm workers) across runs; 0/None = every core."""
    n = 0 if workers is None else workers
    with _POOL_LOCK:
        if n not in _POOL:
            _POOL[n] = executor(n)
        return _POOL[n]


@dataclass
class Plan:
    """A finished run: the baseline and the plan, paired, and when and how it ran."""

    comparison: Comparison
    seconds: float
    baseline_cached: bool
    failures: list[dict[str, Any]] = field(default_factory=list)
    monthly: pd.DataFrame | None = None  # both arms' monthly series, built once for the plots

    @property
    def baseline(self) -> Results:
        return self.comparison.arms[0]

    @property
    def plan(self) -> Results:
        return self.comparison.arms[1]


def run_plan(
    base: Scenario,
    edited: Scenario,
    replications: int,
    seed: int,
    *,
    key: tuple = (),
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> Plan:
    """Simulate `edited` against `base` with common random numbers.

    `key` names the baseline for the cache (file, base overrides); it is simulated once per key,
    seed and replication count. `progress(done, total)` counts both arms' replications; when
    `cancel` is set, `Cancelled` is raised before the next replication is taken up (running
    workers are stopped; the next run starts fresh ones). A failed replication raises
    `ReplicationError`, which carries what reproduces it.
    """
    import time

    t0 = time.perf_counter()
    ex = shared_executor(workers)
    bkey = (*key, seed, replications)
    cached = bkey in _BASELINES
    total = replications * (1 if cached else 2)
    done_before = [0]

    def tick(done: int, _total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        if progress is not None:
            progress(done_before[0] + done, total)

    if not cached:
        res = simulate(base, replications=replications, seed=seed, executor=ex, progress=tick)
        _BASELINES[bkey] = (res, res.monthly)
        done_before[0] = replications
    baseline, base_monthly = _BASELINES[bkey]
    plan_sc = edited if edited.name == PLAN_NAME else edited.model_copy(update={"name": PLAN_NAME})
    plan = simulate(plan_sc, replications=replications, seed=seed, executor=ex, progress=tick)
    cmp = Comparison([baseline, plan], runtime_s=time.perf_counter() - t0, executor=ex.label)
    monthly = pd.concat([base_monthly, plan.monthly], ignore_index=True)
    return Plan(cmp, time.perf_counter() - t0, cached, monthly=monthly)


def who_to_hire(
    scenario: Scenario,
    replications: int,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[str, pd.DataFrame]:
    """ "Who should I hire next?": `orgsim hire --next 1` on the edited scenario, at a small
    precision (2-5 replications per option to start, at most 10): its recommendation and ranking."""
    from orgsim.experiments.hire_mixes import hire

    res = hire(
        scenario,
        1,
        replications=max(2, min(replications, 5)),
        max_replications=max(4, min(replications, 10)),
        executor=shared_executor(workers),
        progress=progress,
    )
    return res.recommendation, hire_table(res.ranking(), res.goal_words, KPIS.get(res.by, ("count", ""))[0])


def hire_table(ranking: pd.DataFrame, goal: str, unit: str) -> pd.DataFrame:
    """The hire ranking as the page shows it: each option's mean and its paired difference to
    hiring no one, with 95% CIs, formatted (`HireResult.ranking` holds the raw numbers)."""
    diff_unit = "money" if unit == "money" else ("pp" if unit == "share" else unit)
    rows = []
    for _, r in ranking.iterrows():
        ci = f" [{_fmt(r['diff_ci95_low'], diff_unit, True)}, {_fmt(r['diff_ci95_high'], diff_unit, True)}]"
        rows.append(
            {
                "rank": r["rank"],
                "hire": r["hires"],
                "status": r["status"],
                "replications": r["replications"],
                goal: _fmt(r["mean"], unit),
                "difference to no hire [95% CI]": _fmt(r["diff_mean"], diff_unit, True) + ci,
                "cash runs out": _fmt(r.get("cash_out"), "share"),
            }
        )
    return pd.DataFrame(rows)


# ---- Summaries -------------------------------------------------------------------------------


def _fmt(x: Any, unit: str, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "undefined"
    s = "+" if signed else ""
    if unit == "money":
        sign = "-" if x < 0 else ("+" if signed else "")
        return f"{sign}${abs(x) / 1e6:,.2f}M"
    if unit == "share":
        return f"{x:.1%}" if not signed else f"{100 * x:+.1f} pp"
    if unit == "pp":
        return f"{100 * x:+.1f} pp"
    if unit == "month":
        return f"{x:{s}.1f} mo"
    return f"{x:{s},.1f}" if abs(x) < 100 else f"{x:{s},.0f}"


def _row(label: str, d: dict[str, Any], base_mean: Any, arm_mean: Any, unit: str, diff_unit: str) -> dict[str, str]:
    ci = d.get("ci95") or (None, None)
    interval = "" if ci[0] is None else f" [{_fmt(ci[0], diff_unit, True)}, {_fmt(ci[1], diff_unit, True)}]"
    return {
        "": label,
        "baseline": _fmt(base_mean, unit),
        PLAN_NAME: _fmt(arm_mean, unit),
        "difference [95% CI]": _fmt(d.get("mean"), diff_unit, True) + interval,
    }


def kpi_table(plan: Plan, kpis: Sequence[str] = tuple(KPIS)) -> pd.DataFrame:
    """Baseline, plan and the paired difference with its 95% CI, one row per KPI (formatted text)."""
    rows = []
    for k in kpis:
        d = plan.comparison.difference(plan.plan, k)
        unit, diff_unit = KPIS.get(k, ("count", "count"))
        rows.append(_row(k, d, d["base_mean"], d["arm_mean"], unit, "money" if diff_unit == "money" else diff_unit))
    return pd.DataFrame(rows)


def _paired(base: Any, arm: Any) -> dict[str, Any]:
    return paired_difference(list(arm), list(base), 1)


def funnel_table(plan: Plan) -> pd.DataFrame:
    """Leads, MQLs, SQLs, opportunities and deals won: baseline, plan and paired difference."""
    b, p = plan.baseline.funnel, plan.plan.funnel
    return pd.DataFrame(
        [
            _row(k, _paired(b[k], p[k]), describe(list(b[k]))["mean"], describe(list(p[k]))["mean"], "count", "count")
            for k in FUNNEL_KEYS
        ]
    )


def _by(frame: pd.DataFrame, col: str, name: str, value: str) -> pd.Series:
    rows = frame[frame[col] == name].sort_values("replication")
    return rows[value].astype(float).fillna(0.0)


def stage_table(plan: Plan, value: str = "mean_wait_hours") -> pd.DataFrame:
    """Per stage: mean wait (hours), baseline, plan and paired difference - where work waits."""
    b, p = plan.baseline.stages, plan.plan.stages
    rows = []
    for stage in dict.fromkeys(b["stage"]):
        x, y = _by(b, "stage", stage, value), _by(p, "stage", stage, value)
        if len(x) == len(y):
            rows.append(_row(stage, _paired(x, y), x.mean(), y.mean(), "count", "count"))
    return pd.DataFrame(rows)


def role_table(plan: Plan) -> pd.DataFrame:
    """Per role: utilisation, baseline, plan and paired difference (percentage points)."""
    b, p = plan.baseline.roles, plan.plan.roles
    rows = []
    for role in dict.fromkeys(b["role"]):
        x, y = _by(b, "role", role, "utilization"), _by(p, "role", role, "utilization")
        if len(x) == len(y):
            rows.append(_row(role, _paired(x, y), x.mean(), y.mean(), "share", "pp"))
    return pd.DataFrame(rows)


def cash_out_words(plan: Plan) -> str:
    """One sentence per arm: the probability of running out of cash and the month it happens."""
    parts = []
    for res in (plan.baseline, plan.plan):
        p = describe([v for v in res.values("cash_out") if v is not None])["mean"] or 0.0
        months = [v for v in res.values("cash_out_month") if v is not None]
        when = f", median month {pd.Series(months).median():.0f}" if months else ""
        parts.append(f"{res.name}: cash runs out in {p:.0%} of {res.n} replications{when}")
    return "; ".join(parts) + "."
