"""`orgsim app` on the command line: help, bad input (exit 2) and the missing extra."""

from __future__ import annotations

import socket
import sys

from orgsim.cli import main


def test_help_has_examples(capsys):
    assert main(["app", "--help"]) == 0
    out = capsys.readouterr().out
    assert "orgsim app scenarios/series-a.yaml --port 8800" in out


def test_a_bad_scenario_is_refused_before_the_server_starts(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nroles: {sdr: {department: sales, headcount: -1}}\n")
    assert main(["app", str(bad)]) == 2
    assert "bad.yaml" in capsys.readouterr().err


def test_a_busy_port_is_refused(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    assert f"--port {port}: cannot listen" in capsys.readouterr().err


def test_missing_extra_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "solara", None)
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "solara" else real(n, *a))
    assert main(["app"]) == 2
    assert "pip install 'orgsim[app]'" in capsys.readouterr().err
