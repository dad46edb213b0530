"""Parameter sweeps: one scenario, a full grid of overrides, every point with the same seed.

`--vary roles.sdr.headcount=2,4,6 --vary lead_sources.paid.budget_per_month=30000..60000:10000`
runs every combination (here 3 x 4 = 12 points). Each point is the scenario with its overrides,
run with the same seed and replication indices, so the points share their random numbers
(common random numbers) and differences between neighbouring points are sharp. The result is a
tidy table - one row per point and KPI with mean and 95% CI - in which every row carries its
parameters.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from orgsim.experiments.precision import Precision, as_precision, replicate
from orgsim.experiments.results import Results, failure_records
from orgsim.experiments.runner import Executor, Progress, ReplicationError, using
from orgsim.experiments.stats import ExperimentError, describe
from orgsim.metrics.registry import KPI_KEYS
from orgsim.scenario import Scenario
from orgsim.scenario.errors import Problem, ScenarioError
from orgsim.scenario.loader import load_scenario, load_scenario_dict
from orgsim.scenario.overrides import unusable
from orgsim.scenario.yamlmap import parse_yaml, show

__all__ = ["MAX_POINTS", "SweepResult", "as_vary", "expand_range", "grid", "parse_vary", "sweep"]

MAX_POINTS = 10_000
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUM})\s*\.\.\s*({_NUM})\s*(?::\s*({_NUM})\s*)?$")
_VARY_HELP = "write KEY=V1,V2,... or KEY=FROM..TO[:STEP], e.g. roles.sdr.headcount=2,4,6 or roles.sdr.headcount=1..6"


def _number(text: str) -> int | float:
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)


def expand_range(text: str) -> list[int | float] | None:
    """`1..6` -> [1, 2, 3, 4, 5, 6]; `0.1..0.5:0.1` -> [0.1, 0.2, 0.3, 0.4, 0.5]; None if not a range.

    Both ends are included. Integers stay integers when the ends and step are integers.
    """
    m = _RANGE.match(text)
    if not m:
        return None
    text = show(text.strip()).strip("'\"")  # shortened in messages
    lo, hi = _number(m.group(1)), _number(m.group(2))
    step = _number(m.group(3)) if m.group(3) is not None else 1
    if m.group(3) is None and not (isinstance(lo, int) and isinstance(hi, int)):
        raise ExperimentError(
            f"range {text.strip()!r} needs a step when its ends are not integers, e.g. {m.group(1)}..{m.group(2)}:0.1"
        )
    if step <= 0:
        raise ExperimentError(f"range {text.strip()!r}: the step must be > 0")
    if hi < lo:
        raise ExperimentError(f"range {text.strip()!r} is empty: it must go up (FROM <= TO)")
    if not all(isinstance(x, int) or math.isfinite(x) for x in (lo, hi, step)):
        raise ExperimentError(f"range {text.strip()!r}: its ends and step must be finite numbers")
    # Counted without building the list, and without float overflow (1e308 / 1e-308 is inf).
    if all(isinstance(x, int) for x in (lo, hi, step)):
        count = (hi - lo) // step + 1
    else:
        spans = (hi - lo) / step
        huge = not math.isfinite(spans) or spans >= 2 * MAX_POINTS
        count = MAX_POINTS + 1 if huge else math.floor(spans + 1e-9) + 1
    if count > MAX_POINTS:
        raise ExperimentError(f"range {text.strip()!r} has too many values (at most {MAX_POINTS:,} points in a sweep)")
    if all(isinstance(x, int) for x in (lo, hi, step)):
        return list(range(lo, hi + 1, step))
    return [float(f"{lo + i * step:.12g}") for i in range(count)]


def _split_values(text: str) -> list[str]:
    """Split on commas that are not inside brackets, braces or quotes (YAML flow values)."""
    out, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return out


def parse_vary(spec: str) -> tuple[str, list[Any]]:
    """`KEY=V1,V2,...` (values read as YAML, ranges expanded) -> (key, values).

    Raises:
        ExperimentError: on bad syntax, an empty value or a repeated value.
    """
    if not isinstance(spec, str) or "=" not in spec:
        raise ExperimentError(f"--vary {spec!r}: {_VARY_HELP}")
    key, raw = spec.split("=", 1)
    key = key.strip()
    if not key:
        raise ExperimentError(f"--vary {spec!r}: no key before '='; {_VARY_HELP}")
    if not raw.strip():
        raise ExperimentError(f"--vary {spec!r}: no values after '='; {_VARY_HELP}")
    values: list[Any] = []
    for token in _split_values(raw):
        if not token.strip():
            raise ExperimentError(f"--vary {spec!r}: an empty value (two commas in a row, or a trailing comma?)")
        try:
            expanded = expand_range(token)
        except ExperimentError as e:
            raise ExperimentError(f"--vary {key}: {e}") from None
        if expanded is not None:
            values.extend(expanded)
            continue
        if ".." in token and not token.strip().startswith(("[", "{", "'", '"')):
            raise ExperimentError(
                f"--vary {key}: {token.strip()!r} is not a range; write FROM..TO or FROM..TO:STEP with numbers"
            )
        doc = parse_yaml(token)  # the node and depth limits of a scenario file
        if doc.error or doc.problems:
            why = doc.error[0] if doc.error else doc.problems[0][1]
            raise ExperimentError(f"--vary {key}: value {show(token.strip())} {unusable(why)}")
        values.append(doc.data)
    seen: list[Any] = []
    for v in values:
        if v in seen:
            raise ExperimentError(f"--vary {key}: value {v!r} is given twice")
        seen.append(v)
    return key, values


def grid(vary: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the values, the first key varying slowest."""
    keys = list(vary)
    for k in keys:
        if len(vary[k]) == 0:
            raise ExperimentError(f"{k}: no values to vary over")
    n = math.prod(len(vary[k]) for k in keys)
    if n > MAX_POINTS:
        raise ExperimentError(f"the grid has {n:,} points (at most {MAX_POINTS:,}); vary fewer values")
    return [dict(zip(keys, combo)) for combo in itertools.product(*(vary[k] for k in keys))]


