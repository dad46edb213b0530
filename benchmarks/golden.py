"""Every number of every bundled scenario, to check that a change meant to move no number moved none.

    python benchmarks/golden.py dump out/golden.json       # on the tree before the change
    python benchmarks/golden.py compare out/golden.json    # on the tree after it

For each scenarios/*.yaml: two replications at seed 11 (every KPI, funnel count, stage-table value,
counter and monthly series) and the SHA-256 of replication 0's event log; and seed-stage.yaml at seed
2026, ten replications (KPIs, funnel, counters), which reach states the seed-11 runs do not (its
only AE leaving early, the founders taking deals). `compare` prints IDENTICAL or each difference
(and keys the tree added, which are not differences) and exits 1 when any number moved. A speed
change (docs/explanation/performance.md) lands only when it prints IDENTICAL. About 10 s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orgsim.engine import run_replication  # noqa: E402
from orgsim.metrics import reduce  # noqa: E402
from orgsim.scenario.loader import load_scenario  # noqa: E402


def dump() -> dict[str, Any]:
    """The numbers of this tree, as a JSON-able dict keyed by scenario/replication."""
    out: dict[str, Any] = {}
    for f in sorted((ROOT / "scenarios").glob("*.yaml")):
        sc = load_scenario(f)
        for r in range(2):
            rep = reduce(run_replication(sc, 11, r))
            out[f"{f.stem}/{r}"] = {
                "kpis": rep.kpis,
                "funnel": rep.funnel,
                "stages": rep.stages,
                "counters": rep.counters,
                "monthly": {k: [float(x) for x in v] for k, v in rep.monthly.items()},
            }
        events = run_replication(sc, 11, 0, events=True).events
        out[f"{f.stem}/events"] = hashlib.sha256(repr(events).encode()).hexdigest()
    seed = ROOT / "scenarios" / "seed-stage.yaml"
    if seed.exists():
        sc = load_scenario(seed)
        for r in range(10):
            rep = reduce(run_replication(sc, 2026, r))
            out[f"seed-stage-2026/{r}"] = {"kpis": rep.kpis, "funnel": rep.funnel, "counters": rep.counters}
    return json.loads(json.dumps(out, default=float))


def _same(x: Any, y: Any) -> bool:
    nan = isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y)
    return nan or x == y


def differences(before: Any, after: Any, path: str = "") -> tuple[list[str], list[str]]:
    """(differences, keys only `after` has) between two dumps."""
    diffs: list[str] = []
    added: list[str] = []
    if isinstance(before, dict) and isinstance(after, dict):
        for k in before:
            if k not in after:
                diffs.append(f"{path}.{k}: missing")
            else:
                d, a = differences(before[k], after[k], f"{path}.{k}")
                diffs += d
                added += a
        added += [f"{path}.{k}" for k in after if k not in before]
    elif isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after) or not all(_same(u, v) for u, v in zip(before, after)):
            diffs.append(f"{path}: series differs")
    elif not _same(before, after):
        diffs.append(f"{path}: {before} -> {after}")
    return diffs, added


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["dump", "compare"])
    ap.add_argument("file", type=Path, help="the dump to write (dump) or to compare this tree with (compare)")
    args = ap.parse_args(argv)
    now = dump()
    if args.action == "dump":
        args.file.parent.mkdir(parents=True, exist_ok=True)
        args.file.write_text(json.dumps(now))
        print(f"wrote {args.file} ({len(now)} entries)")
        return 0
    diffs, added = differences(json.loads(args.file.read_text()), now)
    if added:
        print(f"added (not differences): {len(added)}, e.g. {', '.join(added[:5])}")
    if diffs:
        print(f"DIFFERENT: {len(diffs)}")
        print("\n".join(diffs[:40]))
        return 1
    print("IDENTICAL")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
