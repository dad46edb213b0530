"""All of orgsim's speed benchmarks, as one markdown table.

    python benchmarks/run.py                     # everything (about 12 minutes on 2 cores)
    python benchmarks/run.py --only funnel       # or series-a, scaling, events
    python benchmarks/run.py --quick             # a smoke test: short runs, few repeats

Ciw comes from the `bench` extra (`pip install -e ".[bench]"`); without it funnel-4s compares
orgsim with the SimPy script only. Timings on a shared machine are noisy: every figure is a
median, and the table's first line records the machine and its load when the run began.

- funnel-4s (`funnel.py`): the four-stage queueing network as a bare SimPy script, a Ciw network
  and an orgsim scenario; visits per second and agreement with Erlang C and with each other.
- series-a (`series_a.py`): one replication of scenarios/series-a.yaml, 30 replications on 1 and
  2 workers.
- scaling (`scaling.py`): series-a at 1x, 4x and 16x lead volume and headcount and over a 3x
  longer horizon; time per lead and peak memory of the worker process.
- events (`events.py`): one replication with and without the event log; 10 replications
  writing the log as CSV, gzip and Parquet.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import events  # noqa: E402
import funnel  # noqa: E402
import scaling  # noqa: E402
import series_a  # noqa: E402
from table import print_table  # noqa: E402

BENCHMARKS = ("funnel", "series-a", "scaling", "events")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=BENCHMARKS, action="append", help="run only this benchmark (repeatable)")
    ap.add_argument("--quick", action="store_true", help="short runs and few repeats, to check that everything works")
    ap.add_argument("--runs", type=int, help="funnel-4s runs (seeds); default 10, 2 with --quick")
    ap.add_argument("--json", help="also write every row (and funnel-4s raw results) to this file")
    a = ap.parse_args()
    only = a.only or list(BENCHMARKS)
    quick = a.quick
    rows: list[dict] = []
    raw: dict = {}

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    if "funnel" in only:
        runs = a.runs or (2 if quick else 10)
        hours, warmup = (2000.0, 500.0) if quick else (20000.0, 1000.0)
        r, raw["funnel"] = funnel.measure(runs, hours, warmup, progress=say)
        rows += r
    if "series-a" in only:
        say("series-a ...")
        rows += series_a.measure(repeats=3 if quick else 5, replications=10 if quick else 30, batches=1 if quick else 3)
    if "scaling" in only:
        say("scaling ...")
        rows += scaling.measure(repeats=1 if quick else 3)
    if "events" in only:
        say("events ...")
        rows += events.measure(repeats=2 if quick else 5, replications=4 if quick else 10)
    print_table(rows)
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": rows, "raw": raw}, indent=1, default=str))


if __name__ == "__main__":
    main()
