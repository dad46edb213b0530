"""Where an output goes, and whether it can go there: checked before a command runs anything.

An output option names one of:

- a regular file, or a name that does not exist yet in an existing directory: written whole to a
  temporary file beside it, then renamed over it (`orgsim.outputs.files`). A symlink is written
  through: its target is replaced and the link stays a link.
- a stream that is written in place, never replaced: a FIFO (a pipe, ``/dev/stdout`` when it is a
  pipe, a shell's ``>(...)``) or a character device (a terminal, ``/dev/null``). ``--json -`` is
  standard output.

Anything else (a directory, a socket, a block device) is refused. `check_file` and `check_dir`
do what a write will do, before the run: they create and remove a temporary file where the
write will put one, so a name that is too long, a directory under /proc, a parent that is a file
or that cannot be written are refused with exit 2 naming the option, not found after an hour of
simulation.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from orgsim.scenario.errors import UsageError

__all__ = [
    "STDOUT",
    "Target",
    "check_dir",
    "check_distinct_outputs",
    "check_file",
    "check_replaceable_dir",
    "in_place",
    "resolve",
    "temp_prefix",
]

STDOUT = "-"  # `--json -`: standard output
_SHORT = 40  # longer names are shortened in the names of temporary files, which must fit NAME_MAX too


def temp_prefix(name: str) -> str:
    """``.NAME.``, the start of a temporary file's name beside NAME; a long NAME is shortened (and a hash
    of it added, so two long names stay apart) so that the temporary name is never too long when NAME is not."""
    if len(name) > _SHORT:
        name = f"{name[:_SHORT]}~{hashlib.sha256(os.fsencode(name)).hexdigest()[:10]}"
    return f".{name}."


@dataclass(frozen=True)
class Target:
    """An output file: `path` as given, `dest` where its bytes end up (a symlink's target), and
    whether it is a stream written in place (`in_place`) or a file replaced whole."""

    option: str
    path: Path
    dest: Path
    in_place: bool

    @property
    def stdout(self) -> bool:
        return str(self.path) == STDOUT and self.in_place


def _kind(mode: int) -> str:
    if stat.S_ISBLK(mode):
        return "a block device"
    return "a socket" if stat.S_ISSOCK(mode) else "not a regular file"


def resolve(option: str, path: str | os.PathLike, dash: bool = False) -> Target:
    """Where `path` is written; `UsageError` for a directory, a socket or a block device.

    `dash`: ``-`` means standard output (for --json); otherwise it is a file named ``-``.
    """
    p = Path(path)
    what = f"{option} {p}" if option else str(p)
    if dash and str(path) == STDOUT:
        return Target(option, p, p, True)
    try:
        mode = os.stat(p).st_mode  # follows symlinks: a link to /dev/null is a device
    except FileNotFoundError:
        mode = None  # a new file, or a link to one
    except NotADirectoryError:
        raise UsageError(f"{what}: {_not_a_directory(p) or p.parent} is not a directory") from None
    except OSError as e:
        raise UsageError(f"{what}: {e.strerror or e}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"{what}: is a directory; give a file name")
    if mode is not None and (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        return Target(option, p, p, True)
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(
            f"{what}: is {_kind(mode)}; orgsim writes results to regular files, pipes and character devices"
        )
    return Target(option, p, Path(os.path.realpath(p)), False)


def in_place(path: Path | None, dash: bool = False) -> bool:
    """True when `path` is a pipe, a device or ``-``: written where it is, with no file of its own beside it."""
    if path is None:
        return False
    if dash and str(path) == STDOUT:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def _not_a_directory(path: Path) -> Path | None:
    """The first of `path`'s parents that exists and is not a directory (None if there is none)."""
    for p in reversed(path.parents):
        try:
            if p.exists() and not p.is_dir():
                return p
        except OSError:
            return None
    return None


def _name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _probe(option: str, path: Path, directory: Path, names: list[str]) -> None:
    """Make and remove a temporary file in `directory`, as the write will; refuse names it cannot hold."""
    limit = _name_max(directory)
    for name in names:
        if len(os.fsencode(name)) > limit:
            raise UsageError(f"{option} {path}: the name {name[:24]}... is too long ({len(name)} > {limit} bytes)")
    if not os.access(directory, os.W_OK):
        raise UsageError(f"{option} {path}: directory {directory} is not writable")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=temp_prefix(names[-1]), suffix=".tmp")
    except OSError as e:
        raise UsageError(f"{option} {path}: cannot write in {directory}: {e.strerror or e}") from None
    os.close(fd)
    os.unlink(tmp)


def check_file(option: str, path: Path | None, dash: bool = False) -> Target | None:
    """Fail before a long run when a result file could not be written (None: no such option given)."""
    if path is None:
        return None
    t = resolve(option, path, dash)
    if t.stdout:
        return t
    if t.in_place:
        if not os.access(path, os.W_OK):
            raise UsageError(f"{option} {path}: cannot be written (permission denied)")
        return t
    parent = t.dest.parent
    if not parent.is_dir():
        shown = parent if os.path.islink(path) else Path(path).parent  # the link's target's, or as given
        where = _not_a_directory(shown / "x")
        if where is not None:
            raise UsageError(f"{option} {path}: {where} is not a directory")
        raise UsageError(f"{option} {path}: directory {shown} does not exist")
    _probe(option, path, parent, [t.dest.name])
    return t


def check_dir(option: str, path: Path | None) -> None:
    """Fail before a long run when --out DIR (or --report DIR) could not be written: DIR is replaced by
    a sibling made in its parent (created, parents included, if missing), beside a lock file."""
    if path is None:
        return
    real = Path(os.path.realpath(path))  # a symlink to a directory: the directory is replaced, the link stays
    target = Path(path) if real == Path(os.path.abspath(path)) else real
    try:
        exists = target.exists()
        if exists and not target.is_dir():
            raise UsageError(f"{option} {path}: exists and is not a directory")
        existing = next(p for p in target.parents if p.exists())
    except OSError as e:  # a name too long for the system, a loop of links
        raise UsageError(f"{option} {path}: {e.strerror or e}") from None
    if not existing.is_dir():
        raise UsageError(f"{option} {path}: {existing} is not a directory")
    missing = [p.name for p in reversed([target, *target.parents]) if existing in p.parents]
    _probe(option, path, existing, missing)
    check_replaceable_dir(option, target)


def check_distinct_outputs(
    files: Mapping[str, Path | None], out_dir: Path | None = None, dir_option: str = "--out"
) -> None:
    """Refuse two output options naming one file, or a file inside --out DIR (one would overwrite the other)."""
    given = [
        (o, p, Path(os.path.realpath(p)))
        for o, p in files.items()
        if p is not None and not (o == "--json" and str(p) == STDOUT)
    ]
    for i, (a, _, pa) in enumerate(given):
        for b, _, pb in given[i + 1 :]:
            if pa == pb:
                raise UsageError(f"{a} and {b} name the same file ({pa}); give each its own file")
    if out_dir is not None:
        d = Path(os.path.realpath(out_dir))
        for a, p, pa in given:
            if d == pa or d in pa.parents:
                raise UsageError(
                    f"{a} {p} is inside {dir_option} {out_dir}, which orgsim replaces as a whole; write it elsewhere"
                )


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
        if e.errno == errno.ENAMETOOLONG:
            raise UsageError(f"{option} {out_dir}: {e.strerror}") from None
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
