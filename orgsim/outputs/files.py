"""Files orgsim writes: atomically, so a reader never sees half a file.

Each file is written to a temporary file in the same directory, flushed to disk and then moved
over the target with `os.replace` (atomic on POSIX and Windows). A failure leaves the old file,
if any, untouched and no temporary file behind. JSON is strict: NaN and infinity are refused
(`allow_nan=False`), so every file orgsim writes parses with any JSON parser.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from orgsim.scenario.errors import UsageError

__all__ = [
    "check_distinct_outputs",
    "check_regular_target",
    "check_writable_file",
    "csv_text",
    "current_umask",
    "dumps_json",
    "parquet_files",
    "sha256_file",
    "write_bytes_atomic",
    "write_csv_atomic",
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
