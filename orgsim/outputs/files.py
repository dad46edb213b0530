"""Files orgsim writes: atomically, so a reader never sees half a file.

Each file is written to a temporary file beside its destination, flushed to disk and then moved
over the destination with `os.replace` (atomic on POSIX and Windows). A failure leaves the old
file, if any, untouched and no temporary file behind. A symlink is written through: the file it
points to is replaced, the link stays. A pipe or a character device (``/dev/stdout``,
``/dev/null``) is written in place, as ``>`` would (`orgsim.outputs.targets`). JSON is strict: NaN
and infinity are refused (`allow_nan=False`), so every file orgsim writes parses with any JSON parser.

`StagedFile` and `StagedDir` split a write in two, so that the outputs of one command are made
visible together (`orgsim.outputs.transaction`): `write` (the temporary copy, nothing visible
changes), `commit` (the rename), `undo` (put back what the commit replaced), `close` (tidy up).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import glob
import hashlib
import importlib.util
import io
import json
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgsim.outputs.targets import check_distinct_outputs, check_file, check_replaceable_dir, resolve, temp_prefix

if TYPE_CHECKING:
    import pandas as pd  # imported where used: `orgsim --help` and `validate` need no pandas

__all__ = [
    "StagedDir",
    "StagedFile",
    "check_distinct_outputs",
    "check_replaceable_dir",
    "check_writable_file",
    "csv_text",
    "current_umask",
    "dumps_json",
    "parquet_files",
    "sha256_file",
    "write_bytes_atomic",
    "write_csv_atomic",
    "write_dir_atomic",
    "write_json_atomic",
    "write_text_atomic",
]


class StagedFile:
    """One output file on its way to `path` (see the module's docstring for the steps).

    A stream (a pipe, a device, ``-`` for standard output when `dash`) cannot be staged: `write`
    keeps the bytes and `commit` writes them; nothing written to a stream can be taken back.
    """

    def __init__(self, option: str, path: str | os.PathLike, dash: bool = False):
        self.option = option
        self.target = resolve(option, path, dash)
        self.tmp: Path | None = None
        self._data: bytes | None = None
        self._backup: Path | None = None
        self._existed = False
        self._committed = False

    @property
    def in_place(self) -> bool:
        return self.target.in_place

    @property
    def path(self) -> Path:
        return self.target.path

    def temp_path(self) -> Path:
        """Where to write: a new empty temporary file beside the destination, or the stream itself."""
        if self.in_place:
            return self.target.path
        dest = self.target.dest
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=temp_prefix(dest.name), suffix=".tmp")
        os.close(fd)
        self.tmp = Path(tmp)
        return self.tmp

    def write(self, data: bytes) -> None:
        """`data`, whole, in a temporary file flushed to disk (a stream gets it at `commit`)."""
        if self.in_place:
            self._data = data
            return
        with open(self.temp_path(), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    def commit(self, keep_old: bool = False) -> None:
        """Put the file in place; `keep_old`: keep what it replaces (a hard link) until `close`, for `undo`."""
        if self.in_place:
            if self._data is not None:
                _write_stream(self.target.path, self._data, self.target.stdout)
            self._committed = True
            return
        assert self.tmp is not None, "commit before write"
        dest = self.target.dest
        os.chmod(self.tmp, 0o666 & ~current_umask())
        self._existed = dest.is_file()
        if keep_old and self._existed:
            self._backup = _hard_link(dest)
        os.replace(self.tmp, dest)
        self.tmp, self._committed = None, True

    def undo(self) -> None:
        """After `commit`: put back the file it replaced (kept where the file system has hard links), or remove
        the new one if there was none; nothing for a stream."""
        if not self._committed or self.in_place:
            return
        dest = self.target.dest
        with contextlib.suppress(OSError):
            if self._backup is not None:
                os.replace(self._backup, dest)
                self._backup = None
            elif not self._existed:
                dest.unlink()
        self._committed = False

    def close(self) -> None:
        """Remove the temporary file (if not committed) and the copy of the old one."""
        for p in (self.tmp, self._backup):
            if p is not None:
                with contextlib.suppress(OSError):
                    p.unlink()
        self.tmp = self._backup = None


def _hard_link(path: Path) -> Path | None:
    """A second name for `path` beside it (None where hard links are not possible)."""
    for _ in range(100):
        link = path.parent / f"{temp_prefix(path.name)}{secrets.token_hex(4)}.old"
        try:
            os.link(path, link)
            return link
        except FileExistsError:
            continue
        except OSError:
            return None
    return None


def _write_stream(path: Path, data: bytes, stdout: bool) -> None:
    sys.stdout.flush()  # what was printed before comes first when both go to one pipe
    if stdout:
        out = getattr(sys.stdout, "buffer", None)
        if out is None:
            sys.stdout.write(data.decode("utf-8"))
        else:
            out.write(data)
            out.flush()
        return
    with open(path, "wb") as f:
        f.write(data)


def write_bytes_atomic(path: str | os.PathLike, data: bytes, option: str = "") -> Path:
    """Write `data` to `path` atomically (temporary file in the same directory, then rename)."""
    staged = StagedFile(option, path)
    try:
        staged.write(data)
        staged.commit()
    finally:
        staged.close()
    return Path(path)


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def dumps_json(obj: Any) -> str:
    """Strict, readable JSON: refuses NaN and infinity (ValueError) instead of writing them."""
    return json.dumps(obj, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def write_json_atomic(path: str | os.PathLike, obj: Any) -> Path:
    """Write `obj` as strict JSON atomically; nothing is written if it holds NaN or infinity."""
    return write_text_atomic(path, dumps_json(obj))


def csv_text(df: pd.DataFrame) -> str:
    """A DataFrame as CSV without the index; undefined values (NaN) are empty cells."""
    return df.to_csv(index=False, lineterminator="\n")


def write_csv_atomic(path: str | os.PathLike, df: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV atomically."""
    return write_text_atomic(path, csv_text(df))


def parquet_files(tables: Mapping[str, pd.DataFrame]) -> dict[str, bytes]:
    """`name.parquet` bytes for each table when pyarrow is installed; {} when it is not."""
    if importlib.util.find_spec("pyarrow") is None:
        return {}
    out = {}
    for name, df in tables.items():
        buf = io.BytesIO()
        df.to_parquet(buf, index=False, engine="pyarrow")
        out[f"{name}.parquet"] = buf.getvalue()
    return out


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def check_writable_file(option: str, path: Path | None) -> None:
    """Fail before a long run when a result file could not be written (`targets.check_file`)."""
    check_file(option, path)


def current_umask() -> int:
    """The process's umask (mkstemp creates files 0600; written files get what open() would give)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---- A whole directory at once (--out DIR) ---------------------------------------------------


@contextlib.contextmanager
def _dir_lock(out_dir: Path) -> Iterator[None]:
    """An exclusive lock on DIR for writers (a lock file next to it): a second writer waits."""
    import fcntl

    lock_path = out_dir.parent / f"{temp_prefix(out_dir.name)}lock"
    with open(lock_path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting: another orgsim is writing {out_dir}", file=sys.stderr)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield  # the lock file stays: removing it would let a third writer lock another inode


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux renameat2); False where it is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False  # an old kernel or a file system without exchange: rename twice instead
    raise OSError(err, os.strerror(err), str(b))


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class StagedDir:
    """--out DIR on its way: `files` (relative path -> content) written into a temporary sibling
    directory (`write`), which then takes DIR's place in one atomic exchange (`commit`; Linux;
    elsewhere the old directory is renamed away and the new one renamed in). Writers of one DIR take
    turns: a lock file beside it is held from `write` to `close`."""

    in_place = False

    def __init__(self, option: str, out_dir: str | os.PathLike, files: Mapping[str, bytes | str]):
        self.option, self.path, self.files = option, Path(out_dir), files
        self.target = Path(os.path.realpath(out_dir))  # a symlink: the directory it names is replaced
        self.tmp: Path | None = None
        self._old: Path | None = None
        self._how: str | None = None  # how commit put the new set in: "new", "exchanged" or "renamed"
        self._lock = contextlib.ExitStack()

    def write(self) -> None:
        target = self.target
        target.parent.mkdir(parents=True, exist_ok=True)
        self._lock.enter_context(_dir_lock(target))
        check_replaceable_dir(self.option, target)
        for stale in target.parent.glob(f"{glob.escape(temp_prefix(target.name))}*"):  # a killed writer's
            if stale.suffix in (".new", ".old") and stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        self.tmp = tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(target.name), suffix=".new", dir=target.parent))
        os.chmod(tmp, 0o777 & ~current_umask())
        for rel, data in self.files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as f:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(path, 0o666 & ~current_umask())
        _fsync_dir(tmp)

    def commit(self, keep_old: bool = False) -> None:  # noqa: ARG002 - the old set is kept until close anyway
        """The new set in DIR's place; the old one (if any) waits in a temporary directory until `close`."""
        tmp, target = self.tmp, self.target
        assert tmp is not None, "commit before write"
        if not target.exists():
            os.rename(tmp, target)
            self._how = "new"
        elif _exchange(tmp, target):
            self._how = "exchanged"  # tmp now holds the old set
        else:
            self._old = Path(tempfile.mkdtemp(prefix=temp_prefix(target.name), suffix=".old", dir=target.parent))
            os.rename(target, self._old / "d")
            try:
                os.rename(tmp, target)
            except BaseException:
                os.rename(self._old / "d", target)
                raise
            self._how = "renamed"
        _fsync_dir(target.parent)

    def undo(self) -> None:
        """After `commit`: the old set back in DIR (or no DIR, if there was none)."""
        tmp, target, how = self.tmp, self.target, self._how
        assert tmp is not None
        with contextlib.suppress(OSError):
            if how == "exchanged":
                _exchange(tmp, target)
            elif how in ("new", "renamed"):
                os.rename(target, tmp)  # removed by close
                if self._old is not None:
                    os.rename(self._old / "d", target)
            self._how = None

    def close(self) -> None:
        """Remove the temporary directories (the new set if not committed, the old one if it was) and unlock."""
        for p in (self.tmp, self._old):
            if p is not None and p.exists():
                shutil.rmtree(p, ignore_errors=True)
        self.tmp = self._old = None
        self._lock.close()


def write_dir_atomic(out_dir: str | os.PathLike, files: Mapping[str, bytes | str], option: str = "--out") -> Path:
    """Make `out_dir` hold exactly `files` (relative path -> content), replacing it as a whole (`StagedDir`).

    A reader, a crash or a kill at any moment finds either the complete old set or the complete
    new one, never a mix; a failure leaves the old set.

    Raises:
        UsageError: when `out_dir` holds files orgsim did not write (see `check_replaceable_dir`).
        OSError: when writing fails (the old directory is left as it was).
    """
    staged = StagedDir(option, out_dir, files)
    try:
        staged.write()
        staged.commit()
    finally:
        staged.close()
    return staged.target
