"""`extends` reads only scenario files inside the scenario's directory tree (or a declared root),
refuses FIFOs and devices, and never echoes the content of a file that is not a scenario."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orgsim.scenario.errors import ScenarioError
from orgsim.scenario.loader import load_scenario, load_scenario_dict

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-hash-$6$abcdef"


@pytest.fixture(autouse=True)
def _no_extra_roots(monkeypatch):
    monkeypatch.delenv("ORGSIM_EXTENDS_ROOTS", raising=False)


def _problems(path: Path) -> str:
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    return str(e.value)


def _secret_file(where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    f = where / "shadow"
    f.write_text(f"root:{SECRET}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n")
    return f


def test_traversal_outside_the_tree_is_refused_without_reading(tmp_path):
    _secret_file(tmp_path / "etc")
    top = tmp_path / "proj" / "a.yaml"
    top.parent.mkdir()
    top.write_text("extends: ../../../../../../../../" + str(tmp_path / "etc" / "shadow").lstrip("/") + "\n")
    text = _problems(top)
    assert (
        "outside the scenario's directory tree" in text
        and SECRET not in text
        and "root" not in text.split("tree")[0][-5:]
    )


@pytest.mark.parametrize("target", ["/etc/shadow", "/etc/passwd", "/proc/self/environ", "/etc/hostname"])
def test_absolute_system_files_are_refused(tmp_path, target):
    top = tmp_path / "a.yaml"
    top.write_text(f"extends: {target}\n")
    text = _problems(top)
    assert "outside the scenario's directory tree" in text
    assert "unknown key" not in text


def test_a_non_scenario_file_inside_the_tree_is_not_echoed(tmp_path):
    _secret_file(tmp_path)
    (tmp_path / "keys.yaml").write_text(f"aws_secret_access_key: {SECRET}\nname: x\n")
    for base in ("shadow", "keys.yaml"):
        top = tmp_path / f"top-{base}.yaml"
        top.write_text(f"extends: {base}\n")
        text = _problems(top)
        assert SECRET not in text and "aws_secret" not in text, text
        assert "extends (line 1)" in text


def test_symlink_out_of_the_tree_is_refused(tmp_path):
    secret = _secret_file(tmp_path / "outside")
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "base.yaml").symlink_to(secret)
    (proj / "top.yaml").write_text("extends: base.yaml\n")
    text = _problems(proj / "top.yaml")
    assert "outside" in text and SECRET not in text


def test_a_declared_root_allows_a_base_elsewhere(tmp_path, monkeypatch):
    top = tmp_path / "mine.yaml"
    top.write_text(f"extends: {ROOT / 'scenarios' / 'series-a.yaml'}\nname: mine\n")
    assert "outside" in _problems(top)
    assert load_scenario(top, extends_roots=[ROOT / "scenarios"]).name == "mine"
    monkeypatch.setenv("ORGSIM_EXTENDS_ROOTS", str(ROOT / "scenarios"))
    assert load_scenario(top).name == "mine"


def test_dict_scenarios_are_confined_to_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match="outside"):
        load_scenario_dict({"extends": "/etc/passwd"})
    monkeypatch.chdir(ROOT)
    assert load_scenario_dict({"extends": str(ROOT / "scenarios" / "series-a.yaml"), "name": "d"}).name == "d"


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "fifo"])
def test_devices_and_fifos_are_refused_at_once(tmp_path, special, monkeypatch):
    if special == "fifo":
        special = str(tmp_path / "pipe.yaml")
        os.mkfifo(special)
    # as the scenario itself: read nothing, no hang, exit 2
    proc = subprocess.run(
        [sys.executable, "-m", "orgsim", "validate", special],
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 2 and "not a regular file" in proc.stderr and "Traceback" not in proc.stderr
    # as a base, allowed by its root: still refused
    monkeypatch.setenv("ORGSIM_EXTENDS_ROOTS", os.path.dirname(special))
    top = tmp_path / "top.yaml"
    top.write_text(f"extends: {special}\n")
    assert "not a regular file" in _problems(top)


def test_control_characters_are_refused_and_never_printed_raw(tmp_path):
    f = tmp_path / "evil.yaml"
    f.write_text(
        "extends: " + str(ROOT / "scenarios" / "series-a.yaml") + '\nname: "x\\e]0;pwned\\a\\e[2J"\n'
        'roles:\n  "s\\edr": {headcount: 1, department: sales}\n'
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ORGSIM_EXTENDS_ROOTS": str(ROOT / "scenarios")}
    for cmd in (["validate", str(f)], ["run", str(f), "-n", "1", "-q"]):
        proc = subprocess.run(
            [sys.executable, "-m", "orgsim", *cmd], capture_output=True, text=True, timeout=60, env=env
        )
        out = proc.stdout + proc.stderr
        assert proc.returncode == 2, out
        assert "\x1b" not in out and "\x07" not in out
        assert "name (line 2): holds a control character (U+001B)" in out
        assert "\\x1b" in out  # the key is shown escaped
