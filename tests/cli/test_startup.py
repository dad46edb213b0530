"""`orgsim --help` and `orgsim validate` start fast: building the commands imports no pandas, scipy,
matplotlib or SALib (each command imports what it runs when it runs). Checked by the modules a fresh
interpreter has loaded, not by a wall-clock time, which depends on the machine's load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "scipy", "matplotlib", "SALib")


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)}
    )
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_building_the_cli_imports_nothing_heavy():
    loaded = _loaded_after("import orgsim.cli")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_validate_imports_nothing_heavy():
    code = "from orgsim.cli import main\nassert main(['validate', 'scenarios/series-a.yaml']) == 0"
    loaded = _loaded_after(code)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_the_connect_timeout_default_is_dask_execs():
    from orgsim.cli.options import CONNECT_TIMEOUT_S
    from orgsim.experiments.dask_exec import CONNECT_TIMEOUT_S as DASK_DEFAULT

    assert CONNECT_TIMEOUT_S == DASK_DEFAULT


def test_run_without_out_imports_no_plotting_and_no_scipy_stats():
    """`orgsim run` without --out draws nothing, so it needs no matplotlib, and its t intervals come
    from scipy.special (what scipy.stats.t calls): about 2 s less per run than with both imported."""
    code = (
        "from orgsim.cli import main\n"
        "args = ['run', 'scenarios/series-a.yaml', '-n', '2', '-w', '1', '-q', '--set', 'horizon_months=2']\n"
        "assert main(args) == 0\n"
        "assert 'scipy.stats' not in sys.modules"
    )
    loaded = _loaded_after(code)
    assert "matplotlib" not in loaded and "SALib" not in loaded, loaded
