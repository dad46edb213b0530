"""Replications on a Dask distributed cluster (the `dask` extra: `pip install "orgsim[dask]"`).

The cluster runs the same `runner.run_chunk` as a local pool, on the same (scenario, seed,
replication) triples, so results are identical to a local run with the same seed - provided every
worker has the same orgsim, numpy and Python as the client (`DaskExecutor` checks orgsim's
version). A simulation is pure Python holding the GIL: give each Dask worker process one thread
(`dask worker tcp://host:8786 --nworkers auto --nthreads 1`).
"""

from __future__ import annotations

from typing import Any

from orgsim.experiments.runner import Executor, run_chunk
from orgsim.experiments.stats import ExperimentError

__all__ = ["DaskExecutor"]

CONNECT_TIMEOUT_S = 20


def _orgsim_version() -> str:
    import orgsim

    return orgsim.__version__


class DaskExecutor(Executor):
    """Submit replications to a Dask scheduler.

    Args:
        scheduler: the scheduler's address ("tcp://host:8786") or a connected
            `distributed.Client` (left open on `close`; a client made here is closed).
        timeout_s: how long to try to reach the scheduler.
    """

    def __init__(self, scheduler: Any, timeout_s: float = CONNECT_TIMEOUT_S):
        try:
            from distributed import Client
        except ImportError:
            raise ExperimentError(
                "a Dask scheduler was given but dask.distributed is not installed; "
                "install it with: pip install \"orgsim[dask]\""
            ) from None
        if isinstance(scheduler, Client):
            self.client, self._own = scheduler, False
        elif isinstance(scheduler, str):
            try:
                self.client = Client(scheduler, timeout=timeout_s, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as e:
                raise ExperimentError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
            self._own = True
        else:
            raise ExperimentError(f"scheduler must be an address like tcp://host:8786 or a distributed.Client (got {scheduler!r})")
        self._check_versions()
        threads = sum(self.client.nthreads().values())
        self.parallelism = max(threads, 1)
        self.label = f"dask {self.client.scheduler.address} ({threads} thread{'s' if threads != 1 else ''})"

    def _check_versions(self) -> None:
        mine = _orgsim_version()
        try:
            theirs = self.client.run(_orgsim_version)
        except Exception as e:  # a worker that cannot import orgsim
            raise ExperimentError(f"Dask workers cannot run orgsim ({type(e).__name__}: {e}); "
                                  "install orgsim on every worker") from None
        bad = {w: v for w, v in theirs.items() if v != mine}
        if bad:
            listing = ", ".join(f"{w} has {v}" for w, v in sorted(bad.items()))
            raise ExperimentError(f"Dask workers run another orgsim version than this one ({mine}): {listing}")

    def _execute(self, tasks):
        from distributed import as_completed

        index_of = {}
        for index, sc, seed, reps, events in tasks:
            index_of[self.client.submit(run_chunk, sc, seed, reps, events, pure=False)] = index
        try:
            for fut in as_completed(list(index_of), loop=self.client.loop):
                yield index_of[fut], fut.result()
        except BaseException:
            self.client.cancel(list(index_of))
            raise

    def close(self) -> None:
        if self._own:
            self.client.close()
