"""The grid of a sweep: `--vary` values, every combination of them, and the scenario at each point.

`roles.sdr.headcount=2,4,6` is a list of values (each parsed as YAML), `FROM..TO[:STEP]` a range;
`grid` makes every combination, the first key varying slowest; `load_points` loads the scenario at
every point, reporting every problem of every point at once. `orgsim.experiments.sweeps` runs the
points; `orgsim.experiments.focus_orders` loads its orders as points too.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from orgsim.experiments.stats import ExperimentError
from orgsim.scenario import Scenario
from orgsim.scenario.errors import Problem, ScenarioError
from orgsim.scenario.loader import load_scenario, load_scenario_dict
from orgsim.scenario.overrides import unusable
from orgsim.scenario.yamlmap import parse_yaml, show

__all__ = ["MAX_POINTS", "as_overrides", "as_vary", "expand_range", "grid", "load_points", "parse_vary", "plain"]

MAX_POINTS = 10_000
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUM})\s*\.\.\s*({_NUM})\s*(?::\s*({_NUM})\s*)?$")
_VARY_HELP = "write KEY=V1,V2,... or KEY=FROM..TO[:STEP], e.g. roles.sdr.headcount=2,4,6 or roles.sdr.headcount=1..6"


def _number(text: str) -> int | float:
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)


def expand_range(text: str) -> list[int | float] | None:
    """`1..6` -> [1, 2, 3, 4, 5, 6]; `0.1..0.5:0.1` -> [0.1, 0.2, 0.3, 0.4, 0.5]; None if not a range.

    Both ends are included. Integers stay integers when the ends and step are integers.
    """
    m = _RANGE.match(text)
    if not m:
        return None
    text = show(text.strip()).strip("'\"")  # shortened in messages
    lo, hi = _number(m.group(1)), _number(m.group(2))
    step = _number(m.group(3)) if m.group(3) is not None else 1
    if m.group(3) is None and not (isinstance(lo, int) and isinstance(hi, int)):
        raise ExperimentError(
            f"range {text.strip()!r} needs a step when its ends are not integers, e.g. {m.group(1)}..{m.group(2)}:0.1"
        )
    if step <= 0:
        raise ExperimentError(f"range {text.strip()!r}: the step must be > 0")
    if hi < lo:
        raise ExperimentError(f"range {text.strip()!r} is empty: it must go up (FROM <= TO)")
    if not all(isinstance(x, int) or math.isfinite(x) for x in (lo, hi, step)):
        raise ExperimentError(f"range {text.strip()!r}: its ends and step must be finite numbers")
    # Counted without building the list, and without float overflow (1e308 / 1e-308 is inf).
    if isinstance(lo, int) and isinstance(hi, int) and isinstance(step, int):
        count = (hi - lo) // step + 1
    else:
        spans = (hi - lo) / step
        huge = not math.isfinite(spans) or spans >= 2 * MAX_POINTS
        count = MAX_POINTS + 1 if huge else math.floor(spans + 1e-9) + 1
    if count > MAX_POINTS:
        raise ExperimentError(f"range {text.strip()!r} has too many values (at most {MAX_POINTS:,} points in a sweep)")
    if isinstance(lo, int) and isinstance(hi, int) and isinstance(step, int):
        return list(range(lo, hi + 1, step))
    return [float(f"{lo + i * step:.12g}") for i in range(int(count))]


def _split_values(text: str) -> list[str]:
    """Split on commas that are not inside brackets, braces or quotes (YAML flow values)."""
    out: list[str] = []
    cur: list[str] = []
    depth, quote = 0, ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return out


def parse_vary(spec: str) -> tuple[str, list[Any]]:
    """`KEY=V1,V2,...` (values read as YAML, ranges expanded) -> (key, values).

    Raises:
        ExperimentError: on bad syntax, an empty value or a repeated value.
    """
    if not isinstance(spec, str) or "=" not in spec:
        raise ExperimentError(f"--vary {spec!r}: {_VARY_HELP}")
    key, raw = spec.split("=", 1)
    key = key.strip()
    if not key:
        raise ExperimentError(f"--vary {spec!r}: no key before '='; {_VARY_HELP}")
    if not raw.strip():
        raise ExperimentError(f"--vary {spec!r}: no values after '='; {_VARY_HELP}")
    values: list[Any] = []
    for token in _split_values(raw):
        if not token.strip():
            raise ExperimentError(f"--vary {spec!r}: an empty value (two commas in a row, or a trailing comma?)")
        try:
            expanded = expand_range(token)
        except ExperimentError as e:
            raise ExperimentError(f"--vary {key}: {e}") from None
        if expanded is not None:
            values.extend(expanded)
            continue
        if ".." in token and not token.strip().startswith(("[", "{", "'", '"')):
            raise ExperimentError(
                f"--vary {key}: {token.strip()!r} is not a range; write FROM..TO or FROM..TO:STEP with numbers"
            )
        doc = parse_yaml(token)  # the node and depth limits of a scenario file
        if doc.error or doc.problems:
            why = doc.error[0] if doc.error else doc.problems[0][1]
            raise ExperimentError(f"--vary {key}: value {show(token.strip())} {unusable(why)}")
        values.append(doc.data)
    seen: list[Any] = []
    for v in values:
        if v in seen:
            raise ExperimentError(f"--vary {key}: value {v!r} is given twice")
        seen.append(v)
    return key, values


def grid(vary: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the values, the first key varying slowest."""
    keys = list(vary)
    for k in keys:
        if len(vary[k]) == 0:
            raise ExperimentError(f"{k}: no values to vary over")
    n = math.prod(len(vary[k]) for k in keys)
    if n > MAX_POINTS:
        raise ExperimentError(f"the grid has {n:,} points (at most {MAX_POINTS:,}); vary fewer values")
    return [dict(zip(keys, combo)) for combo in itertools.product(*(vary[k] for k in keys))]


