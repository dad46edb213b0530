"""Measured effects of issue 12's market mechanisms on scenarios/reference.yaml, as markdown tables.

    python benchmarks/market_effects.py [--replications 30] [--seed 2026] [--workers 2]

Each experiment runs a baseline and an arm with the same seed and replication indices (common
random numbers); each cell is the baseline mean, and the mean of the per-replication differences
(arm - baseline) with its 95% confidence interval. The settings are illustrative, not benchmarks
(no public figure in data/benchmarks.yaml maps onto them). Not a timing benchmark: it produces
the tables of docs/explanation/model/marketing.md and product.md.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orgsim.engine import run_replication  # noqa: E402
from orgsim.experiments import paired_difference  # noqa: E402
from orgsim.scenario.loader import load_scenario  # noqa: E402

REFERENCE = ROOT / "scenarios" / "reference.yaml"
MARKET = {"smb": 600, "mid_market": 250, "enterprise": 40}
FIT = {"threshold": 0.8, "floor": 0.3}
FIXED_TEAM = {"hiring.growth.hires_per_month": 0.0, "hiring.attrition_per_year": 0.0, "horizon_months": 12}
INBOUND = ("paid", "content", "referral")
SOURCES = ("paid", "content", "outbound", "referral")


def f(rec: Any, *keys: str) -> float:
    return float(sum(rec.funnel.get(k, 0) for k in keys))


def pct(a: float, b: float) -> float | None:
    """a / b in percentage points; None when b is 0."""
    return 100 * a / b if b else None


Metric = tuple[str, Callable[[Any], float | None], int]
LEADS: Metric = ("leads", lambda r: f(r, *(f"leads.{s}" for s in SOURCES)), 0)
CONTENT: Metric = ("content leads", lambda r: f(r, "leads.content"), 0)
PAID: Metric = ("paid leads", lambda r: f(r, "leads.paid"), 0)
NEW: Metric = ("new customers", lambda r: float(r.monthly["new_customers"].sum()), 1)
LATE: Metric = ("new customers, months 25-36", lambda r: float(r.monthly["new_customers"][-12:].sum()), 1)
ARR: Metric = ("ARR end ($k)", lambda r: float(r.monthly["arr"][-1]) / 1e3, 0)
MQL: Metric = (
    "lead -> MQL (pp)",
    lambda r: pct(f(r, *(f"mql.{s}" for s in INBOUND)), f(r, *(f"leads.{s}" for s in INBOUND))),
    2,
)
SQL: Metric = (
    "MQL -> SQL (pp)",
    lambda r: pct(f(r, *(f"sql.{s}" for s in INBOUND)), f(r, *(f"mql.{s}" for s in INBOUND))),
    2,
)
WIN: Metric = ("win rate (pp)", lambda r: pct(f(r, "won"), f(r, "won", "lost.opportunity")), 2)


def _one(args: tuple) -> Any:
    path, over, seed, rep = args
    sc = load_scenario(path, overrides=over, extends_roots=[ROOT])
    return run_replication(sc, seed, rep)


def run(pool: ProcessPoolExecutor, path: Path, over: dict, reps: int, seed: int) -> list:
    return list(pool.map(_one, [(path, over, seed, r) for r in range(reps)]))


def fmt(x: float | None, dec: int) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:+,.{dec}f}"


def table(title: str, base: list, arms: dict[str, list], metrics: list[Metric]) -> None:
    print(f"\n{title}\n")
    print("| metric | baseline mean | " + " | ".join(arms) + " |")
    print("|---|---:|" + "---:|" * len(arms))
    for label, get, dec in metrics:
        b = [get(r) for r in base]
        bv = [x for x in b if x is not None]
        cells = [fmt(sum(bv) / len(bv), dec).lstrip("+")]
        for recs in arms.values():
            d = paired_difference([get(r) for r in recs], b)
            lo, hi = d["ci95"]
            cells.append(f"{fmt(d['mean'], dec)} [{fmt(lo, dec)}, {fmt(hi, dec)}]")
        print(f"| {label} | " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    n, s = a.replications, a.seed
    print(f"reference.yaml, {n} paired replications, seed {s}; mean [95% CI] of arm - baseline")
    with ProcessPoolExecutor(max_workers=a.workers) as pool, tempfile.TemporaryDirectory() as tmp:
        ref = run(pool, REFERENCE, {}, n, s)
        # content: 12 vs 3 marketers (a fixed team over 12 months), linear and beta = 0.7
        for beta in (1.0, 0.7):
            over = {**FIXED_TEAM, "lead_sources.content.returns_exponent": beta}
            three = run(pool, REFERENCE, {**over, "roles.marketer.headcount": 3}, n, s)
            twelve = run(pool, REFERENCE, {**over, "roles.marketer.headcount": 12}, n, s)
            table(
                f"Content, returns_exponent {beta}: 12 vs 3 marketers, fixed team, 12 months",
                three,
                {"12 marketers": twelve},
                [CONTENT, LEADS, NEW],
            )
        table(
            "Content returns_exponent 0.7 vs 1 (reference, 36 months)",
            ref,
            {"beta 0.7": run(pool, REFERENCE, {"lead_sources.content.returns_exponent": 0.7}, n, s)},
            [CONTENT, LEADS, NEW, ARR],
        )
        child = Path(tmp) / "bigger-budget.yaml"
        child.write_text(
            f"extends: {REFERENCE}\nlead_sources:\n  paid: {{budget_per_month: 100000}}\n", encoding="utf-8"
        )
        table(
            "Paid budget $100k vs $50k: by --set and by a file that extends reference.yaml",
            ref,
            {
                "--set": run(pool, REFERENCE, {"lead_sources.paid.budget_per_month": 100_000}, n, s),
                "extends": run(pool, child, {}, n, s),
            },
            [PAID, LEADS, NEW],
        )
        table(
            f"Finite market {MARKET} vs unlimited",
            ref,
            {"finite": run(pool, REFERENCE, {"market.addressable_accounts": MARKET}, n, s)},
            [LEADS, NEW, LATE, ARR],
        )
        for m0 in (0.3, 0.6):
            young = {"product.maturity_start": m0}
            base = ref if m0 == 0.6 else run(pool, REFERENCE, young, n, s)
            table(
                f"Product fit {FIT} vs off, maturity_start {m0}",
                base,
                {"fit on": run(pool, REFERENCE, {**young, "product.fit": FIT}, n, s)},
                [MQL, SQL, WIN, NEW, ARR],
            )


if __name__ == "__main__":
    main()
