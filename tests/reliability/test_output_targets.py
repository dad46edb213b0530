"""Output options as Unix tools take them, checked before anything runs, written all or none.

Regressions: `--json link.json` replaced the symlink with a regular file (the file it named kept
its old content); `--json /dev/stdout` wrote a regular file over /dev/stdout; a bad `--out DIR`
(a name too long, a directory under /proc) was found only after the whole simulation, and the
`--json` or `--events` file already written was left behind.

Now a symlink is written through (its target replaced atomically, the link stays); a pipe or a
character device is written in place, `--json -` is standard output; every target is tried before
anything is simulated; and the outputs of one command are put in place together, or none is.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from orgsim import cli
from orgsim.experiments import runner
from orgsim.outputs import files as files_mod
from orgsim.outputs.transaction import Transaction
from orgsim.scenario.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "scenarios" / "series-a.yaml")
SHORT = ["-n", "1", "-w", "1", "-q", "--set", "horizon_months=3"]
RUN = ["run", SCENARIO, *SHORT]
TWO = ["-n", "2", "-w", "1", "-q", "--set", "horizon_months=3"]  # experiments take two or more


def orgsim(*args: str, cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess:
    """The CLI in a subprocess whose stdout is a pipe."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run(
        [sys.executable, "-m", "orgsim", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def refused(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err, err
    for w in words:
        assert w in err, err


@pytest.fixture
def replications(monkeypatch) -> list[int]:
    """The replications simulated in this process (-w 1), recorded."""
    ran: list[int] = []
    real = runner.run_replication

    def recording(scenario, seed, r, **kw):
        ran.append(r)
        return real(scenario, seed, r, **kw)

    monkeypatch.setattr(runner, "run_replication", recording)
    return ran


class FifoReader:
    """Reads a FIFO to its end in a thread (the writer's open blocks until a reader opens it)."""

    def __init__(self, path: Path):
        self.path, self.data = path, b""
        os.mkfifo(path)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with open(self.path, "rb") as f:
            self.data = f.read()

    def result(self) -> bytes:
        if self.thread.is_alive():  # nobody opened it for writing: let the reader go
            try:
                os.close(os.open(self.path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
        self.thread.join(timeout=30)
        return self.data


# ---- symlinks are written through ---------------------------------------------------------------


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    target, link = tmp_path / "target.json", tmp_path / "link.json"
    target.write_text("old")
    link.symlink_to(target.name)
    assert cli.main([*RUN, "--json", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == "target.json"
    assert "kpis" in json.loads(target.read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "target.json"]  # no temporary left


def test_a_dangling_symlink_creates_the_file_it_names(tmp_path):
    (tmp_path / "sub").mkdir()
    link = tmp_path / "events.csv"
    link.symlink_to(tmp_path / "sub" / "log.csv")
    assert cli.main([*RUN, "--events", str(link)]) == 0
    assert link.is_symlink()
    assert (tmp_path / "sub" / "log.csv").read_text().startswith("scenario,replication,case_id")
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["log.csv"]


def test_a_symlinked_out_dir_is_replaced_behind_the_link(tmp_path):
    link = tmp_path / "latest"
    link.symlink_to("run-1", target_is_directory=True)
    for _ in range(2):  # created, then replaced
        assert cli.main([*RUN, "--out", str(link)]) == 0
        assert link.is_symlink() and (tmp_path / "run-1" / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["latest", "run-1"]


# ---- pipes and devices are written in place -----------------------------------------------------


@pytest.mark.parametrize("option, name", [("--json", "x.json"), ("--events", "x.csv"), ("--events", "x.parquet")])
def test_a_fifo_is_written_in_place(tmp_path, option, name):
    fifo = tmp_path / name
    reader = FifoReader(fifo)
    p = orgsim(*RUN, option, str(fifo))
    data = reader.result()
    assert p.returncode == 0, p.stderr
    assert fifo.is_fifo()
    if option == "--json":
        assert "kpis" in json.loads(data)
    elif name.endswith(".csv"):
        assert data.startswith(b"scenario,replication,case_id") and data.count(b"\n") > 100
    else:
        assert data[:4] == b"PAR1" and data[-4:] == b"PAR1"
    assert [f.name for f in tmp_path.iterdir()] == [name]


def test_dev_null_is_written_not_replaced():
    p = orgsim(*RUN, "--json", "/dev/null")
    assert p.returncode == 0, p.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_symlink_to_a_device_stays_a_link(tmp_path):
    link = tmp_path / "out.json"
    link.symlink_to("/dev/null")
    p = orgsim(*RUN, "--json", str(link))
    assert p.returncode == 0, p.stderr
    assert link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("quiet", [True, False])
def test_json_to_dev_stdout_goes_down_the_pipe(quiet):
    args = RUN if quiet else [a for a in RUN if a != "-q"]
    p = orgsim(*args, "--json", "/dev/stdout")
    assert p.returncode == 0, p.stderr
    assert "kpis" in json.loads(p.stdout)  # only the JSON: the tables are not printed into it
    assert os.path.islink("/dev/stdout")


def test_events_to_dev_stdout_are_csv_alone():
    p = orgsim(*[a for a in RUN if a != "-q"], "--events", "/dev/stdout")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("scenario,replication,case_id") and p.stdout.count("\n") > 100
    assert "wrote" not in p.stdout and "ARR" not in p.stdout  # no tables, no summary line in the CSV
    assert os.path.islink("/dev/stdout")


def test_json_dash_is_standard_output_instead_of_the_tables(tmp_path):
    p = orgsim("run", SCENARIO, "-n", "1", "-w", "1", "--set", "horizon_months=3", "--json", "-", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "kpis" in json.loads(p.stdout)
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_sweep_json_dash_names_no_checkpoint_after_it(tmp_path):
    p = orgsim("sweep", SCENARIO, *SHORT, "--vary", "roles.sdr.headcount=1,2", "--json", "-", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert len(json.loads(p.stdout)["points"]) == 2
    assert list(tmp_path.iterdir()) == []


def test_a_socket_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short name: socket paths are limited to about 100 bytes
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind("s.json")
        p = orgsim(*RUN, "--json", "s.json", cwd=tmp_path)
    finally:
        s.close()
    refused(p.returncode, p.stderr, "--json s.json: is a socket")
    assert stat.S_ISSOCK(os.stat(tmp_path / "s.json").st_mode)


# ---- every target is checked before anything is simulated ---------------------------------------


@pytest.mark.parametrize(
    "option, target, words",
    [
        ("--out", "d" * 300, ["File name too long"]),
        ("--out", "/proc/orgsim-out", ["cannot write in /proc"]),
        ("--out", "afile/out", ["afile is not a directory"]),
        ("--json", "/proc/orgsim.json", ["cannot write in /proc"]),
        ("--json", "j" * 300 + ".json", ["too long"]),
        ("--json", "afile/x.json", ["afile is not a directory"]),
        ("--json", "afile/sub/x.json", ["afile is not a directory"]),
        ("--json", "no/x.json", ["directory no does not exist"]),
        ("--events", "/proc/orgsim.csv", ["cannot write in /proc"]),
        ("--events", "afile/x.csv", ["afile is not a directory"]),
    ],
)
def test_a_bad_target_is_refused_before_the_run(tmp_path, monkeypatch, capsys, replications, option, target, words):
    monkeypatch.chdir(tmp_path)
    Path("afile").write_text("a file")
    others = {"--out": ["--out", "okdir"], "--json": ["--json", "ok.json"], "--events": ["--events", "ok.csv"]}
    extra = [a for o, a in others.items() if o != option]
    code = cli.main([*RUN, option, target, *extra[0], *extra[1]])
    refused(code, capsys.readouterr().err, f"{option} {target}", *words)
    assert replications == []  # nothing was simulated
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # and nothing was written


@pytest.mark.parametrize(
    "args",
    [
        ["compare", SCENARIO, SCENARIO, *TWO],
        ["sweep", SCENARIO, *TWO, "--vary", "roles.sdr.headcount=1,2"],
        ["hire", SCENARIO, *TWO, "--next", "1", "--roles", "ae,sdr"],
        ["focus", SCENARIO, *TWO],
        ["optimize", SCENARIO, *TWO, "--vary", "roles.ae.headcount=2..4", "--trials", "1"],
        ["sensitivity", SCENARIO, *TWO, "--trajectories", "2"],
    ],
    ids=lambda a: a[0],
)
def test_every_command_checks_out_dir_before_running(tmp_path, monkeypatch, capsys, replications, args):
    monkeypatch.chdir(tmp_path)
    code = cli.main([*args, "--json", "ok.json", "--out", "/proc/orgsim-out"])
    refused(code, capsys.readouterr().err, "--out /proc/orgsim-out")
    assert replications == []
    assert list(tmp_path.iterdir()) == []


def test_calibrate_checks_every_target_before_writing_any(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    deals = str(ROOT / "tests" / "fixtures" / "crm" / "generic" / "deals.csv")
    out = tmp_path / "okcal.yaml"
    code = cli.main(["calibrate", deals, "--format", "generic", "--out", str(out), "--json", "/proc/orgsim.json"])
    refused(code, capsys.readouterr().err, "--json /proc/orgsim.json")
    assert not out.exists()
    code = cli.main(["calibrate", deals, "--format", "generic", "--out", str(out), "--report", "/proc/orgsim-rep"])
    refused(code, capsys.readouterr().err, "--report /proc/orgsim-rep")
    assert not out.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only directory")
def test_a_directory_without_write_permission_is_refused(tmp_path, capsys, replications):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        code = cli.main([*RUN, "--json", str(locked / "x.json")])
    finally:
        locked.chmod(0o700)
    refused(code, capsys.readouterr().err, "--json", "not writable")
    assert replications == []


# ---- the outputs of a command are put in place together -----------------------------------------


def test_a_failed_out_dir_leaves_the_other_outputs_as_they_were(tmp_path, capsys, monkeypatch):
    for name in ("a.json", "e.csv"):
        (tmp_path / name).write_text("old")
    real_open, n = open, [0]

    def failing_open(path, mode="r", *a, **k):
        if "w" in mode:
            n[0] += 1
            if n[0] > 3:  # the --json file and two files of DIR are written, then the disk is full
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_open(path, mode, *a, **k)

    monkeypatch.setattr(files_mod, "open", failing_open, raising=False)
    args = ["--json", str(tmp_path / "a.json"), "--events", str(tmp_path / "e.csv"), "--out", str(tmp_path / "out")]
    code = cli.main([*RUN, *args])
    refused(code, capsys.readouterr().err, f"--out {tmp_path / 'out'}", "No space left on device")
    assert n[0] > 3
    assert (tmp_path / "a.json").read_text() == "old" and (tmp_path / "e.csv").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "a.json", "e.csv"]


@pytest.mark.parametrize("existed", [True, False])
def test_a_failed_rename_puts_back_what_was_already_renamed(tmp_path, capsys, monkeypatch, existed):
    events = tmp_path / "e.csv"
    if existed:
        events.write_text("old")
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst).name == "a.json":
            raise OSError(errno.EIO, "Input/output error", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(files_mod.os, "replace", failing_replace)
    code = cli.main([*RUN, "--events", str(events), "--json", str(tmp_path / "a.json")])
    refused(code, capsys.readouterr().err, "--json", "Input/output error", "no output of this command was changed")
    assert [p.name for p in tmp_path.iterdir()] == (["e.csv"] if existed else [])
    if existed:
        assert events.read_text() == "old"


@pytest.mark.parametrize("existed", [True, False])
def test_a_replaced_directory_is_put_back(tmp_path, monkeypatch, existed):
    out = tmp_path / "out"
    if existed:
        with Transaction() as tx:
            tx.directory("--out", out, {"manifest.json": '{"files": ["a.txt"]}', "a.txt": "old"})
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst).name == "x.json":
            raise OSError(errno.EIO, "Input/output error", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(files_mod.os, "replace", failing_replace)
    with pytest.raises(UsageError, match="Input/output error"), Transaction() as tx:
        tx.directory("--out", out, {"manifest.json": '{"files": ["a.txt"]}', "a.txt": "new"})
        tx.file("--json", tmp_path / "x.json", "{}")
    if existed:
        assert (out / "a.txt").read_text() == "old"
    else:
        assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ([".out.lock", "out"] if existed else [".out.lock"])


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full (a device whose writes fail)")
def test_a_stream_that_fails_is_written_before_anything_is_replaced(tmp_path):
    target = tmp_path / "a.json"
    target.write_text("old")
    with (
        pytest.raises(UsageError, match="--json /dev/full: cannot write: No space left on device"),
        Transaction() as tx,
    ):
        tx.file("--csv", target, "new")
        tx.file("--json", Path("/dev/full"), "{}")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
