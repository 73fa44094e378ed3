"""The docs pages in a real browser (Debian's chromium, driven by Playwright): each renders without an
error, shows every operation of its spec, asks nothing of any host but this mock, and "Try it out"
shows the answer the mock sent. One browser for the module; its page is reused from test to test."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from mocktui.engine.spec.model import METHODS
from mocktui.server.reload import Reloader

from ..helpers import CORPUS, SPECS, missing, serve

CHROMIUM = "/usr/bin/chromium"  # Debian's: Playwright's own browser download is not reachable here
TIMEOUT_MS = 30_000
BUNDLED = ["payments.yaml", "petstore.yaml", "shop.yaml", "users.yaml"]
CORPUS_SPECS = [
    "petstore-v2.yaml", "petstore-expanded-v2.yaml", "petstore-separate-v2/spec/swagger.yaml",  # Swagger 2.0
    "petstore-v3.yaml", "api-with-examples.yaml", "link-example.yaml", "callback-example.yaml", "tictactoe.yaml",
    "petstore-v31.yaml", "webhook-example.yaml", "museum.yaml", "redocly-cafe/openapi.yaml",  # 3.1, webhooks
    "train-travel/openapi.yaml",
]  # fmt: skip


class Browsing:
    """One page, and every request it made to a host other than 127.0.0.1 (each refused)."""

    def __init__(self, browser: Browser) -> None:
        # Credentials for a `WWW-Authenticate: Basic` answer, which would otherwise wait for a person to type them.
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, http_credentials={"username": "docs", "password": "docs"}
        )
        self.context.route("**/*", self._only_here)
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.elsewhere: list[str] = []

    def _only_here(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.elsewhere.append(url)
            route.abort()


@pytest.fixture(scope="module")
def browsing() -> Iterator[Browsing]:
    if not os.path.exists(CHROMIUM):
        missing(f"no {CHROMIUM}: apt-get install chromium (what .ci/run does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield Browsing(browser)
        finally:
            browser.close()


@pytest.fixture
def page(browsing: Browsing) -> Iterator[Page]:
    browsing.elsewhere.clear()
    yield browsing.page
    assert browsing.elsewhere == [], "requests left 127.0.0.1"


def shown_operations(page: Page) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(method, path) of the operations Swagger UI shows, and of its webhooks (an operation under several
    tags is shown under each: counted once)."""
    found: list[list[Any]] = page.evaluate(
        """() => [...document.querySelectorAll('.opblock')].map(o => [
            !!o.closest('.webhooks'),
            o.querySelector('.opblock-summary-method').textContent,
            o.querySelector('.opblock-summary [data-path]').getAttribute('data-path')])  // deprecated: another class"""
    )
    operations = {(m.lower(), p) for hook, m, p in found if not hook}
    webhooks = {(m.lower(), p) for hook, m, p in found if hook}
    return operations, webhooks


def declared(doc: dict[str, Any], key: str) -> set[tuple[str, str]]:
    items = doc.get(key) or {}
    return {(m, p) for p, item in items.items() for m in item if m in METHODS}


def open_swagger(page: Page, url: str) -> None:
    page.goto(url + "/__mocktui/api-docs")
    page.wait_for_selector("#swagger-ui .information-container, #swagger-ui .errors-wrapper")
    page.wait_for_load_state("networkidle")
    errors = page.locator("#swagger-ui .errors-wrapper")
    assert errors.count() == 0, errors.first.inner_text()
    assert page.get_by_text("Unable to render this definition").count() == 0


def a_get(doc: dict[str, Any]) -> str | None:
    """The GET easiest to try: needing no credentials if one does, then with the fewest required parameters."""

    def effort(item: dict[str, Any], op: dict[str, Any]) -> tuple[bool, int]:
        params = [*item.get("parameters", []), *op.get("parameters", [])]
        return bool(op.get("security", doc.get("security"))), sum(
            1 for p in params if isinstance(p, dict) and p.get("required")
        )

    gets = [(effort(item, item["get"]), path) for path, item in (doc.get("paths") or {}).items() if "get" in item]
    return min(gets)[1] if gets else None


def try_it_out(page: Page, path: str, values: dict[str, str] | None = None, prefer: str = "") -> tuple[str, str]:
    """Expand GET `path`, Try it out, fill `values` and what else is required and empty, pick `prefer`,
    Execute: the status and body shown."""
    block = page.locator(f'.opblock-get:has(.opblock-summary [data-path="{path}"])').first
    block.locator(".opblock-summary").click()
    block.locator(".try-out__btn").click()
    for name, value in (values or {}).items():
        block.locator(f'tr[data-param-name="{name}"] input').fill(value)
    if prefer:
        block.locator('tr[data-param-name="Prefer"] select').select_option(prefer)
    for field in block.locator("tr[data-param-name]:has(.parameter__name.required) input[type=text]").all():
        if not field.input_value():
            field.fill("1")
    block.locator(".execute").click()
    status = block.locator(".live-responses-table .response .response-col_status")
    status.wait_for()
    body = block.locator(".live-responses-table .response .response-col_description")
    return status.inner_text().split()[0], body.inner_text()  # "401 Undocumented": the code


