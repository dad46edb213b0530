"""Start the app's server: `solara run orgsim.app.page` in a child process, on a loopback port.

Solara's own command line starts its Starlette app under uvicorn with the settings it needs
(production mode, no auto-restart); running it as a child keeps this process free of the
server's threads and lets Ctrl-C stop both. The scenario and worker count reach the page
through environment variables (ORGSIM_APP_SCENARIO, ORGSIM_APP_WORKERS).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from orgsim.scenario.errors import UsageError

__all__ = ["EXTRA_MESSAGE", "check_installed", "command", "free_port", "launch", "serve"]

EXTRA_MESSAGE = "orgsim app needs Solara: pip install 'orgsim[app]'"


def check_installed() -> None:
    """UsageError (exit 2) naming the extra when Solara is missing."""
    if importlib.util.find_spec("solara") is None:
        raise UsageError(EXTRA_MESSAGE)


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def launch(
    scenario: str,
    workers: int = 2,
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    capture: bool = False,
    timeout_s: float = 60.0,
) -> tuple[subprocess.Popen, str]:
    """`orgsim app SCENARIO` in a child process on a free loopback port, once it accepts connections
    (for the browser tests, the screenshots and the benchmark): the process and the page's address.
    With `capture` its output is kept (stdout and stderr together, text) for the caller to read.
    RuntimeError, with what it printed when captured, if it exits or does not listen in time."""
    port = free_port("127.0.0.1")
    cmd = [sys.executable, "-m", "orgsim", "app", scenario, "--port", str(port), "--workers", str(workers)]
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=dict(env) if env is not None else None, stdout=out,
        stderr=subprocess.STDOUT if capture else subprocess.DEVNULL, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                printed = proc.communicate()[0] if capture else ""
                raise RuntimeError(f"the app did not start: {(printed or '')[-3000:]}") from None
            time.sleep(0.2)


def check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: a port in TIME_WAIT is free
        try:
            s.bind((host, port))
        except OSError as e:
            why = e.strerror or e
            raise UsageError(f"--port {port}: cannot listen on {host}:{port} ({why}); choose another port") from None


def command(host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "solara", "run", "orgsim.app.page",
        "--host", host, "--port", str(port), "--production", "--no-open", "--log-level", "warning",
    ]  # fmt: skip


def serve(scenario: str | None, host: str, port: int, workers: int | None, echo: object = print) -> int:
    """Run the server until it stops (Ctrl-C); returns its exit code."""
    env = dict(os.environ)
    if scenario:
        env["ORGSIM_APP_SCENARIO"] = os.path.abspath(scenario)
    if workers is not None:
        env["ORGSIM_APP_WORKERS"] = str(workers)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # a local tool: no usage pings
    # A session of its own: the server, its worker pool and the pool's forkserver are one process
    # group, stopped together however this process is told to stop.
    proc = subprocess.Popen(command(host, port), env=env, start_new_session=True)
    echo(f"orgsim app: http://{host}:{port}/  (Ctrl-C stops it)")  # type: ignore[operator]
    stop = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return _stop(proc)
    finally:
        signal.signal(signal.SIGTERM, stop)
        _killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group (orphaned workers)


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _stop(proc: subprocess.Popen) -> int:
    _killpg(proc.pid, signal.SIGTERM)
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        _killpg(proc.pid, signal.SIGKILL)
        return proc.wait()