def as_vary(vary: Mapping[str, Sequence[Any]] | Sequence[str]) -> dict[str, list[Any]]:
    """The parameters of a sweep as {key: values}, from a mapping (values or `V1,V2,...` text) or from
    `--vary KEY=V1,V2,...` strings; ExperimentError when there are none or one is malformed."""
    if isinstance(vary, Mapping):
        out = {}
        for k, v in vary.items():
            if isinstance(v, str):
                k2, vals = parse_vary(f"{k}={v}")
                out[k2] = vals
            else:
                out[str(k)] = list(v) if isinstance(v, (list, tuple, range)) or hasattr(v, "tolist") else [v]
        if not out:
            raise ExperimentError("sweep needs at least one parameter to vary")
        return out
    out = {}
    for spec in vary:
        k, vals = parse_vary(spec)
        if k in out:
            raise ExperimentError(f"--vary {k} is given twice; put all its values in one --vary")
        out[k] = vals
    if not out:
        raise ExperimentError("sweep needs at least one --vary KEY=V1,V2,...")
    return out


def _plain(v: Any) -> Any:
    """numpy scalars -> Python numbers (for overrides and JSON)."""
    return v.item() if type(v).__module__ == "numpy" and getattr(v, "ndim", 1) == 0 else v


def load_points(
    scenario: str | os.PathLike | Scenario,
    points: list[dict[str, Any]],
    overrides: Mapping[str, Any] | None = None,
) -> list[Scenario]:
    """The scenario at every point (its overrides, then the point's), every problem reported."""
    base = dict(overrides or {})
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    out: list[Scenario] = []
    source = str(scenario) if not isinstance(scenario, Scenario) else scenario.name
    for p in points:
        ov = {**base, **{k: _plain(v) for k, v in p.items()}}
        try:
            if isinstance(scenario, Scenario):
                out.append(load_scenario_dict(scenario.model_dump(mode="json"), source, ov))
            else:
                out.append(load_scenario(scenario, ov))
        except ScenarioError as e:
            source = e.source
            for prob in e.problems:
                if (prob.path, prob.message) not in seen:
                    seen.add((prob.path, prob.message))
                    problems.append(prob)
    if problems:
        raise ScenarioError(source, problems)
    return out


