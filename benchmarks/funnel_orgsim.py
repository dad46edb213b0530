"""funnel-4s in orgsim: benchmarks/funnel-4s.yaml run by orgsim's own engine.

    python benchmarks/funnel_orgsim.py [--seed 1] [--hours 20000] [--warmup 1000]

prints one JSON line like benchmarks/funnel_simpy.py. The timed part builds the company of the
scenario (already loaded) and runs its clock to warm-up + hours, exactly what
`orgsim.engine.run_replication` does up to the horizon (`Company.run`), plus reading the
stage statistics. To
measure after the warm-up only, the run stops at the warm-up, notes how many tasks each stage had
received and started (waits are stored in order of start), then goes on: waits of services that
began after the warm-up are the stored waits past that mark, as in the SimPy script and Ciw.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orgsim.model.company import Company  # noqa: E402
from orgsim.scenario.loader import load_scenario  # noqa: E402

SCENARIO = Path(__file__).resolve().with_name("funnel-4s.yaml")
# the network's stations and the orgsim stages that play them
STAGES = (("sdr", "sdr"), ("ae", "sales"), ("se", "presales"), ("implementation", "implementation"))


def run(seed: int, hours: float, warmup: float, sc=None) -> dict:
    sc = sc if sc is not None else load_scenario(SCENARIO)
    if (warmup + hours) / 24.0 > sc.horizon_days:
        raise SystemExit(
            f"{SCENARIO.name}: horizon {sc.horizon_days * 24:.0f} h is shorter than {warmup + hours:.0f} h"
        )
    t_start = time.perf_counter()
    co = Company(sc, seed, 0)
    co.run(until=warmup / 24.0)
    mark = {stage: (co.stages[stage].arrivals, len(co.stages[stage].waits_days)) for _, stage in STAGES}
    co.run(until=(warmup + hours) / 24.0)
    out = {}
    visits = 0
    for name, stage in STAGES:
        st = co.stages[stage]
        visits += st.arrivals
        arrived0, started0 = mark[stage]
        waits = np.asarray(st.waits_days, dtype=float)[started0:] * 24.0
        out[name] = {
            "arrivals": st.arrivals - arrived0,
            "mean_wait_h": float(waits.mean()) if waits.size else 0.0,
            "waits": int(waits.size),
        }
    wall = time.perf_counter() - t_start
    return {"impl": "orgsim", "seed": seed, "wall_s": wall, "visits": visits, "stations": out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hours", type=float, default=20000.0)
    ap.add_argument("--warmup", type=float, default=1000.0)
    a = ap.parse_args()
    print(json.dumps(run(a.seed, a.hours, a.warmup)))


if __name__ == "__main__":
    main()
