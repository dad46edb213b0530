"""Scenario files in, validated `Scenario` out; every problem reported at once.

Steps, in order: read the file (UTF-8 YAML, one mapping); resolve `extends` (the base is loaded
first, recursively, and the child deep-merged over it: mappings merge key by key, anything else
replaces, and so does a distribution that names its `dist:`); apply overrides by dotted path,
checked against the schema; reject non-finite numbers, and the values pydantic's lax mode would
coerce (`true` is not a number, `"4"` is not a count; `4.0` is fine); validate with the schema;
then run `Scenario.problems()` for the cross-field rules. Anything wrong on the way becomes a
`Problem` with the dotted path, the line where the value was written and a message in plain
words; all of them are raised together as one `ScenarioError`. Asked for them (`warnings=`), the
loader also returns `Scenario.warnings()` of a valid scenario as `Problem` lines. Overrides are applied by
`orgsim.scenario.overrides`; problems are worded by `orgsim.scenario.messages`.

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
import math
import os
from typing import Any, get_args, get_origin

from pydantic import ValidationError

from orgsim.scenario.errors import Problem, ScenarioError, unprintable
from orgsim.scenario.messages import (
    Issue,
    field_names,
    is_model,
    loc_parts,
    message,
    scenario_error,
    text_hint,
    unwrap,
)
from orgsim.scenario.overrides import Origins, Overrides, apply_overrides, parse_set
from orgsim.scenario.schema import Scenario
from orgsim.scenario.yamlmap import (
    PathT,
    format_path,
    key_part,
    load_yaml_file,
    parse_path,
    show,
    walk,
)

__all__ = ["EXTENDS_ROOTS_ENV", "load_scenario", "load_scenario_dict", "parse_set", "scenario_to_dict"]

EXTENDS_ROOTS_ENV = "ORGSIM_EXTENDS_ROOTS"
Roots = list[str]  # real paths of the directories whose files `extends` may name


class _Fail(Exception):
    """Problems that stop loading before validation (unreadable file, bad extends)."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues


# ---- Public API ------------------------------------------------------------------------------


def load_scenario(
    path: str | os.PathLike,
    overrides: Overrides = None,
    extends_roots: list[str | os.PathLike] | None = None,
    warnings: list[Problem] | None = None,
) -> Scenario:
    """Load, merge, override and validate a scenario file.

    Args:
        path: the YAML file.
        overrides: dotted path -> value (``{"roles.sdr.headcount": 4}``), or ``KEY=VALUE``
            strings as ``--set`` passes them (values parsed as YAML).
        extends_roots: directories, besides the file's own directory tree and those in
            ``ORGSIM_EXTENDS_ROOTS``, whose files `extends` may name.
        warnings: when given, the scenario's warnings (`Scenario.warnings()`) are appended to
            it as `Problem` lines with the line of each path, worded as problems are.

    Raises:
        ScenarioError: listing every problem found.
    """
    source = str(path)
    real = os.path.realpath(source)
    roots = _roots(os.path.dirname(real), extends_roots)
    try:
        data, origins, issues = _load_file(source, real, [], roots)
    except _Fail as f:
        raise scenario_error(source, f.issues) from None
    if isinstance(data, dict) and "name" not in data:
        # an unnamed scenario is known by its file name, as results and reports show it
        data["name"] = os.path.splitext(os.path.basename(source))[0]
    return _finish(source, data, origins, issues, overrides, warnings)


def load_scenario_dict(
    data: dict,
    source: str = "<dict>",
    overrides: Overrides = None,
    extends_roots: list[str | os.PathLike] | None = None,
    warnings: list[Problem] | None = None,
) -> Scenario:
    """Validate an in-memory scenario.

    `extends` works only with an absolute path, inside the current directory's tree, a root in
    ``ORGSIM_EXTENDS_ROOTS`` or one of `extends_roots`; `warnings` as for `load_scenario`.
    """
    if not isinstance(data, dict):
        raise ScenarioError(source, [Problem("", f"a scenario must be a mapping (got {show(data)})")])
    roots = _roots(os.path.realpath(os.getcwd()), extends_roots)
    try:
        data, origins, issues = _resolve_extends(copy.deepcopy(data), {}, source, None, [], roots)
    except _Fail as f:
        raise scenario_error(source, f.issues) from None
    return _finish(source, data, origins, issues, overrides, warnings)


def scenario_to_dict(sc: Scenario) -> dict:
    """The fully resolved scenario as plain JSON-able data (for manifests)."""
    return sc.model_dump(mode="json")


# ---- Files and extends -----------------------------------------------------------------------


def _roots(own: str, extra: list[str | os.PathLike] | None) -> Roots:
    env = [p for p in os.environ.get(EXTENDS_ROOTS_ENV, "").split(os.pathsep) if p.strip()]
    return [own] + [os.path.realpath(os.fspath(p)) for p in [*env, *(extra or [])]]


def _inside(path: str, roots: Roots) -> bool:
    return any(os.path.commonpath([path, root]) == root for root in roots)


