"""The app's images and files: the plots of a run, the edited scenario as YAML, report.html."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from orgsim.experiments.results import Results
from orgsim.scenario import Scenario

if TYPE_CHECKING:
    from orgsim.app.logic import Plan

__all__ = ["FIGURES", "figure", "figures", "report_html", "scenario_yaml"]


# The order the page draws them in: the two fans first (what a founder looks at), then the rest.
FIGURES = ("arr", "cash", "differences", "funnel", "bottlenecks")


def figure(plan: Plan, key: str, dpi: int = 72) -> bytes:
    """One PNG image of a run (a key of `FIGURES`): ARR fan and cash fan (both arms), the forest
    of paired differences, the funnel and the bottlenecks (the plan). 0.15-0.35 s each on a quiet
    machine, almost all of it matplotlib's drawing."""
    from orgsim.outputs import plots
    from orgsim.outputs.plots.common import png_bytes

    monthly = plan.monthly if plan.monthly is not None else pd.concat([plan.baseline.monthly, plan.plan.monthly])
    if key == "arr":
        fig = plots.arr_fan(monthly)
    elif key == "cash":
        fig = plots.arr_fan(monthly, metric="cash")
    elif key == "differences":
        kpis = ["arr_end", "new_customers", "cash_end", "logo_renewal_rate"]
        fig = plots.differences_forest(plan.comparison.differences(kpis))
    elif key == "funnel":
        fig = plots.funnel(plan.plan.funnel)
    elif key == "bottlenecks":
        fig = plots.bottlenecks(monthly[monthly["scenario"] == plan.plan.name], plan.plan.stages)
    else:
        raise ValueError(f"unknown figure {key!r}: one of {', '.join(FIGURES)}")
    return png_bytes(fig, dpi=dpi)


def figures(plan: Plan) -> dict[str, bytes]:
    """Every figure of `FIGURES`, in that order."""
    return {k: figure(plan, k) for k in FIGURES}


# ---- Files -----------------------------------------------------------------------------------


def scenario_yaml(sc: Scenario, source: str = "") -> str:
    """The whole scenario as YAML: every value written out (no `extends`), so the file loads and
    validates wherever it is saved."""
    head = f"# Written by `orgsim app` on {_dt.date.today().isoformat()}"
    head += f" from {Path(source).name}" if source else ""
    data = sc.model_dump(mode="json")
    return head + "; every value is written out.\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def report_html(res: Results, source: str) -> bytes:
    """report.html of one run (as `orgsim run --out` writes it), from results already in memory."""
    from orgsim.outputs.files import dumps_json
    from orgsim.outputs.manifest import run_manifest
    from orgsim.outputs.report import REPORT_FILE, RunData, report_files

    manifest = run_manifest(
        source,
        res.scenario,
        overrides=[],
        seed=res.seed,
        replications=res.n,
        workers=0,
        started=_dt.datetime.now(_dt.UTC),
        runtime_s=res.runtime_s,
        files=[REPORT_FILE],
    )
    summary = json.loads(dumps_json(res.to_dict()))
    run = RunData(summary, res.monthly, res.stages, res.funnel, manifest=manifest, counters=res.counters)
    return report_files(run)[REPORT_FILE]
