"""The control room over several specs in one instance: routes grouped by spec, steering the highlighted one's."""

from __future__ import annotations

import httpx
from textual.widgets import Select

from mocktui.engine.spec.read import load_spec
from mocktui.runtime import build_many
from mocktui.server.runner import bind
from mocktui.settings.table import Settings
from mocktui.ui.app import MocktuiApp
from mocktui.ui.local import LocalBackend
from mocktui.ui.routes import GROUP
from mocktui.ui.screens import OverrideScreen

from ..helpers import SPECS
from .harness import FROZEN, flushed, wait_for

FILES = (str(SPECS / "users.yaml"), str(SPECS / "shop.yaml"))


def _app() -> tuple[MocktuiApp, str]:
    sock = bind("127.0.0.1", 0)
    runtime = build_many([load_spec(f) for f in FILES], Settings(specs=FILES, reload=False, faker_seed=7), sock)
    return MocktuiApp(LocalBackend(runtime), display=FROZEN), f"http://127.0.0.1:{sock.getsockname()[1]}"


async def test_routes_are_grouped_by_spec_and_steering_goes_to_the_highlighted_routes_spec() -> None:
    app, url = _app()
    async with app.run_test(size=(120, 40)) as pilot, httpx.AsyncClient(base_url=url, timeout=10) as client:
        await pilot.press("2")
        await pilot.pause()
        table = app.routes_pane.table
        keys = [str(row.key.value) for row in table.ordered_rows]
        assert keys[0] == GROUP + "users" and keys[5] == GROUP + "shop"
        assert keys[1:5] == ["users:listUsers", "users:createUser", "users:getCurrentUser", "users:getUser"]
        assert "shop:getUser" in keys[6:] and len(keys) == 2 + 4 + 18
        assert str(table.get_cell("shop:getUser", "path")) == "/api/v1/users/{userId}"
        assert "2 specs · 22 operations" in str(app.routes_pane.state_label.render())

        assert (await client.get("/api/v1/users/1")).status_code == 200
        await flushed(pilot, app)
        assert str(table.get_cell("shop:getUser", "hits")) == "1"
        assert str(table.get_cell("users:getUser", "hits")) == "0"

        table.move_cursor(row=table.get_row_index("shop:getUser"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OverrideScreen)
        app.screen.query_one("#status", Select).value = "404"
        await pilot.press("ctrl+s")
        await wait_for(lambda: "shop:getUser" in app.controls["overrides"], pilot)
        assert (await client.get("/api/v1/users/1")).status_code == 404  # the shop's route
        runtime = app.backend.runtime  # type: ignore[attr-defined]
        by_name = {m.name: m.service for m in runtime.mounts}
        assert by_name["shop"].overrides() == {"getUser": {"status": 404}}
        assert by_name["users"].overrides() == {}

        table.move_cursor(row=table.get_row_index(GROUP + "shop"))  # a spec's header row: no route to steer
        await pilot.press("x")
        await pilot.pause()
        assert by_name["shop"].overrides() == {"getUser": {"status": 404}}
        table.move_cursor(row=table.get_row_index("shop:getUser"))
        await pilot.press("x")
        await wait_for(lambda: not by_name["shop"].overrides(), pilot)
        assert (await client.get("/api/v1/users/1")).status_code == 200

        await pilot.press("o")  # offline: the control room steers every spec as one
        await wait_for(lambda: all(s.controls()["offline"] for s in by_name.values()), pilot)
        assert (await client.get("/api/v1/products")).status_code == 503
        assert (await client.get("/users")).status_code == 503
