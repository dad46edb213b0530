"""Parallel speed-up: 60 replications of scenarios/series-a.yaml on 1 worker and on 2 workers.

    python benchmarks/parallel.py [--replications 60] [--repeats 3] [--workers 2] [--start-method M]

Each configuration is timed `--repeats` times and the best (lowest) wall time is kept: other
processes on a shared machine only ever make a run slower, so the minimum is the closest to the
machine's own speed. Every timing includes starting the worker processes, as a user's run does.
The results of all runs are checked to be identical to the last digit. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    from orgsim.experiments import executor, simulate
    from orgsim.experiments.executors import default_start_method
    from orgsim.scenario.loader import load_scenario

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start-method", default=None, help="local pool start method (default: orgsim's choice)")
    a = ap.parse_args()

    sc = load_scenario(ROOT / "scenarios" / "series-a.yaml")
    simulate(sc, replications=1, seed=a.seed)  # warm-up: imports, caches
    times: dict[int, list[float]] = {1: [], a.workers: []}
    reference = None
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    for _ in range(a.repeats):
        for w in (1, a.workers):
            t0 = time.perf_counter()
            with executor(w, start_method=a.start_method) if w > 1 else executor(1) as ex:
                res = simulate(sc, replications=a.replications, seed=a.seed, executor=ex)
            times[w].append(time.perf_counter() - t0)
            kpis = res.kpis
            if reference is None:
                reference = kpis
            elif not reference.equals(kpis):
                raise SystemExit(f"results differ between runs ({w} workers)")
    best1, bestw = min(times[1]), min(times[a.workers])
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    method = a.start_method or default_start_method()
    print(
        f"{a.replications} replications of series-a ({sc.horizon_months} months), seed {a.seed}; "
        f"{dt.date.today().isoformat()}, {_cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"pool start method {method}; load average {load_before:.2f} before, {load_after:.2f} after\n"
    )
    print(f"| workers | best of {a.repeats} (s) | all runs (s) | per replication (s) | speed-up |")
    print("|---:|---:|---|---:|---:|")
    for w, best in ((1, best1), (a.workers, bestw)):
        runs = ", ".join(f"{t:.2f}" for t in times[w])
        print(f"| {w} | {best:.2f} | {runs} | {best / a.replications:.3f} | {best1 / best:.2f}x |")
    print(f"\nresults identical across all {2 * a.repeats} runs: yes")


if __name__ == "__main__":
    main()
