"""Scenario files in, validated `Scenario` out; every problem reported at once.

Steps, in order: read the file (UTF-8 YAML, one mapping); resolve `extends` (the base is loaded
first, recursively, and the child deep-merged over it: mappings merge key by key, anything else
replaces, and so does a distribution that names its `dist:`); apply overrides by dotted path,
checked against the schema; reject non-finite numbers, and the values pydantic's lax mode would
coerce (`true` is not a number, `"4"` is not a count; `4.0` is fine); validate with the schema;
then run `Scenario.problems()` for the cross-field rules. Anything wrong on the way becomes a
`Problem` with the dotted path, the line where the value was written and a message in plain
words; all of them are raised together as one `ScenarioError`.

Scenario files may come from other people, so `extends` is confined: a base file must be a
regular file inside the directory tree of the scenario being loaded (for `load_scenario_dict`,
the current directory), or inside a root named by `extends_roots=` or the environment variable
`ORGSIM_EXTENDS_ROOTS` (directories separated by the OS path separator). A base whose top level
is not a mapping of scenario keys is refused without echoing any of its content. Text in a
scenario (keys and values) may not hold control characters, so nothing echoed from it can drive
the terminal.
"""

from __future__ import annotations

import copy
import difflib
import math
import os
import re
import types
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from orgsim.scenario.errors import Problem, ScenarioError, unprintable
from orgsim.scenario.schema import Dist, Scenario
from orgsim.scenario.yamlmap import PathT, format_path, key_part, load_yaml_file, parse_path, show, walk

__all__ = ["EXTENDS_ROOTS_ENV", "load_scenario", "load_scenario_dict", "parse_set", "scenario_to_dict"]

Overrides = dict[str, Any] | list[str] | None
Origins = dict[PathT, tuple[str | None, int | None]]  # path -> (file label, line) of the value

_OVERRIDE = "<overrides>"
EXTENDS_ROOTS_ENV = "ORGSIM_EXTENDS_ROOTS"
Roots = list[str]  # real paths of the directories whose files `extends` may name
_ENTRY_NOUN = {"roles": "role", "segments": "segment"}
_PYDANTIC_TAG = re.compile(r"[\[\](]")  # loc parts such as 'function-after[...]' are not fields


@dataclass
class _Issue:
    path: str
    message: str
    label: str | None = None  # file the value came from; None = the scenario being loaded
    line: int | None = None


class _Fail(Exception):
    """Problems that stop loading before validation (unreadable file, bad extends)."""

    def __init__(self, issues: list[_Issue]):
        self.issues = issues


# ---- Public API ------------------------------------------------------------------------------


def load_scenario(path: str | os.PathLike, overrides: Overrides = None,
                  extends_roots: list[str | os.PathLike] | None = None) -> Scenario:
    """Load, merge, override and validate a scenario file.

    Args:
        path: the YAML file.
        overrides: dotted path -> value (``{"roles.sdr.headcount": 4}``), or ``KEY=VALUE``
            strings as ``--set`` passes them (values parsed as YAML).
        extends_roots: directories, besides the file's own directory tree and those in
            ``ORGSIM_EXTENDS_ROOTS``, whose files `extends` may name.

    Raises:
        ScenarioError: listing every problem found.
    """
    source = str(path)
    real = os.path.realpath(source)
    roots = _roots(os.path.dirname(real), extends_roots)
    try:
        data, origins, issues = _load_file(source, real, [], roots)
    except _Fail as f:
        raise _error(source, f.issues) from None
    if isinstance(data, dict) and "name" not in data:
        # an unnamed scenario is known by its file name, as results and reports show it
        data["name"] = os.path.splitext(os.path.basename(source))[0]
    return _finish(source, data, origins, issues, overrides)


def load_scenario_dict(data: dict, source: str = "<dict>", overrides: Overrides = None,
                       extends_roots: list[str | os.PathLike] | None = None) -> Scenario:
    """Validate an in-memory scenario.

    `extends` works only with an absolute path, inside the current directory's tree, a root in
    ``ORGSIM_EXTENDS_ROOTS`` or one of `extends_roots`.
    """
    if not isinstance(data, dict):
        raise ScenarioError(source, [Problem("", f"a scenario must be a mapping (got {show(data)})")])
    roots = _roots(os.path.realpath(os.getcwd()), extends_roots)
    try:
        data, origins, issues = _resolve_extends(copy.deepcopy(data), {}, source, None, [], roots)
    except _Fail as f:
        raise _error(source, f.issues) from None
    return _finish(source, data, origins, issues, overrides)


