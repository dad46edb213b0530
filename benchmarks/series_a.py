"""Wall time of scenarios/series-a.yaml: one replication, and 30 replications on 1 and 2 workers.

    python benchmarks/series_a.py [--repeats 5] [--replications 30]

One replication (`run_replication` + `reduce`, what a worker does) is timed `--repeats` times
after a warm-up run, median reported. The 30-replication runs go through `orgsim.simulate`
(after one warm-up call that imports what results need), so they include starting the worker
processes and collecting the results; each is timed `--batches` times (median). Prints a markdown
table; `benchmarks/run.py` prints the same rows among the others.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orgsim  # noqa: E402
from orgsim.engine import run_replication  # noqa: E402
from orgsim.metrics import reduce  # noqa: E402

SERIES_A = ROOT / "scenarios" / "series-a.yaml"
SEED = 7
TARGET_ONE_S = 0.5
TARGET_30_ON_2_S = 10.0


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(repeats: int = 5, replications: int = 30, batches: int = 3) -> list[dict]:
    """Rows: benchmark, case, measure, value, target, met."""
    sc = orgsim.load_scenario(SERIES_A)
    reduce(run_replication(sc, SEED, 0))  # warm-up: imports, caches
    singles = [timed(lambda r=r: reduce(run_replication(sc, SEED, r))) for r in range(repeats)]
    one = statistics.median(singles)
    rows = [
        {
            "benchmark": "series-a",
            "case": f"1 replication, {sc.horizon_months} months",
            "measure": f"wall time, median of {repeats}",
            "value": f"{one:.3f} s",
            "target": f"< {TARGET_ONE_S} s",
            "met": one < TARGET_ONE_S,
        }
    ]
    n = replications
    orgsim.simulate(sc, replications=1, seed=SEED, workers=1)  # warm-up: results' imports (pandas, scipy)
    for workers in (1, 2):
        run = functools.partial(orgsim.simulate, sc, replications=n, seed=SEED, workers=workers)
        times = [timed(run) for _ in range(batches)]
        t = statistics.median(times)
        target = f"< {TARGET_30_ON_2_S:g} s" if workers == 2 else ""
        rows.append(
            {
                "benchmark": "series-a",
                "case": f"{n} replications, {workers} worker{'s' if workers > 1 else ''}",
                "measure": f"wall time, median of {batches}",
                "value": f"{t:.2f} s ({t / n:.3f} s each)",
                "target": target,
                "met": (t < TARGET_30_ON_2_S) if workers == 2 else None,
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--batches", type=int, default=3)
    a = ap.parse_args()
    from table import print_table  # noqa: PLC0415 (benchmarks/ is on sys.path as the script's folder)

    print_table(measure(a.repeats, a.replications, a.batches))


if __name__ == "__main__":
    main()
