"""The three calibrated companies against public benchmark ranges for their stage (issue 14).

For each company (scenarios/seed-stage.yaml, series-a.yaml, growth-stage.yaml) a few replications
(seed 2026) and, for every KPI with a range for its stage in data/stage-ranges.yaml, the mean over
the replications that define it against [low, high]. The issue's bar: at least 12 KPIs in range.
The inputs come from cited figures and were not tuned to these ranges; a company that lands fewer
is a strict expected failure recording the measured count (seed-stage: its efficiency KPIs - CAC
payback, burn multiple, LTV:CAC, and at these 8 replications the magic number, whose interval
straddles the range's low end - fall outside, see docs/explanation/calibration.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from orgsim.experiments import simulate
from orgsim.scenario.loader import load_scenario

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SEED = 2026
COMPANIES = {  # stage: (scenario file, replications)
    "seed": ("seed-stage.yaml", 8),
    "series_a": ("series-a.yaml", 8),
    "growth": ("growth-stage.yaml", 4),
}
NEEDED = 12


def _ranges(stage: str) -> list[dict]:
    rows = yaml.safe_load((ROOT / "data" / "stage-ranges.yaml").read_text())["ranges"]
    return [r for r in rows if r["stage"] == stage]


def _table(stage: str) -> list[tuple[str, float | None, float, float, bool]]:
    file, reps = COMPANIES[stage]
    res = simulate(load_scenario(ROOT / "scenarios" / file), replications=reps, seed=SEED, workers=1)
    out = []
    for r in _ranges(stage):
        vals = [x.kpis[r["kpi"]] for x in res.replications if x.kpis[r["kpi"]] is not None]
        mean = float(np.mean(vals)) if vals else None
        out.append((r["kpi"], mean, r["low"], r["high"], mean is not None and r["low"] <= mean <= r["high"]))
    return out


def _in_range(stage: str) -> int:
    table = _table(stage)
    print(f"\n{COMPANIES[stage][0]} ({stage})")
    for kpi, mean, lo, hi, ok in table:
        shown = "undefined" if mean is None else f"{mean:,.3f}"
        print(f"  {kpi:30s} {shown:>16s}  [{lo:,}, {hi:,}]  {'in' if ok else 'OUT'}")
    n = sum(ok for *_, ok in table)
    print(f"  {n} of {len(table)} in range")
    return n


@pytest.mark.xfail(
    strict=True, reason="measured: 9 of 13 in range at 8 reps, 10 of 13 at 20 (efficiency KPIs out; seed 2026)"
)
def test_seed_stage_lands_in_its_ranges():
    assert _in_range("seed") >= NEEDED


def test_series_a_lands_in_its_ranges():
    assert _in_range("series_a") >= NEEDED


def test_growth_stage_lands_in_its_ranges():
    assert _in_range("growth") >= NEEDED
