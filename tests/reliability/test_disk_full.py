"""A full disk while writing the event log (issue 18, item 10): exit 2 naming the file, the old
file untouched, no temporary left behind. The write is made to fail by fault injection."""

from __future__ import annotations

import errno
import gzip
from pathlib import Path

import pytest

from orgsim import cli
from orgsim.outputs import event_log

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "scenarios" / "series-a.yaml")
RUN = ["run", SCENARIO, "-n", "2", "-w", "1", "-q", "--set", "horizon_months=3"]


class _FullDisk:
    """A text file whose writes fail with ENOSPC once `room` characters have been written."""

    def __init__(self, f, room: int):
        self.f, self.room = f, room

    def write(self, text: str) -> int:
        if len(text) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(text)
        return self.f.write(text)

    def close(self) -> None:
        self.f.close()


@pytest.fixture
def full_disk(monkeypatch):
    def make(room: int) -> None:
        real_open, real_gzip = open, gzip.open
        monkeypatch.setattr(event_log, "open", lambda *a, **k: _FullDisk(real_open(*a, **k), room), raising=False)
        monkeypatch.setattr(gzip, "open", lambda *a, **k: _FullDisk(real_gzip(*a, **k), room))

    return make


@pytest.mark.parametrize("name, room", [("events.csv", 0), ("events.csv", 5000), ("events.csv.gz", 5000)])
def test_a_full_disk_names_the_file_and_keeps_the_old_one(tmp_path, capsys, full_disk, name, room):
    target = tmp_path / name
    target.write_bytes(b"old log\n")
    full_disk(room)
    assert cli.main([*RUN, "--events", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"--events {target}: cannot write: No space left on device" in err, err
    assert "internal error" not in err and "Traceback" not in err
    assert target.read_bytes() == b"old log\n"
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary left


def test_a_failure_on_close_is_reported_too(tmp_path, capsys, monkeypatch):
    """The last buffer is flushed by close(): ENOSPC can surface only there."""
    target = tmp_path / "events.csv"
    real_close = event_log.EventLogWriter._close

    def failing_close(self):
        real_close(self)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(event_log.EventLogWriter, "_close", failing_close)
    assert cli.main([*RUN, "--events", str(target)]) == 2
    assert "cannot write: No space left on device" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
