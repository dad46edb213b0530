"""funnel-4s: orgsim against a bare SimPy script and Ciw on the same four-stage queueing network.

    python benchmarks/funnel.py [--runs 10] [--hours 20000] [--warmup 1000]

The network (issue 3, and how orgsim expresses it: benchmarks/funnel-4s.yaml): Poisson leads at
40/h; SDR 12 servers, exponential 0.25 h, 30% go on; AE 22 servers, exponential 1.5 h, 25% go
on; SE 4 servers, exponential 1.0 h, all go on; implementation 15 servers, exponential 4 h.

Each run simulates warm-up + hours in a fresh process (`funnel_simpy.py`, `funnel_ciw.py`,
`funnel_orgsim.py`) with seed = run number; the order of the three rotates from run to run so
that a change of load on a shared machine hits all of them alike. Speed: lead-stage visits
(task arrivals at the four stations over the whole run) per second of wall time, median over the
runs, and each tool's time per visit relative to the SimPy script's. Agreement: per station,
arrivals and mean wait of the services that began after the warm-up, pooled over the runs (the
runs are the seeds), against Erlang C (arrivals: rate x hours) and between the tools, in units of
the standard error: for waits the standard deviation between runs, pooled over the tools (the
three simulate the same system); for arrivals the Poisson count's, sqrt(rate x hours / runs).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LEADS_PER_HOUR = 40.0
# station: servers, mean service hours, probability of going on
STATIONS = (("sdr", 12, 0.25, 0.30), ("ae", 22, 1.5, 0.25), ("se", 4, 1.0, 1.0), ("implementation", 15, 4.0, 0.0))
IMPLS = ("simpy", "ciw", "orgsim")
TARGET_RATIO = 1.3  # orgsim's time per visit at most 1.3x the SimPy script's
Z_LIMIT = 3.5  # |difference| / standard error beyond which two estimates disagree


def erlang_c_wq(c: int, lam: float, mu: float) -> float:
    """Mean wait in queue of M/M/c (Erlang C), by the stable Erlang B recursion."""
    a = lam / mu
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    p_wait = c * b / (c - a * (1.0 - b))
    return p_wait / (c * mu - lam)


def theory() -> dict[str, dict[str, float]]:
    """Arrival rate (per hour) and Erlang C mean wait (hours) of every station."""
    out = {}
    lam = LEADS_PER_HOUR
    for name, c, mean, p_next in STATIONS:
        out[name] = {"rate": lam, "wq": erlang_c_wq(c, lam, 1.0 / mean), "rho": lam * mean / c}
        lam *= p_next
    return out


def run_one(impl: str, seed: int, hours: float, warmup: float) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            str(HERE / f"funnel_{impl}.py"),
            "--seed",
            str(seed),
            "--hours",
            str(hours),
            "--warmup",
            str(warmup),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def have_ciw() -> bool:
    try:
        import ciw  # noqa: F401
    except ImportError:
        return False
    return True


def measure(runs: int = 10, hours: float = 20000.0, warmup: float = 1000.0, progress=None) -> tuple[list[dict], dict]:
    """Rows of the table, and the raw results."""
    impls = [i for i in IMPLS if i != "ciw" or have_ciw()]
    results: dict[str, list[dict]] = {i: [] for i in impls}
    for r in range(runs):
        order = impls[r % len(impls) :] + impls[: r % len(impls)]
        for impl in order:
            res = run_one(impl, r + 1, hours, warmup)
            results[impl].append(res)
            if progress:
                progress(f"funnel-4s run {r + 1}/{runs} {impl}: {res['visits'] / res['wall_s']:,.0f} visits/s")
    th = theory()
    rows: list[dict] = []

    # speed
    speed = {i: statistics.median(x["visits"] / x["wall_s"] for x in results[i]) for i in impls}
    per_visit = {i: 1.0 / speed[i] for i in impls}
    for impl in impls:
        ratio = per_visit[impl] / per_visit["simpy"]
        visits = statistics.median(x["visits"] for x in results[impl])
        rows.append(
            {
                "benchmark": "funnel-4s",
                "case": {"simpy": "bare SimPy script", "ciw": "Ciw network", "orgsim": "orgsim scenario"}[impl],
                "measure": f"lead-stage visits/s, median of {runs} ({visits:,.0f} visits a run)",
                "value": f"{speed[impl]:,.0f}/s = {per_visit[impl] * 1e6:.2f} µs a visit, {ratio:.2f}x SimPy's time",
                "target": f"<= {TARGET_RATIO}x SimPy's time" if impl == "orgsim" else "",
                "met": (ratio <= TARGET_RATIO) if impl == "orgsim" else None,
            }
        )

    # agreement, station by station
    n = runs
    for name, c, _mean, _ in STATIONS:
        t = th[name]
        waits = {i: [x["stations"][name]["mean_wait_h"] for x in results[i]] for i in impls}
        arrivals = {i: [x["stations"][name]["arrivals"] for x in results[i]] for i in impls}
        for what, data, expected, fmt in (
            ("mean wait (h)", waits, t["wq"], "{:.4f}"),
            ("arrivals", arrivals, t["rate"] * hours, "{:,.0f}"),
        ):
            means = {i: statistics.fmean(v) for i, v in data.items()}
            if what == "arrivals":
                # a count over the window: Poisson (exactly at the SDRs; the departures feeding
                # the later stations are Poisson in steady state, Burke's theorem)
                se = math.sqrt(expected / n)
            else:
                # one standard deviation between runs, pooled over the tools (same system)
                sd = (
                    math.sqrt(statistics.fmean(statistics.variance(v) for v in data.values()))
                    if n > 1
                    else float("nan")
                )
                se = sd / math.sqrt(n)
            z_theory = {i: (means[i] - expected) / se for i in impls}
            z_pairs = {
                (a, b): (means[a] - means[b]) / (se * math.sqrt(2)) for k, a in enumerate(impls) for b in impls[k + 1 :]
            }
            worst = max(abs(z) for z in (*z_theory.values(), *z_pairs.values()))
            theory_name = "Erlang C" if what.startswith("mean") else "rate x hours"
            value = (
                f"{theory_name} {fmt.format(expected)}; "
                + ", ".join(f"{i} {fmt.format(means[i])}" for i in impls)
                + f" (SE {fmt.format(se)})"
            )
            rows.append(
                {
                    "benchmark": "funnel-4s",
                    "case": f"{name}: M/M/{c}, rho {t['rho']:.2f}",
                    "measure": f"{what}, mean of {n} seeds",
                    "value": value,
                    "target": f"all within {Z_LIMIT} SE",
                    "met": worst <= Z_LIMIT,
                    "worst_z": worst,
                }
            )
            rows[-1]["value"] += f"; worst {worst:.1f} SE"
    return rows, {"theory": th, "results": results}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--hours", type=float, default=20000.0)
    ap.add_argument("--warmup", type=float, default=1000.0)
    ap.add_argument("--json", help="also write the raw results to this file")
    a = ap.parse_args()
    from table import print_table  # noqa: PLC0415

    rows, raw = measure(a.runs, a.hours, a.warmup, progress=lambda m: print(m, file=sys.stderr))
    print_table(rows)
    if a.json:
        Path(a.json).write_text(json.dumps(raw, indent=1))


if __name__ == "__main__":
    main()
