"""Parameter sweeps: one scenario, a full grid of overrides, every point with the same seed.

`--vary roles.sdr.headcount=2,4,6 --vary lead_sources.paid.budget_per_month=30000..60000:10000`
runs every combination (here 3 x 4 = 12 points). Each point is the scenario with its overrides,
run with the same seed and replication indices, so the points share their random numbers
(common random numbers) and differences between neighbouring points are sharp. The result is a
tidy table - one row per point and KPI with mean and 95% CI - in which every row carries its
parameters. The grid itself (parsing `--vary`, the combinations, the scenario at each point) is
`orgsim.experiments.sweep_grid`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from orgsim.experiments.executors import Executor, Progress, using
from orgsim.experiments.precision import Precision, as_precision, replicate
from orgsim.experiments.results import Results, failure_records, frame_html
from orgsim.experiments.runner import ReplicationError
from orgsim.experiments.stats import ExperimentError, describe_kpi
from orgsim.experiments.sweep_grid import as_overrides, as_vary, grid, load_points, plain
from orgsim.metrics.registry import KPI_KEYS
from orgsim.scenario import Scenario

__all__ = ["SweepResult", "sweep"]


def _cell(v: Any) -> Any:
    v = plain(v)
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
    baseline: Results | None = None  # the scenario as written (with --set, no --vary value), when asked

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
                d = describe_kpi(k, res.values(k))
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
            "vary": {k: [plain(v) for v in vals] for k, vals in self.vary.items()},
            "points": [{"point": i, **r.to_dict()} for i, r in enumerate(self.results)],
            **({"baseline": self.baseline.to_dict()} if self.baseline is not None else {}),
        }

    def _repr_html_(self) -> str:
        return f"<h4>orgsim sweep: {len(self.points)} points</h4>" + frame_html(self.to_frame(["arr_end"]))


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
    baseline: bool = False,
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
        baseline: also run the scenario as written (with `overrides`, without any varied value)
            on the same random numbers, as `SweepResult.baseline` (not checkpointed).

    A failed replication (an exception in the model or a broken invariant) does not stop the
    sweep: it is listed in its point's `Results.failures`. `ReplicationError` is raised when
    every replication of some point failed.

    Raises:
        ExperimentError: bad vary syntax or an oversized grid.
        ScenarioError: a key that is not in the schema, or a value it refuses (every problem,
            once, before anything runs).
    """
    vary_ = as_vary(vary)
    sets = as_overrides(overrides)
    both = sorted(set(vary_) & set(sets or {}))
    if both:
        raise ExperimentError(f"{both[0]} is both set (--set) and varied (--vary); drop one")
    points = grid(vary_)
    scs = load_points(scenario, points, sets, option="--vary")
    base_sc = load_points(scenario, [{}], sets)[0] if baseline else None
    reps = scs[0].replications if replications is None else int(replications)
    seed = scs[0].seed if seed is None else int(seed)
    if reps < 1:
        raise ValueError(f"replications must be >= 1 (got {reps})")
    prec = as_precision(precision, targets, max_replications)
    if prec is not None and (checkpoint is not None or resume):
        raise ExperimentError("checkpoints (--checkpoint, --resume) do not work with --precision yet")
    if resume and checkpoint is None:
        raise ExperimentError("resume needs a checkpoint file")
    params = [{k: plain(v) for k, v in p.items()} for p in points]
    failures: dict[Any, list[dict[str, Any]]] = {i: [] for i in range(len(scs))}
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
                assert ck is not None and keys is not None  # on_done is passed only with a checkpoint
                if i == "baseline":
                    return  # not a grid point: run again on resume
                ck.put(keys[i], reps_, fails, {"point": i, "params": params[i]})

            lost: list[dict[str, Any]] = []
            extra = [("baseline", base_sc, seed, range(reps))] if base_sc is not None else []
            got.update(
                ex.run(
                    [*((i, scs[i], seed, range(reps)) for i in todo), *extra],
                    progress,
                    failures=lost,
                    on_done=on_done if ck is not None else None,
                )
            )
            for f in lost:
                failures.setdefault(f["key"], []).append(f)
            info: dict[Any, Any] = {}
            meta = {"resumed": len(scs) - len(todo)} if ck is not None else {}
            if ck is not None and ck.skipped:
                meta["checkpoint_skipped"] = ck.skipped_summary()
        else:
            arms: dict[Any, Scenario] = dict(enumerate(scs))
            if base_sc is not None:
                arms["baseline"] = base_sc
            got, info = replicate(ex, arms, seed, reps, prec, progress=progress)
        label = ex.label
    runtime = time.perf_counter() - t0
    failed = {i: failure_records(failures[i], params[i]) for i in range(len(scs))}
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
    base_res = None
    if base_sc is not None and got.get("baseline"):
        base_res = Results(
            base_sc,
            seed,
            got["baseline"],
            runtime_s=runtime,
            executor=label,
            meta={"precision": info["baseline"]} if info else {},
            failures=failure_records(failures.get("baseline", [])),
        )
    return SweepResult(
        vary_, points, results, seed=seed, runtime_s=runtime, executor=label, meta=meta, baseline=base_res
    )
