"""The app (`mocktui.ui.room`, `mocktui.ui.app`): failure-mode keys proven over HTTP, the request log, lifecycle."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from rich.syntax import Syntax
from textual.widgets import Checkbox, Input, Static

from mocktui.engine.events import RequestEvent
from mocktui.engine.pipeline import MockEngine
from mocktui.runtime import StartError
from mocktui.server.runner import bind
from mocktui.settings.table import Settings
from mocktui.ui.app import run_tui
from mocktui.ui.requests import RequestList
from mocktui.ui.screens import DetailScreen
from mocktui.ui.slider import Slider

from .harness import (
    API,
    flushed,
    running,
    shop_app,
    shop_engine,
    shop_spec,
    traffic,
)


async def test_failure_mode_keys_then_back() -> None:
    """e, d, o and l flip errors, delay, offline and the rate limit; each is proven over HTTP."""
    engine = shop_engine()
    engine.controls.update({"faults": {"error_rate": 10}, "chaos_seed": 3})
    async with running(engine) as (app, pilot, client):
        await pilot.press("e")
        assert engine.controls.faults.error_rate == 50
        statuses = [(await client.get(f"{API}/products/1")).status_code for _ in range(40)]
        assert any(s >= 500 for s in statuses) and any(s == 200 for s in statuses)
        await pilot.press("e")
        assert engine.controls.faults.error_rate == 10  # back to what it was
        await flushed(pilot, app)
        assert app.header.state.chips[0].active and "10" in app.header.state.chips[0].label
        engine.controls.update({"faults": {"error_rate": 0}})

        await pilot.press("o")
        assert (await client.get(f"{API}/users/1")).status_code == 503
        await flushed(pilot, app)
        assert any(chip.key == "o" and chip.active for chip in app.header.state.chips)
        await pilot.press("o")
        assert (await client.get(f"{API}/users/1")).status_code == 200

        await pilot.press("d")
        assert (app.controls["delay"]["min_ms"], app.controls["delay"]["max_ms"]) == (200, 800)
        started = asyncio.get_running_loop().time()
        assert (await client.get(f"{API}/users/1")).status_code == 200
        assert asyncio.get_running_loop().time() - started >= 0.19
        await pilot.press("d")
        assert app.controls["delay"]["max_ms"] == 0
        started = asyncio.get_running_loop().time()
        await client.get(f"{API}/users/1")
        assert asyncio.get_running_loop().time() - started < 0.19

        engine.controls.update({"rate_limit": {"requests": 1}})
        await pilot.press("l")
        assert app.controls["rate_limit"]["enabled"] is True
        assert (await client.get(f"{API}/users/1")).status_code == 200
        assert (await client.get(f"{API}/users/1")).status_code == 429
        await pilot.press("l")
        assert (await client.get(f"{API}/users/1")).status_code == 200


async def test_requests_appear_in_the_log_and_the_filter_works() -> None:
    async with running() as (app, pilot, client):
        await traffic(client)
        await flushed(pilot, app)
        view = app.requests_pane.request_list
        assert [(e.method, e.status) for e in view.rows] == [
            ("GET", 200),
            ("GET", 404),
            ("POST", 201),
            ("GET", 200),
            ("GET", 404),
        ]
        assert app.header.state.total == 5 and app.header.state.client_errors == 2
        routes = app.routes_pane.table
        assert str(routes.get_cell("getUser", "hits")) == "2"
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"status:4xx")  # typed: filter as you type
        await pilot.pause()
        assert [e.status for e in view.rows] == [404, 404]
        field = app.requests_pane.query_one("#filter", Input)
        for text, expected in [
            ("status:201", 1),
            ("method:POST", 1),
            ("path:/api/v1/users*", 3),
            ("path:/users*", 3),  # without the base path too
            ("path:/products", 1),
            ("products", 1),
            ("-status:2xx", 2),
            ("op:getUser status:404", 1),
        ]:
            field.value = text
            await pilot.pause()
            assert len(view.rows) == expected, text
        await pilot.press("escape")
        assert app.focused is view
        await client.get(f"{API}/users/5")
        await client.get(f"{API}/users/404404")
        await flushed(pilot, app)
        assert [e.status for e in view.rows] == [404, 404]  # new rows are filtered too
        app.action_set_filter("")
        await pilot.pause()
        assert len(view.rows) == 7


async def test_follow_mode_pauses_when_scrolling_up_and_resumes() -> None:
    async with running(size=(80, 24)) as (app, pilot, client):
        for i in range(30):
            await client.get(f"{API}/users/{i % 5 + 1}")
        await flushed(pilot, app)
        view = app.requests_pane.request_list
        assert view.following and view.cursor == 29
        await pilot.press("up")
        assert not view.following
        for _ in range(3):
            await client.get(f"{API}/users/1")
        await flushed(pilot, app)
        assert view.cursor == 28 and view.pending == 3
        assert "paused +3" in str(app.requests_pane.query_one("#follow-state").render())
        await pilot.press("f")
        assert view.following and view.cursor == 32
        await pilot.press("pageup")
        assert not view.following
        await pilot.press("end")
        assert view.following
        view.post_message(RequestList.FollowChanged(True))
        await pilot.press("ctrl+l")
        assert not view.rows and not app.requests_pane.ring


async def test_detail_screen_and_copy_as_curl() -> None:
    async with running() as (app, pilot, client):
        body = {"email": "curl@example.com", "firstName": "Curl", "lastName": "Test"}
        await client.post(f"{API}/users?x=1", json=body, headers={"X-Trace": "abc"})
        await flushed(pilot, app)
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert screen.event.status == 201
        shown = screen.query_one("#response-body", Static).content
        assert isinstance(shown, Syntax) and '"email": "curl@example.com"' in shown.code
        await pilot.press("c")
        assert app.clipboard.startswith("curl -X POST")
        assert "'x-trace: abc'" in app.clipboard and "--data-raw" in app.clipboard
        assert "/api/v1/users?x=1" in app.clipboard
        assert screen.query_one("#curl").has_class("-shown")
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)
        app.action_copy_last_curl()
        assert app.clipboard.startswith("curl -X POST")
        await client.get(f"{API}/users/2")
        await flushed(pilot, app)
        view = app.requests_pane.request_list
        await pilot.click(RequestList, offset=(5, 0))  # a click chooses a row (and pauses following)
        assert view.cursor == 0 and not view.following
        await pilot.click(RequestList, offset=(5, 0))  # a click on the chosen row opens it
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen) and app.screen.event.status == 201


async def test_ring_buffer_is_bounded_and_listener_only_queues() -> None:
    engine = shop_engine(stateful=False)
    async with running(engine, history=50, tick=30.0) as (app, pilot, _client):
        for i in range(120):
            engine.events.publish(RequestEvent(0.0, "", "GET", f"/x/{i}", "", 200 + (i % 4) * 100, 0.1))
        assert len(app._pending) == 120 and not app.requests_pane.request_list.rows  # nothing rendered yet
        app._flush_events()
        view = app.requests_pane.request_list
        assert len(app.requests_pane.ring) == 50 and len(view.rows) == 50
        assert view.rows[0].path == "/x/70"
        app.requests_pane.set_filter("status:5xx")
        assert len(view.rows) == 13  # i % 4 == 3 for i in 70..119
        for i in range(120, 160):
            engine.events.publish(RequestEvent(0.0, "", "GET", f"/x/{i}", "", 500, 0.1))
        app._flush_events()
        ring = list(app.requests_pane.ring)
        assert ring[0].path == "/x/110" and len(view.rows) == 3 + 40  # 111, 115, 119 and the new ones
        assert all(e.status == 500 for e in view.rows) and all(e in ring for e in view.rows)


async def test_changes_made_elsewhere_show_and_calm_commands() -> None:
    async with running() as (app, pilot, client):
        engine: MockEngine = app.backend.runtime.engine  # type: ignore[attr-defined]
        changes = {"faults": {"error_rate": 33}, "offline": True, "delay": {"max_ms": 100}}
        await client.patch("/__mocktui/controls", json={**changes, "rate_limit": {"enabled": True}})
        await client.put("/__mocktui/overrides/getUser", json={"status": 404})
        await pilot.pause(1.3)  # the app re-reads the controls every second
        assert app.query_one("#error-rate", Slider).value == 33
        assert app.query_one("#offline", Checkbox).value is True
        assert app.header.state.chips[2].active and app.header.state.overrides == 1
        await app.run_action("calm")
        await app.run_action("clear_overrides")
        assert not engine.controls.offline and engine.controls.delay.max_ms == 0
        assert engine.controls.faults.error_rate == 0 and not engine.controls.rate_limit.enabled
        assert not engine.controls.overrides
        assert (await client.get(f"{API}/users/1")).status_code == 200


async def test_theme_toggle_log_pane_and_no_logging_to_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    async with running() as (app, pilot, _client):
        assert app.current_theme.dark
        await pilot.press("t")
        assert not app.current_theme.dark
        await pilot.press("t")
        assert app.current_theme.dark
        logging.getLogger("uvicorn.error").warning("a warning from uvicorn")
        logging.getLogger("some.library").error("an error from a library")
        await flushed(pilot, app)
        for key, pane in [("5", "log"), ("1", "requests")]:  # 2, 3 and 4: in the routes, controls, store tests
            await pilot.press(key)
            await pilot.pause()
            assert app.tabs.active == pane
        lines = "\n".join(str(line.text) for line in app.log_pane.lines)
        assert "a warning from uvicorn" in lines and "an error from a library" in lines
    captured = capsys.readouterr()
    assert "a warning from uvicorn" not in captured.err + captured.out
    assert logging.lastResort is not None  # restored on exit


async def test_quit_stops_the_server() -> None:
    app, url = shop_app()
    async with app.run_test() as pilot:
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get(f"{API}/users/1")).status_code == 200
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    async with httpx.AsyncClient(base_url=url) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"{API}/users/1")


async def test_a_server_that_cannot_start_exits_with_1() -> None:
    app, _ = shop_app()
    sock = app.backend.runtime.runner.sock  # type: ignore[attr-defined]
    sock.close()
    async with app.run_test() as pilot:
        await pilot.pause()
    assert app.return_code == 1


def test_run_tui_refuses_before_taking_the_terminal() -> None:
    taken = bind("127.0.0.1", 0)
    settings = Settings(host="127.0.0.1", port=taken.getsockname()[1])
    try:
        with pytest.raises(StartError, match="already in use") as refused:
            run_tui(shop_spec("shop.yaml"), settings)
        assert refused.value.code == 1
    finally:
        taken.close()
