"""The actions table (`mocktui.ui.keys`): bindings, the palette and help derive from it; the user's key map."""

from __future__ import annotations

from typing import cast

import pytest
from textual.binding import Binding
from textual.dom import DOMNode

from mocktui.server.runner import bind
from mocktui.settings.table import Settings
from mocktui.ui.app import MocktuiApp, run_attach, run_tui
from mocktui.ui.backend import Backend
from mocktui.ui.commands import MocktuiCommands
from mocktui.ui.help import HelpScreen
from mocktui.ui.keys import ACTIONS, APP, KeysError, check_keys, display_key
from mocktui.ui.panes import VOCABULARY
from mocktui.ui.requests import RequestsPane
from mocktui.ui.store import StorePane

from .harness import API, flushed, running, shop_spec

# What the palette listed before the table existed: (name, action, key); only the help texts were reworded.
PALETTE_BEFORE = [
    ("Show requests", "pane('requests')", "1"),
    ("Show routes", "pane('routes')", "2"),
    ("Show controls", "pane('controls')", "3"),
    ("Show store", "pane('store')", "4"),
    ("Show log", "pane('log')", "5"),
    ("Show drift", "pane('drift')", "6"),
    ("Show webhooks", "pane('webhooks')", "7"),
    ("Help: keys", "help", "?"),
    ("Toggle errors", "toggle_errors", "e"),
    ("Toggle delay", "toggle_delay", "d"),
    ("Toggle offline", "toggle_offline", "o"),
    ("Toggle rate limit", "toggle_rate_limit", "l"),
    ("Reset failure modes", "calm", ""),
    ("Clear all overrides", "clear_overrides", ""),
    ("Cycle the global mode", "cycle_mode", "M"),
    ("Cycle the route's mode", "cycle_route_mode", "m"),
    ("Filter: server errors", "set_filter('status:5xx')", ""),
    ("Filter: client errors", "set_filter('status:4xx')", ""),
    ("Filter: writes", "set_filter('method:POST,PUT,PATCH,DELETE')", ""),
    ("Clear filter", "set_filter('')", ""),
    ("Toggle follow", "toggle_follow", "f"),
    ("Clear request log", "clear_log", "ctrl+l"),
    ("Export the requests shown", "export_requests", "x"),
    ("Copy last request as curl", "copy_last_curl", ""),
    ("Reset store to seed", "reset_store", "R"),
    ("Fire the webhook", "fire_webhook", "f"),
    ("Edit and fire the webhook", "edit_webhook", "e"),
    ("Toggle dark/light theme", "toggle_theme", "t"),
    ("Quit", "quit", "q"),
]


def _bindings(node: type[DOMNode]) -> list[Binding]:
    return [b for b in node.BINDINGS if isinstance(b, Binding)]


def test_bindings_and_palette_derive_from_the_table() -> None:
    """The app binds each keyed app row (same keys, order and footer words as before); panes bind their rows."""
    app_bindings = [(b.key, b.action, b.description, b.show, b.id) for b in _bindings(MocktuiApp)]
    assert [(key, action) for key, action, *_ in app_bindings] == [
        ("1", "pane('requests')"), ("2", "pane('routes')"), ("3", "pane('controls')"), ("4", "pane('store')"),
        ("5", "pane('log')"), ("6", "pane('drift')"), ("7", "pane('webhooks')"), ("question_mark", "help"),
        ("e", "toggle_errors"), ("d", "toggle_delay"), ("o", "toggle_offline"), ("l", "toggle_rate_limit"),
        ("M", "cycle_mode"), ("t", "toggle_theme"), ("q", "quit"),
    ]  # fmt: skip
    assert [row.id for row in VOCABULARY if row.scope == APP and row.key] == [b[-1] for b in app_bindings]
    assert [d for _, _, d, show, _ in app_bindings if show] == ["Help", "Errors", "Delay", "Offline", "Limit", "Quit"]
    follow = next(b for b in _bindings(RequestsPane) if b.id == "follow")
    assert (follow.key, follow.action, follow.show) == ("f", "follow", True)
    assert next(b for b in _bindings(RequestsPane) if b.id == "clear-log").key == "ctrl+l"
    assert next(b for b in _bindings(StorePane) if b.id == "reset-store").key == "R"
    assert len({row.id for row in VOCABULARY}) == len(VOCABULARY)  # ids are unique


async def test_command_palette_runs_mocktui_actions() -> None:
    async with running() as (app, pilot, client):
        assert [(c.name, c.action, c.key) for c in app.palette_commands()] == PALETTE_BEFORE
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"offline")  # "Toggle offline" ranks first: names before help texts
        await pilot.pause(0.2)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.controls["offline"] is True
        assert (await client.get(f"{API}/users/1")).status_code == 503


