"""The series-a company scaled up: time per lead and peak memory of one replication.

    python benchmarks/scaling.py [--repeats 3]          # every case, each in a fresh process
    python benchmarks/scaling.py --case 16x              # one case, prints a JSON line

Cases: the company as it is (1x), with 4x and 16x the lead volume and headcount (paid budget at
the same cost per lead, every role's headcount, the hiring plan and the growth plan's hires,
starting customers and cash, all times k), and the 1x company over a 3x longer horizon (108
months). Each case runs in a fresh Python process that does what a worker does -
`run_replication` + `reduce` - `--repeats` times (median time) after a short warm-up
replication (a year of the 1x company), and reports its peak resident
memory (VmHWM, which includes the interpreter, numpy and pydantic: a worker's whole footprint).
Cost should grow linearly: time per lead within 20% from 1x to 16x; memory under 300 MB a worker.
Time per task (all people's work: every stage's task arrivals) is shown too: over a longer
horizon the company ages - more customers per lead, each with monthly care - so a lead brings
more work, and time per task is the measure that should stay flat there.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SERIES_A = ROOT / "scenarios" / "series-a.yaml"
SEED = 7
CASES = {"1x": (1, None), "4x": (4, None), "16x": (16, None), "1x-108mo": (1, 108)}
TARGET_PER_LEAD_GROWTH = 0.20
TARGET_MB = 300.0


def scaled(k: int, horizon_months: int | None = None):
    """series-a with k times the lead volume and headcount (and optionally another horizon)."""
    from orgsim.scenario.loader import load_scenario

    base = load_scenario(SERIES_A)
    o: dict = {}
    paid = base.lead_sources.paid
    o["lead_sources.paid.budget_per_month"] = paid.budget_per_month * k
    # the same cost per lead: the budget that cost_per_lead holds at scales with it
    o["lead_sources.paid.reference_budget_per_month"] = (paid.reference_budget_per_month or paid.budget_per_month) * k
    for name, role in base.roles.items():
        o[f"roles.{name}.headcount"] = role.headcount * k
    for i, req in enumerate(base.hiring.plan):
        o[f"hiring.plan[{i}].count"] = req.count * k
    if base.hiring.growth is not None:
        o["hiring.growth.hires_per_month"] = base.hiring.growth.hires_per_month * k
    for seg, n in base.company.starting_customers.items():
        o[f"company.starting_customers.{seg}"] = n * k
    o["company.starting_cash"] = base.company.starting_cash * k
    if horizon_months is not None:
        o["horizon_months"] = horizon_months
    return load_scenario(SERIES_A, overrides=o)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    /proc's VmHWM belongs to this program image; `ru_maxrss` would do where /proc is missing, but
    on Linux it survives fork and exec, so a child started by a big parent inherits its peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(case: str, repeats: int) -> dict:
    """In this process: build the case, run it `repeats` times, report time and memory."""
    from orgsim.engine import run_replication
    from orgsim.metrics import reduce

    k, horizon = CASES[case]
    sc = scaled(k, horizon)
    rss_ready_mb = peak_rss_mb()
    reduce(run_replication(scaled(1, 12), SEED, 0))  # warm-up: first use of every code path
    times, leads, tasks = [], [], []
    for r in range(repeats):
        t0 = time.perf_counter()
        rep = reduce(run_replication(sc, SEED, r))
        times.append(time.perf_counter() - t0)
        leads.append(rep.funnel["leads"])
        # people's work: every task of every stage (leads are scored without anyone's time)
        tasks.append(sum(st["arrivals"] for name, st in rep.stages.items() if name != "marketing"))
    t = statistics.median(times)
    n_leads = statistics.median(leads)
    n_tasks = statistics.median(tasks)
    return {
        "case": case,
        "k": k,
        "horizon_months": sc.horizon_months,
        "repeats": repeats,
        "wall_s": t,
        "leads": n_leads,
        "us_per_lead": t / n_leads * 1e6,
        "tasks": n_tasks,
        "us_per_task": t / n_tasks * 1e6,
        "rss_ready_mb": rss_ready_mb,
        "rss_peak_mb": peak_rss_mb(),
    }


def measure(repeats: int = 3, cases: list[str] | None = None) -> list[dict]:
    """Rows of the table; every case in its own process."""
    results = {}
    for case in cases or list(CASES):
        out = subprocess.run(
            [sys.executable, __file__, "--case", case, "--repeats", str(repeats)],
            check=True,
            capture_output=True,
            text=True,
        )
        results[case] = json.loads(out.stdout.strip().splitlines()[-1])
    rows = []
    base = results.get("1x")
    for case, r in results.items():
        k = r["k"]
        growth = r["us_per_lead"] / base["us_per_lead"] - 1.0 if base and case != "1x" else None
        growth_task = r["us_per_task"] / base["us_per_task"] - 1.0 if base and case != "1x" else None
        value = (
            f"{r['us_per_lead']:.2f} µs a lead, {r['us_per_task']:.2f} µs a task ({r['wall_s']:.2f} s a replication)"
        )
        if growth is not None:
            value += f"; vs 1x {growth:+.0%} a lead, {growth_task:+.0%} a task"
        sized = k > 1  # the target is about size; a longer horizon only changes the company's age
        rows.append(
            {
                "benchmark": "scaling",
                "case": f"{case}: {r['horizon_months']} months, {r['leads']:,.0f} leads, {r['tasks']:,.0f} tasks",
                "measure": f"time, median of {r['repeats']}",
                "value": value,
                "target": "a lead within 20% of 1x" if sized else "",
                "met": (abs(growth) <= TARGET_PER_LEAD_GROWTH) if sized and growth is not None else None,
            }
        )
        rows.append(
            {
                "benchmark": "scaling",
                "case": case,
                "measure": "peak resident memory of the process (VmHWM)",
                "value": f"{r['rss_peak_mb']:.0f} MB ({r['rss_ready_mb']:.0f} MB before the run)",
                "target": f"< {TARGET_MB:g} MB" if case == "16x" else "",
                "met": (r["rss_peak_mb"] < TARGET_MB) if case == "16x" else None,
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=list(CASES), help="run one case in this process and print JSON")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    if a.case:
        print(json.dumps(run_case(a.case, a.repeats)))
        return
    from table import print_table  # noqa: PLC0415

    print_table(measure(a.repeats))


if __name__ == "__main__":
    main()
