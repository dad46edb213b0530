"""report.html in a real headless browser (Chromium from Debian's packages, installed by .ci/run).

The page must load from a file:// URL with no console message and no uncaught error, render to a
non-trivial screenshot, and its DOM must hold every plot. Skipped, with the reason, where
/usr/bin/chromium is missing — except in CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from orgsim.outputs.report import PLOT_NAMES

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
]
# Chromium's own chatter without a desktop session (D-Bus, GPU probing) is not the page's business.
PAGE_PROBLEM = re.compile(r"Uncaught|:CONSOLE|console\.(error|warn)|net::ERR_|Failed to load resource", re.I)


# The `chromium` fixture (the browser's path; skips, or fails under CI=true, without it) is in conftest.py.
def browse(chromium: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(chromium), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=90,
        stdin=subprocess.DEVNULL,
    )


def test_report_loads_cleanly_and_renders(chromium: Path, run_dir: Path, tmp_path: Path):
    from PIL import Image

    shot = tmp_path / "report.png"
    url = (run_dir / "report.html").resolve().as_uri()
    p = browse(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1280,4000", url)
    assert p.returncode == 0, p.stderr[-2000:]
    problems = [line for line in p.stderr.splitlines() if PAGE_PROBLEM.search(line)]
    assert problems == [], "\n".join(problems)
    assert shot.is_file() and shot.stat().st_size > 100_000
    with Image.open(shot) as im:
        assert im.size == (1280, 4000)
        colours = im.convert("RGB").resize((64, 200)).getcolors(maxcolors=64 * 200)
        assert colours is not None and len(colours) > 100, "the screenshot is (almost) blank"


def test_the_console_check_catches_a_broken_page(chromium: Path, tmp_path: Path):
    """The check above is not vacuous: a page that logs an error and throws is caught."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>x</p><script>console.error('bad');throw new Error('boom')</script></body></html>"
    )
    p = browse(chromium, tmp_path, "--dump-dom", page.as_uri())
    problems = [line for line in p.stderr.splitlines() if PAGE_PROBLEM.search(line)]
    assert any("Uncaught Error: boom" in line for line in problems), p.stderr[-2000:]


def test_report_dom_in_the_browser(chromium: Path, run_dir: Path, tmp_path: Path):
    url = (run_dir / "report.html").resolve().as_uri()
    p = browse(chromium, tmp_path, "--dump-dom", url)
    assert p.returncode == 0, p.stderr[-2000:]
    dom = p.stdout
    n = len(PLOT_NAMES)  # every plot of the run, the health distribution and the two retention plots included
    assert n == 10 and dom.count('<img alt="') == n and dom.count('src="data:image/png;base64,') == n
    assert "<h1>series-a</h1>" in dom and "is the bottleneck" in dom
    assert "<h2>Retention</h2>" in dom
    assert not [line for line in p.stderr.splitlines() if PAGE_PROBLEM.search(line)]
