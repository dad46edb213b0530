"""How long `orgsim app` takes from the click on Run to the results, in a real browser.

    python benchmarks/app_rerun.py [--scenario scenarios/series-a.yaml] [--replications 10]
                                   [--workers 2] [--reruns 4]

Starts `orgsim app SCENARIO --workers W` on a free loopback port, opens it in Debian's Chromium
(Playwright), sets the replications, and runs: the first run (baseline and plan, the worker pool
starting), then reruns that each change the SDR headcount (the baseline is cached: only the plan
runs). For every run it prints the seconds from the click to (1) the numbers table, (2) the ARR
and cash fans, (3) the last figure, with the 1-minute load average before the click. The scenario's
own horizon and seed. Needs Solara's page assets (`python -m orgsim.app.assets`).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


WATCH = """run => {
  const t0 = performance.now(), seen = {};
  window.__orgsimSeen = seen;
  const timing = () => [...document.querySelectorAll('.orgsim-timing')].map(e => e.textContent).join(' ');
  const check = () => {
    const now = performance.now() - t0, text = timing();
    if (!text.includes(`Run ${run}:`)) return;
    if (seen.numbers === undefined && document.querySelector('.orgsim-kpis')) seen.numbers = now;
    if (seen.fans === undefined && document.querySelector('.orgsim-figure-arr')
        && document.querySelector('.orgsim-figure-cash')) seen.fans = now;
    if (seen.all === undefined && text.includes('later.')) seen.all = now;
  };
  new MutationObserver(check).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="scenarios/series-a.yaml")
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reruns", type=int, default=4)
    args = ap.parse_args()
    from playwright.sync_api import expect, sync_playwright

    from orgsim.app.server import launch

    proc, url = launch(args.scenario, args.workers, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.get_by_text("orgsim what-if").wait_for(timeout=60_000)
            slider = page.get_by_role("slider").first
            slider.focus()
            page.keyboard.press("Home")  # 2 replications
            for _ in range(args.replications - 2):
                page.keyboard.press("ArrowRight")
            expect(page.locator(".orgsim-edits")).to_contain_text(
                f"Next run: {args.replications} replications", timeout=30_000
            )
            print("| run | load (1 min) | numbers | ARR and cash fans | every figure |")
            print("|---|---|---|---|---|")
            for i in range(args.reruns + 1):
                box = page.get_by_label("(roles.sdr.headcount)", exact=False)
                box.fill(str(5 + i))
                box.press("Enter")
                edits = page.locator(".orgsim-edits")
                expect(edits).to_contain_text(f"roles.sdr.headcount={5 + i}", timeout=30_000)  # the server has it
                run = page.get_by_role("button", name="Run against the baseline")
                expect(run).to_be_enabled(timeout=30_000)
                load = os.getloadavg()[0]
                # The browser notes when each part first appears (a MutationObserver: Playwright's own
                # waits poll every 0.5 s after the first second, too coarse for this)
                page.evaluate(WATCH, i + 1)
                run.click()
                page.locator(".orgsim-timing").filter(has_text=f"Run {i + 1}:").filter(has_text="later.").wait_for(
                    timeout=180_000
                )
                seen = page.evaluate("() => window.__orgsimSeen")
                t_numbers, t_fans, t_all = (seen[k] / 1000 for k in ("numbers", "fans", "all"))
                what = "first (baseline and plan)" if i == 0 else f"rerun {i} (plan only)"
                print(f"| {what} | {load:.2f} | {t_numbers:.2f} s | {t_fans:.2f} s | {t_all:.2f} s |", flush=True)
            browser.close()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
