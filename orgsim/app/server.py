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

from orgsim.scenario.errors import UsageError

__all__ = ["EXTRA_MESSAGE", "check_installed", "command", "free_port", "serve"]

EXTRA_MESSAGE = "orgsim app needs Solara: pip install 'orgsim[app]'"


def check_installed() -> None:
    """UsageError (exit 2) naming the extra when Solara is missing."""
    if importlib.util.find_spec("solara") is None:
        raise UsageError(EXTRA_MESSAGE)


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


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
