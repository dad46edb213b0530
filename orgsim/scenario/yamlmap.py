"""YAML text to plain data, keeping the line where each value was written.

`parse_yaml` gives what `yaml.safe_load` gives, plus a map from field path to the 1-based line of
the key (or list item) that holds the value, so error messages can point into the file. Paths
are tuples of mapping keys (text) and list indices (int); `format_path` spells them
``hiring.plan[0].role``. Duplicate keys, recursive aliases and alias bombs are reported instead of
silently resolved.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

PathT = tuple[str | int, ...]

MAX_NODES = 200_000  # values after alias expansion; far above any real scenario
MAX_FILE_BYTES = 10_000_000
MAX_DEPTH = 64  # nested mappings and lists; a scenario needs 5
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SEGMENT = re.compile(r"^([^.\[\]]+)((?:\[\d+\])*)$")


@dataclass
class YamlDoc:
    """The parsed document.

    Attributes:
        data: the value, as `yaml.safe_load` would give it (None for an empty document).
        lines: path -> 1-based line of the key or list item holding the value.
        problems: (path, message, line) for things wrong in otherwise readable YAML
            (duplicate keys, keys that are not text, recursive aliases).
        error: (message, line) when the text is not readable YAML at all; data is then None.
    """

    data: Any = None
    lines: dict[PathT, int] = field(default_factory=dict)
    problems: list[tuple[PathT, str, int | None]] = field(default_factory=list)
    error: tuple[str, int | None] | None = None


def key_part(key: Any) -> str:
    """A mapping key as a path part (non-text keys are shown as YAML would write them)."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def format_path(parts: PathT) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + p
    return out


def parse_path(text: str) -> PathT | None:
    """``hiring.plan[0].role`` -> ("hiring", "plan", 0, "role"); None when malformed."""
    parts: list[str | int] = []
    for seg in text.strip().split("."):
        m = _SEGMENT.match(seg.strip())
        if not m:
            return None
        parts.append(m.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return tuple(parts)


def walk(value: Any, path: PathT = ()) -> Iterator[tuple[PathT, Any]]:
    """Every (path, value) in plain data, the root first."""
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, path + (key_part(k),))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, path + (i,))


