"""Which assumptions an answer rests on: measured by `orgsim sensitivity`, or a rule of thumb.

`orgsim hire --sensitivity FILE` reads the JSON that `orgsim sensitivity ... --json FILE` wrote
(`{"method", "scenario", "kpis": {KPI: {"ranking": [{"param", "mu_star" | "ST", ...}, ...]}}}`,
each ranking best first) and names the top-ranked parameters for the KPI in question. Without it,
`hire` names the inputs each hired role's value is made of (`hire_result.ROLE_INPUTS`) and says
that this is a rule of thumb and how to measure a ranking. `orgsim run --out DIR --sensitivity FILE`
and `orgsim report DIR --sensitivity FILE` name the top inputs of every KPI the file ranks
(`measured_all`; `orgsim.outputs.report_inputs` puts them in the findings and report.html).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orgsim.scenario.errors import UsageError

__all__ = ["TOP", "measured", "measured_all", "rule_of_thumb"]

TOP = 5  # parameters named; a Morris screening of 6-12 inputs rarely separates more


def rule_of_thumb(inputs: list[str]) -> dict[str, Any]:
    """The fixed table's inputs, marked as such, with how to get a measured ranking."""
    return {
        "kind": "rule_of_thumb",
        "inputs": list(inputs),
        "note": "a rule of thumb: the inputs the hired roles' value is made of, not a measured ranking; measure "
        "one with `orgsim sensitivity SCENARIO --params KEY=LOW..HIGH ... --kpi KPI --json sens.json` and pass "
        "`--sensitivity sens.json`",
    }


def measured(path: Path, kpi: str, top: int = TOP) -> dict[str, Any]:
    """The `top` parameters of `path`'s ranking for `kpi`, best first; UsageError (exit 2) naming
    the file and what is missing when it is not a sensitivity result for that KPI."""
    where = f"--sensitivity {path}"
    doc = _read(path)
    kpis = doc["kpis"]
    block = kpis.get(kpi)
    if not isinstance(block, dict):
        raise UsageError(
            f"{where}: has no ranking for {kpi!r} (it ranks {', '.join(map(str, kpis))}); run "
            f"`orgsim sensitivity ... --kpi {kpi}`"
        )
    ranking = block.get("ranking")
    score_key = "mu_star" if doc.get("method", "morris") == "morris" else "ST"
    rows: list[dict[str, Any]] = []
    for i, r in enumerate(ranking if isinstance(ranking, list) else [None]):
        if not isinstance(r, dict) or not isinstance(r.get("param"), str):
            raise UsageError(f"{where}: kpis.{kpi}.ranking[{i}]: expected an object with 'param' and '{score_key}'")
        rows.append({"param": r["param"], score_key: r.get(score_key)})
    return {
        "kind": "measured",
        "file": str(path),
        "scenario": doc.get("scenario"),
        "method": doc.get("method"),
        "kpi": kpi,
        "score": score_key,
        "ranking": rows[:top],
        "inputs": [r["param"] for r in rows[:top]],
    }


def _read(path: Path) -> dict[str, Any]:
    """The document of `orgsim sensitivity --json`, with a non-empty 'kpis' object; UsageError otherwise."""
    where = f"--sensitivity {path}"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise UsageError(f"{where}: cannot read it: {e.strerror or e}") from None
    except ValueError as e:
        raise UsageError(f"{where}: not JSON ({e}); give the file of `orgsim sensitivity ... --json FILE`") from None
    kpis = doc.get("kpis") if isinstance(doc, dict) else None
    if not isinstance(kpis, dict) or not kpis:
        raise UsageError(f"{where}: has no 'kpis' block; give the file of `orgsim sensitivity ... --json FILE`")
    return doc


def measured_all(path: Path, top: int = TOP) -> dict[str, Any]:
    """The `top` parameters of every KPI `path` ranks, as `measured` gives them for one:
    `{"kind": "measured", "file", "scenario", "method", "score", "horizon_months", "kpis": {KPI: [{"param",
    SCORE}, ...]}}`."""
    per_kpi = {str(kpi): measured(path, str(kpi), top) for kpi in _read(path)["kpis"]}
    first = next(iter(per_kpi.values()))
    horizon = _read(path).get("horizon_months")
    return {
        "kind": "measured",
        "file": first["file"],
        "scenario": first["scenario"],
        "method": first["method"],
        "score": first["score"],
        "horizon_months": horizon if isinstance(horizon, int) else None,
        "kpis": {kpi: m["ranking"] for kpi, m in per_kpi.items()},
    }
