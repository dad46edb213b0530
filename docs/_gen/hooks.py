"""MkDocs hook: pages whose tables are generated from the code and the data, never typed.

A page asks for a generated block with an HTML comment on a line of its own:

    <!-- generated: scenario-keys -->   every scenario key: type, unit, default, range, source
    <!-- generated: kpis -->            every KPI key: unit, better direction, definition
    <!-- generated: cli -->             `--help` of the orgsim command and each subcommand
    <!-- generated: benchmarks -->      every entry of data/benchmarks.yaml with its source

The hook runs on every `mkdocs build` (`hooks:` in mkdocs.yml), so the reference cannot drift
from the schema: a schema key or KPI without words in docs/_gen/*.yaml, or a source id that is
not in data/benchmarks.yaml, is logged as a warning, which `mkdocs build --strict` turns into a
failure. The same functions are importable (tests/docs/ uses them).
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import re
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
log = logging.getLogger("mkdocs.plugins.orgsim_docs")

MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.M)


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------


def benchmarks() -> list[dict[str, Any]]:
    """The entries of data/benchmarks.yaml, in file order."""
    return yaml.safe_load((ROOT / "data" / "benchmarks.yaml").read_text(encoding="utf-8"))


def _words(name: str) -> dict[str, dict[str, Any]]:
    return yaml.safe_load((HERE / name).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# scenario keys
# --------------------------------------------------------------------------------------------


def _is_model(t: Any) -> bool:
    from pydantic import BaseModel

    return isinstance(t, type) and issubclass(t, BaseModel)


def _strip_optional(ann: Any) -> tuple[Any, bool]:
    args = typing.get_args(ann)
    if typing.get_origin(ann) in (typing.Union, getattr(__import__("types"), "UnionType", None)) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else ann), True
    return ann, False


def _constraints(metadata: list[Any]) -> tuple[dict[str, Any], list[Any]]:
    out: dict[str, Any] = {}
    for m in metadata:
        for k in ("ge", "gt", "le", "lt"):
            v = getattr(m, k, None)
            if v is not None:
                out[k] = v
    return out, metadata


def _inner(ann: Any) -> tuple[Any, dict[str, Any]]:
    """An Annotated[...] type -> (base type, bounds)."""
    if typing.get_origin(ann) is typing.Annotated:
        base, *meta = typing.get_args(ann)
        bounds: dict[str, Any] = {}
        for m in meta:
            inner_meta = getattr(m, "metadata", None)
            b, _ = _constraints(inner_meta if inner_meta is not None else [m])
            bounds.update(b)
        return base, bounds
    return ann, {}


def _type_name(ann: Any) -> str:
    ann, optional = _strip_optional(ann)
    base, _ = _inner(ann)
    origin = typing.get_origin(base)
    if origin is typing.Literal:
        s = "one of " + ", ".join(f"`{a}`" for a in typing.get_args(base))
    elif origin is dict:
        _, v = typing.get_args(base)
        s = f"mapping of name → {_type_name(v)}"
    elif origin is list:
        (v,) = typing.get_args(base)
        s = f"list of {_type_name(v)}"
    elif _is_model(base):
        s = "distribution" if base.__name__ == "Dist" else "section"
    else:
        s = {float: "number", int: "integer", bool: "true/false", str: "text", _dt.date: "date"}.get(base, str(base))
    return s + (" or null" if optional else "")


def _range(field: Any) -> str:
    ann, _ = _strip_optional(field.annotation)
    base, bounds = _inner(ann)
    b, _ = _constraints(field.metadata)
    bounds.update(b)
    origin = typing.get_origin(base)
    if origin in (dict, list):
        args = typing.get_args(base)
        _, bounds = _inner(args[-1])
        if typing.get_origin(_inner(args[-1])[0]) is dict:
            _, bounds = _inner(typing.get_args(_inner(args[-1])[0])[-1])
    parts = []
    if "ge" in bounds:
        parts.append(f"≥ {bounds['ge']:,}")
    if "gt" in bounds:
        parts.append(f"> {bounds['gt']:,}")
    if "le" in bounds:
        parts.append(f"≤ {bounds['le']:,}")
    if "lt" in bounds:
        parts.append(f"< {bounds['lt']:,}")
    return ", ".join(parts)


def _default(field: Any) -> str:
    from pydantic_core import PydanticUndefined

    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value = field.default_factory()
    else:
        value = field.default
    if value is PydanticUndefined:
        return "required"
    if _is_model(type(value)):
        if type(value).__name__ == "Dist":
            d = {k: v for k, v in value.model_dump().items() if v is not None}
            return "`" + yaml.safe_dump(d, default_flow_style=True, width=1000).strip() + "`"
        return "(section)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return (
            "`" + yaml.safe_dump(value, default_flow_style=True, width=1000).strip() + "`"
            if value
            else "`{}`"
            if isinstance(value, dict)
            else "`[]`"
        )
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        return f"{value:,.0f}"
    if isinstance(value, str):
        return f"`{value}`" if value else '""'
    return f"{value}"


def scenario_fields() -> list[tuple[str, Any, int]]:
    """(dotted path, pydantic field, depth) of every key of `orgsim.Scenario`, in schema order."""
    import orgsim

    out: list[tuple[str, Any, int]] = []

    def walk(model: Any, prefix: str, depth: int) -> None:
        for name, f in model.model_fields.items():
            path = prefix + name
            out.append((path, f, depth))
            ann, _ = _strip_optional(f.annotation)
            base, _ = _inner(ann)
            origin = typing.get_origin(base)
            if _is_model(base) and base.__name__ != "Dist":
                walk(base, path + ".", depth + 1)
            elif origin is dict and _is_model(typing.get_args(base)[1]):
                walk(typing.get_args(base)[1], path + ".<name>.", depth + 1)
            elif origin is list and _is_model(typing.get_args(base)[0]):
                walk(typing.get_args(base)[0], path + "[i].", depth + 1)

    walk(orgsim.Scenario, "", 0)
    return out


def _source(src: str | None, ids: set[str], where: str) -> str:
    if not src:
        return ""
    if src == "assumption":
        return "assumption"
    if src not in ids:
        log.warning("%s: source %r is not an id in data/benchmarks.yaml", where, src)
        return src
    return f"[{src}](benchmarks.md#{src})"


def scenario_keys_markdown() -> str:
    words = _words("scenario_keys.yaml")
    ids = {b["id"] for b in benchmarks()}
    fields = scenario_fields()
    known = {p for p, _, _ in fields}
    for extra in sorted(set(words) - known):
        log.warning("docs/_gen/scenario_keys.yaml: %r is not a scenario key (renamed or removed?)", extra)
    groups: dict[str, list[str]] = {"": []}
    intro: dict[str, str] = {}
    for path, f, depth in fields:
        w = words.get(path)
        if w is None:
            log.warning("scenario key %r has no words in docs/_gen/scenario_keys.yaml", path)
            w = {"unit": "", "text": "(not yet described)"}
        if depth == 0 and _is_section(f):
            groups[path] = []
            intro[path] = w["text"]
            continue
        group = path.split(".")[0].split("[")[0] if depth > 0 else ""
        kind = "; ".join(x for x in (_type_name(f.annotation), w.get("unit", ""), _range(f)) if x)
        src = w.get("source") or ("assumption" if _numeric_default(f) else None)
        groups[group].append(f"| `{path}` | {_default(f)} | {kind} | {w['text']} | {_source(src, ids, path) or '—'} |")
    head = ["| key | default | type; unit; valid range | meaning | source |", "|---|---|---|---|---|"]
    lines: list[str] = []
    for group, rows in groups.items():
        lines += [
            f"### `{group}`" if group else "### Top level",
            "",
            intro.get(group, "The scenario's identity and run settings."),
            "",
        ]
        lines += head + rows + [""]
    return "\n".join(lines)


def _numeric_default(f: Any) -> bool:
    """True when the key has a number (or a distribution) as its default: a figure needs a source."""
    if f.is_required():
        return False
    value = f.default_factory() if f.default_factory is not None else f.default
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float)) or type(value).__name__ == "Dist"


def _is_section(f: Any) -> bool:
    ann, _ = _strip_optional(f.annotation)
    base, _ = _inner(ann)
    origin = typing.get_origin(base)
    if _is_model(base) and base.__name__ != "Dist":
        return True
    if origin is dict and _is_model(typing.get_args(base)[1]):
        return True
    return origin is list and _is_model(typing.get_args(base)[0])


# --------------------------------------------------------------------------------------------
# KPIs
# --------------------------------------------------------------------------------------------


def kpis_markdown() -> str:
    import orgsim
    from orgsim.experiments import KPI_DIRECTION

    words = _words("kpis.yaml")
    lines = ["| key | unit | better | definition |", "|---|---|---|---|"]
    for key in orgsim.KPI_KEYS:
        w = words.get(key)
        if w is None:
            log.warning("KPI %r has no definition in docs/_gen/kpis.yaml", key)
            w = {"unit": "", "text": "(not yet defined)"}
        d = KPI_DIRECTION.get(key, 0)
        better = {1: "higher", -1: "lower"}.get(d, "—")
        lines.append(f"| `{key}` | {w['unit']} | {better} | {w['text']} |")
    for extra in sorted(set(words) - set(orgsim.KPI_KEYS)):
        log.warning("docs/_gen/kpis.yaml: %r is not in orgsim.KPI_KEYS", extra)
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def _help(*args: str) -> str:
    """`python -m orgsim ARGS --help` of this tree, 100 columns wide, no colour."""
    env = {
        **os.environ,
        "COLUMNS": "100",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    r = subprocess.run(
        [sys.executable, "-m", "orgsim", *args, "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    if r.returncode != 0:
        log.warning("orgsim %s --help exited %d: %s", " ".join(args), r.returncode, r.stderr.strip())
    return r.stdout.rstrip()


def cli_markdown() -> str:
    root = _help()
    out = ["## `orgsim`", "", "```text", root, "```", ""]
    commands = re.findall(r"^  ([a-z][a-z-]*)\s{2,}", root.split("Commands:", 1)[-1], re.M)
    if not commands:
        log.warning("no commands found in `orgsim --help`")
    for name in commands:
        out += [f"## `orgsim {name}`", "", "```text", _help(name), "```", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# benchmarks
# --------------------------------------------------------------------------------------------


def _fig(v: Any) -> str:
    return "" if v is None else f"{v:,}" if isinstance(v, (int, float)) else str(v)


def benchmarks_markdown() -> str:
    entries = benchmarks()
    out: list[str] = []
    area = None
    for b in entries:
        if b["area"] != area:
            area = b["area"]
            out += ["", f"## {area.replace('_', ' ')}", ""]
        src = b["source"] + (f" ({b['year']})" if b.get("year") else "")
        url = b.get("url")
        out += [
            f"### {b['id']} {{#{b['id']}}}",
            "",
            f"**{b['metric']}** — {b['segment']}",
            "",
            "| low | mid | high | unit |\n|---|---|---|---|\n"
            f"| {_fig(b['low'])} | {_fig(b['mid'])} | {_fig(b['high'])} | {b['unit']} |",
            "",
            f"Source: {src}" + (f" — <{url}>" if url else ""),
            "",
            f"Note: {b['note']}",
            "",
        ]
    return "\n".join(out)


GENERATORS = {
    "scenario-keys": scenario_keys_markdown,
    "kpis": kpis_markdown,
    "cli": cli_markdown,
    "benchmarks": benchmarks_markdown,
}


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:  # mkdocs hook
    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in GENERATORS:
            log.warning("%s: unknown generated block %r", page.file.src_uri, name)
            return m.group(0)
        return GENERATORS[name]()

    return MARKER.sub(fill, markdown)