def _cell(v: Any) -> Any:
    v = _plain(v)
    return v if v is None or isinstance(v, (int, float, str, bool)) else json.dumps(v)


@dataclass(repr=False)
class SweepResult:
    """Every point of a sweep: its parameters and its `Results`.

    Attributes:
        vary: key -> values, in the order given.
        points: one dict of parameters per point (the grid, first key slowest).
        results: one `Results` per point (same seed for all).
    """

    vary: dict[str, list[Any]]
    points: list[dict[str, Any]]
    results: list[Results]
    seed: int = 0
    runtime_s: float = 0.0
    executor: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<SweepResult over {', '.join(self.vary)}: {len(self.points)} points, seed {self.seed}>"

    @property
    def keys(self) -> list[str]:
        return list(self.vary)

    @property
    def failures(self) -> list[dict[str, Any]]:
        """Every failed replication of every point (each with its point's params)."""
        return [f for r in self.results for f in r.failures]

    def to_frame(self, kpis: Sequence[str] = KPI_KEYS) -> pd.DataFrame:
        """Tidy: one row per point and KPI - the parameters, point, kpi, replications, n, mean,
        std, ci95_low, ci95_high. List-valued parameters appear as JSON text."""
        rows = []
        for i, (p, res) in enumerate(zip(self.points, self.results)):
            for k in kpis:
                d = describe(res.values(k))
                rows.append(
                    {
                        **{key: _cell(p[key]) for key in self.keys},
                        "point": i,
                        "kpi": k,
                        "replications": res.n,
                        "n": d["n"],
                        "mean": d["mean"],
                        "std": d["std"],
                        "ci95_low": d["ci95"][0],
                        "ci95_high": d["ci95"][1],
                    }
                )
        return pd.DataFrame(
            rows, columns=[*self.keys, "point", "kpi", "replications", "n", "mean", "std", "ci95_low", "ci95_high"]
        )

    @property
    def kpis(self) -> pd.DataFrame:
        """One row per point and replication: the parameters, point, replication and every KPI."""
        frames = []
        for i, (p, res) in enumerate(zip(self.points, self.results)):
            f = res.kpis
            f.insert(0, "point", i)
            for j, key in enumerate(self.keys):
                f.insert(j, key, [_cell(p[key])] * len(f))
            frames.append(f)
        return pd.concat(frames, ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        """`sweep --json`: the grid and, per point, its parameters and the `run --json` block."""
        first = self.results[0]
        return {
            "scenario": first.name,
            "seed": self.seed,
            "horizon_months": first.scenario.horizon_months,
            "vary": {k: [_plain(v) for v in vals] for k, vals in self.vary.items()},
            "points": [{"point": i, **r.to_dict()} for i, r in enumerate(self.results)],
        }

    def _repr_html_(self) -> str:
        return f"<h4>orgsim sweep: {len(self.points)} points</h4>" + self.to_frame(["arr_end"])._repr_html_()


def sweep(
    scenario: str | os.PathLike | Scenario,
    vary: Mapping[str, Sequence[Any]] | Sequence[str],
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    *,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    scheduler: Any = None,
    executor: Executor | None = None,
    precision: float | Precision | None = None,
    targets: Sequence[str] | str | None = None,
    max_replications: int | None = None,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
) -> SweepResult:
    # Over 60 lines: a public function with many options, half of it the docstring that documents them;
    # the body is the steps in order.
    """Run the scenario at every point of a grid of overrides, all with the same seed.

    Args:
        scenario: a scenario file, or a loaded `Scenario`.
        vary: {dotted key: values} (a string value is parsed like --vary: "1..6", "2,4,8"),
            or --vary strings ["roles.sdr.headcount=2,4,6", ...].
        replications, seed: default to the scenario's.
        overrides: applied to every point before the point's own values (like --set).
        workers, progress, scheduler, executor: as for `simulate`.
        precision, targets, max_replications: as for `simulate`, per point.
        checkpoint: a file to append every finished point to (`checkpoint.Checkpoint`), so an
            interrupted sweep loses no finished point. Not with `precision`.
        resume: reuse the points already in `checkpoint` (same resolved scenario, seed and
            replications) instead of running them again; `meta["resumed"]` says how many.

    A failed replication (an exception in the model or a broken invariant) does not stop the
    sweep: it is listed in its point's `Results.failures`. `ReplicationError` is raised when
    every replication of some point failed.

    Raises:
        ExperimentError: bad vary syntax or an oversized grid.
        ScenarioError: a key that is not in the schema, or a value it refuses (every problem,
            once, before anything runs).
    """
    vary_ = as_vary(vary)
    if isinstance(overrides, (list, tuple)):
        from orgsim.scenario.loader import parse_set

        overrides = parse_set(list(overrides))
    both = sorted(set(vary_) & set(overrides or {}))
    if both:
        raise ExperimentError(f"{both[0]} is both set (--set) and varied (--vary); drop one")
    points = grid(vary_)
    scs = load_points(scenario, points, overrides)
    reps = scs[0].replications if replications is None else int(replications)
    seed = scs[0].seed if seed is None else int(seed)
    if reps < 1:
        raise ValueError(f"replications must be >= 1 (got {reps})")
    prec = as_precision(precision, targets, max_replications)
    if prec is not None and (checkpoint is not None or resume):
        raise ExperimentError("checkpoints (--checkpoint, --resume) do not work with --precision yet")
    if resume and checkpoint is None:
        raise ExperimentError("resume needs a checkpoint file")
    params = [{k: _plain(v) for k, v in p.items()} for p in points]
    failures: dict[int, list[dict[str, Any]]] = {i: [] for i in range(len(scs))}
    meta: dict[str, Any] = {}
    t0 = time.perf_counter()
    with using(executor, workers, scheduler, cap=None if prec else max(1, reps * len(scs))) as ex:
        if prec is None:
            got: dict[Any, Any] = {}
            todo = list(range(len(scs)))
            ck = keys = None
            if checkpoint is not None:
                from orgsim.experiments.checkpoint import Checkpoint, work_key

                ck = Checkpoint(checkpoint, resume=resume)
                keys = [work_key("sweep", s, seed, range(reps), params[i]) for i, s in enumerate(scs)]
                todo = []
                for i in range(len(scs)):
                    saved = ck.get(keys[i])
                    if saved is None:
                        todo.append(i)
                    else:
                        got[i], failures[i] = saved[0], [dict(f) for f in saved[1]]

            def on_done(i: Any, reps_: list, fails: list) -> None:
                ck.put(keys[i], reps_, fails, {"point": i, "params": params[i]})

            lost: list[dict[str, Any]] = []
            got.update(
                ex.run(
                    [(i, scs[i], seed, range(reps)) for i in todo],
                    progress,
                    failures=lost,
                    on_done=on_done if ck is not None else None,
                )
            )
            for f in lost:
                failures[f["key"]].append(f)
            info: dict[Any, Any] = {}
            meta = {"resumed": len(scs) - len(todo)} if ck is not None else {}
            if ck is not None and ck.skipped:
                meta["checkpoint_skipped"] = ck.skipped_summary()
        else:
            got, info = replicate(ex, dict(enumerate(scs)), seed, reps, prec, progress=progress)
        label = ex.label
    runtime = time.perf_counter() - t0
    failed = {i: failure_records(failures[i], params[i]) for i in failures}
    empty = [i for i in range(len(scs)) if not got[i]]
    if empty:
        raise ReplicationError(
            [f for i in range(len(scs)) for f in failed[i]],
            f"every replication of point {empty[0]} ({params[empty[0]]}) failed",
        )
    results = [
        Results(
            s,
            seed,
            got[i],
            runtime_s=runtime,
            params=params[i],
            executor=label,
            meta={"precision": info[i]} if info else {},
            failures=failed[i],
        )
        for i, s in enumerate(scs)
    ]
    return SweepResult(vary_, points, results, seed=seed, runtime_s=runtime, executor=label, meta=meta)
