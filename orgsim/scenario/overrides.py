"""Overrides: `--set KEY=VALUE` and `overrides=` applied to a scenario's data by dotted path.

A path is checked against the schema before anything is set (`set_path` with dry=True), so an
unknown key or a list index out of range is reported in plain words with a suggestion, and the
data is left as it was.
"""

from __future__ import annotations

import copy
from typing import Any, get_args, get_origin

from orgsim.scenario.dist import Dist
from orgsim.scenario.messages import (
    OVERRIDE_LABEL,
    Issue,
    is_model,
    scenario_error,
    suggest,
    unwrap,
)
from orgsim.scenario.schema import Scenario
from orgsim.scenario.yamlmap import PathT, format_path, key_part, parse_path, parse_yaml, show

__all__ = ["Origins", "Overrides", "apply_overrides", "parse_set", "parse_set_items", "set_path", "unusable"]

Overrides = dict[str, Any] | list[str] | None
Origins = dict[PathT, tuple[str | None, int | None]]  # path -> (file label, line) of the value
_ENTRY_NOUN = {"roles": "role", "segments": "segment"}


def parse_set(items: list[str]) -> dict[str, Any]:
    """``["roles.sdr.headcount=4"]`` -> ``{"roles.sdr.headcount": 4}`` (values parsed as YAML)."""
    values, issues = parse_set_items(items)
    if issues:
        raise scenario_error("--set", issues)
    return values


def parse_set_items(items: Any) -> tuple[dict[str, Any], list[Issue]]:
    """KEY=VALUE strings -> ({key: value}, issues); values parsed as YAML."""
    if isinstance(items, str):
        items = [items]
    values: dict[str, Any] = {}
    issues: list[Issue] = []
    for item in items:
        if not isinstance(item, str) or "=" not in item:
            issues.append(Issue(str(item), "an override needs KEY=VALUE, e.g. roles.sdr.headcount=4"))
            continue
        key, raw = item.split("=", 1)
        key = key.strip()
        if not key:
            issues.append(Issue("", f"override {item!r} has no key before '='"))
            continue
        # Parsed like a file (`parse_yaml`): the same node and depth limits, so an alias bomb or
        # thousands of nested brackets are refused at once instead of hanging or overflowing.
        doc = parse_yaml(raw)
        if doc.error:
            issues.append(Issue(key, f"value {show(raw)} {unusable(doc.error[0])}"))
        elif doc.problems:
            issues.append(Issue(key, f"value {show(raw)}: {doc.problems[0][1]}"))
        else:
            values[key] = doc.data
    return values, issues


def unusable(error: str) -> str:
    """A YAML error of a value (from `parse_yaml`) as the end of a sentence about that value."""
    if error.startswith("invalid YAML: "):
        return f"is not valid YAML ({error.removeprefix('invalid YAML: ')})"
    return f"is not usable: {error}"


def apply_overrides(data: dict, origins: Origins, overrides: Overrides) -> list[Issue]:
    """Set every override in `data` (its origin: the overrides); the problems of those that cannot be set."""
    if overrides is None:
        return []
    values: dict[str, Any]
    issues: list[Issue]
    if isinstance(overrides, dict):
        values, issues = {}, []
        for k, v in overrides.items():
            if isinstance(k, str):  # numpy scalars (from sweeps) become plain Python numbers
                values[k] = v.item() if type(v).__module__ == "numpy" and getattr(v, "ndim", 1) == 0 else v
            else:
                issues.append(Issue(str(k), "an override key must be a dotted path such as roles.sdr.headcount"))
    elif isinstance(overrides, (list, tuple, str)):
        values, issues = parse_set_items(overrides)
    else:
        return [Issue("", f"overrides must be a dict or a list of KEY=VALUE strings (got {show(overrides)})")]
    for key, value in values.items():
        parts = parse_path(key)
        if not parts:
            issues.append(Issue(key, "not a dotted path; write e.g. roles.sdr.headcount or hiring.plan[0].count"))
            continue
        err = set_path(data, parts, value, dry=True) or set_path(data, parts, copy.deepcopy(value), dry=False)
        if err:
            issues.append(Issue(format_path(parts), err))
            continue
        for p in [p for p in origins if p[: len(parts)] == parts]:
            del origins[p]
        for n in range(1, len(parts) + 1):  # containers the override created count as its own
            origins.setdefault(parts[:n], (OVERRIDE_LABEL, None))
    for i in issues:
        i.label = OVERRIDE_LABEL
    return issues


def set_path(data: dict, parts: PathT, value: Any, dry: bool) -> str | None:
    """Set data at parts if the schema has that path; returns what is wrong, or None.

    With dry=True nothing is changed (missing containers are imagined empty).
    """
    tp: Any = Scenario
    node: Any = data
    for i, part in enumerate(parts):
        here = format_path(parts[:i]) or "the scenario"
        t = unwrap(tp)
        if is_model(t) or get_origin(t) is dict:
            if not isinstance(node, dict):
                return f"{here} is {show(node)} in the scenario, not a mapping"
            if not isinstance(part, str):
                return f"{here} is a mapping; use a key, not [{part}]"
            if is_model(t):
                if part not in t.model_fields:
                    return f"unknown key {part!r}" + suggest(part, list(t.model_fields))
                nxt = t.model_fields[part].annotation
            else:
                nxt = get_args(t)[1]
                if i < len(parts) - 1 and is_model(unwrap(nxt)) and part not in node:
                    field, known = str(parts[i - 1]) if i else "", [key_part(k) for k in node]
                    return (
                        f"unknown {_ENTRY_NOUN.get(field, 'entry')} {part!r}"
                        + suggest(part, known, listing=False)
                        + f"; {field} are {', '.join(known) or '(none)'}"
                        + f" (to add one, set {format_path(parts[: i + 1])} to a mapping)"
                    )
        elif get_origin(t) is list:
            if not isinstance(node, list):
                return f"{here} is {show(node)} in the scenario, not a list"
            if not isinstance(part, int):
                if part.isdigit():  # roles.plan.0.count: the index goes in brackets
                    fixed = format_path((*parts[:i], int(part), *parts[i + 1 :]))
                    return f"{here} is a list; pick an item by its index in brackets: {fixed}"
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
        nt = unwrap(nxt)
        if child is None:
            child = [] if get_origin(nt) is list else {}
        elif nt is Dist and isinstance(child, (int, float)) and not isinstance(child, bool):
            child = {"dist": "fixed", "value": child}
        if not dry:
            node[part] = child
        node, tp = child, nxt
    return None