def show(v: Any) -> str:
    """A value as the user would have written it in YAML (short)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, float):
        if math.isnan(v):
            return ".nan"
        if math.isinf(v):
            return ".inf" if v > 0 else "-.inf"
        return repr(v)
    if isinstance(v, str):
        return repr(v if len(v) <= 60 else v[:57] + "...")
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, (list, tuple)):
        return "a list"
    text = str(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def _node_line(node: yaml.Node) -> int:
    """The 1-based line where `node` starts (the composer marks every node it makes)."""
    return node.start_mark.line + 1


class _TooBig(Exception):
    pass


class _TooDeep(Exception):
    pass


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, doc: YamlDoc):
        self.loader = loader
        self.doc = doc
        self.visits = 0
        self.active: set[int] = set()  # nodes being built: seeing one again means a recursive alias
        self.checked: set[int] = set()  # mappings already checked for duplicate keys

    def build(self, node: yaml.Node, path: PathT) -> Any:
        self.visits += 1
        if self.visits > MAX_NODES:
            raise _TooBig
        if len(path) > MAX_DEPTH:
            raise _TooDeep
        if id(node) in self.active:
            self.doc.problems.append((path, "recursive alias: a value cannot contain itself", _line(node.start_mark)))
            return None
        if isinstance(node, yaml.ScalarNode):
            try:
                return self.loader.construct_object(node)
            except ValueError:  # looks like a date but is none, e.g. 2026-13-01: the schema judges the text
                return node.value
        if node.tag not in (_MAP_TAG, _SEQ_TAG):  # !!set, !!omap and friends: no lines inside
            return self.loader.construct_object(node, deep=True)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            out_list = []  # a SequenceNode, the only other kind of node
            for i, item in enumerate(node.value):
                self.doc.lines[path + (i,)] = _node_line(item)
                out_list.append(self.build(item, path + (i,)))
            return out_list
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: PathT) -> dict:
        if id(node) not in self.checked:
            self.checked.add(id(node))
            seen: dict[Any, int | None] = {}
            for k_node, _ in node.value:
                if k_node.tag == _MERGE_TAG or not isinstance(k_node, yaml.ScalarNode):
                    continue
                key = self.loader.construct_object(k_node)
                line = _line(k_node.start_mark)
                if key in seen:
                    msg = f"duplicate key {key_part(key)!r} (first given on line {seen[key]})"
                    self.doc.problems.append((path + (key_part(key),), msg, line))
                else:
                    seen[key] = line
            self.loader.flatten_mapping(node)  # resolves `<<` merge keys in place
        out: dict[Any, Any] = {}
        for k_node, v_node in node.value:
            if isinstance(k_node, yaml.ScalarNode):
                key = self.loader.construct_object(k_node)
            else:
                key = self.loader.construct_object(k_node, deep=True)
            try:
                hash(key)
            except TypeError:
                self.doc.problems.append((path, "mapping keys must be plain text", _line(k_node.start_mark)))
                continue
            sub = path + (key_part(key),)
            self.doc.lines[sub] = _node_line(k_node)
            out[key] = self.build(v_node, sub)  # a later duplicate wins, as in safe_load
        return out


def parse_yaml(text: str) -> YamlDoc:
    """Parse one YAML document with `safe_load` semantics, recording lines and problems."""
    doc = YamlDoc()
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            doc.lines[()] = _node_line(node)
            doc.data = _Builder(loader, doc).build(node, ())
    except yaml.MarkedYAMLError as e:
        line, start = _line(e.problem_mark or e.context_mark), _line(e.context_mark)
        context = e.context and (f"{e.context} (started on line {start})" if start and start != line else e.context)
        words = ", ".join(w for w in (context, e.problem) if w) or "cannot parse"
        doc.error = (f"invalid YAML: {words}", line)
    except yaml.YAMLError as e:
        doc.error = (f"invalid YAML: {e}", None)
    except _TooBig:
        doc.error = (f"the document expands to more than {MAX_NODES:,} values (aliases nested too deep?)", None)
    except (_TooDeep, RecursionError):  # the composer recurses per level before _Builder can count
        doc.error = (f"invalid YAML: values are nested too deeply (more than {MAX_DEPTH} levels)", None)
    finally:
        loader.dispose()
    if doc.error:
        doc.data, doc.lines, doc.problems = None, {}, []
    return doc


class NotRegularFileError(OSError):
    """A path that is a FIFO, a device, a socket or a directory where a file was expected."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class FileTooLargeError(OSError):
    """A file larger than the reader's limit."""


def read_regular_file(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    The file is opened without blocking (a FIFO with no writer would otherwise hang), checked to
    be regular with `fstat` on the open descriptor (no race with a swapped path), and read up to
    ``limit + 1`` bytes, whatever size it claims.

    Raises:
        NotRegularFileError, FileTooLargeError, or the OSError of opening or reading.
    """
    fd = os.open(os.fspath(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(path)
            kind = (
                "a FIFO (named pipe)"
                if stat.S_ISFIFO(mode)
                else "a device"
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket"
                if stat.S_ISSOCK(mode)
                else "not a file"
            )
            raise NotRegularFileError(kind)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise FileTooLargeError(path)
        return b"".join(chunks)
    finally:
        os.close(fd)


def load_yaml_file(path: str) -> YamlDoc:
    """Read and parse a YAML file; unreadable, binary or non-UTF-8 files give `error`.

    Only regular files are read, and at most `MAX_FILE_BYTES` of them: a FIFO, a device
    (``/dev/zero``, ``/dev/urandom``) or a directory is refused at once, without blocking.
    """
    doc = YamlDoc()
    raw = b""
    try:
        raw = read_regular_file(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        doc.error = ("file not found", None)
    except IsADirectoryError:
        doc.error = ("is a directory, not a scenario file", None)
    except PermissionError:
        doc.error = ("cannot read the file: permission denied", None)
    except NotRegularFileError as e:
        doc.error = (f"is {e.kind}, not a regular file; a scenario is a YAML file", None)
    except FileTooLargeError:
        doc.error = (f"the file is larger than {MAX_FILE_BYTES:,} bytes; a scenario is a few kilobytes", None)
    except OSError as e:
        doc.error = (f"cannot read the file: {e.strerror or e}", None)
    if doc.error:
        return doc
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        doc.error = ("the file is UTF-16 text; save it as UTF-8", None)
    elif b"\x00" in raw:
        doc.error = ("the file holds binary data, not YAML text", None)
    else:
        try:
            return parse_yaml(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            doc.error = (f"the file is not UTF-8 text (byte 0x{raw[e.start]:02x}); save it as UTF-8", line)
    return doc
