"""The terminal control room: pilot tests over a real embedded server, the attach backend, SVG snapshots.

Pilot tests run `MocktuiApp(engine, sock)` with `run_test`: the app serves the mock with uvicorn in the
test's own event loop, the test presses keys and then sends real HTTP requests with httpx to prove
the effect. Snapshot tests freeze everything that varies (clock, latency, req/s, URL, faker seed).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from functools import cache
from typing import Any

import httpx
import pytest
from rich.syntax import Syntax
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from mocktui.engine.events import RequestEvent
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.model import Spec, load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.memory import MemoryStore
from mocktui.runtime import StartError, assemble
from mocktui.server.runner import bind
from mocktui.settings.table import Settings
from mocktui.ui.app import MocktuiApp, run_tui
from mocktui.ui.backend import BackendError, event_from_dict
from mocktui.ui.local import LocalBackend
from mocktui.ui.model import (
    Counters,
    RequestFilter,
    curl_command,
    failure_chips,
    override_summary,
    pretty_body,
    record_columns,
)
from mocktui.ui.remote import RemoteBackend
from mocktui.ui.requests import Display, RequestList, columns
from mocktui.ui.screens import ConfirmScreen, DetailScreen, HelpScreen, OverrideScreen, RecordScreen
from mocktui.ui.slider import Slider

from .helpers import SPECS, LiveServer

API = "/api/v1"
FROZEN = Display(time=lambda _t: "12:00:00", latency=lambda _ms: "0.4ms", rate=0.0, url="http://127.0.0.1:3000/api/v1")


@cache
def _spec(name: str) -> Spec:
    return load_spec(str(SPECS / name))


def shop_engine(stateful: bool = True, seed_count: int = 5) -> MockEngine:
    store = MemoryStore() if stateful else None
    engine = MockEngine.build(
        _spec("shop.yaml"), controls=Controls(stateful=stateful), faker_seed=7, store=store, seed_count=seed_count
    )
    if engine.state is not None:
        engine.state.seed()
    return engine


def shop_app(engine: MockEngine | None = None, **options: Any) -> tuple[MocktuiApp, str]:
    engine = engine or shop_engine()
    sock = bind("127.0.0.1", 0)
    options.setdefault("display", FROZEN)
    app = MocktuiApp(LocalBackend(assemble(engine, sock)), **options)
    return app, f"http://127.0.0.1:{sock.getsockname()[1]}"


@asynccontextmanager
async def running(
    engine: MockEngine | None = None, size: tuple[int, int] = (80, 24), **options: Any
) -> AsyncIterator[tuple[MocktuiApp, Pilot[int], httpx.AsyncClient]]:
    app, url = shop_app(engine, **options)
    async with app.run_test(size=size) as pilot:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            yield app, pilot, client


async def flushed(pilot: Pilot[int], app: MocktuiApp) -> None:
    """Let the app's refresh tick run (it batches events ~10 times a second)."""
    await pilot.pause(app.tick * 2.5)


async def wait_for(check: Callable[[], bool], pilot: Pilot[int], timeout: float = 3.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    assert check()


# -- failure-mode keys: press, then prove it over HTTP ------------------------------------------


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


# -- request log ------------------------------------------------------------------------------------


async def _traffic(client: httpx.AsyncClient) -> None:
    await client.get(f"{API}/users/1")
    await client.get(f"{API}/users/999")
    await client.post(f"{API}/users", json={"email": "new@example.com", "firstName": "New", "lastName": "User"})
    await client.get(f"{API}/products", params={"page": 1})
    await client.get(f"{API}/nowhere")


async def test_requests_appear_in_the_log_and_the_filter_works() -> None:
    async with running() as (app, pilot, client):
        await _traffic(client)
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


# -- routes pane: overrides through the editor ------------------------------------------------------


async def _edit_override(app: MocktuiApp, pilot: Pilot[int], operation: str) -> OverrideScreen:
    await pilot.press("2")
    await pilot.pause()
    table = app.routes_pane.table
    assert app.focused is table
    table.move_cursor(row=table.get_row_index(operation))
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, OverrideScreen)
    return app.screen


