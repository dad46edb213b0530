"""What the event log costs: series-a without a log, with one, and written as CSV, gzip and Parquet.

    python benchmarks/events.py [--repeats 5] [--replications 10]

One replication (`run_replication`, what a worker does) is timed `--repeats` times without and
with the event log (median). Then `--replications` replications on 2 workers go through
`orgsim.simulate` with no log and with ``events=FILE`` for each format, reporting wall time, rows
and file size. Runs without a log must cost what they did before the log existed; compare the
first row with the series-a benchmark's. Prints a markdown table; `benchmarks/run.py --only
events` prints the same rows.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orgsim  # noqa: E402
from orgsim.engine import run_replication  # noqa: E402

SERIES_A = ROOT / "scenarios" / "series-a.yaml"
SEED = 7


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(repeats: int = 5, replications: int = 10) -> list[dict]:
    """Rows: benchmark, case, measure, value, target, met."""
    sc = orgsim.load_scenario(SERIES_A)
    run_replication(sc, SEED, 0, events=True)  # warm-up
    rows = []
    for events in (False, True):
        t = _median_time(lambda e=events: run_replication(sc, SEED, 0, events=e), repeats)
        rows.append(
            {
                "benchmark": "events",
                "case": f"1 replication, {'with' if events else 'no'} event log",
                "measure": f"wall time, median of {repeats}",
                "value": f"{t:.3f} s",
                "target": "",
                "met": None,
            }
        )
    n = replications
    orgsim.simulate(sc, replications=1, seed=SEED, workers=1)  # warm-up: results' imports
    t = _median_time(lambda: orgsim.simulate(sc, replications=n, seed=SEED, workers=2), 1)
    rows.append(
        {
            "benchmark": "events",
            "case": f"{n} replications, 2 workers, no log",
            "measure": "wall time",
            "value": f"{t:.2f} s",
            "target": "",
            "met": None,
        }
    )
    suffixes = [".csv", ".csv.gz"] + ([".parquet"] if importlib.util.find_spec("pyarrow") else [])
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in suffixes:
            path = Path(tmp) / f"events{suffix}"
            t0 = time.perf_counter()
            res = orgsim.simulate(sc, replications=n, seed=SEED, workers=2, events=path)
            t = time.perf_counter() - t0
            size = path.stat().st_size / 1e6
            rows.append(
                {
                    "benchmark": "events",
                    "case": f"{n} replications, 2 workers, log to {suffix}",
                    "measure": "wall time; rows; file size",
                    "value": f"{t:.2f} s; {res.meta['events']['rows']:,} rows; {size:.1f} MB",
                    "target": "",
                    "met": None,
                }
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--replications", type=int, default=10)
    a = ap.parse_args()
    from table import print_table  # noqa: PLC0415 (benchmarks/ is on sys.path as the script's folder)

    print_table(measure(a.repeats, a.replications))


if __name__ == "__main__":
    main()
