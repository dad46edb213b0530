"""What a run's numbers rest on: the top-ranked inputs of `orgsim sensitivity`, in a run's findings and report.

`orgsim run --out DIR --sensitivity FILE` keeps `top_inputs.measured_all(FILE)` in manifest.json as
"sensitivity" (so `orgsim report DIR` rebuilds the same report), and `orgsim report DIR --sensitivity
FILE` puts it there for the report it writes. With it the findings get one info line per KPI the file
ranks (and a warning when it ranks another scenario's inputs) and report.html a short table, "What
these numbers rest on"; without it, one info line says which command would rank the assumptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape as E
from typing import Any

from orgsim.metrics.registry import KPIS, fmt
from orgsim.outputs.html import html_table

__all__ = ["input_findings", "inputs_section", "mismatches", "score_text"]

SHOWN = 3  # inputs named in a finding's sentence; the report's table has all of the file's top ones
METHODS = {"morris": "Morris screening", "sobol": "Sobol indices"}


def _info(manifest: Mapping[str, Any]) -> dict[str, Any] | None:
    """The measured ranking kept in a manifest, or None (none, or a shape this version does not read)."""
    info = manifest.get("sensitivity")
    if not isinstance(info, dict) or not isinstance(info.get("kpis"), dict):
        return None
    return info


def score_text(value: Any, kpi: str, score: str) -> str:
    """mu* is in the KPI's unit (an effect); Sobol ST a share of the variance."""
    if not isinstance(value, (int, float)):
        return "-"
    if score == "ST":
        return f"{value:.2f}"
    spec = KPIS.get(kpi)
    return fmt(float(value), spec.unit if spec else "count")


def mismatches(info: Mapping[str, Any], scenario_name: Any, horizon: Any) -> list[str]:
    """Why a ranking may be another run's: it names another scenario, or another horizon (scenarios
    are told apart by name only: the bundled ones each have their own, but two files that share a
    name pass as one scenario)."""
    out, where = [], f"--sensitivity {info.get('file')}"
    if info.get("scenario") not in (None, scenario_name) and scenario_name is not None:
        out.append(f"{where} ranks the inputs of {info['scenario']}, not of {scenario_name}")
    ranked = info.get("horizon_months")
    if isinstance(ranked, int) and isinstance(horizon, int) and ranked != horizon:
        out.append(f"{where} ranks the inputs over {ranked} months, this run is {horizon}")
    return out


def input_findings(manifest: Mapping[str, Any], scenario_name: Any, horizon: Any = None) -> list[tuple[str, str]]:
    """(severity, sentence) pairs for the findings' "other" group."""
    info = _info(manifest)
    if info is None:
        path = manifest.get("scenario_file") or "SCENARIO"
        return [
            (
                "info",
                "Which assumptions these numbers rest on is not measured: rank them with `orgsim sensitivity "
                f"{path} --kpi arr_end --json sens.json`, then pass `--sensitivity sens.json` to `orgsim run` or "
                "`orgsim report`.",
            )
        ]
    method = METHODS.get(str(info.get("method") or "morris"), str(info.get("method")))
    score = str(info.get("score") or "mu_star")
    out = [("warning", f"{m}: its ranking may not hold here.") for m in mismatches(info, scenario_name, horizon)]
    for kpi, rows in info["kpis"].items():
        named = [
            f"{r['param']} ({score} {score_text(r.get(score), kpi, score)})"
            for r in rows[:SHOWN]
            if isinstance(r, dict) and "param" in r
        ]
        if named:
            out.append(
                (
                    "info",
                    f"What these numbers rest on: {kpi} moves most with {', '.join(named)} "
                    f"({method} in {info.get('file')}).",
                )
            )
    return out


def inputs_section(manifest: Mapping[str, Any]) -> str:
    """report.html's "What these numbers rest on": the file's top inputs per KPI ("" without a ranking)."""
    info = _info(manifest)
    if info is None:
        return ""
    score = str(info.get("score") or "mu_star")
    rows = [
        [kpi, str(i), str(r.get("param")), score_text(r.get(score), kpi, score)]
        for kpi, ranking in info["kpis"].items()
        for i, r in enumerate(ranking, 1)
        if isinstance(r, dict)
    ]
    what = (
        "mu*: the mean absolute change of the KPI when the input moves one grid step, in the KPI's unit"
        if score == "mu_star"
        else "ST: the share of the KPI's variance the input accounts for, interactions included"
    )
    note = (
        f'<p class="sub">The inputs {E(str(info.get("file")))} ranks highest for each KPI '
        f"({E(METHODS.get(str(info.get('method')), str(info.get('method'))))} of "
        f"{E(str(info.get('scenario')))}; {E(what)}). Check these assumptions first.</p>"
    )
    return "<h2>What these numbers rest on</h2>" + note + html_table(["KPI", "rank", "input", score], rows, {1, 3})
