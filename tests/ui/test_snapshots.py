"""SVG snapshots of every pane at 80x24 and 120x40, with everything that varies (clock, latency, URL) frozen."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import replace

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from mocktui.engine.events import RequestEvent
from mocktui.engine.pipeline import MockEngine
from mocktui.ui.app import MocktuiApp
from mocktui.ui.help import HelpScreen
from mocktui.ui.requests import Display
from mocktui.ui.traffic import Traffic

from .harness import (
    API,
    FROZEN,
    shop_app,
    shop_engine,
    traffic,
)

SnapCompare = Callable[..., bool]
NOW = 1_700_000_000.0  # the snapshots' clock for the traffic charts: the live requests come "after" it


def _snapshot_app(stateful: bool = True) -> tuple[MocktuiApp, str]:
    return shop_app(shop_engine(stateful=stateful), display=Display(
        time=FROZEN.time, latency=FROZEN.latency, rate=0.0, url=FROZEN.url, blink=False, now=lambda: NOW
    ))  # fmt: skip


def _replay_minute(app: MocktuiApp, workers: tuple[str, ...] = ()) -> None:
    """The journal's requests again, in a wave over the frozen clock's last minute: the charts get a fixed picture."""
    journal = app.backend.history()
    events: list[RequestEvent] = []
    for second in range(60):
        for _ in range(4 + round(3 * math.sin(second / 5))):
            n = len(events)
            worker = workers[n % len(workers)] if workers else ""
            events.append(replace(journal[n * 7 % len(journal)], time=NOW - 59.5 + second, worker=worker))
    app.traffic = Traffic(app.display_options.now)  # the live requests' slots would collide with these
    app.traffic.add(events)
    app._show_traffic()


def _driver(url: str, *keys: str) -> Callable[[Pilot[int]], Awaitable[None]]:
    async def run_before(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, MocktuiApp)
        async with httpx.AsyncClient(base_url=url) as client:
            await traffic(client)
            for i in range(1, 6):
                await client.get(f"{API}/users/{i}")
            await client.get(f"{API}/orders", params={"limit": 2})
        await pilot.pause(0.25)
        for key in keys:
            await pilot.press(key)
        await pilot.pause(0.2)

    return run_before


SNAP_SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SNAP_SIZES, ids=["80x24", "120x40"])
def test_snapshot_requests(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """The log under the traffic strip (req/s, status classes); the header counts three workers on two hosts."""
    app, url = _snapshot_app()

    async def run_before(pilot: Pilot[int]) -> None:
        await _driver(url, "o", "d")(pilot)
        _replay_minute(app, workers=("web-1/101", "web-1/102", "web-2/201"))
        await pilot.pause(0.2)
        assert app.requests_pane.traffic.bar.counts[0] > 0 and len(app.header.state.workers) == 3

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SNAP_SIZES, ids=["80x24", "120x40"])
def test_snapshot_routes(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app, url = _snapshot_app()

    async def run_before(pilot: Pilot[int]) -> None:
        await _driver(url)(pilot)
        assert isinstance(pilot.app, MocktuiApp)
        override = {"status": 404, "delay": {"min_ms": 300, "max_ms": 300}}
        pilot.app._show_controls(await pilot.app.backend.put_override("getProduct", override))
        _replay_minute(pilot.app)  # p50, p99 and err% per route
        await pilot.press("2")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SNAP_SIZES, ids=["80x24", "120x40"])
def test_snapshot_controls(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app, url = _snapshot_app()
    assert snap_compare(app, terminal_size=size, run_before=_driver(url, "e", "l", "3"))


@pytest.mark.parametrize("size", SNAP_SIZES, ids=["80x24", "120x40"])
def test_snapshot_store(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app, url = _snapshot_app()
    assert snap_compare(app, terminal_size=size, run_before=_driver(url, "4"))


def test_snapshot_store_stateless(snap_compare: SnapCompare) -> None:
    app, url = _snapshot_app(stateful=False)

    async def run_before(pilot: Pilot[int]) -> None:
        await _driver(url, "4")(pilot)
        assert app.store_pane.info is None and app.store_pane.query_one("#store-off").display
        assert "--stateful" in str(app.store_pane.query_one("#store-off", Static).content)
        assert app.header.state.mode == "stateless"

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_snapshot_help(snap_compare: SnapCompare) -> None:
    app, url = _snapshot_app()

    async def run_before(pilot: Pilot[int]) -> None:
        await _driver(url, "question_mark")(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = {(scope, key) for scope, key, _ in app.screen.rows}
        for expected in ["e", "d", "o", "l", "t", "q", "?", "1", "5", "ctrl+p"]:
            assert ("everywhere", expected) in keys, expected
        assert ("requests", "/") in keys and ("routes", "x") in keys and ("store", "R") in keys
        assert ("request details", "c") in keys and ("override editor", "ctrl+x") in keys

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SNAP_SIZES, ids=["80x24", "120x40"])
def test_snapshot_log(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app, url = _snapshot_app()

    async def run_before(pilot: Pilot[int]) -> None:
        await _driver(url)(pilot)
        app.log_pane.clear()  # uvicorn's start-up lines name a process id
        logging.getLogger("uvicorn.error").warning("Invalid HTTP request received.")
        logging.getLogger("mocktui").info("reloaded shop.yaml: 18 operations")
        logging.getLogger("mocktui.ui").error("lost the mock at http://127.0.0.1:3000: ConnectError")
        await pilot.pause(0.25)
        app.clear_notifications()
        await pilot.press("5")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_snapshot_detail(snap_compare: SnapCompare) -> None:
    app, url = _snapshot_app()

    async def run_before(pilot: Pilot[int]) -> None:
        assert isinstance(pilot.app, MocktuiApp)
        engine: MockEngine = pilot.app.backend.runtime.engine  # type: ignore[attr-defined]
        engine.events.publish(
            RequestEvent(
                time=0.0,
                client="127.0.0.1:50000",
                method="POST",
                path="/api/v1/users",
                query="notify=true",
                status=201,
                latency_ms=0.4,
                operation="createUser",
                request_headers=[("content-type", "application/json"), ("x-trace", "abc")],
                request_body=b'{"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}',
                response_headers=[("content-type", "application/json"), ("location", "/api/v1/users/6")],
                response_body=b'{"id": 6, "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}',
                tags=("stateful",),
            )
        )
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_snapshot_override_editor(snap_compare: SnapCompare) -> None:
    app, url = _snapshot_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=_driver(url, "2", "down", "down", "enter"))