def fragment(body: str) -> str | None:
    """A piece of the body the page must show: a string or number of a JSON body, or the start of text."""
    try:
        value: Any = json.loads(body)
    except ValueError:
        return body.strip()[:30] or None
    stack = [value]
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and 3 <= len(item) <= 60 and item.isprintable() and '"' not in item:
            return item
        elif isinstance(item, int | float) and not isinstance(item, bool):
            return json.dumps(item)
    return None


def check_spec(page: Page, spec: Path) -> None:
    with serve(spec, faker_seed=3) as live:
        doc = httpx.get(live.url + "/__mocktui/api-docs/openapi.json").json()
        open_swagger(page, live.url)
        operations, webhooks = shown_operations(page)
        assert operations == declared(doc, "paths")
        assert webhooks == declared(doc, "webhooks")
        path = a_get(doc)
        if path is not None:
            status, body = try_it_out(page, path)
            sent = httpx.get(live.url + "/__mocktui/events", params={"limit": 1}).json()[-1]
            assert sent["method"] == "GET" and status == str(sent["status"])
            piece = fragment(sent["response_body"])
            assert piece is None or piece in body, (piece, body[:500])
        page.goto(live.url + "/__mocktui/api-docs/redoc")
        page.wait_for_selector("#redoc .api-content")
        title = doc["info"]["title"]
        assert page.locator("#redoc .api-content h1").first.inner_text().startswith(title)
        assert page.get_by_text("Something went wrong").count() == 0


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_spec_docs_render_and_try_it_out(page: Page, name: str) -> None:
    check_spec(page, SPECS / name)


@pytest.mark.corpus
@pytest.mark.parametrize("name", CORPUS_SPECS)
def test_corpus_spec_docs_render_and_try_it_out(page: Page, name: str) -> None:
    check_spec(page, CORPUS / name)


@pytest.mark.corpus
def test_callbacks_are_shown_with_their_operation(page: Page) -> None:
    with serve(CORPUS / "callback-example.yaml") as live:
        open_swagger(page, live.url)
        block = page.locator('.opblock-post:has(.opblock-summary [data-path="/streams"])').first
        block.locator(".opblock-summary").click()
        block.locator(".tab-item", has_text="Callbacks").click()
        assert block.get_by_text("onData").count() == 1
        assert block.get_by_text("{$request.query.callbackUrl}/data").count() >= 1


def test_prefer_picked_in_the_page_forces_the_example(page: Page) -> None:
    with serve(SPECS / "petstore.yaml") as live:
        open_swagger(page, live.url)
        status, body = try_it_out(page, "/pets/{petId}", {"petId": "7"}, prefer="code=200, example=dog")
        assert status == "200" and '"name": "Rex"' in body
        sent = httpx.get(live.url + "/__mocktui/events", params={"limit": 1}).json()[-1]
        assert ["prefer", "code=200, example=dog"] in sent["request_headers"] and sent["path"] == "/pets/7"


def test_the_page_shows_a_hot_reload_by_itself(page: Page, tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text((SPECS / "petstore.yaml").read_text())
    with serve(spec) as live:
        open_swagger(page, live.url)
        assert page.locator('.opblock-summary-path[data-path="/pets/ours"]').count() == 0
        assert page.locator("#mocktui-title").inner_text() == "Petstore" and page.title() == "Petstore - Swagger UI"
        retitled = (SPECS / "petstore.yaml").read_text().replace("title: Petstore", "title: Pet Shop")
        spec.write_text(retitled.replace("/pets/mine:", "/pets/ours:"))
        Reloader(live.engine, str(spec)).reload_now()
        started = time.monotonic()
        page.locator('.opblock-summary-path[data-path="/pets/ours"]').wait_for()
        assert time.monotonic() - started < 15
        assert page.locator('.opblock-summary-path[data-path="/pets/mine"]').count() == 0
        assert "reloaded" in page.locator("#mocktui-reloaded").inner_text()
        assert page.locator("#mocktui-title").inner_text() == "Pet Shop" and page.title() == "Pet Shop - Swagger UI"
        assert page.locator("#swagger-ui .info .title").inner_text().startswith("Pet Shop")
        page.goto(live.url + "/__mocktui/api-docs/redoc")  # ReDoc follows too
        page.get_by_text("/pets/ours").first.wait_for(state="attached")
        assert page.title() == "Pet Shop - ReDoc"  # written with the title served now
        spec.write_text((SPECS / "petstore.yaml").read_text().replace("/pets/mine:", "/pets/theirs:"))
        Reloader(live.engine, str(spec)).reload_now()
        page.get_by_text("/pets/theirs").first.wait_for(state="attached")
        assert page.get_by_text("/pets/ours").count() == 0
        assert page.locator("#mocktui-title").inner_text() == "Petstore" and page.title() == "Petstore - ReDoc"


def test_the_admin_api_docs_render(page: Page) -> None:
    """A regression test: Swagger UI 4 could not read the OpenAPI 3.1 FastAPI writes."""
    with serve(SPECS / "petstore.yaml") as live:
        page.goto(live.url + "/__mocktui/docs")
        page.wait_for_selector("#swagger-ui .information-container, #swagger-ui .errors-wrapper")
        page.wait_for_load_state("networkidle")
        assert page.locator("#swagger-ui .errors-wrapper").count() == 0
        assert page.get_by_text("Unable to render this definition").count() == 0
        admin = httpx.get(live.url + "/__mocktui/openapi.json").json()
        assert shown_operations(page)[0] == declared(admin, "paths")