def scenario_to_dict(sc: Scenario) -> dict:
    """The fully resolved scenario as plain JSON-able data (for manifests)."""
    return sc.model_dump(mode="json")


def parse_set(items: list[str]) -> dict[str, Any]:
    """``["roles.sdr.headcount=4"]`` -> ``{"roles.sdr.headcount": 4}`` (values parsed as YAML)."""
    values, issues = _parse_set(items)
    if issues:
        raise _error("--set", issues)
    return values


# ---- Files and extends -----------------------------------------------------------------------


def _roots(own: str, extra: list[str | os.PathLike] | None) -> Roots:
    env = [p for p in os.environ.get(EXTENDS_ROOTS_ENV, "").split(os.pathsep) if p.strip()]
    return [own] + [os.path.realpath(os.fspath(p)) for p in [*env, *(extra or [])]]


def _inside(path: str, roots: Roots) -> bool:
    return any(os.path.commonpath([path, root]) == root for root in roots)


def _load_file(label: str, real: str, chain: list[tuple[str | None, str]],
               roots: Roots) -> tuple[dict, Origins, list[_Issue]]:
    doc = load_yaml_file(real)
    if doc.error:
        raise _Fail([_Issue("", doc.error[0], label, doc.error[1])])
    if doc.data is None:
        raise _Fail([_Issue("", "the file is empty; a scenario needs at least segments and roles", label)])
    if not isinstance(doc.data, dict):
        # never the value itself: the file may be anything (a base named by someone else's extends)
        got = "a list" if isinstance(doc.data, list) else f"a single {'text' if isinstance(doc.data, str) else 'value'}"
        msg = f"the top level must be a mapping of keys (name, segments, roles, ...), not {got}"
        raise _Fail([_Issue("", msg, label, doc.lines.get(()))])
    if chain:  # a base: refuse a file that is not a scenario before anything of it is shown
        known = set(_field_names(()))
        strangers = [doc.lines.get((key_part(k),)) for k in doc.data if key_part(k) not in known]
        if strangers:
            lines = ", ".join(str(n) for n in strangers[:5] if n) + (", ..." if len(strangers) > 5 else "")
            msg = (f"not a scenario file: {len(strangers)} of its top-level keys are not scenario keys"
                   f"{f' (lines {lines})' if lines else ''}; run 'orgsim validate' on it to see them")
            raise _Fail([_Issue("", msg, label)])
    origins: Origins = {p: (label, ln) for p, ln in doc.lines.items()}
    issues = [_Issue(format_path(p), m, label, ln) for p, m, ln in doc.problems]
    data, origins, more = _resolve_extends(doc.data, origins, label, real, chain, roots)
    return data, origins, issues + more


def _resolve_extends(
    data: dict, origins: Origins, label: str, real: str | None, chain: list[tuple[str | None, str]], roots: Roots
) -> tuple[dict, Origins, list[_Issue]]:
    if "extends" not in data:
        return data, origins, []
    ext = data.pop("extends")
    line = origins.pop(("extends",), (label, None))[1]

    def fail(msg: str) -> _Fail:
        return _Fail([_Issue("extends", msg, label, line)])

    if not isinstance(ext, str) or not ext.strip():
        raise fail(f"must be the path of a scenario file (got {show(ext)})")
    if real is None and not os.path.isabs(ext):
        raise fail(f"relative path {ext!r} needs a scenario file to be relative to; use an absolute path")
    base_real = os.path.realpath(os.path.join(os.path.dirname(real or ""), ext))
    base_label = ext if os.path.isabs(ext) else os.path.normpath(os.path.join(os.path.dirname(label), ext))
    chain = chain + [(real, label)]
    if base_real in [r for r, _ in chain]:
        names = [os.path.basename(lb) for _, lb in chain] + [os.path.basename(base_label)]
        raise fail(f"files extend each other in a cycle: {' -> '.join(names)}")
    if not _inside(base_real, roots):
        raise fail(f"{base_label} is outside the scenario's directory tree; extends may only name files under "
                   f"{roots[0]} (allow other directories with {EXTENDS_ROOTS_ENV})")
    if not os.path.exists(base_real):
        raise fail(f"base file not found: {base_label}")
    if not os.path.isfile(base_real):
        raise fail(f"{base_label} is not a regular file")
    try:
        base, base_origins, issues = _load_file(base_label, base_real, chain, roots)
    except _Fail as f:  # a whole-file problem in the base is reported at our `extends` line
        for i in f.issues:
            if i.path == "" and i.label == base_label:
                where = f"{base_label}, line {i.line}" if i.line else base_label
                i.path, i.message, i.label, i.line = "extends", f"{i.message} (in {where})", label, line
        raise
    merged = _merge(base, data)
    # Each value's origin: the child's when the child wrote that path, else the base's.
    new_origins: Origins = {}
    for p, _ in walk(merged):
        if p and (p in origins or p in base_origins):
            new_origins[p] = origins.get(p) or base_origins[p]
    return merged, new_origins, issues


