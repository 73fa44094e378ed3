"""The Store, Sessions and Webhooks panes over several specs in one instance: every spec's, grouped by spec,
each change going to the spec it names (locally and through the admin API, as `mocktui attach` does)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from mocktui.engine.spec.read import load_spec
from mocktui.runtime import build_many
from mocktui.server.runner import bind
from mocktui.service import MockService
from mocktui.settings.table import Settings
from mocktui.ui.app import MocktuiApp
from mocktui.ui.local import LocalBackend
from mocktui.ui.remote import RemoteBackend
from mocktui.ui.routes import GROUP
from mocktui.ui.screens import ConfirmScreen
from mocktui.ui.webhooks import SINK

from ..helpers import SPECS
from .harness import FROZEN, wait_for
from .test_webhooks_pane import sink

FILES = (str(SPECS / "users.yaml"), str(SPECS / "shop.yaml"))
USER = {"email": "ann@example.com", "firstName": "Ann", "lastName": "Lee"}


@asynccontextmanager
async def room() -> AsyncIterator[tuple[MocktuiApp, Pilot[int], httpx.AsyncClient, dict[str, MockService]]]:
    sock = bind("127.0.0.1", 0)
    settings = Settings(specs=FILES, reload=False, faker_seed=7, stateful=True, seed=3)
    runtime = build_many([load_spec(f) for f in FILES], settings, sock)
    app = MocktuiApp(LocalBackend(runtime), display=FROZEN)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with app.run_test(size=(120, 40)) as pilot, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield app, pilot, client, {m.name: m.service for m in runtime.mounts}


async def test_the_store_pane_lists_every_specs_collections_and_steers_the_chosen_ones() -> None:
    async with room() as (app, pilot, client, by_name):
        await pilot.press("4")
        pane = app.store_pane
        options = pane.query_one("#collections", OptionList)
        await wait_for(lambda: options.option_count > 0, pilot)
        ids = [o.id for o in options.options]
        assert ids[0] == GROUP + "users" and ids[1] == "users:users"
        assert GROUP + "shop" in ids and "shop:users" in ids and "shop:products" in ids
        assert options.get_option(GROUP + "shop").disabled  # a spec's row: not a collection
        assert pane.collection == "users:users"

        created = await client.post("/users", json=USER)  # the users spec's own users collection
        assert created.status_code == 201
        await wait_for(lambda: pane.info is not None and pane.info.collections["users:users"] == 4, pilot)
        assert pane.info is not None and pane.info.collections["shop:users"] == 3
        assert by_name["users"].store()["collections"]["users"] == 4

        options.highlighted = options.get_option_index("shop:products")
        await wait_for(lambda: pane.collection == "shop:products", pilot)
        table = pane.query_one("#records")
        await wait_for(lambda: table.row_count == 3, pilot)  # type: ignore[attr-defined]
        assert "shop:products: 3 records" in str(pane.query_one("#store-state").render())
        table.focus()
        await pilot.press("x")  # delete the highlighted product: the shop's, not the users spec's
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        await pilot.press("y")
        await wait_for(lambda: by_name["shop"].store()["collections"]["products"] == 2, pilot)
        assert by_name["users"].store()["collections"]["users"] == 4

        await app.run_action("reset_store")  # resets the shown collection's spec only
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        assert "of shop" in app.screen.question  # type: ignore[attr-defined]
        await pilot.press("y")
        await wait_for(lambda: by_name["shop"].store()["collections"]["products"] == 3, pilot)
        assert by_name["users"].store()["collections"]["users"] == 4  # untouched

        remote = RemoteBackend(str(client.base_url))  # attach: the same keys, through ?spec=NAME
        try:
            await remote.start()
            info = await remote.store()
            assert info is not None and info.collections["users:users"] == 4 and info.collections["shop:products"] == 3
            assert info.writers["users:createUser"] == "users:users"
            saved, problems = await remote.save_record("shop:users", USER)
            assert problems == [] and by_name["shop"].store()["collections"]["users"] == 4
            assert (await remote.record("shop:users", saved) or {})["email"] == USER["email"]
            assert await remote.delete_record("shop:users", saved)
            assert by_name["users"].store()["collections"]["users"] == 4
        finally:
            await remote.stop()


async def test_sessions_of_every_spec_are_listed_under_their_spec() -> None:
    async with room() as (app, pilot, client, _by_name):
        await pilot.press("4")
        headers = {"X-Mocktui-Session": "ci-1"}
        assert (await client.post("/users", json=USER, headers=headers)).status_code == 201
        assert (await client.get("/api/v1/products", headers=headers)).status_code == 200
        box = app.store_pane.query_one("#sessions", Static)
        await wait_for(lambda: "shop:ci-1" in str(box.render()) and "users:ci-1" in str(box.render()), pilot, 15)
        text = str(box.render())
        assert "Sessions 2" in text
        assert "1 records" in next(line for line in text.splitlines() if "users:ci-1" in line)
        remote = RemoteBackend(str(client.base_url))
        try:
            await remote.start()
            assert sorted(s["id"] for s in await remote.sessions()) == ["shop:ci-1", "users:ci-1"]
        finally:
            await remote.stop()


async def test_the_webhooks_pane_groups_hooks_by_spec_and_fires_through_their_spec() -> None:
    async with room() as (app, pilot, client, by_name):
        await pilot.press("7")
        pane = app.webhooks_pane
        await wait_for(lambda: pane.table.row_count > 0, pilot)
        keys = [str(row.key.value) for row in pane.table.ordered_rows]
        assert keys == [GROUP + "users", "users:userCreated"]  # the shop declares no hooks
        assert pane.entry("users:userCreated")["payload"] is not None  # the users spec's deliverer makes it
        pane.table.move_cursor(row=0)
        await pilot.press("f")  # a spec's row: nothing to fire
        await pilot.pause(0.2)
        assert (await client.get(SINK)).json() == []
        pane.table.move_cursor(row=1)
        await pilot.press("f")
        received = await sink(client, pilot, 1)
        assert len(received) == 1 and "@" in json.loads(received[0]["body"])["email"]
        assert by_name["users"].webhooks()[0]["deliveries"]
        await wait_for(lambda: str(pane.table.get_cell("users:userCreated", "sent")) == "1", pilot)
        remote = RemoteBackend(str(client.base_url))
        try:
            await remote.start()
            assert [h["name"] for h in await remote.webhooks()] == ["users:userCreated"]
            fired = await remote.fire_webhook("users:userCreated", {"id": 1}, f"{client.base_url}{SINK}")
            assert fired["targets"] == [f"{client.base_url}{SINK}"]
            assert len(await sink(client, pilot, 2)) == 2
        finally:
            await remote.stop()
