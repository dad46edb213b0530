"""The outputs of `orgsim calibrate` as text: the scenario fragment (YAML with comments) and JSON.

The fragment is a partial scenario: ``segments.<seg>.win_rate``, ``sales_cycle_days`` and ``acv`` for
each segment with enough data. A segment in a scenario needs more keys (lead_mix, effort_hours, ...),
so the fragment is used under ``extends:`` (loader.py merges it over the base key by key); with
``--extends BASE`` it starts with that line and is validated against the base before it is written.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from orgsim.calibrate.estimate import Calibration

__all__ = ["fragment_data", "fragment_text", "validate_with_base"]


def _dist(fit: dict[str, Any], digits: int) -> dict[str, Any]:
    mean = round(float(fit["mean"]), digits) if digits else round(float(fit["mean"]))
    out: dict[str, Any] = {"dist": fit["dist"], "mean": mean}
    if fit["dist"] != "exponential":
        out["cv"] = round(float(fit["cv"]), 3)
    return out


def fragment_data(cal: Calibration) -> dict[str, Any]:
    """The fragment as data: segments with enough decided deals only."""
    segs = {}
    for name, f in cal.segments.items():
        s = f.summary
        if not f.included:
            continue
        segs[name] = {
            "win_rate": round(float(s["win_rate"]["estimate"]), 4),
            "sales_cycle_days": _dist(s["sales_cycle_days"], 1),
            "acv": _dist(s["acv"], 0),
        }
    return {"segments": segs}


def _flow(d: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"


def _ci(x: dict[str, Any], key: str = "ci95", digits: int = 3) -> str:
    lo, hi = x[key]
    return f"{lo:,.{digits}f}-{hi:,.{digits}f}"


def _key(name: str) -> str:
    """A segment name as a YAML key: plain when YAML reads it back as that text, else double-quoted
    (names come from the export's segment column: '#smb', 'emea: north', 'yes', '1' ...)."""
    import yaml

    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and yaml.safe_load(name) == name:
        return name
    return json.dumps(name, ensure_ascii=False)


def fragment_text(cal: Calibration, extends: str | None = None, name: str | None = None) -> str:
    """The fragment as commented YAML (n, 95% CI and as-of date for every value); `name` is written
    only with `extends` (a scenario of its own)."""
    d = cal.data
    data = fragment_data(cal)
    lines = [
        f"# orgsim calibrate: {d['format']} export {', '.join(d['files'])}",
        f"# as of {d['as_of']} ({d['as_of_source']}); segments from {d['segment_rule']}.",
        "# win_rate: share of wins among deals decided by day N (Aalen-Johansen, open deals right-censored at as-of);",
        "# sales_cycle_days (time to decision, censored) and acv (won deals): maximum likelihood, family by AIC.",
    ]
    if extends is None:
        lines.append("# A partial scenario: put `extends: YOUR-SCENARIO.yaml` first, or run calibrate with --extends.")
    else:
        lines.append(f"extends: {extends if re.fullmatch(r'[A-Za-z0-9_./-]+', extends) else json.dumps(extends)}")
        if name is not None:  # else the merged scenario keeps the base's name
            lines.append(f"name: {json.dumps(name)}")
    if not data["segments"]:
        lines.append("segments: {}")
    else:
        lines.append("segments:")
    for name, f in cal.segments.items():
        s = f.summary
        if not f.included:
            shown = json.dumps(name, ensure_ascii=False)[1:-1]  # a comment: one line whatever the name
            lines.append(f"  # {shown}: {s['n_deals']} deals, left out: {s['left_out']}")
            continue
        frag = data["segments"][name]
        wr, co, cy, acv = s["win_rate"], s["win_rate_closed_only"], s["sales_cycle_days"], s["acv"]
        lines += [
            f"  {_key(name)}:",
            f"    # n={s['n_deals']} deals ({s['n_open']} open, {s['n_won']} won, {s['n_lost']} lost)"
            f" as of {d['as_of']}; closed-only win rate {co['estimate']:.3f} (95% CI {_ci(co)})",
            f"    win_rate: {frag['win_rate']}"
            f"  # won / decided by day {wr['at_days']:g}, open censored; 95% CI {_ci(wr)}",
            f"    sales_cycle_days: {_flow(frag['sales_cycle_days'])}"
            f"  # mean 95% CI {_ci(cy, 'mean_ci95', 1)}; {cy['n_decided']} decided, {cy['n_censored']} censored",
            f"    acv: {_flow(frag['acv'])}  # mean 95% CI {_ci(acv, 'mean_ci95', 0)}; n={acv['n']} won deals",
        ]
    return "\n".join(lines) + "\n"


def relative_base(base: str, fragment_path: str | None) -> str:
    """The `extends:` value: `base` relative to the fragment's directory (absolute without a file)."""
    if fragment_path is None:
        return os.path.abspath(base)
    return os.path.relpath(os.path.abspath(base), os.path.dirname(os.path.abspath(fragment_path)))


def validate_with_base(cal: Calibration, base: str) -> None:
    """Load `base` with the fragment merged over it; raises `ScenarioError` when the result is invalid."""
    from orgsim.scenario.errors import UsageError
    from orgsim.scenario.loader import load_scenario, load_scenario_dict

    frag = fragment_data(cal)
    known = list(load_scenario(base).segments)
    unknown = [s for s in frag["segments"] if s not in known]
    if unknown:
        raise UsageError(
            f"--extends {base}: it has no segment {unknown[0]!r} (its segments: {', '.join(known)}); "
            "name the export's segments as the scenario does, with --segments or a segment column"
        )
    data = {"extends": os.path.abspath(base), **frag}
    load_scenario_dict(data, source="the calibrated fragment", extends_roots=[os.path.dirname(os.path.abspath(base))])
