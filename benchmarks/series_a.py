"""Wall time of scenarios/series-a.yaml: one replication, and 30 replications on 1 and 2 workers.

    python benchmarks/series_a.py [--repeats 5] [--replications 30]

One replication is timed `--repeats` times (median reported) after a warm-up run; the 30-replication
runs are timed once each and include starting the worker processes. Prints a markdown table.
DESIGN.md asks for "well under a second" per replication of a Series A company over 36 months.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orgsim.experiments import simulate  # noqa: E402
from orgsim.loader import load_scenario  # noqa: E402

SEED = 7


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--replications", type=int, default=30)
    a = ap.parse_args()

    t_load = timed(lambda: load_scenario(ROOT / "scenarios" / "series-a.yaml"))
    sc = load_scenario(ROOT / "scenarios" / "series-a.yaml")
    simulate(sc, replications=1, seed=SEED, workers=1)  # warm-up (imports, caches)
    singles = [timed(lambda r=r: simulate(sc, replications=1, seed=SEED + r, workers=1)) for r in range(a.repeats)]
    n = a.replications
    t1 = timed(lambda: simulate(sc, replications=n, seed=SEED, workers=1))
    t2 = timed(lambda: simulate(sc, replications=n, seed=SEED, workers=2))

    print(f"series-a ({sc.horizon_months} months), Python {platform.python_version()}, {os.cpu_count()} CPUs\n")
    print("| run | wall time (s) | per replication (s) |")
    print("|---|---:|---:|")
    print(f"| load scenario | {t_load:.3f} | |")
    print(f"| 1 replication (median of {a.repeats}) | {statistics.median(singles):.3f} | {statistics.median(singles):.3f} |")
    print(f"| {n} replications, 1 worker | {t1:.2f} | {t1 / n:.3f} |")
    print(f"| {n} replications, 2 workers | {t2:.2f} | {t2 / n:.3f} |")
    print(f"\nspeed-up with 2 workers: {t1 / t2:.2f}x")


if __name__ == "__main__":
    main()