def _load_file(
    label: str, real: str, chain: list[tuple[str | None, str]], roots: Roots
) -> tuple[dict, Origins, list[Issue]]:
    doc = load_yaml_file(real)
    if doc.error:
        raise _Fail([Issue("", doc.error[0], label, doc.error[1])])
    if doc.data is None:
        raise _Fail([Issue("", "the file is empty; a scenario needs at least segments and roles", label)])
    if not isinstance(doc.data, dict):
        # never the value itself: the file may be anything (a base named by someone else's extends)
        got = "a list" if isinstance(doc.data, list) else f"a single {'text' if isinstance(doc.data, str) else 'value'}"
        msg = f"the top level must be a mapping of keys (name, segments, roles, ...), not {got}"
        raise _Fail([Issue("", msg, label, doc.lines.get(()))])
    if chain:  # a base: refuse a file that is not a scenario before anything of it is shown
        known = set(field_names(()))
        strangers = [doc.lines.get((key_part(k),)) for k in doc.data if key_part(k) not in known]
        if strangers:
            lines = ", ".join(str(n) for n in strangers[:5] if n) + (", ..." if len(strangers) > 5 else "")
            msg = (
                f"not a scenario file: {len(strangers)} of its top-level keys are not scenario keys"
                f"{f' (lines {lines})' if lines else ''}; run 'orgsim validate' on it to see them"
            )
            raise _Fail([Issue("", msg, label)])
    origins: Origins = {p: (label, ln) for p, ln in doc.lines.items()}
    issues = [Issue(format_path(p), m, label, ln) for p, m, ln in doc.problems]
    data, origins, more = _resolve_extends(doc.data, origins, label, real, chain, roots)
    return data, origins, issues + more


def _resolve_extends(
    data: dict, origins: Origins, label: str, real: str | None, chain: list[tuple[str | None, str]], roots: Roots
) -> tuple[dict, Origins, list[Issue]]:
    if "extends" not in data:
        return data, origins, []
    ext = data.pop("extends")
    line = origins.pop(("extends",), (label, None))[1]

    def fail(msg: str) -> _Fail:
        return _Fail([Issue("extends", msg, label, line)])

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
        raise fail(
            f"{base_label} is outside the scenario's directory tree; extends may only name files under "
            f"{roots[0]} (allow other directories with {EXTENDS_ROOTS_ENV})"
        )
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
    # the base's cost per lead is quoted at the base's budget: pin that reference before the
    # child's budget is merged over it, as an override of the budget would leave it
    _pin_reference_budget(base)
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


# ---- Validation ------------------------------------------------------------------------------


def _pin_reference_budget(data: dict) -> None:
    """Cost per lead is quoted at the file's budget: keep that reference when overrides change it.

    Called on each base of an `extends` chain before the child is merged over it, and on the
    merged scenario before overrides, so the reference is the budget of the first file of the
    chain that sets one: a child that raises the budget moves cost per lead exactly as
    ``--set lead_sources.paid.budget_per_month=...`` on the base does. A file may state
    ``reference_budget_per_month`` itself (a new quote) to override this.
    """
    paid = (data.get("lead_sources") or {}).get("paid") if isinstance(data.get("lead_sources"), dict) else None
    if isinstance(paid, dict) and "reference_budget_per_month" not in paid:
        budget = paid.get("budget_per_month")
        if isinstance(budget, (int, float)) and not isinstance(budget, bool) and budget > 0 and math.isfinite(budget):
            paid["reference_budget_per_month"] = budget


def _finish(
    source: str,
    data: dict,
    origins: Origins,
    issues: list[Issue],
    overrides: Overrides,
    warnings: list[Problem] | None = None,
) -> Scenario:
    _pin_reference_budget(data)
    issues = issues + apply_overrides(data, origins, overrides)
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
    issues += [Issue(format_path(p), m, *_origin(origins, p)) for p, m in flagged.items()]
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            parts, key_error = loc_parts(err["loc"], data)
            if parts not in flagged:
                issues.append(Issue(format_path(parts), message(err, parts, key_error), *_origin(origins, parts)))
        raise scenario_error(source, issues) from None
    for path, msg in sc.problems():
        issues.append(Issue(path, msg, *_origin(origins, parse_path(path) or ())))
    if issues:
        raise scenario_error(source, issues)
    if warnings is not None:
        found = [Issue(path, msg, *_origin(origins, parse_path(path) or ())) for path, msg in sc.warnings()]
        if found:  # worded and sorted as problems are, "(in base.yaml, line N)" for a base's value
            warnings.extend(scenario_error(source, found).problems)
    return sc


def _check_types(value: Any, tp: Any, path: PathT, out: dict[PathT, str]) -> None:
    """What pydantic's lax mode would let through: true for a number, "4" for a count, 1 for true."""
    t = unwrap(tp)
    is_bool = isinstance(value, bool) or (type(value).__module__ == "numpy" and "bool" in type(value).__name__)
    if t in (int, float) and (is_bool or isinstance(value, str)):
        what = "must be a whole number" if t is int else "must be a number"
        out.setdefault(path, f"{what} (got {show(value)}){text_hint(value)}")
    elif t is bool and not is_bool:
        out.setdefault(path, f"must be true or false (got {show(value)})")
    elif is_model(t) and isinstance(value, dict):
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
