"""The browser view in a real browser: Debian's Chromium driven by Playwright.

Loads the page served by ``solara run sim/view/app.py``, sees the map, steps and plays the model,
changes the policy and sees the model rebuilt, and saves a screenshot. Under ``CI=true`` the
test must run: a missing browser is a failure there, and a skip (with the reason) elsewhere.
Set ``SCREENSHOT_DIR`` to keep the screenshot (the README's picture comes from it).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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
    from sim.view.app import serve

    try:
        with serve() as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


def _shown(page, side: str) -> dict:
    from sim.view.side_by_side import SHOWN

    out = {}
    for key in SHOWN:
        text = page.locator(f".count-{side}-{key}").first.inner_text()
        out[key] = int(text.rsplit(" ", 1)[1].replace(",", ""))
    return out


@pytest.mark.slow
def test_two_policies_side_by_side_in_a_real_browser(chromium, server, tmp_path):
    """Both maps render, stepping advances both, a control rebuilds only its side, the values
    shown are the API's, and loading the page logs nothing."""
    from playwright.sync_api import expect, sync_playwright

    from sim import run
    from sim.view.side_by_side import DEFAULT_SEED, DEFAULT_THREAT, SHOWN

    noise = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1400})
            page.on(
                "console",
                lambda m: noise.append(f"{m.type}: {m.text}") if m.type in ("warning", "error")
                else None,
            )  # fmt: skip
            page.goto(server)
            expect(page.get_by_text("Day 0 of 365")).to_be_visible(timeout=90_000)
            assert page.title() == "corridor-sim: two policies, same seed"
            maps = page.locator("svg.corridor-map-svg")
            expect(maps).to_have_count(2, timeout=60_000)
            for k in range(2):  # every node drawn, with its name on hover
                expect(maps.nth(k).locator("circle.node")).to_have_count(25)
            assert maps.nth(0).locator("circle.node title").first.text_content().endswith(")")
            # step: both sides advance
            page.get_by_role("button", name="Step 1 day").click()
            expect(page.get_by_text("Day 1 of 365")).to_be_visible(timeout=30_000)
            expect(page.locator(".corridor-map[data-day='1']")).to_have_count(2, timeout=30_000)
            page.get_by_role("button", name="+30 days").click()
            expect(page.get_by_text("Day 31 of 365")).to_be_visible(timeout=60_000)
            expect(page.locator(".corridor-map[data-day='31']")).to_have_count(2, timeout=30_000)
            # the values shown are the API's for the same scenario and seed
            for side, policy in (("A", "domestic_baseline"), ("B", "joint_escort")):
                api = run(policy=policy, threat=DEFAULT_THREAT, seed=DEFAULT_SEED, days=31).outcomes
                assert _shown(page, side) == {k: int(api[k]) for k in SHOWN}
            a_before = _shown(page, "A")
            # change B's policy: B is rebuilt and rerun to day 31; A is left as it was
            page.locator(".v-select").filter(has_text="policy B").first.click()
            page.locator(".menuable__content__active .v-list-item").filter(
                has_text="domestic_surge"
            ).first.click()
            expect(page.get_by_text("B: domestic_surge")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Day 31 of 365")).to_be_visible()
            assert _shown(page, "A") == a_before
            api = run(
                policy="domestic_surge", threat=DEFAULT_THREAT, seed=DEFAULT_SEED, days=31
            ).outcomes
            assert _shown(page, "B") == {k: int(api[k]) for k in SHOWN}
            page.wait_for_timeout(1500)  # let the redrawn charts arrive
            shot = tmp_path / "app.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
            if os.environ.get("SCREENSHOT_DIR"):
                Path(os.environ["SCREENSHOT_DIR"]).mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, Path(os.environ["SCREENSHOT_DIR"]) / "app.png")
        finally:
            browser.close()
    assert noise == []


@pytest.mark.slow
def test_page_steps_plays_and_rebuilds_in_a_real_browser(chromium, server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(server + "single")
            expect(page.get_by_text("Day 0 of 365")).to_be_visible(timeout=90_000)
            assert page.title() == "corridor-sim: one policy"
            expect(page.get_by_text("Page 0")).to_be_hidden()
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
            shot = tmp_path / "single.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 20_000
        finally:
            browser.close()