def as_vary(vary: Mapping[str, Sequence[Any]] | Sequence[str]) -> dict[str, list[Any]]:
    """The parameters of a sweep as {key: values}, from a mapping (values or `V1,V2,...` text) or from
    `--vary KEY=V1,V2,...` strings; ExperimentError when there are none or one is malformed."""
    if isinstance(vary, Mapping):
        out = {}
        for k, v in vary.items():
            if isinstance(v, str):
                k2, vals = parse_vary(f"{k}={v}")
                out[k2] = vals
            else:
                out[str(k)] = list(v) if isinstance(v, (list, tuple, range)) or hasattr(v, "tolist") else [v]
        if not out:
            raise ExperimentError("sweep needs at least one parameter to vary")
        return out
    out = {}
    for spec in vary:
        k, vals = parse_vary(spec)
        if k in out:
            raise ExperimentError(f"--vary {k} is given twice; put all its values in one --vary")
        out[k] = vals
    if not out:
        raise ExperimentError("sweep needs at least one --vary KEY=V1,V2,...")
    return out


def plain(v: Any) -> Any:
    """numpy scalars -> Python numbers (for overrides and JSON)."""
    return v.item() if type(v).__module__ == "numpy" and getattr(v, "ndim", 1) == 0 else v


def as_overrides(overrides: Mapping[str, Any] | Sequence[str] | None) -> Mapping[str, Any] | None:
    """The `overrides=` of an experiment as a mapping: `KEY=VALUE` strings (as --set takes them, in
    a list or tuple) are parsed; a mapping, or None, is kept."""
    if isinstance(overrides, (list, tuple)):
        from orgsim.scenario.loader import parse_set

        return parse_set(list(overrides))
    if overrides is None or isinstance(overrides, Mapping):
        return overrides
    raise TypeError(f"overrides must be a mapping or KEY=VALUE strings (got {type(overrides).__name__})")


def load_points(
    scenario: str | os.PathLike | Scenario,
    points: list[dict[str, Any]],
    overrides: Mapping[str, Any] | None = None,
    *,
    source: str | None = None,
    option: str | None = None,
) -> list[Scenario]:
    """The scenario at every point (its overrides, then the point's), every problem reported.

    `source`: the label of the problems when `scenario` is a loaded `Scenario` (default its name; a
    command passes the file it loaded it from). `option`: the option the points' values came from
    (``--vary``): a problem at (or under) a point's key then says ``(in --vary KEY)`` instead of
    ``(in overrides)``.
    """
    base = dict(overrides or {})
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    out: list[Scenario] = []
    if source is None:
        source = str(scenario) if not isinstance(scenario, Scenario) else scenario.name
    for p in points:
        ov = {**base, **{k: plain(v) for k, v in p.items()}}
        try:
            if isinstance(scenario, Scenario):
                out.append(load_scenario_dict(scenario.model_dump(mode="json"), source, ov))
            else:
                out.append(load_scenario(scenario, ov))
        except ScenarioError as e:
            source = e.source
            for prob in e.problems:
                prob = _from_point(prob, p, option)
                if (prob.path, prob.message) not in seen:
                    seen.add((prob.path, prob.message))
                    problems.append(prob)
    if problems:
        raise ScenarioError(source, problems)
    return out


_OVERRIDDEN = " (in overrides)"  # how the loader marks a problem of an override (`scenario_error`)


def _from_point(prob: Problem, point: Mapping[str, Any], option: str | None) -> Problem:
    """`prob`, naming the option of the point's value it comes from when it is at (or under) one of its keys."""
    if option is None or not prob.message.endswith(_OVERRIDDEN):
        return prob
    for key in point:
        if prob.path == key or prob.path.startswith((f"{key}.", f"{key}[")):
            return Problem(prob.path, f"{prob.message.removesuffix(_OVERRIDDEN)} (in {option} {key})", prob.line)
    return prob
