"""Checkpoints: finished work of a long sweep or focus tournament, kept on disk as it finishes.

A checkpoint is a JSON-lines file of plain data - no pickle, nothing that can run code. Every time
a unit of work finishes - a sweep point (all its replications), or one batch of replications of one
focus order - one line is appended:

    {"format": "orgsim-checkpoint/2", "key": "<sha256>", "info": {...},
     "replications": [{"replication": 0, "seed": 7, "kpis": {...}, "funnel": {...}, "stages": {...},
                       "monthly": {"arr": [...], ...}, "counters": {...}, "runtime_s": 0.1,
                       "roles": {"ae": {"utilization": 0.5, ...}, ...},
                       "retention": {"by_segment": {...}, "cohorts": {...}, "transitions": [[...]]}}, ...],
     "failures": [{"scenario": ..., "replication": ..., "error": ..., ...}]}

`key` is a hash of everything that determines the numbers: the orgsim version, the kind of
work, the fully resolved scenario (after extends, --set and the point's own values), the seed
and the replication indices. A changed scenario, seed or replication count therefore never
reuses a stale entry; it is simply not found. Floats are written with Python's shortest
round-tripping repr, so replications read back are bit for bit those that were saved: a resumed
run's results are identical to an uninterrupted run's. `info` is for people (point, parameters).

Reading is defensive, because a checkpoint file may have been planted or edited: each line is
parsed as JSON only, its key checked (64 hex digits) and every field checked for its type before
anything is used. A line that fails - torn by a kill, foreign, or written by an older orgsim that
used pickle - is skipped and listed in `Checkpoint.skipped` (line number and reason), for the
caller to report; the file is then rewritten atomically with only the lines that were kept.

Each line is written with one `write` and flushed to disk (`fsync`) before the work counts as
saved.

A file that exists but is not a checkpoint (its first line is not one of ours) is refused before
anything runs (`foreign`), never overwritten, emptied or deleted: `--checkpoint results.jsonl`
given by mistake must not cost the user that file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from orgsim import __version__
from orgsim.metrics import Replication
from orgsim.outputs.files import check_writable_file, write_text_atomic
from orgsim.outputs.targets import in_place
from orgsim.scenario import Scenario
from orgsim.scenario.errors import UsageError

__all__ = ["Checkpoint", "FORMAT", "checkpoint_for", "default_checkpoint", "foreign", "work_key"]

FORMAT = "orgsim-checkpoint/2"
_KEY = re.compile(r"[0-9a-f]{64}")
# How every line orgsim ever wrote to a checkpoint starts: this format, or the older pickle one
# ({"key": ..., "info": ..., "data": ...}, whose lines are then skipped as no longer read).
_OURS = re.compile(rb'\{\s*"format"\s*:\s*"orgsim-checkpoint/|\{\s*"key"\s*:\s*"[0-9a-f]{64}"\s*,\s*"info"\s*:')
_PROBE = 64 * 1024  # bytes read to find the first line
_REASON_LIMIT = 20  # skipped lines listed one by one; the rest are counted


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
        skipped: ``(line number, reason)`` of each line that was not valid checkpoint data.
    """

    def __init__(self, path: str | os.PathLike, resume: bool = False):
        self.path = Path(path)
        why = foreign(self.path)
        if why:
            raise UsageError(f"checkpoint {self.path}: {why}; it is left as it is (give a checkpoint orgsim wrote)")
        self.entries: dict[str, tuple[list[Replication], list[dict[str, Any]]]] = {}
        self.reused = 0
        self.written = 0
        self.skipped: list[tuple[int, str]] = []
        if resume and self.path.exists():
            raw = self.path.read_bytes().decode("utf-8", errors="replace")
            kept: list[str] = []
            for number, line in enumerate(raw.split("\n"), start=1):
                if not line.strip():
                    continue
                try:
                    key, reps, fails = _parse(line)
                except _Invalid as e:
                    self.skipped.append((number, str(e)))
                    continue
                self.entries[key] = (reps, fails)
                kept.append(line)
            text = "".join(f"{line}\n" for line in kept)
            if raw != text:
                write_text_atomic(self.path, text)  # drop torn or foreign lines
        else:
            write_text_atomic(self.path, "")

    def __len__(self) -> int:
        return len(self.entries)

    def skipped_summary(self) -> str | None:
        """One sentence on the lines that were skipped (None when all were read)."""
        if not self.skipped:
            return None
        shown = "; ".join(f"line {n}: {why}" for n, why in self.skipped[:_REASON_LIMIT])
        more = f"; and {len(self.skipped) - _REASON_LIMIT} more" if len(self.skipped) > _REASON_LIMIT else ""
        return f"{self.path}: skipped {len(self.skipped)} line(s) that are not orgsim checkpoint data ({shown}{more})"

    def get(self, key: str) -> tuple[list[Replication], list[dict[str, Any]]] | None:
        """The replications and failures saved under `key`, or None."""
        got = self.entries.get(key)
        if got is not None:
            self.reused += 1
        return got

    def put(
        self,
        key: str,
        replications: list[Replication],
        failures: list[dict[str, Any]],
        info: Mapping[str, Any] | None = None,
    ) -> None:
        """Append one finished unit of work (one line, flushed to disk)."""
        doc = {
            "format": FORMAT,
            "key": key,
            "info": dict(info or {}),
            "replications": [_rep_to_json(r) for r in replications],
            "failures": [{k: v for k, v in f.items() if k != "key"} for f in failures],
        }
        line = json.dumps(doc, default=str, separators=(",", ":"))
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


