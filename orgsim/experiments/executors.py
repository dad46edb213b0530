"""Where replications run: in this process, in a local process pool, or on a Dask cluster.

A replication is fully determined by (scenario, seed, replication index): its random streams are
derived from exactly those, so it gives the same numbers wherever and in whatever order it runs.
The executors below therefore only decide *where* work happens; results are put back in
replication order, and are identical to the last digit for any number of workers.

Workers run `orgsim.experiments.runner.run_chunk` and send back `metrics.Replication` objects
(or a `Failure`), never raw event records, so memory stays flat however many replications run.

The local pool forks its workers where that is safe and the platform's default (a single-threaded
process on Linux: ~30 ms to start two workers) and otherwise uses `forkserver` (a server process
imports the simulation once, ~0.3 s, and clean workers fork from it - safe when the calling
process has threads, as a Jupyter kernel does) or `spawn`; see `default_start_method`. Workers
import only `runner` and its dependencies (the engine, not pandas or scipy). The global start
method is never changed.
"""

from __future__ import annotations

import abc
import math
import multiprocessing
import os
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from orgsim.experiments.runner import Failure, ReplicationError, run_chunk
from orgsim.metrics import Replication
from orgsim.scenario import Scenario

__all__ = [
    "EventSink",
    "Executor",
    "ProcessExecutor",
    "Request",
    "SerialExecutor",
    "available_cores",
    "default_start_method",
    "executor",
    "run_replications",
    "using",
]

Progress = Callable[[int, int], None]
K = TypeVar("K", bound=Hashable)  # the key a caller gives each request (an arm, a sweep point, an order)
# (key, scenario, seed, replication indices): the replications one caller wants of one scenario.
Request = tuple[K, Scenario, int, Sequence[int]]  # `Request[K]`


def available_cores() -> int:
    """Cores this process may use (its CPU affinity where the OS tells it)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


Task = tuple[int, Scenario, int, list[int], str | None]  # request index, scenario, seed, replications, events


class EventSink(Protocol):
    """Where event logs go (`orgsim.outputs.event_log`): `mode` is the form workers render them in."""

    mode: str

    def take(self, key: Hashable, replication: int, rep: Replication | None) -> None: ...


def _chunks(requests: Sequence[Request[Any]], parallelism: int, events: str | None = None) -> list[Task]:
    """Split requests into tasks: one replication each for balance, a few when there are many."""
    total = sum(len(r[3]) for r in requests)
    size = 1 if total <= 64 * parallelism else min(16, math.ceil(total / (32 * parallelism)))
    tasks = []
    for i, (_key, sc, seed, reps) in enumerate(requests):
        reps = list(reps)
        for j in range(0, len(reps), size):
            tasks.append((i, sc, int(seed), reps[j : j + size], events))
    return tasks


class Executor(abc.ABC):
    """Runs requests of replications somewhere; a context manager (`close` on exit).

    Attributes:
        parallelism: how many replications run at once.
        label: for reports, e.g. "2 workers" or "dask tcp://10.0.0.5:8786 (8 threads)".
    """

    parallelism: int = 1
    label: str = "1 worker"

    def run(
        self,
        requests: Sequence[Request[K]],
        progress: Progress | None = None,
        *,
        failures: list[dict[str, Any]] | None = None,
        on_done: Callable[[K, list[Replication], list[dict[str, Any]]], None] | None = None,
        events: EventSink | None = None,
    ) -> dict[K, list[Replication]]:
        """Every request's replications, in replication order, keyed as the requests are.

        Args:
            requests: (key, scenario, seed, replication indices) tuples; keys must be distinct.
            progress: called with (replications done, replications requested) as work finishes.
            failures: where failed replications go (dicts, see `Failure.as_dict`, plus "key");
                their requests then hold only the replications that succeeded. Without it, any
                failure raises `ReplicationError` once every replication has finished.
            on_done: called with (key, replications in order, failures) as soon as all of one
                request's replications have finished (checkpoints).
            events: when given, every replication also records its event log (rendered by the
                worker in the form ``events.mode`` asks for) and ``events.take`` is called with
                (key, replication index, the replication, or None when it failed) as each one
                finishes, in the order they finish; it takes the log off the replication.
        """
        keys = [r[0] for r in requests]
        if len(set(keys)) != len(keys):
            raise ValueError("request keys must be distinct")
        total = sum(len(r[3]) for r in requests)
        found: list[dict[int, Replication]] = [{} for _ in requests]
        failed: list[list[dict[str, Any]]] = [[] for _ in requests]
        remaining = [len(r[3]) for r in requests]
        done = 0
        if progress and total:
            progress(0, total)
        for index, reps in self._execute(_chunks(requests, self.parallelism, events.mode if events else None)):
            for rep in reps:
                if isinstance(rep, Failure):
                    failed[index].append({**rep.as_dict(requests[index][1].name), "key": keys[index]})
                else:
                    found[index][rep.replication] = rep
                if events is not None:
                    events.take(keys[index], rep.replication, None if isinstance(rep, Failure) else rep)
            done += len(reps)
            remaining[index] -= len(reps)
            if progress:
                progress(done, total)
            if on_done is not None and remaining[index] == 0:
                on_done(
                    keys[index],
                    [found[index][r] for r in requests[index][3] if r in found[index]],
                    sorted(failed[index], key=lambda f: f["replication"]),
                )
        lost = sorted((f for fs in failed for f in fs), key=lambda f: (keys.index(f["key"]), f["replication"]))
        if lost:
            if failures is None:
                raise ReplicationError(lost)
            failures.extend(lost)
        return {key: [found[i][r] for r in requests[i][3] if r in found[i]] for i, key in enumerate(keys)}

    @abc.abstractmethod
    def _execute(self, tasks: list[Task]) -> Iterator[tuple[int, list[Replication]]]:
        """Where the replications run: each executor (serial, process pool, Dask) yields
        (task index, replications) as they finish."""

    def close(self) -> None:  # noqa: B027  (an optional hook: a no-op unless the executor owns workers)
        """Release workers (a no-op for executors that own none)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class SerialExecutor(Executor):
    """Everything in this process, one replication after another."""

    def _execute(self, tasks):
        for index, sc, seed, reps, events in tasks:
            yield index, run_chunk(sc, seed, reps, events)