async def test_route_override_forces_404_then_clears() -> None:
    async with running() as (app, pilot, client):
        editor = await _edit_override(app, pilot, "getUser")
        editor.query_one("#status", Select).value = "404"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.controls["overrides"]["getUser"] == {"status": 404}
        response = await client.get(f"{API}/users/1")
        assert response.status_code == 404
        await flushed(pilot, app)
        assert "→404" in str(app.routes_pane.table.get_cell("getUser", "override"))
        assert app.header.state.overrides == 1
        await pilot.press("x")
        await pilot.pause()
        assert "getUser" not in app.controls["overrides"]
        assert (await client.get(f"{API}/users/1")).status_code == 200
        assert not await app.replace_override("getUser", {"disabled": 418})  # refused: shown, not raised
        assert not await app.replace_override("nope", {"status": 404})
        assert "getUser" not in app.controls["overrides"]


async def test_route_override_example_disable_delay_error_rate() -> None:
    async with running(shop_engine(stateful=False)) as (app, pilot, client):
        editor = await _edit_override(app, pilot, "getProduct")
        editor.query_one("#example", Select).value = "soldOut"
        editor.query_one("#dynamic", Select).value = "on"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.controls["overrides"]["getProduct"] == {"example": "soldOut", "dynamic": True}
        expected = app.backend.runtime.engine.operations["getProduct"].responses["200"]  # type: ignore[attr-defined]
        sold_out = expected.spec.content["application/json"].examples["soldOut"]
        assert (await client.get(f"{API}/products/1")).json() == sold_out

        editor = await _edit_override(app, pilot, "getProduct")
        assert editor.query_one("#example", Select).value == "soldOut"  # shows what is set
        editor.query_one("#example", Select).value = "inherit"
        editor.query_one("#disabled", Select).value = "503"
        editor.query_one("#delay", Slider).focus()
        await pilot.press("shift+right")  # +250 ms
        editor.query_one("#own-rate", Checkbox).value = True
        await pilot.pause()
        editor.query_one("#rate", Slider).focus()
        await pilot.press("end")
        await pilot.click("#apply")
        await pilot.pause()
        override = app.controls["overrides"]["getProduct"]
        assert override["disabled"] == 503 and override["error_rate"] == 100
        assert override["delay"]["max_ms"] == 250 and "example" not in override
        started = asyncio.get_running_loop().time()
        assert (await client.get(f"{API}/products/1")).status_code == 503
        assert asyncio.get_running_loop().time() - started >= 0.24

        editor = await _edit_override(app, pilot, "getProduct")
        await pilot.press("escape")
        assert app.controls["overrides"]["getProduct"]["disabled"] == 503  # cancel changes nothing
        editor = await _edit_override(app, pilot, "getProduct")
        await pilot.press("ctrl+x")
        await pilot.pause()
        assert "getProduct" not in app.controls["overrides"]
        assert (await client.get(f"{API}/products/1")).status_code == 200