# ---- Plain data, both ways -------------------------------------------------------------------


class _Invalid(ValueError):
    """A line that is not checkpoint data; the message says why."""


def _rep_to_json(r: Replication) -> dict[str, Any]:
    return {
        "replication": r.replication,
        "seed": r.seed,
        "kpis": r.kpis,
        "funnel": r.funnel,
        "stages": r.stages,
        "monthly": {k: np.asarray(v, dtype=float).tolist() for k, v in r.monthly.items()},
        "counters": r.counters,
        "runtime_s": r.runtime_s,
        "roles": r.roles,
        "retention": r.retention,
    }


def _parse(line: str) -> tuple[str, list[Replication], list[dict[str, Any]]]:
    try:
        doc = json.loads(line, parse_constant=_constant)
    except ValueError:
        raise _Invalid("not a complete JSON line") from None
    if not isinstance(doc, dict):
        raise _Invalid("not a JSON object")
    if "data" in doc and "format" not in doc:
        raise _Invalid("written by an older orgsim in a format that is no longer read (pickle); rerun that work")
    if doc.get("format") != FORMAT:
        raise _Invalid(f"unknown format {str(doc.get('format'))[:40]!r} (expected {FORMAT!r})")
    key = doc.get("key")
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise _Invalid("the key is not a sha256 hex digest")
    reps, fails = doc.get("replications"), doc.get("failures")
    if not isinstance(reps, list) or not isinstance(fails, list):
        raise _Invalid("'replications' and 'failures' must be lists")
    if not all(isinstance(f, dict) for f in fails):
        raise _Invalid("a failure is not an object")
    return key, [_rep_from_json(r, i) for i, r in enumerate(reps)], fails


def _constant(name: str) -> float:
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


def _num(v: Any, where: str, optional: bool = False) -> float | None:
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _Invalid(f"{where} is not a number")
    return float(v)


def _numbers(d: Any, where: str, optional: bool = False) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise _Invalid(f"{where} is not an object")
    return {str(k): _num(v, f"{where}.{k}", optional) for k, v in d.items()}


