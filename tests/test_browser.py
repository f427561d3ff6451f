"""The browser view in a real browser: Debian's Chromium driven by Playwright.

Loads the page served by ``solara run sim/app.py``, sees the map, steps and plays the model,
changes the policy and sees the model rebuilt, and saves a screenshot. Under ``CI=true`` the
test must run: a missing browser is a failure there, and a skip (with the reason) elsewhere.
Set ``SCREENSHOT_DIR`` to keep the screenshot (the README's picture comes from it).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def find_chromium() -> str | None:
    for candidate in (
        os.environ.get("CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        "/usr/bin/chromium",
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(
                "CI=true: the browser test must run, but no Chromium was found "
                "(.ci/run installs Debian's chromium)"
            )
        pytest.skip(
            "no Chromium browser found; install Debian's chromium (apt-get install "
            "chromium) to run the browser test"
        )
    return path


@pytest.fixture(scope="module")
def server():
    from sim.app import serve

    try:
        with serve() as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


def test_page_steps_plays_and_rebuilds_in_a_real_browser(chromium, server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(server)
            expect(page.get_by_text("Day 0 of 365")).to_be_visible(timeout=90_000)
            # the map and the four live charts are drawn
            page.wait_for_function(
                "[...document.images].filter(i => i.complete && i.naturalWidth > 150).length >= 5",
                timeout=60_000,
            )
            # step: time advances one day
            page.get_by_role("button", name="Step").click()
            expect(page.get_by_text("Day 1 of 365")).to_be_visible(timeout=30_000)
            # play, then pause: time keeps advancing
            page.get_by_role("button", name="▶").click()
            expect(page.get_by_text("Day 4 of 365")).to_be_visible(timeout=60_000)
            page.get_by_role("button", name="❚❚").click()
            # change the policy: the model is rebuilt at day 0 with it
            page.locator(".v-select").filter(has_text="policy").first.click()
            page.locator(".menuable__content__active .v-list-item").filter(
                has_text="joint_escort"
            ).first.click()
            expect(
                page.get_by_text("policy joint_escort · threat baseline · seed 0")
            ).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Day 0 of 365")).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Step").click()
            expect(page.get_by_text("Day 1 of 365")).to_be_visible(timeout=30_000)
            page.wait_for_timeout(1500)  # let the redrawn map arrive
            shot = tmp_path / "app.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 20_000
            if os.environ.get("SCREENSHOT_DIR"):
                Path(os.environ["SCREENSHOT_DIR"]).mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, Path(os.environ["SCREENSHOT_DIR"]) / "app.png")
        finally:
            browser.close()