def _merge(base: Any, child: Any) -> Any:
    """Deep merge; a distribution written with its own `dist:` replaces the base's whole."""
    if isinstance(base, dict) and isinstance(child, dict) and "dist" not in child:
        out = dict(base)
        for k, v in child.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    return child


# ---- Overrides -------------------------------------------------------------------------------


def _parse_set(items: Any) -> tuple[dict[str, Any], list[_Issue]]:
    if isinstance(items, str):
        items = [items]
    values: dict[str, Any] = {}
    issues: list[_Issue] = []
    for item in items:
        if not isinstance(item, str) or "=" not in item:
            issues.append(_Issue(str(item), "an override needs KEY=VALUE, e.g. roles.sdr.headcount=4"))
            continue
        key, raw = item.split("=", 1)
        key = key.strip()
        if not key:
            issues.append(_Issue("", f"override {item!r} has no key before '='"))
            continue
        try:
            values[key] = yaml.safe_load(raw)
        except yaml.YAMLError as e:
            issues.append(_Issue(key, f"value {raw!r} is not valid YAML ({getattr(e, 'problem', None) or e})"))
        except ValueError:  # looks like a date but is none, e.g. 2026-13-01: the schema judges the text
            values[key] = raw.strip()
    return values, issues


def _apply_overrides(data: dict, origins: Origins, overrides: Overrides) -> list[_Issue]:
    if overrides is None:
        return []
    if isinstance(overrides, dict):
        values, issues = {}, []
        for k, v in overrides.items():
            if isinstance(k, str):  # numpy scalars (from sweeps) become plain Python numbers
                values[k] = v.item() if type(v).__module__ == "numpy" and getattr(v, "ndim", 1) == 0 else v
            else:
                issues.append(_Issue(str(k), "an override key must be a dotted path such as roles.sdr.headcount"))
    elif isinstance(overrides, (list, tuple, str)):
        values, issues = _parse_set(overrides)
    else:
        return [_Issue("", f"overrides must be a dict or a list of KEY=VALUE strings (got {show(overrides)})")]
    for key, value in values.items():
        parts = parse_path(key)
        if not parts:
            issues.append(_Issue(key, "not a dotted path; write e.g. roles.sdr.headcount or hiring.plan[0].count"))
            continue
        err = _set_path(data, parts, value, dry=True) or _set_path(data, parts, copy.deepcopy(value), dry=False)
        if err:
            issues.append(_Issue(format_path(parts), err))
            continue
        for p in [p for p in origins if p[: len(parts)] == parts]:
            del origins[p]
        for n in range(1, len(parts) + 1):  # containers the override created count as its own
            origins.setdefault(parts[:n], (_OVERRIDE, None))
    for i in issues:
        i.label = _OVERRIDE
    return issues


