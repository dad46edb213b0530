"""The reports of `compare`, `sweep` and `focus --out DIR` in a real headless browser.

As for the run report (test_report_browser.py; both use the `chromium` fixture of conftest.py, so these
tests are skipped, or fail under CI=true, exactly as that one is): each page loads from a file://
URL with no console message and no uncaught error, renders to a non-blank screenshot, and its DOM
holds every plot as an embedded PNG.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from plots_support import ROOT, SCENARIO, SEED, orgsim_cmd
from test_report_browser import PAGE_PROBLEM, browse

EXPERIMENTS = {
    "compare": ("compare", str(SCENARIO), str(ROOT / "scenarios" / "no-sdr.yaml")),
    "sweep": ("sweep", str(SCENARIO), "--vary", "roles.sdr.headcount=2,4"),
    "focus": (
        "focus",
        str(SCENARIO),
        "--orders",
        "product,sales,marketing,service",
        "--orders",
        "sales,product,marketing,service",
        "--max-replications",
        "2",
    ),
}
PLOTS = {"compare": 2, "sweep": 1, "focus": 1}
TITLES = {
    "compare": "series-a vs no-sdr",
    "sweep": "Sweep of series-a: roles.sdr.headcount",
    "focus": "Focus orders of series-a, ranked by ARR at end",
}


@pytest.fixture(scope="module")
def experiment_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A directory written by each experiment's real command with --out."""
    dirs = {}
    for command, args in EXPERIMENTS.items():
        out = tmp_path_factory.mktemp(command) / "out"
        p = orgsim_cmd(
            *args, "-n", "2", "--seed", str(SEED), "-w", "1", "--set", "horizon_months=12", "--quiet", "--out", str(out)
        )
        assert p.returncode == 0, p.stderr
        dirs[command] = out
    return dirs


def page_problems(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if PAGE_PROBLEM.search(line)]


@pytest.mark.parametrize("command", EXPERIMENTS)
def test_experiment_report_loads_cleanly_and_renders(
    chromium: Path, experiment_dirs: dict[str, Path], tmp_path: Path, command: str
):
    from PIL import Image

    shot = tmp_path / f"{command}.png"
    url = (experiment_dirs[command] / "report.html").resolve().as_uri()
    p = browse(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1280,3000", url)
    assert p.returncode == 0, p.stderr[-2000:]
    assert page_problems(p.stderr) == []
    with Image.open(shot) as im:
        assert im.size == (1280, 3000)
        colours = im.convert("RGB").resize((64, 150)).getcolors(maxcolors=64 * 150)
        assert colours is not None and len(colours) > 100, "the screenshot is (almost) blank"


@pytest.mark.parametrize("command", EXPERIMENTS)
def test_experiment_report_dom_in_the_browser(
    chromium: Path, experiment_dirs: dict[str, Path], tmp_path: Path, command: str
):
    url = (experiment_dirs[command] / "report.html").resolve().as_uri()
    p = browse(chromium, tmp_path, "--dump-dom", url)
    assert p.returncode == 0, p.stderr[-2000:]
    dom = p.stdout
    assert dom.count('<img alt="') == PLOTS[command] == dom.count('src="data:image/png;base64,')
    assert f"<h1>{TITLES[command]}" in dom and "What it shows" in dom
    assert page_problems(p.stderr) == []
