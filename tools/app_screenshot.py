"""Take the README's screenshot of the browser view: two policies side by side, high threat.

    .venv/bin/python tools/app_screenshot.py [--days 180] [--out docs/app.png]

Starts ``solara run sim/view/app.py`` on a free local port, drives Debian's Chromium with
Playwright, waits until the page has loaded (both maps drawn), sets the threat to high, advances
both sides to the given day and saves the page once the maps show that day.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_browser import CHROMIUM_ARGS, find_chromium  # noqa: E402


def main() -> None:
    """Serve the app, advance both sides and save the screenshot."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=180, help="a multiple of 30")
    parser.add_argument("--out", default=str(ROOT / "docs" / "app.png"))
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    from sim.view.app import serve

    with serve() as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1400})
            page.goto(url)
            expect(page.get_by_text("Day 0 of 365")).to_be_visible(timeout=90_000)
            expect(page.locator("svg.corridor-map-svg")).to_have_count(2, timeout=90_000)
            page.locator(".v-select").filter(has_text="threat").first.click()
            page.locator(".menuable__content__active .v-list-item").filter(
                has_text="high"
            ).first.click()
            page.wait_for_timeout(1500)
            for day in range(30, args.days + 1, 30):
                page.get_by_role("button", name="+30 days").click()
                expect(page.get_by_text(f"Day {day} of 365")).to_be_visible(timeout=120_000)
            expect(page.locator(f".corridor-map[data-day='{args.days}']")).to_have_count(2)
            page.wait_for_timeout(2500)  # the charts' image arrives after the text
            page.screenshot(path=args.out, full_page=True)
            browser.close()
    print(f"screenshot written to {args.out}")


if __name__ == "__main__":
    main()
