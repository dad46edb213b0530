"""What the model's mechanisms cost: series-a (every mechanism on) against reference.yaml (all off).

    python benchmarks/mechanisms.py [--repeats 10] [--seed 7] [--set KEY=VALUE ...] [--baseline customer-side-off]

One replication (`run_replication` + `reduce`, what a worker does) of each scenario, alternated
(reference, series-a, reference, ...) after a warm-up of each, so that both see the same machine
load; two markdown rows: the wall-clock medians and their ratio, and the CPU-time minima and
theirs (the steadier on a shared machine: a replication can only be slowed by other work).
scenarios/reference.yaml is the company before issues 12 and 13 (byte for byte the original
spec); scenarios/series-a.yaml is the same company with every mechanism switched on (and, since
2026-11-26, the cited median renewal rates); `--set` overrides a key of series-a only (as `orgsim run --set` does; e.g.
``--set customers.tech_touch.accounts_per_task=1``). The budget: series-a at most 1.3x the
reference's time per replication (docs/explanation/performance.md).

`--baseline customer-side-off` compares series-a with series-a itself, its customer-side
mechanisms (issue 13) at their neutral settings (`CUSTOMER_SIDE_OFF`): what those mechanisms cost
the same company, against issue 13's "no more than 1.2x slower".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orgsim.engine import run_replication  # noqa: E402
from orgsim.metrics import reduce  # noqa: E402
from orgsim.scenario.loader import load_scenario  # noqa: E402
from orgsim.scenario.overrides import parse_set  # noqa: E402

BUDGET = 1.3
CUSTOMER_SIDE_BUDGET = 1.2
# issue 13's keys at their neutral settings (docs/reference/scenario-format.md): health without
# reversion, the linear renewal rule, no contraction, churn floor, tech touch, handoff cost,
# relationships or ARR limit on CSM books
CUSTOMER_SIDE_OFF = [
    "customers.health.reversion=null",
    "customers.renewal_curve=null",
    "customers.contraction=null",
    "customers.churn_floor_per_year=0",
    "customers.tech_touch=null",
    "customers.handoff=null",
    "customers.relationship=null",
    "roles.csm.arr_per_csm=null",
]


def measure(
    repeats: int = 6,
    seed: int = 7,
    overrides: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
) -> dict[str, float]:
    """Seconds of one replication of each scenario, alternated, and the ratios series-a /
    reference: of the wall-clock medians, and of the CPU-time minima (`time.process_time`; the
    least disturbed replication of each, the steadier figure on a shared machine). Replication r
    uses the streams of (seed, r mod 5), so both figures compare the same five companies however
    many repeats (`overrides`: dotted keys set in series-a only; `baseline`: when given, the
    reference arm is series-a with these keys set instead of reference.yaml)."""
    base = (
        load_scenario(ROOT / "scenarios" / "reference.yaml")
        if baseline is None
        else load_scenario(ROOT / "scenarios" / "series-a.yaml", baseline)
    )
    scs = {
        "reference": base,
        "series-a": load_scenario(ROOT / "scenarios" / "series-a.yaml", overrides or None),
    }
    wall: dict[str, list[float]] = {name: [] for name in scs}
    cpu: dict[str, list[float]] = {name: [] for name in scs}
    for sc in scs.values():
        reduce(run_replication(sc, seed, 0))  # warm-up
    for r in range(repeats):
        for name, sc in scs.items():
            t0, c0 = time.perf_counter(), time.process_time()
            reduce(run_replication(sc, seed, r % 5))
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    ref, sa = statistics.median(wall["reference"]), statistics.median(wall["series-a"])
    ref_cpu, sa_cpu = min(cpu["reference"]), min(cpu["series-a"])
    return {
        "reference_s": ref,
        "series_a_s": sa,
        "ratio": sa / ref,
        "reference_cpu_s": ref_cpu,
        "series_a_cpu_s": sa_cpu,
        "cpu_ratio": sa_cpu / ref_cpu,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a key of series-a")
    ap.add_argument(
        "--baseline",
        choices=["reference", "customer-side-off"],
        default="reference",
        help="what series-a is compared with: reference.yaml (budget 1.3x), or series-a with issue 13's "
        "customer-side keys neutral (budget 1.2x)",
    )
    ap.add_argument(
        "--baseline-set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="with --baseline customer-side-off: set a key of that arm after the neutral ones "
        "(e.g. keep the tech-touch program in both arms)",
    )
    a = ap.parse_args()
    off = a.baseline == "customer-side-off"
    if a.baseline_set and not off:
        ap.error("--baseline-set needs --baseline customer-side-off")
    budget = CUSTOMER_SIDE_BUDGET if off else BUDGET
    m = measure(a.repeats, a.seed, parse_set(a.set), parse_set(CUSTOMER_SIDE_OFF + a.baseline_set) if off else None)
    if a.set:
        print("series-a with " + ", ".join(a.set))
    if a.baseline_set:
        print("customer side neutral but " + ", ".join(a.baseline_set))
    first = "series-a, customer side neutral" if off else "reference.yaml"
    print(f"| benchmark | {first} | series-a.yaml (all mechanisms) | ratio | budget | met |")
    print("|---|---:|---:|---:|---:|---|")
    print(
        f"| one replication, wall-clock median of {a.repeats} alternated | {m['reference_s']:.3f} s "
        f"| {m['series_a_s']:.3f} s | {m['ratio']:.2f}x | <= {budget}x | {'yes' if m['ratio'] <= budget else 'no'} |"
    )
    print(
        f"| one replication, CPU-time minimum of {a.repeats} alternated | {m['reference_cpu_s']:.3f} s "
        f"| {m['series_a_cpu_s']:.3f} s | {m['cpu_ratio']:.3f}x | <= {budget}x "
        f"| {'yes' if m['cpu_ratio'] <= budget else 'no'} |"
    )


if __name__ == "__main__":
    main()
