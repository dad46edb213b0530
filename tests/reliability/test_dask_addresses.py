"""A --scheduler address that is not a Dask scheduler fails fast, naming the address: bad syntax,
nothing listening, a silent TCP listener, a web server. Loopback only; every server stops itself."""

from __future__ import annotations

import http.server
import socket
import threading
import time

import pytest

from orgsim import cli
from orgsim.experiments import ExperimentError
from orgsim.experiments.dask_exec import probe_scheduler

pytest.importorskip("distributed", reason="dask.distributed is not installed: pip install 'orgsim[dask]'")


def _silent_listener() -> tuple[socket.socket, int]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    return srv, srv.getsockname()[1]


def test_bad_syntax_is_refused_at_once():
    for bad in ("not a url", "http://127.0.0.1:8786", "tcp://host", "tcp://127.0.0.1:99999", ""):
        with pytest.raises(ExperimentError, match="not a scheduler address"):
            probe_scheduler(bad, timeout_s=1)


def test_nothing_listening_is_named():
    srv, port = _silent_listener()
    srv.close()  # the port is free again: connection refused
    with pytest.raises(ExperimentError, match=f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"):
        probe_scheduler(f"127.0.0.1:{port}", timeout_s=1)


def test_a_silent_listener_times_out():
    srv, port = _silent_listener()
    try:
        t0 = time.monotonic()
        with pytest.raises(ExperimentError, match="sent no Dask handshake within 1 s"):
            probe_scheduler(f"tcp://127.0.0.1:{port}", timeout_s=1)
        assert time.monotonic() - t0 < 5
    finally:
        srv.close()


class _Http400(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_error(400)

    def log_message(self, *args):
        pass


def test_a_web_server_is_not_a_scheduler():
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Http400)
    httpd.timeout = 5
    t = threading.Thread(target=httpd.handle_request, daemon=True)  # one request at most, then it stops
    t.start()
    try:
        with pytest.raises(ExperimentError, match="no Dask handshake|not a Dask scheduler"):
            probe_scheduler(f"tcp://127.0.0.1:{httpd.server_port}", timeout_s=1)
    finally:
        httpd.server_close()


def test_a_talking_stranger_is_not_a_scheduler():
    srv, port = _silent_listener()

    def talk():
        conn, _ = srv.accept()
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        conn.close()

    threading.Thread(target=talk, daemon=True).start()
    try:
        with pytest.raises(ExperimentError, match="not a Dask scheduler"):
            probe_scheduler(f"tcp://127.0.0.1:{port}", timeout_s=2)
    finally:
        srv.close()


def test_cli_exits_2_without_a_traceback(tmp_path, capsys):
    from pathlib import Path

    scenario = str(Path(__file__).resolve().parents[2] / "scenarios" / "series-a.yaml")
    t0 = time.monotonic()
    assert cli.main(["run", scenario, "-n", "1", "-q", "--scheduler", "not a url"]) == 2
    err = capsys.readouterr().err
    assert "not a url" in err and "Traceback" not in err and time.monotonic() - t0 < 5


@pytest.mark.parametrize(
    "command, extra",
    [("run", []), ("compare", ["SCENARIO"]), ("sweep", ["--vary", "roles.sdr.headcount=1,2"]), ("focus", [])],
)
def test_connect_timeout_option_reaches_the_executor(capsys, command, extra):
    """--connect-timeout SECONDS (issue 18, item 13) on every command with --scheduler."""
    from pathlib import Path

    scenario = str(Path(__file__).resolve().parents[2] / "scenarios" / "series-a.yaml")
    srv, port = _silent_listener()
    try:
        t0 = time.monotonic()
        args = [command, scenario, *[scenario if a == "SCENARIO" else a for a in extra], "-n", "2", "-q"]
        code = cli.main([*args, "--scheduler", f"tcp://127.0.0.1:{port}", "--connect-timeout", "0.5"])
        took = time.monotonic() - t0
    finally:
        srv.close()
    err = capsys.readouterr().err
    assert code == 2, err
    assert "within 0.5 s" in err and "--connect-timeout" in err and "Traceback" not in err
    assert took < 5


def test_connect_timeout_must_be_positive(capsys):
    assert cli.main(["run", "x.yaml", "--connect-timeout", "0"]) == 2
    assert "--connect-timeout" in capsys.readouterr().err
