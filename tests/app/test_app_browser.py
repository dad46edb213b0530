"""`orgsim app` in a real browser: Playwright (Python, sync API) driving Debian's Chromium.

The app is started as users start it (`orgsim app --port P` in a child process) on a free
loopback port; the test edits a headcount, runs a few replications of a 12-month horizon, sees
the numbers and plots, downloads the edited scenario and loads it with `orgsim.load_scenario`,
types an invalid headcount and sees the CLI's message next to the input, then starts a long run
and cancels it while the page still answers. Screenshots go to test-artifacts/app/ (ignored by
git). Skipped, with the reason, where /usr/bin/chromium, Playwright or Solara's page assets are
missing - except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "app"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.slow


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def app_url():
    if not CHROMIUM.exists():
        _missing("/usr/bin/chromium is not installed (apt-get install -y --no-install-recommends chromium)")
    try:
        import playwright.sync_api  # noqa: F401
        import solara  # noqa: F401
    except ImportError as e:
        _missing(f"the app tests need solara and playwright ({e}): pip install -e '.[test]'")
    from orgsim.app import assets

    if assets.missing(assets.cache_dir()) and not os.environ.get("ORGSIM_APP_ONLINE"):
        _missing(f"Solara's page assets are not in {assets.cache_dir()}: run python -m orgsim.app.assets")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ORGSIM_APP_WORKERS": "2"}
    cmd = [sys.executable, "-m", "orgsim", "app", "scenarios/series-a.yaml", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the app did not start: {proc.communicate()[0][-3000:]}")
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}/"
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    assert "Traceback" not in out, out[-3000:]


@pytest.fixture(scope="module")
def app(app_url):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(app_url)
        pg.get_by_text("orgsim what-if").wait_for(timeout=60_000)
        yield pg
        browser.close()
        assert errors == [], errors


def field(page, path: str):
    return page.get_by_label(f"({path})", exact=False)


def set_text(page, path: str, value: str) -> None:
    box = field(page, path)
    box.fill(value)
    box.press("Enter")


def test_edit_run_download_and_errors(app, tmp_path):
    page = app
    import orgsim

    page.get_by_label("Horizon, months", exact=False).fill("12")
    page.get_by_label("Horizon, months", exact=False).press("Enter")
    set_text(page, "roles.sdr.headcount", "8")
    page.get_by_role("button", name="Run against the baseline").click()
    kpis = page.locator(".orgsim-kpis")
    kpis.wait_for(timeout=90_000)
    text = kpis.inner_text()
    assert "arr_end" in text and "difference [95% CI]" in text and "$" in text
    images = page.locator("img")
    assert images.count() >= 1
    assert "cash runs out in" in page.get_by_text("cash runs out in").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "results.png"), full_page=True)

    with page.expect_download() as dl:
        page.get_by_text("Download scenario (YAML)").click()
    saved = tmp_path / "edited.yaml"
    dl.value.save_as(saved)
    sc = orgsim.load_scenario(saved)
    assert sc.roles["sdr"].headcount == 8 and sc.horizon_months == 12

    set_text(page, "roles.ae.headcount", "-1")
    err = page.locator(".orgsim-field-error").first
    err.wait_for(timeout=20_000)
    assert err.inner_text().strip() == "roles.ae.headcount: must be >= 0 (got -1) (in overrides)"
    assert page.get_by_role("button", name="Run against the baseline").is_disabled()
    page.screenshot(path=str(ARTIFACTS / "error.png"), full_page=True)
    set_text(page, "roles.ae.headcount", "6")
    page.locator(".orgsim-field-error").first.wait_for(state="detached", timeout=20_000)


def test_long_run_can_be_cancelled_while_the_page_answers(app):
    page = app
    slider_reps = page.get_by_label("Horizon, months", exact=False)
    slider_reps.fill("36")
    slider_reps.press("Enter")
    set_text(page, "roles.sdr.headcount", "9")
    # 200 replications via the keyboard: the slider's End key jumps to its maximum
    page.get_by_role("slider").first.focus()
    page.keyboard.press("End")
    page.get_by_role("button", name="Run against the baseline").click()
    page.get_by_role("button", name="Cancel").wait_for(timeout=20_000)
    progress = page.locator(".orgsim-progress")
    progress.wait_for(timeout=20_000)
    t0 = time.monotonic()
    set_text(page, "roles.csm.headcount", "-3")  # the page still answers while replications run
    page.locator(".orgsim-field-error").first.wait_for(timeout=20_000)
    answered = time.monotonic() - t0
    page.screenshot(path=str(ARTIFACTS / "running.png"), full_page=True)
    page.get_by_role("button", name="Cancel").click()
    page.locator(".orgsim-cancelled").wait_for(timeout=30_000)
    assert answered < 5, f"the page took {answered:.1f} s to show a validation message during a run"