async def test_controls_sliders_keyboard_and_mouse() -> None:
    async with running() as (app, pilot, client):
        engine: MockEngine = app.backend.runtime.engine  # type: ignore[attr-defined]
        await pilot.press("3")
        await pilot.pause()
        assert app.focused is app.query_one("#delay-min", Slider)
        rate = app.query_one("#error-rate", Slider)
        rate.focus()
        await pilot.press("right", "right", "right", "shift+right")
        await pilot.pause()
        assert engine.controls.faults.error_rate == 13
        await pilot.press("shift+left", "left")
        await pilot.pause()
        assert engine.controls.faults.error_rate == 2
        width = rate._track_width
        await pilot.click("#error-rate", offset=(width - 1, 0))
        await pilot.pause()
        assert engine.controls.faults.error_rate == 100
        await pilot.click("#error-rate", offset=(0, 0))
        await pilot.pause()
        assert engine.controls.faults.error_rate == 0
        await pilot.mouse_down("#error-rate", offset=(0, 0))
        await pilot.hover("#error-rate", offset=((width - 1) // 2, 0))
        await pilot.mouse_up("#error-rate", offset=((width - 1) // 2, 0))
        await pilot.pause()
        assert 40 <= engine.controls.faults.error_rate <= 60  # dragged to the middle

        requests = app.query_one("#rl-requests", Slider)
        requests.focus()
        await pilot.press("home")  # 1 request per window
        await pilot.pause()
        assert engine.controls.rate_limit.requests == 1

        delay_max = app.query_one("#delay-max", Slider)
        delay_max.focus()
        await pilot.press("shift+right", "shift+right")  # 500 ms
        app.query_one("#delay-min", Slider).focus()
        await pilot.press("end")  # min above max pulls max along
        await pilot.pause()
        assert (engine.controls.delay.min_ms, engine.controls.delay.max_ms) == (5000, 5000)
        assert delay_max.value == 5000
        await pilot.press("home")
        delay_max.focus()
        await pilot.press("home")
        await pilot.pause()
        assert engine.controls.delay.max_ms == 0
        assert (await client.get(f"{API}/users/1")).status_code in (200, 500, 502, 503, 504)


async def test_controls_checkboxes_packs_and_select() -> None:
    engine = shop_engine()
    engine.controls.update({"packs": {"flaky": False}})
    async with running(engine) as (app, pilot, client):
        await pilot.press("3")
        pack = app.query_one("#packs Checkbox", Checkbox)
        assert pack.name == "flaky" and pack.value is False
        pack.toggle()
        await pilot.pause()
        assert engine.controls.packs["flaky"] is True
        await pilot.click("#offline")
        await pilot.pause()
        assert engine.controls.offline is True
        assert (await client.get(f"{API}/users/1")).status_code == 503
        app.query_one("#offline", Checkbox).focus()
        await pilot.press("space")
        await pilot.pause()
        assert engine.controls.offline is False
        for box, attribute in [
            ("#dynamic", "dynamic"),
            ("#validate-responses", "validate_responses"),
            ("#validate-requests", "validate_requests"),
            ("#security", "security"),
            ("#scenarios", "scenarios"),
            ("#rl-enabled", None),
        ]:
            before = getattr(engine.controls, attribute) if attribute else engine.controls.rate_limit.enabled
            app.query_one(box, Checkbox).toggle()
            await pilot.pause()
            after = getattr(engine.controls, attribute) if attribute else engine.controls.rate_limit.enabled
            assert after is not before, box
        app.query_one("#distribution", Select).value = "longtail"
        await pilot.pause()
        assert engine.controls.delay.distribution == "longtail"
        window = app.query_one("#rl-window", Slider)
        window.focus()
        await pilot.press("right")
        await pilot.pause()
        assert engine.controls.rate_limit.window_s == 61


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


# -- store pane ------------------------------------------------------------------------------------------


async def _open_store(app: MocktuiApp, pilot: Pilot[int]) -> None:
    await pilot.press("4")
    await pilot.pause()
    assert app.store_pane.collection == "users"


async def test_store_edit_saves_or_shows_refusals_inline() -> None:
    async with running() as (app, pilot, client):
        await _open_store(app, pilot)
        records = app.store_pane.query_one("#records")
        assert app.focused is records
        await pilot.press("down")  # users/2
        await pilot.press("enter")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, RecordScreen) and editor.record_id == "2"
        area = editor.query_one(TextArea)
        record = json.loads(area.text)
        record["firstName"] = "Edited"
        area.text = json.dumps(record)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, RecordScreen)
        assert (await client.get(f"{API}/users/2")).json()["firstName"] == "Edited"
        assert "Edited" in [str(c) for c in app.store_pane.query_one("#records").get_row("2")]
        await pilot.press("up")  # users/1: refusals are shown inline, nothing is saved
        await pilot.press("enter")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, RecordScreen)
        area = editor.query_one(TextArea)
        area.text = "{not json"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "not JSON" in str(editor.query_one("#record-errors").render())
        record = json.loads(json.dumps(editor.record))
        record["email"] = 12
        area.text = json.dumps(record)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is editor
        assert "email" in str(editor.query_one("#record-errors").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, RecordScreen)
        assert (await client.get(f"{API}/users/1")).json()["email"] == "ada@example.com"


async def test_store_view_create_delete_reset() -> None:
    async with running() as (app, pilot, client):
        await _open_store(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen) and app.screen.read_only
        await pilot.press("escape")
        await pilot.press("n")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, RecordScreen) and editor.record_id is None
        record = json.loads(editor.query_one(TextArea).text)
        assert "id" not in record
        record["email"] = "created@example.com"
        editor.query_one(TextArea).text = json.dumps(record)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.store_pane.info is not None and app.store_pane.info.collections["users"] == 6
        listed = (await client.get(f"{API}/users", params={"email": "created@example.com"})).json()
        assert len(listed) == 1
        created = str(listed[0]["id"])
        table = app.store_pane.query_one("#records")
        table.move_cursor(row=table.get_row_index(created))
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert (await client.get(f"{API}/users/{created}")).status_code == 404
        await client.delete(f"{API}/users/1")
        await app.run_action("reset_store")  # the palette's way to the R key
        await pilot.pause()
        await pilot.click("#yes")
        await pilot.pause()
        assert (await client.get(f"{API}/users/1")).status_code == 200