def _set_path(data: dict, parts: PathT, value: Any, dry: bool) -> str | None:
    """Set data at parts if the schema has that path; returns what is wrong, or None.

    With dry=True nothing is changed (missing containers are imagined empty).
    """
    tp: Any = Scenario
    node: Any = data
    for i, part in enumerate(parts):
        here = format_path(parts[:i]) or "the scenario"
        t = _unwrap(tp)
        if _is_model(t) or get_origin(t) is dict:
            if not isinstance(node, dict):
                return f"{here} is {show(node)} in the scenario, not a mapping"
            if not isinstance(part, str):
                return f"{here} is a mapping; use a key, not [{part}]"
            if _is_model(t):
                if part not in t.model_fields:
                    return f"unknown key {part!r}" + _suggest(part, list(t.model_fields))
                nxt = t.model_fields[part].annotation
            else:
                nxt = get_args(t)[1]
                if i < len(parts) - 1 and _is_model(_unwrap(nxt)) and part not in node:
                    field, known = str(parts[i - 1]) if i else "", [key_part(k) for k in node]
                    return (f"unknown {_ENTRY_NOUN.get(field, 'entry')} {part!r}" + _suggest(part, known, listing=False)
                            + f"; {field} are {', '.join(known) or '(none)'}"
                            + f" (to add one, set {format_path(parts[: i + 1])} to a mapping)")
        elif get_origin(t) is list:
            if not isinstance(node, list):
                return f"{here} is {show(node)} in the scenario, not a list"
            if not isinstance(part, int):
                return f"{here} is a list; pick an item by index, e.g. {here}[0].{part}"
            if part >= len(node):
                return f"{here} has {len(node)} {'entry' if len(node) == 1 else 'entries'}, so there is no [{part}]"
            nxt = get_args(t)[0]
        else:
            return f"unknown key {part!r}: {here} is a single value, not a mapping"
        if i == len(parts) - 1:
            if not dry:
                node[part] = value
            return None
        child = node.get(part) if isinstance(node, dict) else node[part]
        nt = _unwrap(nxt)
        if child is None:
            child = [] if get_origin(nt) is list else {}
        elif nt is Dist and isinstance(child, (int, float)) and not isinstance(child, bool):
            child = {"dist": "fixed", "value": child}
        if not dry:
            node[part] = child
        node, tp = child, nxt
    return None


def _unwrap(tp: Any) -> Any:
    """Annotated[X, ...] -> X; X | None -> X."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _field_names(parts: PathT) -> list[str]:
    """Field names of the model at parts (empty when that is not a model)."""
    tp: Any = Scenario
    for part in parts:
        t = _unwrap(tp)
        if _is_model(t):
            if part not in t.model_fields:
                return []
            tp = t.model_fields[part].annotation
        elif get_origin(t) in (dict, list):
            tp = get_args(t)[-1]
        else:
            return []
    t = _unwrap(tp)
    names = list(t.model_fields) if _is_model(t) else []
    return names + ["extends"] if t is Scenario else names


# ---- Validation and messages -----------------------------------------------------------------


def _pin_reference_budget(data: dict) -> None:
    """Cost per lead is quoted at the file's budget: keep that reference when overrides change it."""
    paid = (data.get("lead_sources") or {}).get("paid") if isinstance(data.get("lead_sources"), dict) else None
    if isinstance(paid, dict) and "reference_budget_per_month" not in paid:
        budget = paid.get("budget_per_month")
        if isinstance(budget, (int, float)) and not isinstance(budget, bool) and budget > 0 and math.isfinite(budget):
            paid["reference_budget_per_month"] = budget


def _finish(source: str, data: dict, origins: Origins, issues: list[_Issue], overrides: Overrides) -> Scenario:
    _pin_reference_budget(data)
    issues = issues + _apply_overrides(data, origins, overrides)
    flagged: dict[PathT, str] = {}  # our own checks; pydantic's view of the same value is dropped
    for p, v in walk(data):
        if isinstance(v, float) and not math.isfinite(v):
            flagged[p] = f"must be a finite number (got {show(v)})"
        bad = unprintable(p[-1]) if p and isinstance(p[-1], str) else None
        if bad:
            flagged[p] = f"the key holds a control character ({bad}); scenario text must be printable"
        elif isinstance(v, str) and unprintable(v):
            flagged[p] = f"holds a control character ({unprintable(v)}); scenario text must be printable"
    _check_types(data, Scenario, (), flagged)
    issues += [_Issue(format_path(p), m, *_origin(origins, p)) for p, m in flagged.items()]
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            parts, key_error = _loc_parts(err["loc"], data)
            if parts not in flagged:
                issues.append(_Issue(format_path(parts), _message(err, parts, key_error), *_origin(origins, parts)))
        raise _error(source, issues) from None
    for path, msg in sc.problems():
        issues.append(_Issue(path, msg, *_origin(origins, parse_path(path) or ())))
    if issues:
        raise _error(source, issues)
    return sc


