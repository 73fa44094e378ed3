"""The panes (`mocktui.ui.panes` and the pane modules): routes overrides, controls, store; the registry."""

from __future__ import annotations

import asyncio
import json

from textual.binding import Binding
from textual.widgets import Checkbox, Select, TextArea

from mocktui.engine.pipeline import MockEngine
from mocktui.ui.keys import display_key
from mocktui.ui.panes import PANES
from mocktui.ui.screens import ConfirmScreen, RecordScreen
from mocktui.ui.slider import Slider

from .harness import (
    API,
    edit_override,
    flushed,
    open_store,
    running,
    shop_engine,
    wait_for,
)


async def test_route_override_forces_404_then_clears() -> None:
    async with running() as (app, pilot, client):
        editor = await edit_override(app, pilot, "getUser")
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
        editor = await edit_override(app, pilot, "getProduct")
        editor.query_one("#example", Select).value = "soldOut"
        editor.query_one("#dynamic", Select).value = "on"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.controls["overrides"]["getProduct"] == {"example": "soldOut", "dynamic": True}
        expected = app.backend.runtime.engine.operations["getProduct"].responses["200"]  # type: ignore[attr-defined]
        sold_out = expected.spec.content["application/json"].examples["soldOut"]
        assert (await client.get(f"{API}/products/1")).json() == sold_out

        editor = await edit_override(app, pilot, "getProduct")
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

        editor = await edit_override(app, pilot, "getProduct")
        await pilot.press("escape")
        assert app.controls["overrides"]["getProduct"]["disabled"] == 503  # cancel changes nothing
        editor = await edit_override(app, pilot, "getProduct")
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


async def test_store_edit_saves_or_shows_refusals_inline() -> None:
    async with running() as (app, pilot, client):
        await open_store(app, pilot)
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
        await open_store(app, pilot)
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
        await open_store(app, pilot)
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


# -- the registry: one row per pane drives the tabs, keys, focus, palette and help -------------------------------


async def test_every_pane_comes_from_its_registry_row() -> None:
    """Each `PANES` row makes a tab (`<key> <title>`), its widget, its key (focus inside), palette and help rows."""
    assert [pane.id for pane in PANES] == ["requests", "routes", "controls", "store", "log", "drift", "webhooks"]
    async with running(size=(120, 40)) as (app, pilot, _client):
        commands = {c.name: c for c in app.palette_commands()}
        for pane in PANES:
            tab = app.tabs.get_tab(pane.id)
            assert str(tab.label) == f"{pane.key} {pane.title}"
            widget = app.panes[pane.id]
            assert widget.id == pane.widget_id and widget.parent is app.query_one(f"TabPane#{pane.id}")
            await pilot.press(pane.key)
            await pilot.pause()
            assert app.tabs.active == pane.id
            if pane.id != "store" or app.store_pane.info is not None:
                assert app.focused is not None and widget in app.focused.ancestors_with_self, pane.id
            command = commands[f"Show {pane.title.lower()}"]
            assert (command.action, command.key) == (f"pane({pane.id!r})", pane.key)
        rows = list(app.key_rows())
        for pane in PANES:
            assert ("everywhere", pane.key, pane.help) in rows
            for node in pane.keys_from:
                for binding in node.BINDINGS:
                    assert isinstance(binding, Binding)
                    does = binding.tooltip or binding.description
                    assert (pane.id, display_key(binding.key), does) in rows, (pane.id, binding.key)
        assert ("requests", "filter", PANES[0].notes[0][1]) in rows


async def test_a_remapped_pane_key_retitles_its_tab() -> None:
    async with running(keys={"pane-log": "L"}) as (app, pilot, _client):
        assert str(app.tabs.get_tab("log").label) == "L Log"
        await pilot.press("5")
        await pilot.pause()
        assert app.tabs.active == "requests"
        await pilot.press("L")
        await pilot.pause()
        assert app.tabs.active == "log"
