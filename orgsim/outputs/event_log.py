"""Event logs for process mining: the model's rows (`orgsim.model.trace`) as a table and as a file.

One row per event of a lead, opportunity or customer, with the columns process-mining tools ask
for (case id, activity, timestamp, resource) and a few more to filter by:

    scenario, replication, case_id, object, activity, lifecycle, timestamp, day, resource, role,
    segment, source, wait_hours, amount, health

`case_id` is unique across the whole file (``r<replication>-L<n>`` for a lead and everything it
becomes, ``r<replication>-C<n>`` for a customer on the books at the start). Rows of a replication
are in time order (ties in the order they happened); replications follow each other in order,
whatever the number of workers, so the same seed writes the same file.

Files: ``.csv``, ``.csv.gz`` or ``.parquet`` (Parquet needs pyarrow). `EventLogWriter` writes one
replication at a time as they finish, into a temporary file next to the target that replaces it
only when the run completes: an interrupted or failed run leaves no half-written log. A pipe or a
device (``/dev/stdout``) is written in place, as the replications finish.
"""

from __future__ import annotations

import abc
import datetime as _dt
import importlib.util
import os
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from orgsim.model.trace import COLUMNS
from orgsim.outputs.files import StagedFile
from orgsim.outputs.targets import check_file, in_place
from orgsim.scenario import Scenario
from orgsim.scenario.errors import UsageError

__all__ = ["EVENT_COLUMNS", "EventFrames", "EventLogWriter", "empty_frame", "event_format", "render", "to_frame"]

EVENT_COLUMNS = (
    "scenario",
    "replication",
    "case_id",
    "object",
    "activity",
    "lifecycle",
    "timestamp",
    "day",
    "resource",
    "role",
    "segment",
    "source",
    "wait_hours",
    "amount",
    "health",
)
_TEXT = ("scenario", "case_id", "object", "activity", "lifecycle", "resource", "role", "segment", "source")
CATEGORICAL = tuple(c for c in _TEXT if c != "case_id")  # few distinct values: categorical in memory
_SUFFIXES = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet"}
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def event_format(path: str | os.PathLike) -> str:
    """ "csv" or "parquet" for an event log file name; `UsageError` (exit 2) for anything else.

    Checks what can be checked before a long run: the suffix (a pipe or a device without one gets
    CSV), pyarrow for Parquet, and that the file can be written there (`targets.check_file`).
    """
    p = Path(path)
    name = p.name.lower()
    fmt = next((f for s, f in _SUFFIXES.items() if name.endswith(s)), None)
    if fmt is None and in_place(p):
        fmt = "csv"  # a pipe or a device, such as /dev/stdout: CSV
    if fmt is None:
        raise UsageError(f"--events {p}: expected a file name ending in .csv, .csv.gz or .parquet")
    if fmt == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise UsageError(f"--events {p}: writing Parquet needs pyarrow (pip install pyarrow), or use .csv")
    check_file("--events", p)
    return fmt


def to_frame(rows: list[tuple], scenario: str, replication: int, start_date: _dt.date) -> pd.DataFrame:
    """One replication's event log rows as a table in time order (columns `EVENT_COLUMNS`)."""
    cols = dict(zip(COLUMNS, zip(*rows))) if rows else {c: () for c in COLUMNS}
    df = pd.DataFrame({c: list(cols[c]) for c in COLUMNS})
    day = df["day"].to_numpy(dtype=float)
    order = np.argsort(day, kind="stable")
    df = df.iloc[order].reset_index(drop=True)
    start = pd.Timestamp(start_date)
    out = pd.DataFrame(
        {
            "scenario": scenario,
            "replication": np.full(len(df), replication, dtype=np.int64),
            "case_id": f"r{replication}-" + df["case"].astype(str),
            "object": df["object"],
            "activity": df["activity"],
            "lifecycle": df["lifecycle"],
            "timestamp": (start + pd.to_timedelta(df["day"].astype(float), unit="D"))
            .dt.round("s")
            .astype("datetime64[s]"),
            "day": df["day"].astype(float),
            "resource": df["resource"],
            "role": df["role"],
            "segment": df["segment"],
            "source": df["source"],
            "wait_hours": df["wait_hours"].astype(float),
            "amount": df["amount"].astype(float),
            "health": df["health"].astype(float),
        },
        columns=list(EVENT_COLUMNS),
    )
    for c in _TEXT:
        out[c] = out[c].astype(object)
    return out


def render(rows: list[tuple], scenario: Scenario, replication: int, mode: str) -> pd.DataFrame | str:
    """A replication's rows as a table ("frame") or as CSV lines without a header ("csv").

    Runs in the worker that simulated the replication, so the costly part of writing a log
    (about 0.3 s of CSV formatting per series-a replication) is spread over the workers.
    """
    frame = to_frame(rows, scenario.name, replication, scenario.time.start_date)
    if mode == "frame":
        return frame
    if mode == "csv":
        return frame.to_csv(header=False, index=False, date_format=TIMESTAMP_FORMAT, lineterminator="\n")
    raise ValueError(f"unknown event log mode {mode!r} (expected 'frame' or 'csv')")


