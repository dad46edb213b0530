"""How long `orgsim calibrate` takes on a large export (the target: 100,000 deals in under 10 s).

    python benchmarks/calibrate.py [--deals 100000] [--seed 1] [--repeats 3]

Writes a generic export (deals.csv, three segments, lost deals slower than won ones, those not
decided by day 900 open) and a stage history (four stages per deal at most) to a temporary
directory, then times the whole command in this process (`orgsim calibrate deals.csv stages.csv
--format generic --json ... --out ...`, reading included; not --report, whose plots are extra)
and each part of it. Prints one line per part: the best of `--repeats` runs, in seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orgsim import cli  # noqa: E402
from orgsim.calibrate.estimate import estimate  # noqa: E402
from orgsim.calibrate.quality import prepare  # noqa: E402
from orgsim.calibrate.readers import read_export  # noqa: E402

SEGMENTS = {
    "smb": (0.6, 0.3, 30, 60, 9000),
    "mid_market": (0.3, 0.25, 60, 110, 40000),
    "enterprise": (0.1, 0.2, 120, 180, 150000),
}


def write_export(folder: Path, n: int, seed: int) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    start, window = pd.Timestamp("2022-01-01"), 900
    names = list(SEGMENTS)
    seg = rng.choice(len(names), n, p=[SEGMENTS[s][0] for s in names])
    p, won_d, lost_d, acv = (np.array([SEGMENTS[names[i]][k] for i in seg], float) for k in (1, 2, 3, 4))
    created = rng.integers(0, window, n)
    won = rng.random(n) < p
    cycle = np.round(rng.gamma(4.0, np.where(won, won_d, lost_d) / 4.0)).astype(int)
    decided = created + cycle <= window
    outcome = np.where(decided, np.where(won, "won", "lost"), "open")
    day = start + pd.to_timedelta(created, unit="D")
    closed = (start + pd.to_timedelta(created + cycle, unit="D")).strftime("%Y-%m-%d").where(decided, "")
    s2 = np.log1p(0.5**2)
    amount = np.round(rng.lognormal(np.log(acv) - s2 / 2, np.sqrt(s2)))
    ids = np.array([f"D-{i:07d}" for i in range(n)])
    deals = pd.DataFrame(
        {
            "deal_id": ids,
            "segment": np.array(names)[seg],
            "source": rng.choice(["inbound", "outbound", "referral"], n),
            "created_date": day.strftime("%Y-%m-%d"),
            "closed_date": closed,
            "outcome": outcome,
            "amount": amount.astype(int),
            "lost_reason": np.where(outcome == "lost", rng.choice(["Price", "No decision"], n), ""),
        }
    )
    rows = []
    for k, stage in enumerate(["discovery", "demo", "proposal", "negotiation"]):
        reach = won | (rng.random(n) < 0.6**k)
        at = created + (cycle * k) // 4
        keep = reach & (at <= window)
        rows.append(
            pd.DataFrame(
                {
                    "deal_id": ids[keep],
                    "stage": stage,
                    "entered_date": (start + pd.to_timedelta(at[keep], unit="D")).strftime("%Y-%m-%d"),
                }
            )
        )
    d, s = folder / "deals.csv", folder / "stages.csv"
    deals.to_csv(d, index=False)
    pd.concat(rows).to_csv(s, index=False)
    return d, s


def best(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        deals, stages = write_export(folder, a.deals, a.seed)
        t_read, export = best(lambda: read_export("generic", [deals, stages]), a.repeats)
        t_prep, prep = best(lambda: prepare(export, None, None), a.repeats)  # type: ignore[arg-type]
        t_est, _ = best(lambda: estimate(prep, export.history, "generic", [str(deals)]), a.repeats)  # type: ignore[arg-type, attr-defined]
        args = [
            "calibrate",
            str(deals),
            str(stages),
            "--format",
            "generic",
            "--json",
            str(folder / "c.json"),
            "--out",
            str(folder / "f.yaml"),
        ]

        def command() -> int:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                return cli.main(args)

        t_cmd, code = best(command, a.repeats)
        assert code == 0
        n_hist = sum(1 for _ in stages.open()) - 1
    print(f"calibrate on {a.deals:,} deals ({n_hist:,} stage-history rows), best of {a.repeats}:")
    for name, t in (("read", t_read), ("clean", t_prep), ("estimate", t_est), ("whole command", t_cmd)):
        print(f"  {name:14s} {t:6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