def _check_types(value: Any, tp: Any, path: PathT, out: dict[PathT, str]) -> None:
    """What pydantic's lax mode would let through: true for a number, "4" for a count, 1 for true."""
    t = _unwrap(tp)
    is_bool = isinstance(value, bool) or (type(value).__module__ == "numpy" and "bool" in type(value).__name__)
    if t in (int, float) and (is_bool or isinstance(value, str)):
        what = "must be a whole number" if t is int else "must be a number"
        out.setdefault(path, f"{what} (got {show(value)}){_text_hint(value)}")
    elif t is bool and not is_bool:
        out.setdefault(path, f"must be true or false (got {show(value)})")
    elif _is_model(t) and isinstance(value, dict):
        for k, v in value.items():
            if k in t.model_fields:
                _check_types(v, t.model_fields[k].annotation, path + (k,), out)
    elif get_origin(t) in (dict, list) and isinstance(value, (dict, list)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for k, v in items:
            _check_types(v, get_args(t)[-1], path + (key_part(k) if isinstance(value, dict) else k,), out)


def _origin(origins: Origins, parts: PathT) -> tuple[str | None, int | None]:
    """Where the value at parts (or its nearest written ancestor) came from."""
    while parts:
        if parts in origins:
            return origins[parts]
        parts = parts[:-1]
    return None, None


def _error(source: str, issues: list[_Issue]) -> ScenarioError:
    problems: list[Problem] = []
    seen: set[Problem] = set()
    for i in issues:
        if i.label in (None, source):
            p = Problem(i.path, i.message, i.line)
        elif i.label == _OVERRIDE:
            p = Problem(i.path, f"{i.message} (in overrides)")
        else:
            p = Problem(i.path, f"{i.message} (in {i.label}{f', line {i.line}' if i.line else ''})")
        if p not in seen:
            seen.add(p)
            problems.append(p)
    problems.sort(key=lambda p: (p.line or 0, p.path))
    return ScenarioError(source, problems)


def _loc_parts(loc: tuple, data: Any) -> tuple[PathT, bool]:
    """Pydantic's loc -> our path, following the data (True when the error is about a key)."""
    parts: list[str | int] = []
    node = data
    for item in loc:
        if item == "[key]":
            return tuple(parts), True
        if isinstance(item, str) and _PYDANTIC_TAG.search(item) and not (isinstance(node, dict) and item in node):
            continue
        if isinstance(node, dict):
            parts.append(key_part(item))
            node = node.get(item)
        elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
            parts.append(item)
            node = node[item]
        else:  # a bare value a validator expanded (a number for a Dist): report at the value
            break
    return tuple(parts), False


_BOUNDS = {"greater_than_equal": (">=", "ge"), "greater_than": (">", "gt"),
           "less_than_equal": ("<=", "le"), "less_than": ("<", "lt")}
_PLAIN = {"int_type": "must be a whole number", "int_parsing": "must be a whole number",
          "int_from_float": "must be a whole number", "float_type": "must be a number",
          "float_parsing": "must be a number", "finite_number": "must be a finite number",
          "bool_type": "must be true or false", "bool_parsing": "must be true or false",
          "dict_type": "must be a mapping", "list_type": "must be a list", "model_attributes_type": "must be a mapping"}


def _message(err: dict, parts: PathT, key_error: bool) -> str:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    got = f"(got {show(value)})"
    if key_error:
        return f"keys must be text {got}"
    if kind == "missing":
        return "required field missing"
    if kind == "extra_forbidden":
        return "unknown key" + _suggest(str(parts[-1]), _field_names(parts[:-1]))
    if kind in _BOUNDS:
        op, key = _BOUNDS[kind]
        bound = ctx.get(key)
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return f"must be {op} {show(bound)} {got}"
    if kind in _PLAIN:
        return f"{_PLAIN[kind]} {got}{_text_hint(value) if 'number' in _PLAIN[kind] else ''}"
    if kind == "string_type":
        hint = "; put it in quotes" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
        return f"must be text {got}{hint}"
    if kind == "literal_error":
        options = re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected", "")))
        hint = _suggest(value, options, listing=False) if isinstance(value, str) else ""
        return f"must be one of {', '.join(repr(o) for o in options)} {got}{hint}"
    if kind == "model_type":
        if ctx.get("class_name") == "Dist":
            return f"must be a number or a distribution such as {{dist: gamma, mean: 10, cv: 0.5}} {got}"
        return f"must be a mapping {got}"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    msg = str(err.get("msg", kind))
    return f"{msg[:1].lower()}{msg[1:]} {got}"


def _text_hint(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    try:
        if not math.isfinite(float(value.replace("_", ""))):
            return ""
    except ValueError:
        return ""
    if "e" in value.lower():
        return "; YAML reads this as text: write 1000000 or 1.0e+6"
    return "; remove the quotes"


def _suggest(word: str, options: list[str], listing: bool = True) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; valid keys are {', '.join(options)}" if listing and options else ""
