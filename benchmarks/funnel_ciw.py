"""funnel-4s as a Ciw network (Ciw from PyPI: `pip install -e ".[bench]"`).

Four nodes, Poisson arrivals at node 1, exponential services, a routing matrix with the
stations' probabilities of going on (see benchmarks/funnel-4s.yaml for the network):

    python benchmarks/funnel_ciw.py [--seed 1] [--hours 20000] [--warmup 1000]

prints one JSON line like benchmarks/funnel_simpy.py. Ciw seeds Python's global generator
(`ciw.seed`), which is why each run here is its own process.
"""

from __future__ import annotations

import argparse
import json
import time

import ciw

LEADS_PER_HOUR = 40.0
STATIONS = (("sdr", 12, 0.25, 0.30), ("ae", 22, 1.5, 0.25), ("se", 4, 1.0, 1.0), ("implementation", 15, 4.0, 0.0))


def network() -> ciw.Network:
    n = len(STATIONS)
    routing = [[0.0] * n for _ in range(n)]
    for k, (*_, p_next) in enumerate(STATIONS[:-1]):
        routing[k][k + 1] = float(p_next)
    return ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(LEADS_PER_HOUR)] + [None] * (n - 1),
        service_distributions=[ciw.dists.Exponential(1.0 / mean) for _, _, mean, _ in STATIONS],
        number_of_servers=[c for _, c, _, _ in STATIONS],
        routing=routing,
    )


def run(seed: int, hours: float, warmup: float) -> dict:
    t_start = time.perf_counter()
    ciw.seed(seed)
    sim = ciw.Simulation(network())
    sim.simulate_until_max_time(warmup + hours)
    records = sim.get_all_records()
    n = len(STATIONS)
    visits = [0] * n
    arrivals = [0] * n
    wait_sum = [0.0] * n
    wait_n = [0] * n
    for r in records:
        k = r.node - 1
        visits[k] += 1
        if r.arrival_date >= warmup:
            arrivals[k] += 1
        if r.service_start_date >= warmup:
            wait_sum[k] += r.waiting_time
            wait_n[k] += 1
    end = warmup + hours
    for k, node in enumerate(sim.transitive_nodes):  # still in the system at the end: no record yet
        for ind in node.all_individuals:
            visits[k] += 1
            if ind.arrival_date >= warmup:
                arrivals[k] += 1
            start = getattr(ind, "service_start_date", False)
            if start is not False and start is not None and warmup <= start < end and start >= ind.arrival_date:
                wait_sum[k] += start - ind.arrival_date  # in service now, began after the warm-up
                wait_n[k] += 1
    wall = time.perf_counter() - t_start
    return {
        "impl": "ciw",
        "seed": seed,
        "wall_s": wall,
        "visits": sum(visits),
        "stations": {
            name: {
                "arrivals": arrivals[k],
                "mean_wait_h": wait_sum[k] / wait_n[k] if wait_n[k] else 0.0,
                "waits": wait_n[k],
            }
            for k, (name, *_) in enumerate(STATIONS)
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hours", type=float, default=20000.0)
    ap.add_argument("--warmup", type=float, default=1000.0)
    a = ap.parse_args()
    print(json.dumps(run(a.seed, a.hours, a.warmup)))


if __name__ == "__main__":
    main()
