"""The outputs of one command, made visible together or not at all.

A command that writes `--json FILE`, `--out DIR` and `--events FILE` writes each in full beside
where it goes (temporary files, a temporary directory: `orgsim.outputs.files.StagedFile`,
`StagedDir`) while nothing a reader sees changes. Only when every one is written does `commit`
put them in place: the streams first (a pipe or a device is written in place and cannot be taken
back), then one rename each. A failure at any step removes what this command wrote and puts back
what it replaced, so a bad `--out DIR` can never leave a new `--json FILE` behind::

    with Transaction() as out:
        out.file("--json", json_file, text, dash=True)
        out.directory("--out", out_dir, files)
    # here both are written, or (after an exception) neither
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from orgsim.outputs.files import StagedDir, StagedFile
from orgsim.scenario.errors import UsageError

if TYPE_CHECKING:
    from orgsim.outputs.event_log import EventLogWriter

__all__ = ["Transaction", "write_files_together"]


class _Staged(Protocol):
    @property
    def option(self) -> str: ...
    @property
    def path(self) -> Path: ...
    @property
    def in_place(self) -> bool: ...

    def commit(self, keep_old: bool = False) -> None: ...
    def undo(self) -> None: ...
    def close(self) -> None: ...


def _cannot_write(item: _Staged, e: OSError) -> UsageError:
    where = f" {e.filename}" if e.filename and str(e.filename) != str(item.path) else ""
    undone = "" if item.in_place else "; no output of this command was changed"
    name = f"{item.option} {item.path}" if item.option else str(item.path)
    return UsageError(f"{name}: cannot write{where}: {e.strerror or e}{undone}")


class Transaction:
    """Outputs staged by `file`, `directory` and `events`; committed on leaving the `with` block, or
    rolled back if it is left by an exception (see the module's docstring)."""

    def __init__(self) -> None:
        self._items: list[_Staged] = []

    def __enter__(self) -> Transaction:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.rollback()

    def file(self, option: str, path: Path | None, data: str | bytes, dash: bool = False) -> None:
        """Stage `data` for `path` (nothing when `path` is None); `dash`: ``-`` is standard output."""
        if path is None:
            return
        item = StagedFile(option, path, dash)
        self._items.append(item)
        try:
            item.write(data.encode("utf-8") if isinstance(data, str) else data)
        except OSError as e:
            raise _cannot_write(item, e) from None

    def directory(self, option: str, path: Path | None, files: Mapping[str, bytes | str]) -> None:
        """Stage the set of `files` that replaces directory `path` as a whole (nothing when it is None)."""
        if path is None:
            return
        item = StagedDir(option, path, files)
        self._items.append(item)
        try:
            item.write()
        except OSError as e:
            raise _cannot_write(item, e) from None

    def events(self, path: str | os.PathLike, first: int = 0) -> EventLogWriter:
        """An event log writer for `--events` whose file is put in place with the others (use it as a
        context manager around the run; see `EventLogWriter`)."""
        from orgsim.outputs.event_log import EventLogWriter

        writer = EventLogWriter(path, first, deferred=True)
        self._items.append(writer.file)
        return writer

    def commit(self) -> None:
        done: list[_Staged] = []
        try:
            for item in sorted(self._items, key=lambda i: not i.in_place):  # streams first: they cannot be undone
                try:
                    item.commit(keep_old=True)
                except OSError as e:
                    raise _cannot_write(item, e) from None
                done.append(item)
        except BaseException:
            for item in reversed(done):
                item.undo()
            raise
        finally:
            self._close()

    def rollback(self) -> None:
        self._close()

    def _close(self) -> None:
        items, self._items = self._items, []
        for item in items:
            with contextlib.suppress(OSError):
                item.close()


def write_files_together(directory: str | Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write rendered files under `directory` (created if missing), all or none; returns their paths."""
    d = Path(directory)
    with Transaction() as out:
        for rel, data in files.items():
            path = d / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            out.file("", path, data)
    return [d / rel for rel in files]