async def test_store_shows_records_created_over_http_live() -> None:
    async with running() as (app, pilot, client):
        await _open_store(app, pilot)
        for i in range(3):
            response = await client.post(
                f"{API}/users", json={"email": f"live{i}@example.com", "firstName": "Live", "lastName": f"N{i}"}
            )
            assert response.status_code == 201
        await wait_for(lambda: app.store_pane.info is not None and app.store_pane.info.collections["users"] == 8, pilot)
        table = app.store_pane.query_one("#records")
        await wait_for(lambda: table.row_count == 8, pilot)
        await pilot.press("right_square_bracket")  # one page only: stays
        assert app.store_pane.page_offset == 0


async def test_command_palette_runs_mocktui_actions() -> None:
    async with running() as (app, pilot, client):
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"offline")  # "Toggle offline" ranks first: names before help texts
        await pilot.pause(0.2)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.controls["offline"] is True
        assert (await client.get(f"{API}/users/1")).status_code == 503


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


def test_run_tui_refuses_before_taking_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    taken = bind("127.0.0.1", 0)
    settings = Settings(host="127.0.0.1", port=taken.getsockname()[1])
    try:
        with pytest.raises(StartError, match="already in use") as refused:
            run_tui(_spec("shop.yaml"), settings)
        assert refused.value.code == 1
        assert run_tui(_spec("shop.yaml"), replace(settings, workers=2)) == 2
        assert "--headless" in capsys.readouterr().err
    finally:
        taken.close()


# -- attach: the same app over the admin API of a mock elsewhere ------------------------------------------------


async def test_attach_to_a_headless_mock() -> None:
    engine = shop_engine()
    server = LiveServer(engine)  # uvicorn in a thread with its own loop: "elsewhere"
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            await client.get(f"{API}/users/1")  # before attaching: comes as history
            app = MocktuiApp(RemoteBackend(server.url, poll_s=0.05), display=FROZEN)
            async with app.run_test(size=(120, 40)) as pilot:
                assert app.header.state.title == "Shop" and app.header.state.remote
                await client.get(f"{API}/users/2")
                await client.get(f"{API}/users/999")
                await wait_for(lambda: len(app.requests_pane.request_list.rows) == 3, pilot)
                assert [e.status for e in app.requests_pane.request_list.rows] == [200, 200, 404]
                await pilot.press("o")
                await pilot.pause(0.1)
                assert engine.controls.offline
                assert (await client.get(f"{API}/users/1")).status_code == 503
                await pilot.press("o")
                editor = await _edit_override(app, pilot, "getUser")
                editor.query_one("#status", Select).value = "404"
                await pilot.press("ctrl+s")
                await wait_for(lambda: "getUser" in engine.controls.overrides, pilot)
                assert (await client.get(f"{API}/users/1")).status_code == 404
                await pilot.press("x")
                await wait_for(lambda: "getUser" not in engine.controls.overrides, pilot)
                await pilot.press("4")
                await wait_for(lambda: app.store_pane.info is not None, pilot)
                assert app.store_pane.info is not None and app.store_pane.info.kind == "memory"
                await pilot.press("enter")
                await pilot.pause(0.2)
                editor2 = app.screen
                assert isinstance(editor2, RecordScreen)
                record = json.loads(editor2.query_one(TextArea).text)
                record["lastName"] = "Remote"
                editor2.query_one(TextArea).text = json.dumps(record)
                await pilot.press("ctrl+s")
                await wait_for(lambda: not isinstance(app.screen, RecordScreen), pilot)
                assert (await client.get(f"{API}/users/1")).json()["lastName"] == "Remote"
    finally:
        server.stop()


