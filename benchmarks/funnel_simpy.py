"""funnel-4s as a minimal hand-written SimPy model: the baseline orgsim is measured against.

One process per lead walks the four stations in order; each station is a `simpy.Resource`;
the lead goes on to the next station with the station's probability. This is what a modeller
would write by hand for the network of issue 3 (see benchmarks/funnel-4s.yaml):

    python benchmarks/funnel_simpy.py [--seed 1] [--hours 20000] [--warmup 1000]

prints one JSON line: wall time, visits, and per station the arrivals and the mean wait of the
services that began after the warm-up.
"""

from __future__ import annotations

import argparse
import json
import random
import time

import simpy

LEADS_PER_HOUR = 40.0
# station: servers, mean service hours, probability of going on to the next station
STATIONS = (("sdr", 12, 0.25, 0.30), ("ae", 22, 1.5, 0.25), ("se", 4, 1.0, 1.0), ("implementation", 15, 4.0, 0.0))


def run(seed: int, hours: float, warmup: float) -> dict:
    t_start = time.perf_counter()
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = [simpy.Resource(env, capacity=c) for _, c, _, _ in STATIONS]
    visits = [0] * len(STATIONS)
    arrivals = [0] * len(STATIONS)  # after the warm-up
    wait_sum = [0.0] * len(STATIONS)  # of services that began after the warm-up
    wait_n = [0] * len(STATIONS)

    def lead():
        for k, (_, _, mean, p_next) in enumerate(STATIONS):
            t0 = env.now
            visits[k] += 1
            if t0 >= warmup:
                arrivals[k] += 1
            with servers[k].request() as req:
                yield req
                if env.now >= warmup:
                    wait_sum[k] += env.now - t0
                    wait_n[k] += 1
                yield env.timeout(rng.expovariate(1.0 / mean))
            if rng.random() >= p_next:
                return

    def source():
        while True:
            yield env.timeout(rng.expovariate(LEADS_PER_HOUR))
            env.process(lead())

    env.process(source())
    env.run(until=warmup + hours)
    wall = time.perf_counter() - t_start
    return {
        "impl": "simpy",
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


def run_as_orgsim_maps_it(seed: int, hours: float, warmup: float) -> dict:
    """The same script with orgsim's mapping of the network (benchmarks/funnel-4s.yaml): the SE
    works the deal at the same time as the AE, and implementation starts when both are done.

    Not timed against anything: it shows which differences between orgsim and the network come
    from the mapping rather than from orgsim (`python benchmarks/funnel_simpy.py --orgsim-mapping`).
    """
    t_start = time.perf_counter()
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = [simpy.Resource(env, capacity=c) for _, c, _, _ in STATIONS]
    visits = [0] * len(STATIONS)
    arrivals = [0] * len(STATIONS)
    wait_sum = [0.0] * len(STATIONS)
    wait_n = [0] * len(STATIONS)

    def visit(k):
        t0 = env.now
        visits[k] += 1
        if t0 >= warmup:
            arrivals[k] += 1
        with servers[k].request() as req:
            yield req
            if env.now >= warmup:
                wait_sum[k] += env.now - t0
                wait_n[k] += 1
            yield env.timeout(rng.expovariate(1.0 / STATIONS[k][2]))

    def lead():
        yield from visit(0)
        if rng.random() >= STATIONS[0][3]:
            return
        presales = rng.random() < STATIONS[1][3]
        parts = [env.process(visit(1))] + ([env.process(visit(2))] if presales else [])
        yield env.all_of(parts)
        if presales:
            yield from visit(3)

    def source():
        while True:
            yield env.timeout(rng.expovariate(LEADS_PER_HOUR))
            env.process(lead())

    env.process(source())
    env.run(until=warmup + hours)
    return {
        "impl": "simpy-orgsim-mapping",
        "seed": seed,
        "wall_s": time.perf_counter() - t_start,
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
    ap.add_argument(
        "--orgsim-mapping", action="store_true", help="SE in parallel with the AE, as orgsim maps the network"
    )
    a = ap.parse_args()
    fn = run_as_orgsim_maps_it if a.orgsim_mapping else run
    print(json.dumps(fn(a.seed, a.hours, a.warmup)))


if __name__ == "__main__":
    main()