def default_start_method() -> str:
    """How the local pool starts its workers when not told otherwise.

    "fork" where it is the platform's own default (Linux before Python 3.14) and this process
    runs a single Python thread - the CLI, a plain script: workers start in ~30 ms. Otherwise
    (a Jupyter kernel, a Dask client or any program with threads, where forking can copy a
    lock held by another thread; macOS; Python 3.14+) "forkserver", whose server imports the
    simulation once (~0.3 s) and forks clean workers from it; "spawn" where neither exists
    (Windows). The process-wide default start method is never changed.
    """
    methods = multiprocessing.get_all_start_methods()
    if methods and methods[0] == "fork" and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


class ProcessExecutor(Executor):
    """A local pool of worker processes, started on first use and reused until `close`.

    Args:
        workers: processes (>= 1).
        start_method: "fork", "forkserver" or "spawn"; default `default_start_method()`.
    """

    def __init__(self, workers: int, start_method: str | None = None):
        if workers < 1:
            raise ValueError(f"workers must be >= 1 (got {workers})")
        methods = multiprocessing.get_all_start_methods()
        if start_method is None:
            start_method = default_start_method()
        elif start_method not in methods:
            raise ValueError(f"start_method {start_method!r} is not available here; choose from {', '.join(methods)}")
        self.parallelism = workers
        self.start_method = start_method
        self.label = f"{workers} worker{'s' if workers != 1 else ''}"
        self._pool: ProcessPoolExecutor | None = None

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context(self.start_method)
            if self.start_method == "forkserver":
                # The server imports the simulation once; workers fork from it ready to run.
                ctx.set_forkserver_preload([run_chunk.__module__])
            self._pool = ProcessPoolExecutor(max_workers=self.parallelism, mp_context=ctx)
        return self._pool

    def _execute(self, tasks):
        pool = self._ensure_pool()
        pending: dict[Future, int] = {}
        try:
            for index, sc, seed, reps, events in tasks:
                pending[pool.submit(run_chunk, sc, seed, reps, events)] = index
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    index = pending.pop(fut)
                    yield index, fut.result()
        except BaseException:
            for fut in pending:
                fut.cancel()
            self.close(abort=True)
            raise

    def close(self, abort: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if abort:  # interrupted or failed: do not wait for replications nobody will read
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
        else:
            pool.shutdown(wait=True)


def executor(workers: int = 1, scheduler: Any = None, start_method: str | None = None) -> Executor:
    """The executor for `workers` local processes, or for a Dask cluster when `scheduler` is given.

    Args:
        workers: 1 = this process, 0 = one process per available core, W = W processes.
        scheduler: a Dask scheduler address ("tcp://host:8786") or a `distributed.Client`;
            needs the `dask` extra (`pip install "orgsim[dask]"`). `workers` is then ignored.
        start_method: for the local pool (see `ProcessExecutor`).

    Use it as a context manager to keep one pool for several experiments:

        with orgsim.experiments.executor(workers=0) as ex:
            a = orgsim.simulate(sc_a, executor=ex)
            b = orgsim.simulate(sc_b, executor=ex)
    """
    if scheduler is not None and scheduler != "":
        from orgsim.experiments.dask_exec import DaskExecutor

        return DaskExecutor(scheduler)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ValueError(f"workers must be an integer >= 0 (got {workers!r})")
    n = available_cores() if workers == 0 else workers
    return SerialExecutor() if n <= 1 else ProcessExecutor(n, start_method)


@contextmanager
def using(
    executor_: Executor | None, workers: int = 1, scheduler: Any = None, cap: int | None = None
) -> Iterator[Executor]:
    """The given executor (left open), or a new one closed on exit.

    `cap` bounds a new local pool by the work known in advance (no idle processes).
    """
    if executor_ is not None:
        yield executor_
        return
    if (
        cap is not None
        and scheduler in (None, "")
        and isinstance(workers, int)
        and not isinstance(workers, bool)
        and workers >= 0
    ):
        workers = max(1, min(available_cores() if workers == 0 else workers, cap))
    ex = executor(workers, scheduler)
    try:
        yield ex
    finally:
        ex.close()


def run_replications(
    sc: Scenario,
    replications: int,
    seed: int,
    workers: int = 1,
    progress: Progress | None = None,
    *,
    scheduler: Any = None,
    executor: Executor | None = None,
    start: int = 0,
) -> list[Replication]:
    """Replications start..start+N-1 of one scenario, in order, wherever `workers`/`scheduler` say.

    Raises:
        ReplicationError: when any replication fails (after all have run).
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1 (got {replications})")
    with using(executor, workers, scheduler, cap=replications) as ex:
        return ex.run([(0, sc, seed, range(start, start + replications))], progress)[0]