async def test_remote_backend_store_calls_and_errors() -> None:
    engine = shop_engine()
    server = LiveServer(engine)
    server.start()
    backend = RemoteBackend(server.url, poll_s=10)
    try:
        await backend.start()
        store = await backend.store()
        assert store is not None and store.writers["createUser"] == "users" and store.id_fields["users"] == "id"
        key, errors = await backend.save_record("users", {"email": "bad", "firstName": 1})
        assert not key and errors
        key, errors = await backend.save_record("users", {"email": "r@example.com", "firstName": "R", "lastName": "S"})
        assert key and not errors and (await backend.record("users", key)) is not None
        assert len(await backend.records("users", 0, 3)) == 3
        assert await backend.delete_record("users", key)
        assert await backend.record("users", key) is None
        await backend.reset_store()
        with pytest.raises(BackendError):
            await backend.update_controls({"delay": {"min_ms": -1}})
        with pytest.raises(BackendError):
            await backend.put_override("getUser", {"disabled": 200})
        seen: list[RequestEvent] = []
        backend.subscribe(seen.append)
        async with httpx.AsyncClient(base_url=server.url) as client:
            await client.get(f"{API}/users/1")
        assert await backend.poll_events() == 1 and seen[0].operation == "getUser"
        assert await backend.poll_events() == 0
    finally:
        await backend.stop()
        server.stop()
    stateless = LiveServer(shop_engine(stateful=False))
    stateless.start()
    backend = RemoteBackend(stateless.url)
    try:
        await backend.start()
        assert await backend.store() is None
    finally:
        await backend.stop()
        stateless.stop()
    unreachable = RemoteBackend("http://127.0.0.1:9")
    with pytest.raises(BackendError):
        await unreachable.start()
    await unreachable.stop()


async def test_local_backend_contract() -> None:
    engine = shop_engine()
    sock = bind("127.0.0.1", 0)
    backend = LocalBackend(assemble(engine, sock))
    assert backend.info.url.startswith("http://127.0.0.1:") and backend.info.base_path == API
    assert "soldOut" in next(o for o in backend.info.operations if o.id == "getProduct").examples
    snapshot = await backend.put_override("getUser", {"status": 404, "dynamic": True})
    assert snapshot["overrides"]["getUser"] == {"status": 404, "dynamic": True}
    snapshot = await backend.put_override("getUser", {"dynamic": False})  # replaces, not merges
    assert snapshot["overrides"]["getUser"] == {"dynamic": False}
    with pytest.raises(BackendError):
        await backend.put_override("getUser", {"status": 99})
    assert engine.controls.overrides["getUser"].dynamic is False  # a refused change keeps the old one
    key, errors = await backend.save_record("users", {"email": 5})
    assert not key and any("email" in e for e in errors)
    sock.close()


# -- pure model -------------------------------------------------------------------------------------------------


def _event(**fields: Any) -> RequestEvent:
    base: dict[str, Any] = {"time": 0.0, "client": "", "method": "GET", "path": "/users/1", "query": "", "status": 200}
    base.update(fields)
    return RequestEvent(latency_ms=1.0, **base)


def test_filter_terms() -> None:
    events = [
        _event(),
        _event(method="POST", path="/users", status=201, operation="createUser"),
        _event(path="/products/9", status=404, tags=("override",)),
        _event(path="/orders", status=503, query="page=2"),
    ]

    def hits(text: str) -> list[int]:
        test = RequestFilter.parse(text)
        return [i for i, e in enumerate(events) if test(e)]

    assert hits("") == [0, 1, 2, 3]
    assert hits("status:5xx") == [3] and hits("s:404") == [2] and hits("status:4xx,5xx") == [2, 3]
    assert hits("status:>=400") == [2, 3] and hits("status:<=201") == [0, 1]
    assert hits("method:post") == [1] and hits("m:GET,POST") == [0, 1, 2, 3]
    assert hits("path:/users*") == [0, 1] and hits("path:*/9") == [2] and hits("p:orders") == [3]
    assert hits("path:/user") == [0, 1] and hits("path:/1") == []
    based = RequestFilter.parse("path:/users*", base_path="/api")
    assert based(_event(path="/api/users/1")) and based(_event(path="/users")) and not based(_event(path="/apix"))
    assert hits("op:create") == [1] and hits("tag:over") == [2]
    assert hits("page=2") == [3] and hits("PRODUCTS") == [2] and hits("-status:2xx") == [2, 3]
    assert hits("!method:GET") == [1] and hits("users status:201") == [1]
    bad = RequestFilter.parse("status:abc users")
    assert bad.error and [i for i, e in enumerate(events) if bad(e)] == [0, 1]


