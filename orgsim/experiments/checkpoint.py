"""Checkpoints: finished work of a long sweep or focus tournament, kept on disk as it finishes.

A checkpoint is a JSON-lines file. Every time a unit of work finishes - a sweep point (all its
replications), or one batch of replications of one focus order - one line is appended:

    {"key": "<sha256>", "info": {...}, "data": "<base64 of the pickled replications>"}

`key` is a hash of everything that determines the numbers: the orgsim version, the kind of
work, the fully resolved scenario (after extends, --set and the point's own values), the seed
and the replication indices. A changed scenario, seed or replication count therefore never
reuses a stale entry; it is simply not found. `data` holds the `metrics.Replication` objects
(and any failures) pickled, so they come back bit for bit: a resumed run's results are
identical to an uninterrupted run's. `info` is for people (point number, parameters).

Each line is written with one `write` and flushed to disk (`fsync`) before the work counts as
saved. A line cut short (the process killed in the middle of it) is ignored when the file is
read back, and the file is then rewritten atomically with only its whole lines.

The file is read with `pickle`: resume only from checkpoint files you (or your own runs) wrote.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Any, Mapping

from orgsim import __version__
from orgsim.metrics import Replication
from orgsim.output import write_text_atomic
from orgsim.scenario import Scenario

__all__ = ["Checkpoint", "work_key"]


def work_key(kind: str, sc: Scenario, seed: int, replications: range, params: Mapping[str, Any] | None = None) -> str:
    """The hash that names one unit of work (see the module docstring)."""
    doc = {
        "orgsim": __version__,
        "kind": kind,
        "scenario": sc.model_dump(mode="json"),
        "seed": int(seed),
        "replications": [replications.start, replications.stop],
        "params": dict(params or {}),
    }
    text = json.dumps(doc, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Checkpoint:
    """A checkpoint file: entries found in it (when resuming) and new ones appended as work ends.

    Args:
        path: the JSON-lines file.
        resume: read the entries already there; otherwise the file is started afresh.

    Attributes:
        reused: entries handed back by `get` (work not recomputed).
        written: entries appended by `put`.
    """

    def __init__(self, path: str | os.PathLike, resume: bool = False):
        self.path = Path(path)
        self.entries: dict[str, tuple[list[Replication], list[dict[str, Any]]]] = {}
        self.reused = 0
        self.written = 0
        lines: list[str] = []
        if resume and self.path.exists():
            raw = self.path.read_bytes().decode("utf-8", errors="replace")
            for line in raw.split("\n"):
                entry = _parse(line)
                if entry is not None:
                    key, reps, fails = entry
                    self.entries[key] = (reps, fails)
                    lines.append(line)
            if raw and raw != "".join(f"{line}\n" for line in lines):
                write_text_atomic(self.path, "".join(f"{line}\n" for line in lines))  # drop a torn line
        else:
            write_text_atomic(self.path, "")

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, key: str) -> tuple[list[Replication], list[dict[str, Any]]] | None:
        """The replications and failures saved under `key`, or None."""
        got = self.entries.get(key)
        if got is not None:
            self.reused += 1
        return got

    def put(self, key: str, replications: list[Replication], failures: list[dict[str, Any]],
            info: Mapping[str, Any] | None = None) -> None:
        """Append one finished unit of work (one line, flushed to disk)."""
        data = base64.b64encode(pickle.dumps((replications, failures), protocol=pickle.HIGHEST_PROTOCOL)).decode("ascii")
        line = json.dumps({"key": key, "info": dict(info or {}), "data": data}, default=str, separators=(",", ":"))
        with open(self.path, "ab") as f:
            f.write((line + "\n").encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        self.entries[key] = (replications, failures)
        self.written += 1

    def remove(self) -> None:
        """Delete the file (the work it saved is now in the real outputs)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def _parse(line: str) -> tuple[str, list[Replication], list[dict[str, Any]]] | None:
    if not line.strip():
        return None
    try:
        doc = json.loads(line)
        reps, fails = pickle.loads(base64.b64decode(doc["data"], validate=True))
        if not isinstance(doc["key"], str) or not isinstance(reps, list):
            return None
        return doc["key"], reps, fails
    except Exception:  # a torn or foreign line: not ours to trust
        return None

