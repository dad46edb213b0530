"""Shared, small real results for the plot and report tests (horizon 12 months, 2 replications).

Every fixture runs the real model once per session; plots and reports are then drawn from what it
produced, as users draw them. The checkout goes first on sys.path (see tests/cli/conftest.py).
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pandas as pd
import pytest
from plots_support import REPS, ROOT, SCENARIO, SEED, load, orgsim_cmd  # noqa: E402  (puts the checkout first)

import orgsim  # noqa: E402
from orgsim.experiments import describe  # noqa: E402

# Chromium from Debian's packages (.ci/run installs it), for the report tests in a real headless browser.
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI=true but /usr/bin/chromium is missing: .ci/run must install it (apt-get install chromium)")
        pytest.skip("/usr/bin/chromium is not installed (apt-get install -y --no-install-recommends chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def result() -> orgsim.Results:
    return orgsim.simulate(load(), replications=REPS, seed=SEED, workers=1)


@pytest.fixture(scope="session")
def departments(result: orgsim.Results) -> dict[str, str]:
    return {role: r.department for role, r in result.scenario.roles.items()}


@pytest.fixture(scope="session")
def comparison() -> orgsim.Comparison:
    return orgsim.compare([load(), load(ROOT / "scenarios" / "no-sdr.yaml")], replications=REPS, seed=SEED)


@pytest.fixture(scope="session")
def focus_table() -> pd.DataFrame:
    """ARR at the end for three growth-stage focus orders (order, mean, ci95_low, ci95_high)."""
    rows = []
    for order in itertools.islice(itertools.permutations(["product", "sales", "marketing", "service"]), 3):
        res = orgsim.simulate(
            load(**{"hiring.growth.focus_order": list(order), "hiring.growth.months_per_stage": 3}),
            replications=REPS,
            seed=SEED,
        )
        d = describe(list(res.kpis["arr_end"]))
        rows.append({"order": list(order), "mean": d["mean"], "ci95_low": d["ci95"][0], "ci95_high": d["ci95"][1]})
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def sweep_table() -> pd.DataFrame:
    """Tidy sweep rows over SDR and AE headcount: parameter columns + kpi, mean, ci95_low, ci95_high."""
    rows = []
    for sdr, ae in itertools.product((2, 6), (4, 8)):
        s = orgsim.simulate(
            load(**{"roles.sdr.headcount": sdr, "roles.ae.headcount": ae}), replications=REPS, seed=SEED
        ).summary()
        for k in ("arr_end", "cac"):
            rows.append(
                {
                    "roles.sdr.headcount": sdr,
                    "roles.ae.headcount": ae,
                    "kpi": k,
                    **s.loc[k, ["mean", "ci95_low", "ci95_high"]].to_dict(),
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory written by `orgsim run --out` (the real command)."""
    out = tmp_path_factory.mktemp("run") / "series-a"
    p = orgsim_cmd(
        "run",
        str(SCENARIO),
        "-n",
        str(REPS),
        "--seed",
        str(SEED),
        "-w",
        "1",
        "--set",
        "horizon_months=12",
        "--out",
        str(out),
        "--quiet",
    )
    assert p.returncode == 0, p.stderr
    return out
