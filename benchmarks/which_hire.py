"""Which hire adds most ARR per dollar? One more AE, SDR, SE or marketer on series-a, month 24.

    python benchmarks/which_hire.py [--scenario scenarios/series-a.yaml] [--replications 30]
                                    [--seed 2026] [--workers 2] [--months 24]

Each arm starts the company with one more person of a role (already ramped, on staff from day
one); everything else, random numbers included, is the baseline's (common random numbers, paired
by replication). Per replication i:

    ΔARR_i  = ARR_arm,i(month M) − ARR_base,i(month M)
    Δcost_i = Σ cost.total_arm,i − Σ cost.total_base,i      (months 1..M: salary, overhead,
                                                              commission, everything the ledger books)
    ARR per dollar = mean ΔARR / mean Δcost                  (ratio of means; its 95% CI by the
                                                              delta method from the paired samples)

A markdown table of the means with 95% confidence intervals is printed; it is the table of
docs/explanation/which-hire.md. Not a timing benchmark.
"""

from __future__ import annotations

import argparse
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orgsim.engine import run_replication  # noqa: E402
from orgsim.scenario.loader import load_scenario  # noqa: E402

ROLES = ("ae", "sdr", "se", "marketer")
T95 = 1.959964  # normal quantile; replications are 30 by default (the t quantile would be 2.045)


def _one(args: tuple) -> tuple[float, float, float]:
    path, over, seed, rep = args
    sc = load_scenario(path, overrides=over, extends_roots=[ROOT])
    rec = run_replication(sc, seed, rep)
    m = rec.monthly
    return float(m["arr"][-1]), float(np.sum(m["cost.total"])), float(rec.funnel.get("won", 0))


def _ci(x: np.ndarray) -> tuple[float, float, float]:
    mean = float(x.mean())
    half = T95 * float(x.std(ddof=1)) / math.sqrt(len(x)) if len(x) > 1 else float("nan")
    return mean, mean - half, mean + half


def ratio_ci(num: np.ndarray, den: np.ndarray) -> tuple[float, float, float]:
    """mean(num) / mean(den) with a delta-method 95% CI (paired samples)."""
    n = len(num)
    a, b = float(num.mean()), float(den.mean())
    r = a / b
    resid = num - r * den  # var(ratio) ~ var(num - r den) / (n b^2)
    half = T95 * float(resid.std(ddof=1)) / (math.sqrt(n) * abs(b))
    return r, r - half, r + half


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "series-a.yaml")
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--months", type=int, default=24)
    a = ap.parse_args()
    base_sc = load_scenario(a.scenario, extends_roots=[ROOT])
    common = {"horizon_months": a.months}
    arms: dict[str, dict[str, Any]] = {"baseline": common}
    for role in ROLES:
        if role in base_sc.roles:
            arms[f"+1 {role}"] = {**common, f"roles.{role}.headcount": base_sc.roles[role].headcount + 1}
    n, s = a.replications, a.seed
    with ProcessPoolExecutor(max_workers=a.workers) as pool:
        out = {
            name: np.array(list(pool.map(_one, [(a.scenario, over, s, r) for r in range(n)])))
            for name, over in arms.items()
        }
    base = out["baseline"]
    print(f"{a.scenario.name}, month {a.months}, {n} paired replications, seed {s}; mean [95% CI] of arm − baseline\n")
    print(
        f"baseline: ARR at month {a.months} ${base[:, 0].mean() / 1e6:,.2f}M, cost ${base[:, 1].mean() / 1e6:,.2f}M\n"
    )
    print(f"| hire | Δ ARR at month {a.months} ($k) | Δ cost ($k) | Δ new customers | ARR per dollar |")
    print("|---|---:|---:|---:|---:|")
    for name in arms:
        if name == "baseline":
            continue
        d = out[name] - base
        arr, cost, won = _ci(d[:, 0] / 1e3), _ci(d[:, 1] / 1e3), _ci(d[:, 2])
        r = ratio_ci(d[:, 0], d[:, 1])
        print(
            f"| {name} | {arr[0]:+,.0f} [{arr[1]:+,.0f}, {arr[2]:+,.0f}] | {cost[0]:+,.0f} "
            f"[{cost[1]:+,.0f}, {cost[2]:+,.0f}] | {won[0]:+.1f} [{won[1]:+.1f}, {won[2]:+.1f}] | "
            f"{r[0]:+.2f} [{r[1]:+.2f}, {r[2]:+.2f}] |"
        )


if __name__ == "__main__":
    main()