def test_counters_rate_window() -> None:
    now = [100.0]
    counters = Counters(clock=lambda: now[0])
    for status in (200, 404, 500, 201):
        counters.add(status)
    assert (counters.total, counters.client_errors, counters.server_errors) == (4, 1, 1)
    assert counters.rate() == 2.0
    now[0] += 5
    assert counters.rate() == 0.0
    counters.reset()
    assert counters.total == 0


def test_curl_and_bodies() -> None:
    event = _event(
        method="PUT",
        query="a=1&b=it's",
        request_headers=[("host", "x"), ("content-type", "application/json"), ("content-length", "9")],
        request_body=b'{"a": 1}',
    )
    command = curl_command(event, "http://127.0.0.1:3000/")
    assert command.startswith("curl -X PUT 'http://127.0.0.1:3000/users/1?a=1&b=it'\"'\"'s'")
    assert "-H 'content-type: application/json'" in command and "host" not in command.split("'-H'")[0][25:]
    assert "--data-raw '{\"a\": 1}'" in command and "content-length" not in command
    assert curl_command(_event(), "http://h").endswith("curl http://h/users/1"[5:])
    assert pretty_body(b'{"a":[1,2]}', "application/json") == ('{\n  "a": [\n    1,\n    2\n  ]\n}', "json")
    assert pretty_body(b"\xff\x00", "image/png")[0] == "<2 bytes of image/png>"
    assert pretty_body(b"plain", "text/plain") == ("plain", "text")
    assert pretty_body(b"", "") == ("", "text")


def test_chips_summaries_columns() -> None:
    calm = failure_chips(Controls().snapshot())
    assert [c.active for c in calm] == [False] * 4
    busy = Controls()
    busy.update(
        {"faults": {"error_rate": 50}, "delay": {"min_ms": 200, "max_ms": 800}, "offline": True,
         "rate_limit": {"enabled": True, "requests": 10, "window_s": 1}}
    )  # fmt: skip
    chips = failure_chips(busy.snapshot())
    assert [c.active for c in chips] == [True] * 4
    assert [c.short for c in chips] == ["err 50%", "200-800ms", "offline", "10/1s"]
    assert override_summary({"status": 404, "delay": {"max_ms": 200}, "error_rate": 5, "disabled": 503}) == (
        "down 503 →404 +200ms err 5%"
    )
    assert override_summary(None) == "" and override_summary({"example": "cat", "dynamic": False}) == "ex:cat static"
    for width in (60, 80, 120, 200):
        assert sum(w for _, w in columns(width)) + len(columns(width)) - 1 <= max(width, 60)
    assert record_columns([{"id": 1, "name": "a", "nested": {}, "n": 2}], "id") == ["id", "name", "n"]
    assert event_from_dict(_event(id=3, tags=("x",)).to_dict()).tags == ("x",)


# -- snapshots: every pane at 80x24 and 120x40 -------------------------------------------------------------------

SnapCompare = Callable[..., bool]


def _snapshot_app(stateful: bool = True) -> tuple[MocktuiApp, str]:
    return shop_app(shop_engine(stateful=stateful), display=Display(
        time=FROZEN.time, latency=FROZEN.latency, rate=0.0, url=FROZEN.url, blink=False
    ))  # fmt: skip


def _driver(url: str, *keys: str) -> Callable[[Pilot[int]], Awaitable[None]]:
    async def run_before(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, MocktuiApp)
        async with httpx.AsyncClient(base_url=url) as client:
            await _traffic(client)
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
    app, url = _snapshot_app()
    assert snap_compare(app, terminal_size=size, run_before=_driver(url, "o", "d"))


@pytest.mark.parametrize("size", SNAP_SIZES, ids=["80x24", "120x40"])
def test_snapshot_routes(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app, url = _snapshot_app()

    async def run_before(pilot: Pilot[int]) -> None:
        await _driver(url)(pilot)
        assert isinstance(pilot.app, MocktuiApp)
        override = {"status": 404, "delay": {"min_ms": 300, "max_ms": 300}}
        pilot.app._show_controls(await pilot.app.backend.put_override("getProduct", override))
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
