"""Replications on a Dask distributed cluster (the `dask` extra: `pip install "orgsim[dask]"`).

The cluster runs the same `runner.run_chunk` as a local pool, on the same (scenario, seed,
replication) triples, so results are identical to a local run with the same seed - provided every
worker has the same orgsim, numpy and Python as the client (`DaskExecutor` checks orgsim's
version). A simulation is pure Python holding the GIL: give each Dask worker process one thread
(`dask worker tcp://host:8786 --nworkers auto --nthreads 1`).

Before a `distributed.Client` is made, a `tcp://` address is checked by hand (`probe_scheduler`):
its syntax, then a plain socket connection with a timeout, then the first bytes the server sends.
A Dask scheduler greets every new connection with a handshake frame (an 8-byte little-endian
length, a frame count, and a msgpack map naming "pickle-protocol"); anything else - a silent
listener, a web server, nothing listening - is refused within the timeout with the address named,
instead of the Client hanging or mis-reading an HTTP reply as a 3-EiB frame length.
"""

from __future__ import annotations

import re
import socket
import struct
from typing import Any

from orgsim.experiments.executors import Executor
from orgsim.experiments.runner import run_chunk
from orgsim.experiments.stats import ExperimentError

__all__ = ["CONNECT_TIMEOUT_S", "DaskExecutor", "probe_scheduler"]

CONNECT_TIMEOUT_S = 20
_ADDRESS = re.compile(r"(?:(?P<scheme>tcp|tls)://)?(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(?P<port>[0-9]{1,5})")
_HANDSHAKE_MAX = 1 << 20  # a scheduler's greeting is about 60 bytes


def probe_scheduler(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> str:
    """Check that a Dask scheduler answers at `address`; returns the address with its scheme.

    Raises:
        ExperimentError: naming the address and what was wrong (syntax, no answer within
            `timeout_s`, or a server that is not a Dask scheduler).
    """
    m = _ADDRESS.fullmatch(address.strip())
    if not m or not 0 < int(m["port"]) < 65536:
        raise ExperimentError(
            f"--scheduler {address!r}: not a scheduler address; expected tcp://HOST:PORT "
            "(or tls://HOST:PORT), e.g. tcp://10.0.0.5:8786"
        )
    scheme, host, port = m["scheme"] or "tcp", m["host"].strip("[]"), int(m["port"])
    full = f"{scheme}://{m['host']}:{port}"
    if scheme == "tls":  # the greeting comes after the TLS handshake: leave it to the Client's timeout
        return full
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.settimeout(timeout_s)
            greeting = _read_greeting(sock)
    except TimeoutError:
        raise ExperimentError(
            f"the server at {full} sent no Dask handshake within {timeout_s:g} s; "
            "is it a Dask scheduler? (raise the wait with --connect-timeout)"
        ) from None
    except OSError as e:
        raise ExperimentError(f"cannot reach the Dask scheduler at {full}: {e.strerror or e}") from None
    if greeting is None:
        raise ExperimentError(
            f"the server at {full} is not a Dask scheduler (its first bytes are not a Dask handshake)"
        )
    return full


def _read_greeting(sock: socket.socket) -> bytes | None:
    head = _recv_exactly(sock, 8)
    if head is None:
        return None
    (size,) = struct.unpack("<Q", head)
    if not 16 <= size <= _HANDSHAKE_MAX:
        return None
    body = _recv_exactly(sock, size)
    return body if body is not None and b"pickle-protocol" in body else None


def _recv_exactly(sock: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


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
                'install it with: pip install "orgsim[dask]"'
            ) from None
        if isinstance(scheduler, Client):
            self.client, self._own = scheduler, False
        elif isinstance(scheduler, str):
            scheduler = probe_scheduler(scheduler, timeout_s)
            try:
                self.client = Client(scheduler, timeout=timeout_s, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as e:
                raise ExperimentError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
            self._own = True
        else:
            raise ExperimentError(
                f"scheduler must be an address like tcp://host:8786 or a distributed.Client (got {scheduler!r})"
            )
        self._check_versions()
        threads = sum(self.client.nthreads().values())
        self.parallelism = max(threads, 1)
        rpc = self.client.scheduler
        assert rpc is not None  # a connected client has its scheduler's connection
        self.label = f"dask {rpc.address} ({threads} thread{'s' if threads != 1 else ''})"

    def _check_versions(self) -> None:
        mine = _orgsim_version()
        try:
            theirs = self.client.run(_orgsim_version)
        except Exception as e:  # a worker that cannot import orgsim
            raise ExperimentError(
                f"Dask workers cannot run orgsim ({type(e).__name__}: {e}); install orgsim on every worker"
            ) from None
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