async def test_a_remapped_key_moves_the_action_in_keys_palette_help_and_header() -> None:
    """`keys={"offline": "O"}`: O toggles offline and o no longer does (Textual drops the old key of a moved id)."""
    async with running(keys={"offline": "O"}) as (app, pilot, client):
        await pilot.press("o")
        await pilot.pause()
        assert app.controls.get("offline") is False
        assert (await client.get(f"{API}/users/1")).status_code == 200
        await pilot.press("O")
        await pilot.pause()
        assert app.controls["offline"] is True
        assert (await client.get(f"{API}/users/1")).status_code == 503
        await flushed(pilot, app)
        assert next(c for c in app.header.state.chips if c.label == "offline").key == "O"
        assert next(c for c in app.palette_commands() if c.action == "toggle_offline").key == "O"
        provider = MocktuiCommands(app.screen)
        hits = [hit async for hit in provider.search("offline")]
        assert any("[O]" in (hit.help or "") for hit in hits)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = {(scope, key) for scope, key, _ in app.screen.rows}
        assert ("everywhere", "O") in rows and ("everywhere", "o") not in rows
        assert ("everywhere", "e") in rows  # the others keep their keys


async def test_pane_keys_palette_only_actions_and_the_help_key_take_a_map() -> None:
    """A pane's key (follow), a palette-only action (calm) and help itself move too; help closes with its key."""
    async with running(keys={"follow": "F", "calm": "C", "help": "h"}) as (app, pilot, client):
        view = app.requests_pane.request_list
        view.following = False
        await pilot.press("f")
        assert not view.following
        await pilot.press("F")
        assert view.following
        await app.apply_controls({"offline": True})
        await pilot.press("C")
        await pilot.pause()
        assert app.controls["offline"] is False
        assert (await client.get(f"{API}/users/1")).status_code == 200
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = set(app.screen.rows)
        assert ("requests", "F", "follow new requests, or pause") in rows
        assert ("everywhere", "C", "no errors, no delay, online, no rate limit") in rows
        await pilot.press("h")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


def test_a_bad_key_map_is_refused() -> None:
    with pytest.raises(KeysError, match=r"^unknown action 'nope'; known: pane-requests, pane-routes, .*, quit$"):
        check_keys({"nope": "x"}, VOCABULARY)
    with pytest.raises(KeysError, match="empty key for 'offline'"):
        check_keys({"offline": ""}, VOCABULARY)
    with pytest.raises(KeysError, match="empty key for 'offline'"):
        check_keys({"offline": "O,"}, VOCABULARY)
    with pytest.raises(KeysError, match="'e' is the key of both 'errors' and 'offline'"):
        check_keys({"offline": "e"}, VOCABULARY)
    assert check_keys({"offline": "e", "errors": "E"}, VOCABULARY) == {"offline": "e", "errors": "E"}  # a swap
    assert check_keys({"quit": "f"}, VOCABULARY) == {"quit": "f"}  # the requests pane's f shadows it there only
    assert check_keys({"help": "?"}, VOCABULARY) == {"help": "question_mark"}  # Textual's name
    with pytest.raises(KeysError, match="unknown action"):
        MocktuiApp(cast(Backend, object()), keys={"nope": "x"})  # refused before the backend is touched


def test_run_tui_and_run_attach_refuse_a_bad_map_before_taking_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    taken = bind("127.0.0.1", 0)  # were the port bound first, this would be a StartError
    try:
        settings = Settings(host="127.0.0.1", port=taken.getsockname()[1], keys={"nope": "x"})
        assert run_tui(shop_spec("shop.yaml"), settings) == 2
        err = capsys.readouterr().err
        known = ", ".join(row.id for row in VOCABULARY)
        assert err == f"mocktui: keys: unknown action 'nope'; known: {known}\n"
        assert run_attach("127.0.0.1:9", keys={"offline": " "}) == 2
        assert capsys.readouterr().err.startswith("mocktui: keys: empty key for 'offline'")
    finally:
        taken.close()


def test_display_key() -> None:
    assert [display_key(k) for k in ("question_mark", "?", "slash", "escape,q", "delete,x", "ctrl+l", "R")] == [
        "?", "?", "/", "esc q", "del x", "ctrl+l", "R",
    ]  # fmt: skip
    assert {row.id for row in ACTIONS} >= {"offline", "errors", "delay", "rate-limit", "theme", "help", "quit"}
