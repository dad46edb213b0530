"""`orgsim optimize` on series-a over 6 parameters within 10 minutes (issue 15's "Done when").

    python benchmarks/optimize.py [--budget-minutes 10] [--workers 2] [--out out/bench-optimize]

Runs, through the CLI's own function, on scenarios/series-a.yaml:

    orgsim optimize scenarios/series-a.yaml
        --vary roles.ae.headcount=3..12 --vary roles.sdr.headcount=2..10 --vary roles.csm.headcount=1..6
        --vary lead_sources.paid.budget_per_month=20000..150000:10000
        --vary hiring.growth.hires_per_month=0.5..4
        --vary hiring.growth.focus_order=[product,sales,marketing,service]|[sales,product,marketing,service]|...
        --goal arr_end --constraint runway_months>=12 --constraint cash_out<=0.05
        -n 5 --trials 100000 --budget-minutes 10 -w 2 --json BENCH/optimize.json --out BENCH

and prints the wall time, the trial count, the answer and whether the winner beats series-a's own
plan (the gain's 95% CI above 0) while meeting the constraints. Run on demand, not in CI; the result
is recorded in docs/how-to/optimize.md and docs/explanation/performance.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orgsim.cli import main  # noqa: E402

VARY = [
    "roles.ae.headcount=3..12",
    "roles.sdr.headcount=2..10",
    "roles.csm.headcount=1..6",
    "lead_sources.paid.budget_per_month=20000..150000:10000",
    "hiring.growth.hires_per_month=0.5..4",
    "hiring.growth.focus_order=[product,sales,marketing,service]|[sales,product,marketing,service]"
    "|[sales,marketing,product,service]|[marketing,sales,product,service]",
]


def run(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "series-a.yaml"))
    ap.add_argument("--budget-minutes", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--replications", type=int, default=5)
    ap.add_argument("--out", default="out/bench-optimize")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    json_file = out.parent / f"{out.name}.json"
    args = [
        "optimize",
        a.scenario,
        *(x for v in VARY for x in ("--vary", v)),
        "--goal",
        "arr_end",
        "--constraint",
        "runway_months>=12",
        "--constraint",
        "cash_out<=0.05",
        "-n",
        str(a.replications),
        "--trials",
        "100000",
        "--budget-minutes",
        str(a.budget_minutes),
        "-w",
        str(a.workers),
        "--json",
        str(json_file),
        "--out",
        str(out),
    ]
    t0 = time.perf_counter()
    code = main(args)
    wall = time.perf_counter() - t0
    if code:
        return code
    doc = json.loads(json_file.read_text())
    gain = doc["gain"]
    beats = bool(gain and gain["ci95"][0] > 0 and doc["best"]["feasible"])
    print(
        f"wall time {wall:.0f} s (search {doc['trials']['search_seconds']:.0f} s); {doc['trials']['total']} trials, "
        f"{doc['trials']['feasible']} feasible; {doc['executor']}"
    )
    print(doc["answer"])
    print(f"beats series-a's own plan (gain CI above 0, constraints met): {'yes' if beats else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