class _Ordered(abc.ABC):
    """Hands replications' event logs on in replication order, whatever order they finish in.

    An `orgsim.experiments.executors.EventSink`: `take` is what `Executor.run` calls.
    """

    mode = "frame"

    def __init__(self, first: int):
        self.next = first
        self.waiting: dict[int, Any] = {}

    def take(self, _key: Hashable, replication: int, rep: Any) -> None:
        """Take the log off a finished replication (None if it failed) and pass on what is in order."""
        log = None
        if rep is not None:
            log, rep.events = rep.events, None
        self.waiting[replication] = log
        while self.next in self.waiting:
            self._emit(self.waiting.pop(self.next))
            self.next += 1

    def flush(self) -> None:
        for r in sorted(self.waiting):
            self._emit(self.waiting.pop(r))

    def _emit(self, log: Any) -> None:
        if log is not None:
            self.emit(log)

    @abc.abstractmethod
    def emit(self, log: Any) -> None:
        """Where one replication's log goes (memory or a file)."""


class EventFrames(_Ordered):
    """Collects every replication's event log in memory (`simulate(..., events=True)`).

    The text columns with few values (activity, role, ...) are categorical: a series-a
    replication takes about 11 MB instead of 60 MB.
    """

    def __init__(self, first: int = 0):
        super().__init__(first)
        self.frames: list[pd.DataFrame] = []

    def emit(self, log: pd.DataFrame) -> None:
        self.frames.append(log.astype({c: "category" for c in CATEGORICAL}))

    def frame(self) -> pd.DataFrame:
        """Every replication's log, in replication order."""
        self.flush()
        if not self.frames:
            return empty_frame().astype({c: "category" for c in CATEGORICAL})
        for c in CATEGORICAL:  # one set of categories, so that the concatenation stays categorical
            categories = union_categoricals([f[c] for f in self.frames]).categories
            for f in self.frames:
                f[c] = f[c].cat.set_categories(categories)
        return pd.concat(self.frames, ignore_index=True)


def empty_frame() -> pd.DataFrame:
    """An event log with no rows (the columns and their types)."""
    return to_frame([], "", 0, _dt.date(2026, 1, 1))


class EventLogWriter(_Ordered):
    """Streams event logs to a file, one replication at a time, in replication order.

    Use as a context manager: on a clean exit the temporary file replaces `path`; on an
    exception (or Ctrl-C) it is deleted and `path` is left as it was. `deferred`: a clean exit
    leaves the finished temporary file for `file.commit()` (`orgsim.outputs.transaction`). A pipe
    or a device is written in place.

    Attributes:
        rows: rows written so far.
        file: the `StagedFile` being written.
    """

    def __init__(self, path: str | os.PathLike, first: int = 0, deferred: bool = False):
        super().__init__(first)
        self.path = Path(path)
        self.format = event_format(self.path)
        self.mode = "csv" if self.format == "csv" else "frame"
        self.rows = 0
        self.file = StagedFile("--events", self.path)
        self._deferred = deferred
        self._tmp: Path | None = None
        self._fh: Any = None
        self._parquet: Any = None

    def _cannot_write(self, e: OSError) -> UsageError:
        """A failed write (a full disk, a quota, an I/O error) as an error naming the file (exit 2)."""
        return UsageError(f"--events {self.path}: cannot write: {e.strerror or e}; the old file, if any, is untouched")

    def __enter__(self) -> EventLogWriter:
        try:
            self._tmp = self.file.temp_path()
            self._open()
        except OSError as e:
            self.file.close()
            raise self._cannot_write(e) from None
        return self

    def _open(self) -> None:
        tmp = self._tmp
        assert tmp is not None, "_open before the temporary file is made"
        if self.format == "csv":
            compression = "gzip" if self.path.name.lower().endswith(".gz") else None
            if compression:
                import gzip

                self._fh = gzip.open(tmp, "wt", newline="", encoding="utf-8")
            else:
                self._fh = open(tmp, "w", newline="", encoding="utf-8")
            # the header even when no replication has events
            self._fh.write(",".join(EVENT_COLUMNS) + "\n")
        elif self.file.in_place:  # a pipe: pyarrow would seek in a path it opens itself, not in a stream
            self._fh = open(tmp, "wb")

    def emit(self, log: pd.DataFrame | str) -> None:
        try:
            self._emit_log(log)
        except OSError as e:
            raise self._cannot_write(e) from None

    def _emit_log(self, log: pd.DataFrame | str) -> None:
        if isinstance(log, str):
            self._fh.write(log)
            self.rows += log.count("\n")
        else:
            self._write_parquet(log)
            self.rows += len(log)

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._parquet is None:
            schema = pa.Schema.from_pandas(frame.iloc[:0].astype({c: "string" for c in _TEXT}), preserve_index=False)
            self._parquet = pq.ParquetWriter(self._fh if self._fh is not None else self._tmp, schema)
        table = pa.Table.from_pandas(
            frame.astype({c: "string" for c in _TEXT}), schema=self._parquet.schema, preserve_index=False
        )
        self._parquet.write_table(table)

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        try:
            try:
                if exc_type is None:
                    self.flush()
                    if self.format == "parquet" and self._parquet is None:  # no events at all: an empty table
                        self._write_parquet(empty_frame())
                self._close()
                if exc_type is None and not self._deferred:
                    self.file.commit()
                if exc_type is None:
                    self._tmp = None
            except OSError as e:  # closing flushes the last buffer: a full disk shows here too
                if exc_type is not None:
                    return  # the exception already under way says what went wrong
                raise self._cannot_write(e) from None
        finally:
            if self._tmp is not None:
                try:
                    self._close()  # after a failed write: closing may fail again, nothing to save
                except (OSError, UsageError):
                    pass
                self.file.close()
                self._tmp = None
            elif not self._deferred:
                self.file.close()

    def _close(self) -> None:
        fh, self._fh = self._fh, None
        parquet, self._parquet = self._parquet, None
        if parquet is not None:
            parquet.close()
        if fh is not None:
            fh.close()
