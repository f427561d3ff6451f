"""Take the README's screenshot of the browser view: joint_escort under the high threat.

    .venv/bin/python tools/app_screenshot.py [--days 210] [--out docs/app.png]

Starts ``solara run sim/app.py`` on a free local port, drives Debian's Chromium with
Playwright, plays the model for the given number of days and saves the page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_browser import CHROMIUM_ARGS, find_chromium  # noqa: E402


def main() -> None:
    """Serve the app, play it and save the screenshot."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=210)
    parser.add_argument("--out", default=str(ROOT / "docs" / "app.png"))
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    from sim.app import serve

    with serve() as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(url)
            expect(page.get_by_text("Day 0 of 365")).to_be_visible(timeout=90_000)
            for label, option in (("policy", "joint_escort"), ("threat", "high")):
                page.locator(".v-select").filter(has_text=label).first.click()
                page.locator(".menuable__content__active .v-list-item").filter(
                    has_text=option
                ).first.click()
                page.wait_for_timeout(1500)
            page.get_by_role("button", name="▶").click()
            expect(page.get_by_text(f"Day {args.days} of 365")).to_be_visible(timeout=300_000)
            page.get_by_role("button", name="❚❚").click()
            page.wait_for_timeout(2500)
            page.screenshot(path=args.out)
            browser.close()
    print(f"screenshot written to {args.out}")


if __name__ == "__main__":
    main()
