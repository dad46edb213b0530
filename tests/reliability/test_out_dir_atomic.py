"""--out DIR is replaced as a whole (issue 18, item 11): a write that fails, or a process killed
while writing, leaves the complete old set, never a mix of two runs; concurrent writers take
turns. Faults are injected: an OSError after some files, and SIGKILL in the middle of a write."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from orgsim import cli
from orgsim.outputs import files as files_mod

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "scenarios" / "series-a.yaml")
RUN = ["run", SCENARIO, "-n", "2", "-w", "1", "-q", "--set", "horizon_months=3"]


def snapshot(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def one_complete_set(d: Path) -> int:
    """The seed of the run whose files DIR holds; fails if the files come from two runs."""
    manifest = json.loads((d / "manifest.json").read_text())
    summary = json.loads((d / "summary.json").read_text())
    assert manifest["seed"] == summary["seed"]
    assert sorted(snapshot(d)) == sorted(manifest["files"]), "files not listed by the manifest, or missing"
    return summary["seed"]


def siblings(d: Path) -> list[str]:
    return sorted(p.name for p in d.parent.iterdir() if p.name not in (d.name, f".{d.name}.lock"))


def test_a_failed_write_leaves_the_old_set(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert cli.main([*RUN, "-s", "1", "--out", str(out)]) == 0
    before = snapshot(out)
    real_open, written = open, []

    def failing_open(path, mode="r", *a, **k):
        if "w" in mode:
            written.append(path)
            if len(written) > 4:  # some files are written, then the disk is full
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_open(path, mode, *a, **k)

    monkeypatch.setattr(files_mod, "open", failing_open, raising=False)
    assert cli.main([*RUN, "-s", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--out {out}" in err and "No space left on device" in err and "Traceback" not in err
    assert snapshot(out) == before  # the old set, byte for byte
    assert one_complete_set(out) == 1
    assert siblings(out) == []  # no temporary directory left


def test_a_second_write_replaces_the_whole_set(tmp_path):
    out = tmp_path / "out"
    assert cli.main([*RUN, "-s", "1", "--out", str(out)]) == 0
    (out / "stale.png").write_bytes(b"x")  # a file the next set does not have...
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"].append("stale.png")  # ...listed, as an older orgsim might have
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert cli.main([*RUN, "-s", "2", "--out", str(out)]) == 0
    assert one_complete_set(out) == 2 and not (out / "stale.png").exists()


def test_a_directory_with_other_files_is_not_replaced(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert cli.main([*RUN, "--out", str(tmp_path)]) == 2
    assert "holds notes.txt, which orgsim did not write" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


_SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    from orgsim import cli
    from orgsim.outputs import files

    real_open, n = open, [0]
    def slow_open(path, mode="r", *a, **k):
        if "w" in mode:
            n[0] += 1
            if n[0] == 4:  # a few files of the new set are written: tell the test, then stall
                open(sys.argv[1], "w").close()
                time.sleep(60)
        return real_open(path, mode, *a, **k)
    files.open = slow_open
    sys.exit(cli.main(sys.argv[2:]))
    """
)


def _spawn(marker: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(marker), *args], env=env, stderr=subprocess.PIPE, text=True
    )


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    t0 = time.monotonic()
    while not path.exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() - t0 < timeout, "the writer never started writing"
        time.sleep(0.05)


def test_sigkill_while_writing_leaves_one_complete_set(tmp_path):
    out = tmp_path / "out"
    assert cli.main([*RUN, "-s", "1", "--out", str(out)]) == 0
    before = snapshot(out)
    marker = tmp_path / "writing"
    proc = _spawn(marker, *RUN, "-s", "2", "--out", str(out))
    try:
        _wait_for(marker, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert snapshot(out) == before and one_complete_set(out) == 1
    # the killed writer's temporary directory is cleaned up by the next writer
    assert cli.main([*RUN, "-s", "3", "--out", str(out)]) == 0
    assert one_complete_set(out) == 3 and siblings(out) == ["writing"]


def test_a_second_writer_waits_for_the_first(tmp_path):
    out = tmp_path / "out"
    marker = tmp_path / "writing"
    first = _spawn(marker, *RUN, "-s", "1", "--out", str(out))
    second = None
    try:
        _wait_for(marker, first)  # the first holds the lock and stalls mid-write
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        second = subprocess.Popen(
            [sys.executable, "-m", "orgsim", *RUN, "-s", "2", "--out", str(out)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(second.stderr), daemon=True)
        reader.start()
        t0 = time.monotonic()
        while not any("waiting: another orgsim is writing" in line for line in lines):
            assert second.poll() is None, "".join(lines)
            assert time.monotonic() - t0 < 120, "the second writer never reached the lock"
            time.sleep(0.1)
        assert not out.exists()  # the first has not swapped its set in
        first.send_signal(signal.SIGKILL)  # the lock goes with the process
        first.wait(timeout=30)
        assert second.wait(timeout=120) == 0, "".join(lines)
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.kill()
    assert one_complete_set(out) == 2 and siblings(out) == ["writing"]


@pytest.mark.parametrize("command", ["compare", "sweep"])
def test_experiments_replace_their_directory_too(tmp_path, command, capsys, monkeypatch):
    out = tmp_path / "out"
    extra = [SCENARIO] if command == "compare" else ["--vary", "roles.sdr.headcount=2,4"]
    if command == "sweep":  # kept after a failed write (for --resume): not in the current directory
        extra += ["--checkpoint", str(tmp_path / "sweep.checkpoint.jsonl")]
    args = [command, SCENARIO, *extra, "-n", "2", "-w", "1", "-q", "--set", "horizon_months=3", "--out", str(out)]
    assert cli.main([*args, "-s", "1"]) == 0
    before = snapshot(out)
    real_open, n = open, [0]

    def failing_open(path, mode="r", *a, **k):
        if "w" in mode:
            n[0] += 1
            if n[0] > 2:
                raise OSError(errno.EIO, "Input/output error", str(path))
        return real_open(path, mode, *a, **k)

    monkeypatch.setattr(files_mod, "open", failing_open, raising=False)
    assert cli.main([*args, "-s", "2"]) == 2
    assert "Input/output error" in capsys.readouterr().err
    assert snapshot(out) == before and [s for s in siblings(out) if "checkpoint" not in s] == []