def _int(v: Any, where: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _Invalid(f"{where} is not an integer")
    return v


def _rep_from_json(r: Any, i: int) -> Replication:
    where = f"replications[{i}]"
    if not isinstance(r, dict):
        raise _Invalid(f"{where} is not an object")
    stages = r.get("stages")
    if not isinstance(stages, dict):
        raise _Invalid(f"{where}.stages is not an object")
    monthly = r.get("monthly")
    if not isinstance(monthly, dict):
        raise _Invalid(f"{where}.monthly is not an object")
    roles = r.get("roles", {})  # (absent in checkpoints written before the per-role table)
    if not isinstance(roles, dict):
        raise _Invalid(f"{where}.roles is not an object")
    series: dict[str, np.ndarray] = {}
    for k, v in monthly.items():
        if not isinstance(v, list) or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            raise _Invalid(f"{where}.monthly.{k} is not a list of numbers")
        series[str(k)] = np.asarray(v, dtype=float)
    return Replication(
        replication=_int(r.get("replication"), f"{where}.replication"),
        seed=_int(r.get("seed"), f"{where}.seed"),
        kpis=_numbers(r.get("kpis"), f"{where}.kpis", optional=True),
        funnel=_numbers(r.get("funnel"), f"{where}.funnel"),
        stages={str(s): _numbers(v, f"{where}.stages.{s}") for s, v in stages.items()},
        monthly=series,
        runtime_s=float(_num(r.get("runtime_s"), f"{where}.runtime_s") or 0.0),
        counters=_numbers(r.get("counters", {}), f"{where}.counters"),
        roles={str(k): _numbers(v, f"{where}.roles.{k}", optional=True) for k, v in roles.items()},
        retention=_retention(r.get("retention", {}), f"{where}.retention"),  # (absent in older checkpoints)
    )


def _retention(v: Any, where: str) -> dict[str, Any]:
    """The retention part: objects, lists and numbers (or null) only, nothing else."""
    if not isinstance(v, dict):
        raise _Invalid(f"{where} is not an object")
    return {str(k): _plain(x, f"{where}.{k}") for k, x in v.items()}


def _plain(v: Any, where: str) -> Any:
    if isinstance(v, dict):
        return {str(k): _plain(x, f"{where}.{k}") for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x, f"{where}[{i}]") for i, x in enumerate(v)]
    return _num(v, where, optional=True)


def foreign(path: str | os.PathLike) -> str | None:
    """Why the file at `path` is not a checkpoint orgsim wrote ("exists and is not ..."); None when it
    is one, is empty (a run stopped before its first entry) or does not exist."""
    try:
        with open(path, "rb") as f:
            head = f.read(_PROBE)
    except FileNotFoundError:
        return None
    except OSError as e:
        return f"exists and cannot be read ({e.strerror or e})"
    text = head.lstrip()
    if not text and len(head) < _PROBE:
        return None
    if text and _OURS.match(text):
        return None
    line = head[: len(head) - len(text)].count(b"\n") + 1
    return (
        f"exists and is not an orgsim checkpoint: line {line} is not checkpoint data (orgsim writes JSON lines "
        f'that start {{"format": "{FORMAT}", "key": ...}})'
    )


# ---- where a command keeps its checkpoint ----------------------------------------------------


def default_checkpoint(command: str, outputs: Sequence[Path | None], *parts: Any) -> Path | None:
    """Where a command keeps its checkpoint when none is given: FILE.checkpoint.jsonl next to its first
    output file (not a pipe, a device or ``-``), else a file in the current directory named by a hash of
    the settings (`parts`); None when that directory is not writable."""
    for out in outputs:
        if out is not None and not in_place(out, dash=True):
            path = out.with_name(out.name + ".checkpoint.jsonl")
            break
    else:
        text = json.dumps([command, *parts], default=str, sort_keys=True)
        path = Path(f".orgsim-checkpoint-{hashlib.sha256(text.encode()).hexdigest()[:12]}.jsonl")
    # A directory we cannot write in: run without a checkpoint rather than refuse to run.
    return path if os.access(path.parent, os.W_OK) and not path.is_dir() else None


def checkpoint_for(
    command: str,
    checkpoint: Path | None,
    resume: bool,
    outputs: Sequence[Path | None],
    outputs_hint: str,
    *key: Any,
    default: bool = True,
) -> Path | None:
    """The checkpoint file of a sweep or focus: the one given (checked), or the default one named
    after the outputs or the run's settings (`key`); refuses --resume when there is none to read, and
    a file that is not a checkpoint (`foreign`: orgsim would overwrite it, then delete it)."""
    given = checkpoint is not None or not default
    if checkpoint is None and default:
        checkpoint = default_checkpoint(command, outputs, *key)
    else:
        check_writable_file("--checkpoint", checkpoint)
    why = foreign(checkpoint) if checkpoint is not None else None
    if why and given:
        raise UsageError(
            f"--checkpoint {checkpoint}: {why}; give the checkpoint of an interrupted run, or a file that does not "
            "exist yet (orgsim fills it as work finishes and deletes it when the run completes)"
        )
    if why:
        raise UsageError(
            f"the default checkpoint {checkpoint} {why}; move it away, or name another file with --checkpoint FILE"
        )
    if resume and (checkpoint is None or not checkpoint.exists()):
        raise UsageError(
            f"--resume: no checkpoint {checkpoint} to resume from (give --checkpoint FILE, or the "
            f"same {outputs_hint} as the interrupted run)"
        )
    return checkpoint
