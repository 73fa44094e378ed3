"""The Drift pane (`mocktui.ui.drift`) and the modes in the Routes pane, local and attached.

Drift events are what the proxy publishes: `RequestEvent`s tagged ("proxied", "drift") with one note per
finding; the tests publish them into the engine's event stream, as the proxy would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Select, Static

from mocktui.engine.events import RequestEvent
from mocktui.engine.pipeline import MockEngine
from mocktui.ui.app import MocktuiApp
from mocktui.ui.drift import EMPTY_HELP, DriftPane
from mocktui.ui.remote import RemoteBackend
from mocktui.ui.requests import Display
from mocktui.ui.routes import next_mode
from mocktui.ui.screens import DetailScreen

from ..helpers import LiveServer
from .harness import API, FROZEN, edit_override, running, shop_app, shop_engine, wait_for

NOW = 1_700_000_000.0
USERS_NOTES = ('/3/username: 5 is not of type "string"', "missing header X-Total-Count")


def drift_event(
    operation: str | None, path: str, notes: tuple[str, ...], at: float, body: bytes = b"{}"
) -> RequestEvent:
    return RequestEvent(
        time=at, client="127.0.0.1:50000", method="GET", path=path, query="", status=200, latency_ms=3.0,
        operation=operation, response_headers=[("content-type", "application/json")], response_body=body,
        tags=("proxied", "drift"), notes=notes,
    )  # fmt: skip


def backend_drift() -> list[RequestEvent]:
    """What a drifting backend gave: listUsers twice (3 findings), getUser once, one route the spec lacks;
    and a conforming proxied exchange that must not count."""
    return [
        drift_event("listUsers", f"{API}/users", USERS_NOTES, NOW),
        RequestEvent(NOW + 1, "127.0.0.1:50000", "GET", f"{API}/users/2", "", 200, 2.0, "getUser", tags=("proxied",)),
        drift_event("getUser", f"{API}/users/1", ("status 418 not declared",), NOW + 2),
        drift_event("listUsers", f"{API}/users", USERS_NOTES[:1], NOW + 3, body=b'[{"username": 5}]'),
        drift_event(None, f"{API}/internal", ("unknown operation",), NOW + 4),
    ]


def rows(pane: DriftPane) -> list[list[str]]:
    """The table as text (at 160 columns nothing is cut short)."""
    table = pane.table
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


EXPECTED = [
    ["listUsers", "2", "3", "12:00:00", "12:00:00", '2× /3/username: 5 is not of type "string"'],
    [f"GET {API}/internal (unknown operation)", "1", "1", "12:00:00", "12:00:00", "1× unknown operation"],
    ["getUser", "1", "1", "12:00:00", "12:00:00", "1× status 418 not declared"],
]


def engine_of(app: MocktuiApp) -> MockEngine:
    engine: MockEngine = app.backend.runtime.engine  # type: ignore[attr-defined]
    return engine


async def test_drift_rows_appear_for_drift_events_and_enter_opens_the_exchange() -> None:
    async with running(size=(160, 40)) as (app, pilot, _client):
        for event in backend_drift():
            engine_of(app).events.publish(event)
        await pilot.press("6")
        pane = app.drift_pane
        await wait_for(lambda: pane.table.row_count == 3, pilot)
        assert app.focused is pane.table
        assert rows(pane) == EXPECTED  # most findings first; the conforming exchange counts nowhere
        notes = str(pane.notes.render())
        assert "2× /3/username" in notes and "1× missing header X-Total-Count" in notes
        assert "3 operations drifted · 5 findings in 4 exchanges" in str(pane.state_label.render())
        assert not pane.empty.display
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, DetailScreen)
        last = app.screen.event
        assert (last.operation, last.response_body, last.notes) == ("listUsers", b'[{"username": 5}]', USERS_NOTES[:1])
        assert last.id == (await app.backend.drift())[0]["last_event"]
        await pilot.press("escape", "down", "down")
        await pilot.pause(0.1)
        assert "status 418 not declared" in str(pane.notes.render())  # the notes follow the highlighted row
        # while shown, new drift is read again within a second
        engine_of(app).events.publish(drift_event("getUser", f"{API}/users/3", ("/email: 1 is not a string",), NOW + 5))
        engine_of(app).events.publish(drift_event("getUser", f"{API}/users/4", ("/id: missing", "/age: -1"), NOW + 6))
        await wait_for(lambda: pane.table.row_count == 3 and rows(pane)[0][0] == "getUser", pilot)
        assert rows(pane)[0][1:3] == ["3", "4"]
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, DetailScreen) and app.screen.event.path == f"{API}/users/4"


async def test_drift_empty_state_says_what_to_do_and_a_forgotten_exchange_is_said() -> None:
    async with running() as (app, pilot, _client):
        await pilot.press("6")
        await pilot.pause(0.2)
        pane = app.drift_pane
        assert app.tabs.active == "drift" and pane.empty.display and not pane.table.display
        assert "--proxy URL" in EMPTY_HELP and EMPTY_HELP in str(pane.query_one("#drift-empty", Static).render())
        assert str(pane.state_label.render()) == "no drift"
        engine_of(app).events.publish(drift_event("getUser", f"{API}/users/1", ("status 418 not declared",), NOW))
        await wait_for(lambda: pane.table.row_count == 1, pilot)
        assert not pane.empty.display and pane.table.display
        pane.recent.clear()
        pane.pinned.clear()  # as if the exchange had left what the control room keeps
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, DetailScreen)
        assert any("no longer kept here" in n.message for n in app._notifications)


async def test_the_hidden_pane_asks_the_mock_only_when_shown() -> None:
    async with running() as (app, pilot, _client):
        calls: list[int] = []
        backend = app.backend
        original = backend.drift

        async def counted() -> list[dict[str, object]]:
            calls.append(1)
            return await original()

        backend.drift = counted  # type: ignore[method-assign]
        engine_of(app).events.publish(drift_event("getUser", f"{API}/users/1", ("status 418 not declared",), NOW))
        await pilot.pause(1.3)  # a refresh tick and a flush with drift in it
        assert calls == []
        await pilot.press("6")
        await wait_for(lambda: app.drift_pane.table.row_count == 1, pilot)
        shown = len(calls)
        await pilot.pause(1.2)
        assert len(calls) > shown  # refreshed while shown


async def mode_cell(app: MocktuiApp, operation: str) -> str:
    return str(app.routes_pane.table.get_cell(operation, "mode"))


async def test_the_mode_key_cycles_a_route_and_the_override_is_really_set() -> None:
    async with running(size=(120, 40)) as (app, pilot, _client):
        engine = engine_of(app)
        await edit_override(app, pilot, "getUser")  # focuses the routes table on getUser
        await pilot.press("escape")
        await pilot.pause()
        assert await mode_cell(app, "getUser") == "mock" and app.routes_pane.mode_of("getUser") == ("mock", False)
        seen = []
        for _ in range(3):
            await pilot.press("m")
            await pilot.pause(0.1)
            override = engine.controls.overrides.get("getUser")
            seen.append((override.mode if override else None, await mode_cell(app, "getUser")))
        assert seen == [("proxy", "proxy"), ("auto", "auto"), (None, "mock")]  # back at the global mode: follows it
        assert await mode_cell(app, "listUsers") == "mock"

        await pilot.press("M")  # the global mode
        await pilot.pause(0.1)
        assert engine.controls.mode == "proxy"
        assert await mode_cell(app, "listUsers") == "proxy" and await mode_cell(app, "getUser") == "proxy"
        assert "mode proxy" in str(app.routes_pane.state_label.render())
        await pilot.press("m")
        await pilot.pause(0.1)
        assert engine.controls.overrides["getUser"].mode == "auto" and await mode_cell(app, "listUsers") == "proxy"
        await pilot.press("M", "M")
        await pilot.pause(0.1)
        assert engine.controls.mode == "mock"
        assert app.routes_pane.mode_of("getUser") == ("auto", True)  # its own mode stays

        # the override editor keeps the mode when it saves the rest
        editor = await edit_override(app, pilot, "getUser")
        editor.query_one("#status", Select).value = "404"
        await pilot.press("ctrl+s")
        await wait_for(lambda: engine.controls.overrides["getUser"].status == 404, pilot)
        assert engine.controls.overrides["getUser"].mode == "auto"


async def test_mode_actions_from_the_palette_and_a_remapped_mode_key() -> None:
    async with running(keys={"route-mode": "ctrl+o", "mode": "ctrl+g"}) as (app, pilot, _client):
        engine = engine_of(app)
        commands = {c.action: c for c in app.palette_commands()}
        assert commands["pane('drift')"].key == "6" and commands["cycle_mode"].key == "ctrl+g"
        assert commands["cycle_route_mode"].key == "ctrl+o"
        await wait_for(lambda: app.started and app.routes_pane.table.row_count > 0, pilot)
        await pilot.pause(0.1)
        await app.run_action("cycle_route_mode")  # from the palette: the routes pane, its highlighted route
        first = app.routes_pane.table.current
        assert app.tabs.active == "routes" and first == "listUsers"
        await wait_for(lambda: "listUsers" in engine.controls.overrides, pilot)
        assert engine.controls.overrides[first].mode == "proxy"
        await wait_for(lambda: app.focused is app.routes_pane.table, pilot)
        await pilot.press("m")  # moved away
        await pilot.pause(0.2)
        assert engine.controls.overrides[first].mode == "proxy"
        await pilot.press("ctrl+o")
        await wait_for(lambda: engine.controls.overrides[first].mode == "auto", pilot)
        await pilot.press("ctrl+g")
        await wait_for(lambda: engine.controls.mode == "proxy", pilot)
        keys = {(scope, key) for scope, key, _ in app.key_rows()}
        assert ("routes", "ctrl+o") in keys and ("everywhere", "ctrl+g") in keys and ("drift", "enter") in keys


async def test_narrow_routes_show_the_mode_column_once_a_route_is_not_plain_mock() -> None:
    async with running(size=(80, 24)) as (app, pilot, _client):
        await pilot.press("2")
        await pilot.pause()
        table = app.routes_pane.table

        def keys() -> list[str]:
            return [str(c.key.value) for c in table.ordered_columns]

        assert "mode" not in keys() and "override" in keys()  # all mock: the figures keep the room
        await pilot.press("M")
        await wait_for(lambda: "mode" in keys(), pilot)
        assert str(table.get_cell("getUser", "mode")) == "proxy"
        await pilot.press("M", "M")
        await wait_for(lambda: "mode" not in keys(), pilot)
        assert engine_of(app).controls.mode == "mock"
        table.move_cursor(row=table.get_row_index("getUser"))
        await pilot.press("m")  # one route's own mode is enough
        await wait_for(lambda: "mode" in keys(), pilot)
        assert str(table.get_cell("getUser", "mode")) == "proxy" and str(table.get_cell("listUsers", "mode")) == "mock"
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "getUser"


def test_next_mode() -> None:
    assert [next_mode(m) for m in ("mock", "proxy", "auto", "bogus")] == ["proxy", "auto", "mock", "mock"]


async def test_attached_control_room_shows_the_same_drift_rows() -> None:
    engine = shop_engine()
    server = LiveServer(engine)  # uvicorn in a thread with its own loop: a headless mock elsewhere
    server.start()
    try:
        events = backend_drift()
        for event in events[:3]:  # before attaching: they come with the history
            engine.events.publish(event)
        app = MocktuiApp(RemoteBackend(server.url), display=FROZEN)
        async with app.run_test(size=(160, 40)) as pilot:
            for event in events[3:]:  # after: over the event stream, published in the server's loop
                server.loop.call_soon_threadsafe(engine.events.publish, event)
            await pilot.press("6")
            pane = app.drift_pane
            await wait_for(lambda: rows(pane) == EXPECTED, pilot)
            await pilot.press("enter")
            await pilot.pause(0.1)
            assert isinstance(app.screen, DetailScreen)
            assert app.screen.event.response_body == b'[{"username": 5}]'
            await pilot.press("escape")
            async with httpx.AsyncClient(base_url=server.url) as client:
                await client.get(f"{API}/users/1")  # a mock answer: no drift
            await pilot.press("2")
            await pilot.pause(0.1)
            table = app.routes_pane.table
            table.move_cursor(row=table.get_row_index("listUsers"))
            await pilot.press("m")
            await wait_for(lambda: "listUsers" in engine.controls.overrides, pilot)
            assert engine.controls.overrides["listUsers"].mode == "proxy"
            await pilot.press("6")
            await pilot.pause(1.2)
            assert rows(pane) == EXPECTED
    finally:
        server.stop()


# -- the picture ------------------------------------------------------------------------------------------

SnapCompare = Callable[..., bool]


def _publish(app: MocktuiApp) -> Callable[[Pilot[int]], Awaitable[None]]:
    async def run_before(pilot: Pilot[int]) -> None:
        for event in backend_drift():
            engine_of(app).events.publish(event)
        await pilot.pause(0.2)
        await pilot.press("6")
        await wait_for(lambda: app.drift_pane.table.row_count == 3, pilot)
        await asyncio.sleep(0.1)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_drift(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app, _url = shop_app(shop_engine(), display=Display(
        time=FROZEN.time, latency=FROZEN.latency, rate=0.0, url=FROZEN.url, blink=False, now=lambda: NOW
    ))  # fmt: skip
    assert snap_compare(app, terminal_size=size, run_before=_publish(app))
