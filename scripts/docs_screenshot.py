"""screenshots/docs.png and docs-redoc.png: the petstore's docs pages in Debian's chromium, one GET tried.

python scripts/docs_screenshot.py     (needs /usr/bin/chromium and the [test] extra's playwright)
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    mock = subprocess.Popen([sys.executable, "-m", "mocktui", str(ROOT / "specs" / "petstore.yaml"), "--headless",
                             "--port", str(port), "--faker-seed", "1"], stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/__mocktui/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(url + "/__mocktui/api-docs")
            block = page.locator('.opblock-get:has(.opblock-summary [data-path="/pets/{petId}"])').first
            block.locator(".opblock-summary").click()
            block.locator(".try-out__btn").click()
            block.locator('tr[data-param-name="petId"] input').fill("1")
            block.locator('tr[data-param-name="Prefer"] select').select_option("code=200, example=cat")
            block.locator(".execute").click()
            block.locator(".live-responses-table .response .response-col_status").wait_for()
            block.locator(".responses-wrapper").scroll_into_view_if_needed()
            page.evaluate("window.scrollTo(0, document.querySelector('.opblock.is-open').offsetTop - 60)")
            page.screenshot(path=str(ROOT / "screenshots" / "docs.png"))
            page.goto(url + "/__mocktui/api-docs/redoc")
            page.wait_for_selector("#redoc .api-content")
            page.screenshot(path=str(ROOT / "screenshots" / "docs-redoc.png"))
            browser.close()
    finally:
        mock.terminate()
        mock.wait(15)


if __name__ == "__main__":
    main()
