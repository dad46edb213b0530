"""The screenshots of docs/how-to/app.md, taken from the running app in Chromium.

    python docs/_gen/app_screenshots.py [--out docs/img]

Starts `orgsim app scenarios/series-a.yaml --workers 2` on a free loopback port and, with
Playwright driving Debian's Chromium: doubles the SDRs (4 -> 8), runs 10 paired replications of
the scenario's 36 months (seed 2026) and waits for the last figure (app-results.png); asks "Who
should I hire next?" (app-hire.png); types an AE headcount of -1 (app-error.png); puts it back,
starts 200 replications and takes the page while they run (app-running.png), then cancels.
Needs the test extra and Solara's page assets (`python -m orgsim.app.assets`).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = ap.parse_args()
    from playwright.sync_api import expect, sync_playwright

    from orgsim.app.server import launch

    proc, url = launch("scenarios/series-a.yaml", 2, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(url)
            page.get_by_text("orgsim what-if").wait_for(timeout=60_000)
            edits = page.locator(".orgsim-edits")

            def edit(path: str, value: str, present: bool = True) -> None:
                box = page.get_by_label(f"({path})", exact=False)
                box.fill(value)
                box.press("Enter")
                if present:
                    expect(edits).to_contain_text(f"{path}={value}", timeout=30_000)
                else:
                    expect(edits).not_to_contain_text(f"{path}=", timeout=30_000)

            edit("roles.sdr.headcount", "8")
            run = page.get_by_role("button", name="Run against the baseline")
            run.click()
            timing = page.locator(".orgsim-timing").filter(has_text="Run 1:")
            expect(timing).to_contain_text("later.", timeout=180_000)
            page.mouse.move(0, 0)
            page.screenshot(path=str(args.out / "app-results.png"))

            page.get_by_role("button", name="Who should I hire next?").click()
            answer = page.locator(".orgsim-hire")
            expect(answer).to_be_visible(timeout=300_000)
            answer.scroll_into_view_if_needed()
            page.screenshot(path=str(args.out / "app-hire.png"))

            page.evaluate("window.scrollTo(0, 0)")
            edit("roles.ae.headcount", "-1")
            expect(page.locator(".orgsim-field-error").first).to_be_visible(timeout=30_000)
            page.screenshot(path=str(args.out / "app-error.png"))

            edit("roles.ae.headcount", "6", present=False)
            slider = page.get_by_role("slider").first
            slider.focus()
            page.keyboard.press("End")
            expect(edits).to_contain_text("Next run: 200 replications", timeout=30_000)
            run.click()
            progress = page.locator(".orgsim-progress")
            expect(progress).to_contain_text("% of the replications done", timeout=60_000)
            page.wait_for_function(
                "() => /([2-9]|1[0-9])% of/.test(document.querySelector('.orgsim-progress')?.textContent || '')",
                timeout=120_000,
            )
            page.screenshot(path=str(args.out / "app-running.png"), clip={"x": 0, "y": 0, "width": 1400, "height": 420})
            page.get_by_role("button", name="Cancel").click()
            expect(page.locator(".orgsim-cancelled")).to_be_visible(timeout=60_000)
            browser.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    for name in ("app-results.png", "app-hire.png", "app-error.png", "app-running.png"):
        print(args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
