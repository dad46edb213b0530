"""What a worker runs: `run_chunk` simulates, checks and reduces replications of one scenario.

A replication is fully determined by (scenario, seed, replication index): its random streams are
derived from exactly those, so it gives the same numbers wherever and in whatever order it runs.
Where replications run (this process, a local pool, a Dask cluster) is `orgsim.experiments.executors`.

Workers run `run_chunk`, a module-level function (importable by name, so it works with the
`spawn` and `forkserver` start methods, from scripts and from Jupyter alike), and send back
`metrics.Replication` objects - KPIs, funnel, stage table and monthly arrays, a few tens of kB -
never raw event records, so memory stays flat however many replications run. A replication that
fails comes back as a `Failure`. Workers import only this module's dependencies (the engine, not
pandas or scipy).
"""

from __future__ import annotations

import traceback as _tb
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from orgsim.engine import run_replication
from orgsim.invariants import violations
from orgsim.metrics import Replication, reduce
from orgsim.scenario import Scenario

__all__ = ["Failure", "ReplicationError", "run_chunk"]


@dataclass
class Failure:
    """A replication that failed: an exception in the model, or a broken invariant (a model bug).

    Sent back by workers instead of a `Replication`; `Executor.run` turns it into a dict.
    """

    replication: int
    seed: int
    error: str
    traceback: str
    invariants: tuple[str, ...] = ()

    def as_dict(self, scenario: str = "") -> dict[str, Any]:
        return {
            "scenario": scenario,
            "replication": self.replication,
            "seed": self.seed,
            "error": self.error,
            "traceback": self.traceback,
            "invariants": list(self.invariants),
        }


class ReplicationError(RuntimeError):
    """Replications failed where the experiment cannot go on without them (an internal error).

    Attributes:
        failures: one dict per failed replication - scenario, replication, seed, error,
            traceback, invariants and params (the overrides of a sweep point or focus order).
    """

    def __init__(self, failures: list[dict[str, Any]], message: str | None = None):
        self.failures = failures
        n = len(failures)
        first = failures[0] if failures else {}
        super().__init__(
            message
            or (
                f"{n} replication{'s' if n != 1 else ''} failed (first: {first.get('scenario', '')} replication "
                f"{first.get('replication')} seed {first.get('seed')}: {first.get('error')})"
            )
        )


def _one(scenario: Scenario, seed: int, r: int, events: str | None = None) -> Replication | Failure:
    try:
        rec = run_replication(scenario, seed, r) if events is None else run_replication(scenario, seed, r, events=True)
        broken = violations(rec)
        if broken:
            return Failure(r, seed, "invariant violated: " + "; ".join(broken), "", tuple(broken))
        rep = reduce(rec)
        if events is not None:
            from orgsim.outputs.event_log import render

            assert rec.events is not None  # run_replication(..., events=True) recorded them
            rep.events = render(rec.events, scenario, r, events)
        return rep
    except Exception as e:  # a model bug: reported with what reproduces it, the others go on
        return Failure(r, seed, f"{type(e).__name__}: {e}", _tb.format_exc())


def run_chunk(
    scenario: Scenario, seed: int, replications: Sequence[int], events: str | None = None
) -> list[Replication | Failure]:
    """The worker's job: simulate, check the invariants of and reduce some replications of one scenario.

    A replication that raises, or whose record breaks an invariant (`orgsim.invariants`), comes
    back as a `Failure` naming it; the others are unaffected. With `events` ("frame" or "csv"),
    each replication also carries its event log in that form (`Replication.events`, see
    `orgsim.outputs.event_log.render`): rendered here, in the worker, so that writing a log scales
    with the workers.
    """
    return [_one(scenario, seed, r, events) for r in replications]
