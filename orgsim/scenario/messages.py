"""Problems in plain words: pydantic's errors and our own checks as `Problem` lines with paths.

An `Issue` is one problem while loading (path, message, the file it came from, the line);
`scenario_error` turns the issues into one `ScenarioError`, sorted by line. `message` words a
pydantic error the way orgsim's errors read ("must be >= 0 (got -1)", "unknown key; did you mean
'win_rate'?"); `field_names` and friends walk the schema's types to name what a path may hold.
"""

from __future__ import annotations

import difflib
import math
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from orgsim.scenario.errors import Problem, ScenarioError
from orgsim.scenario.schema import Scenario
from orgsim.scenario.yamlmap import PathT, key_part, show

__all__ = [
    "OVERRIDE_LABEL",
    "Issue",
    "field_names",
    "is_model",
    "loc_parts",
    "message",
    "scenario_error",
    "suggest",
    "text_hint",
    "unwrap",
]

OVERRIDE_LABEL = "<overrides>"  # Issue.label of a problem in --set / overrides=
_PYDANTIC_TAG = re.compile(r"[\[\](]")  # loc parts such as 'function-after[...]' are not fields


@dataclass
class Issue:
    """One problem found while loading; `label` is the file it came from (None: the scenario loaded)."""

    path: str
    message: str
    label: str | None = None  # file the value came from; None = the scenario being loaded
    line: int | None = None


def scenario_error(source: str, issues: list[Issue]) -> ScenarioError:
    """Every issue as one ScenarioError: problems of other files and of overrides say where they are."""
    problems: list[Problem] = []
    seen: set[Problem] = set()
    for i in issues:
        if i.label in (None, source):
            p = Problem(i.path, i.message, i.line)
        elif i.label == OVERRIDE_LABEL:
            p = Problem(i.path, f"{i.message} (in overrides)")
        else:
            p = Problem(i.path, f"{i.message} (in {i.label}{f', line {i.line}' if i.line else ''})")
        if p not in seen:
            seen.add(p)
            problems.append(p)
    problems.sort(key=lambda p: (p.line or 0, p.path))
    return ScenarioError(source, problems)


def loc_parts(loc: tuple, data: Any) -> tuple[PathT, bool]:
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


_BOUNDS = {
    "greater_than_equal": (">=", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("<=", "le"),
    "less_than": ("<", "lt"),
}


_PLAIN = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "dict_type": "must be a mapping",
    "list_type": "must be a list",
    "model_attributes_type": "must be a mapping",
}


def message(err: Mapping[str, Any], parts: PathT, key_error: bool) -> str:
    """A pydantic error in orgsim's words: what is wrong, what was given, a suggestion."""
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    got = f"(got {show(value)})"
    if key_error:
        return f"keys must be text {got}"
    if kind == "missing":
        return "required field missing"
    if kind == "extra_forbidden":
        return "unknown key" + suggest(str(parts[-1]), field_names(parts[:-1]))
    if kind in _BOUNDS:
        op, key = _BOUNDS[kind]
        bound = ctx.get(key)
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return f"must be {op} {show(bound)} {got}"
    if kind in _PLAIN:
        return f"{_PLAIN[kind]} {got}{text_hint(value) if 'number' in _PLAIN[kind] else ''}"
    if kind == "string_type":
        hint = "; put it in quotes" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
        return f"must be text {got}{hint}"
    if kind == "literal_error":
        options = re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected", "")))
        hint = suggest(value, options, listing=False) if isinstance(value, str) else ""
        return f"must be one of {', '.join(repr(o) for o in options)} {got}{hint}"
    if kind == "model_type":
        if ctx.get("class_name") == "Dist":
            return f"must be a number or a distribution such as {{dist: gamma, mean: 10, cv: 0.5}} {got}"
        return f"must be a mapping {got}"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    msg = str(err.get("msg", kind))
    return f"{msg[:1].lower()}{msg[1:]} {got}"


def text_hint(value: Any) -> str:
    """For a number written as text: how to write it as a number (``5e4``: 50000 or 5.0e+4)."""
    if not isinstance(value, str):
        return ""
    try:
        x = float(value.replace("_", ""))
    except ValueError:
        return ""
    if not math.isfinite(x):
        return ""
    if "e" in value.lower():
        return f"; YAML reads this as text: write {' or '.join(_number_spellings(x))}"
    return "; remove the quotes"


def _number_spellings(x: float) -> list[str]:
    """`x` as YAML reads a number: plain (50000, 0.0015) where that is short, and in exponent form
    with the dot and signed exponent YAML 1.1 needs (5.0e+4)."""
    mantissa, exponent = f"{x:.15e}".split("e")
    mantissa = mantissa.rstrip("0")
    scientific = f"{mantissa}{'0' if mantissa.endswith('.') else ''}e{int(exponent):+d}"
    if x.is_integer() and abs(x) < 1e16:
        return [str(int(x)), scientific]
    plain = repr(x)
    return [scientific] if "e" in plain or len(plain) > 20 else [plain, scientific]


def suggest(word: str, options: list[str], listing: bool = True) -> str:
    """ "; did you mean 'x'?" for a close match, else the valid keys (when `listing`)."""
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; valid keys are {', '.join(options)}" if listing and options else ""


# ---- the schema's types, walked by path ------------------------------------------------------


def unwrap(tp: Any) -> Any:
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


def is_model(t: Any) -> bool:
    """True for a pydantic model class."""
    return isinstance(t, type) and issubclass(t, BaseModel)


def field_names(parts: PathT) -> list[str]:
    """Field names of the model at parts (empty when that is not a model)."""
    tp: Any = Scenario
    for part in parts:
        t = unwrap(tp)
        if is_model(t):
            if part not in t.model_fields:
                return []
            tp = t.model_fields[part].annotation
        elif get_origin(t) in (dict, list):
            tp = get_args(t)[-1]
        else:
            return []
    t = unwrap(tp)
    names = list(t.model_fields) if is_model(t) else []
    return names + ["extends"] if t is Scenario else names
