"""Paired differences of each bundled variant against scenarios/series-a.yaml, as a markdown table.

    python benchmarks/variant_differences.py [--replications 30] [--seed 2026] [--workers 2]

Every variant extends series-a and runs with the same seed and replication indices (common random
numbers), over its own horizon; each cell is the mean of the per-replication differences
(variant - series-a) with its 95% confidence interval. Not a timing benchmark: it produces the
table of what each organisation choice does, for the README.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orgsim.engine import run_replication  # noqa: E402
from orgsim.experiments import paired_difference  # noqa: E402
from orgsim.metrics import reduce  # noqa: E402
from orgsim.scenario.loader import load_scenario  # noqa: E402

VARIANTS = ["no-sdr", "sales-delivers", "csm-expansion", "sales-renewals", "service-first"]

# (label, how to read it from one replication, decimals)
COLUMNS = [
    ("ARR end ($k)", lambda r, c: r.kpis["arr_end"] / 1e3, 0),
    ("new customers", lambda r, c: r.kpis["new_customers"], 1),
    ("expansion ARR ($k)", lambda r, c: r.kpis["expansion_arr"] / 1e3, 0),
    ("logo renewal rate (pp)", lambda r, c: 100 * r.kpis["logo_renewal_rate"], 2),
    ("NRR (pp)", lambda r, c: 100 * r.kpis["nrr"], 2),
    ("health rate (pp)", lambda r, c: 100 * r.kpis["health_rate"], 2),
    ("CAC ($k)", lambda r, c: None if r.kpis["cac"] is None else r.kpis["cac"] / 1e3, 2),
    ("SQLs", lambda r, c: r.funnel["sql"], 0),
    ("qualification wait (h)", lambda r, c: r.stages["sdr"]["mean_wait_hours"], 2),
    ("sales wait (h)", lambda r, c: r.stages["sales"]["mean_wait_hours"], 1),
    ("AE utilisation (pp)", lambda r, c: 100 * r.stages["sales"]["utilization"], 1),
    ("CSM wait (h)", lambda r, c: r.stages["csm"]["mean_wait_hours"], 2),
    ("go-live (days)", lambda r, c: c["mean_go_live_days"], 1),
]


def _one(args):
    sc, seed, rep = args
    raw = run_replication(sc, seed, rep)
    return reduce(raw), raw.counters


def run(sc, reps: int, seed: int, workers: int):
    jobs = [(sc, seed, r) for r in range(reps)]
    if workers <= 1:
        return [_one(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(_one, jobs))


def fmt(x: float | None, dec: int) -> str:
    return "n/a" if x is None else f"{x:+,.{dec}f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()

    base_sc = load_scenario(ROOT / "scenarios" / "series-a.yaml")
    base = run(base_sc, a.replications, a.seed, a.workers)
    print(
        f"Paired differences vs series-a ({base_sc.horizon_months} months, {a.replications} replications, "
        f"seed {a.seed}; mean [95% CI] of variant - series-a)\n"
    )
    print("| metric | series-a mean | " + " | ".join(VARIANTS) + " |")
    print("|---|---:|" + "---:|" * len(VARIANTS))
    arms = {
        v: run(load_scenario(ROOT / "scenarios" / f"{v}.yaml"), a.replications, a.seed, a.workers) for v in VARIANTS
    }
    for label, get, dec in COLUMNS:
        b = [get(r, c) for r, c in base]
        bvals = [x for x in b if x is not None]
        cells = [fmt(sum(bvals) / len(bvals), dec).lstrip("+") if bvals else "n/a"]
        for v in VARIANTS:
            d = paired_difference([get(r, c) for r, c in arms[v]], b)
            lo, hi = d["ci95"]
            cells.append(f"{fmt(d['mean'], dec)} [{fmt(lo, dec)}, {fmt(hi, dec)}]")
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
