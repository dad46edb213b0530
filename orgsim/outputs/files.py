"""Files orgsim writes: atomically, so a reader never sees half a file.

Each file is written to a temporary file in the same directory, flushed to disk and then moved
over the target with `os.replace` (atomic on POSIX and Windows). A failure leaves the old file,
if any, untouched and no temporary file behind. JSON is strict: NaN and infinity are refused
(`allow_nan=False`), so every file orgsim writes parses with any JSON parser.
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
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd  # imported where used: `orgsim --help` and `validate` need no pandas

from orgsim.scenario.errors import UsageError

__all__ = [
    "check_distinct_outputs",
    "check_replaceable_dir",
    "check_regular_target",
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


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` atomically (temporary file in the same directory, then rename)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


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


def check_regular_target(option: str, path: Path | None) -> None:
    """Refuse a target that exists and is not a regular file (a FIFO, a device, a socket).

    Files are written by renaming a temporary file over the target, which would replace a device
    node or a FIFO with a regular file (for root, even ``/dev/null``); orgsim refuses instead.
    """
    if path is None:
        return
    try:
        mode = os.stat(path).st_mode  # follows symlinks: a link to /dev/null is refused too
    except OSError:
        return  # missing (it will be created) or unreachable (the other checks say why)
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kind = (
        "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    raise UsageError(
        f"{option} {path}: is {kind}; orgsim writes results only to regular files (written whole, then renamed "
        "into place), so it would replace it; give a file name"
    )


def check_distinct_outputs(files: Mapping[str, Path | None], out_dir: Path | None = None) -> None:
    """Refuse two output options naming one file, or a file inside --out DIR (one would overwrite the other)."""
    given = [(option, Path(os.path.realpath(p))) for option, p in files.items() if p is not None]
    for i, (a, pa) in enumerate(given):
        for b, pb in given[i + 1 :]:
            if pa == pb:
                raise UsageError(f"{a} and {b} name the same file ({pa}); give each its own file")
    if out_dir is not None:
        d = Path(os.path.realpath(out_dir))
        for a, pa in given:
            if d == pa or d in pa.parents:
                raise UsageError(
                    f"{a} {pa} is inside --out {out_dir}, which orgsim replaces as a whole; write it elsewhere"
                )


def check_writable_file(option: str, path: Path | None) -> None:
    """Fail before a long run when a result file could not be written."""
    if path is None:
        return
    check_regular_target(option, path)
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory; give a file name")
    if not path.parent.is_dir():
        raise UsageError(f"{option} {path}: directory {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK):
        raise UsageError(f"{option} {path}: directory {path.parent} is not writable")


def current_umask() -> int:
    """The process's umask (mkstemp creates files 0600; written files get what open() would give)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---- A whole directory at once (--out DIR) ---------------------------------------------------

MANIFEST = "manifest.json"


def check_replaceable_dir(option: str, out_dir: Path) -> None:
    """Refuse to replace a directory that holds files orgsim did not write there.

    --out DIR is replaced as a whole, so DIR must be new, empty, or an earlier output directory:
    one with a manifest.json listing what it holds. Anything else in it (a user's notes, or a
    directory such as ``.`` that was never an output) would be lost, so it is refused.
    """
    try:
        entries = list(out_dir.iterdir())
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise UsageError(f"{option} {out_dir}: exists and is not a directory") from None
    except OSError as e:
        raise UsageError(f"{option} {out_dir}: cannot read the directory: {e.strerror or e}") from None
    if not entries:
        return
    listed: set[str] = set()
    try:
        doc = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        listed = {str(f) for f in doc.get("files", [])} if isinstance(doc, dict) else set()
    except (OSError, ValueError, TypeError):
        pass
    listed.add(MANIFEST)
    for path in sorted(out_dir.rglob("*")):
        rel = path.relative_to(out_dir).as_posix()
        if path.is_dir() and not path.is_symlink():
            continue
        if rel not in listed:
            raise UsageError(
                f"{option} {out_dir}: holds {rel}, which orgsim did not write there; the directory is replaced as "
                "a whole, so give a new or empty directory (or an earlier output directory)"
            )


@contextlib.contextmanager
def _dir_lock(out_dir: Path) -> Iterator[None]:
    """An exclusive lock on DIR for writers (a lock file next to it): a second writer waits."""
    import fcntl

    lock_path = out_dir.parent / f".{out_dir.name}.lock"
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


def write_dir_atomic(out_dir: str | os.PathLike, files: Mapping[str, bytes | str], option: str = "--out") -> Path:
    """Make `out_dir` hold exactly `files` (relative path -> content), replacing it as a whole.

    Every file is written into a temporary sibling directory and flushed; the directory then
    takes the place of `out_dir` in one atomic exchange (Linux; elsewhere: the old directory is
    renamed away, the new one renamed in, and the old one removed). A reader, a crash or a kill
    at any moment finds either the complete old set or the complete new one, never a mix; a
    failure leaves the old set. Writers of one directory take turns (a lock file beside it).

    Raises:
        UsageError: when `out_dir` holds files orgsim did not write (see `check_replaceable_dir`).
        OSError: when writing fails (the old directory is left as it was).
    """
    target = Path(os.path.abspath(out_dir))
    target.parent.mkdir(parents=True, exist_ok=True)
    with _dir_lock(target):
        check_replaceable_dir(option, target)
        for stale in target.parent.glob(f".{glob.escape(target.name)}.*"):  # left by a writer that was killed
            if stale.suffix in (".new", ".old") and stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".new", dir=target.parent))
        try:
            os.chmod(tmp, 0o777 & ~current_umask())
            for rel, data in files.items():
                path = tmp / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data.encode("utf-8") if isinstance(data, str) else data)
                    f.flush()
                    os.fsync(f.fileno())
                os.chmod(path, 0o666 & ~current_umask())
            _fsync_dir(tmp)
            if not target.exists():
                os.rename(tmp, target)
            elif _exchange(tmp, target):
                shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old set
            else:
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
                os.rename(target, old / "d")
                try:
                    os.rename(tmp, target)
                except BaseException:
                    os.rename(old / "d", target)
                    raise
                shutil.rmtree(old, ignore_errors=True)
            _fsync_dir(target.parent)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target
