"""Paired effects of deal momentum and recycling on scenarios/reference.yaml, as text.

    python benchmarks/deal_momentum.py [--replications 30] [--seed 2026] [--workers 2]

Arms run with the same seed and replication indices (common random numbers, `orgsim.compare`);
each line is the mean of the per-replication differences (arm - baseline) with its 95% confidence
interval and how many standard errors it is from 0. Momentum: half-life 35 days
[win_rate_trend_2024], patience 90 days (assumed); recycling: 20% of lost, 30% of dark
opportunities, 10% of disqualified MQLs back after 180 days (assumed). Not a timing benchmark:
it produces the measured effects on docs/explanation/model/sales.md.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orgsim.experiments import compare  # noqa: E402
from orgsim.scenario.loader import load_scenario  # noqa: E402

REFERENCE = ROOT / "scenarios" / "reference.yaml"
MOMENTUM = {"funnel.deal_momentum.halflife_days": 35.0, "funnel.deal_momentum.patience_days": 90.0}
RECYCLING = {"funnel.recycling.lost": 0.2, "funnel.recycling.no_decision": 0.3, "funnel.recycling.disqualified": 0.1}
KPIS = ("win_rate", "no_decision_rate", "sales_cycle_days", "new_customers", "arr_end")
FUNNEL = ("mql", "sql")

EXPERIMENTS: dict[str, dict[str, dict[str, Any]]] = {
    "momentum on vs off (6 AEs)": {"off": {}, "momentum": MOMENTUM},
    "fewer AEs, momentum on": {
        "6 AEs": MOMENTUM,
        "3 AEs": {**MOMENTUM, "roles.ae.headcount": 3},
        "2 AEs": {**MOMENTUM, "roles.ae.headcount": 2},
    },
    "fewer AEs, momentum off": {"6 AEs": {}, "3 AEs": {"roles.ae.headcount": 3}, "2 AEs": {"roles.ae.headcount": 2}},
    "recycling on vs off (momentum on)": {"no recycling": MOMENTUM, "recycling": {**MOMENTUM, **RECYCLING}},
}


def values(c: Any, arm: str, key: str) -> np.ndarray:
    r = c.arm(arm)
    if key in FUNNEL:
        return r.funnel.sort_values("replication")[key].to_numpy(dtype=float)
    return np.array([math.nan if v is None else v for v in r.values(key)], dtype=float)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    for title, arms in EXPERIMENTS.items():
        c = compare(
            {n: load_scenario(REFERENCE, overrides=o) for n, o in arms.items()},
            replications=a.replications,
            seed=a.seed,
            workers=a.workers,
        )
        base = next(iter(arms))
        print(f"== {title} ({a.replications} paired replications, seed {a.seed}; baseline {base})")
        for key in (*KPIS, *FUNNEL):
            for arm in list(arms)[1:]:
                b, x = values(c, base, key), values(c, arm, key)
                d = (x - b)[np.isfinite(x - b)]
                se = float(d.std(ddof=1) / math.sqrt(d.size))
                z = f"{d.mean() / se:+.1f} se" if se > 0 else "exact"
                print(
                    f"  {key:17s} {arm:13s} {np.nanmean(b):12.4g} -> {np.nanmean(x):12.4g}"
                    f"  diff {d.mean():+.4g} ± {1.96 * se:.3g} ({z})"
                )


if __name__ == "__main__":
    main()
