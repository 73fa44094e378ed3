"""The Webhooks pane (`mocktui.ui.webhooks`) over a local runtime on specs/users.yaml, and the two backend verbs.

The runtime is the app's own (`assemble` wires its `Deliverer`, started with the runtime), so `f` really
sends: the tests read what the mock's built-in sink received over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.runtime import supervise
from mocktui.server.runner import ServerRunner, bind
from mocktui.settings.table import Settings
from mocktui.ui.app import MocktuiApp
from mocktui.ui.backend import BackendError
from mocktui.ui.local import LocalBackend
from mocktui.ui.remote import RemoteBackend
from mocktui.ui.webhooks import SINK, PayloadScreen, WebhooksPane

from ..helpers import CORPUS, SPECS
from ..receiver import CORPUS_HOOKS, Receiver, declared_success, delivery_errors, drift_notes
from .harness import FROZEN, shop_app, shop_spec, wait_for

EDITED = {"id": 4242, "email": "edited@example.com", "firstName": "Edit", "lastName": "Ed"}


def users_engine() -> MockEngine:
    return MockEngine.build(shop_spec("users.yaml"), controls=Controls(stateful=False), faker_seed=7)


@asynccontextmanager
async def users_room() -> AsyncIterator[tuple[MocktuiApp, Pilot[int], httpx.AsyncClient, WebhooksPane]]:
    app, url = shop_app(users_engine())
    async with app.run_test(size=(120, 40)) as pilot:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            await pilot.press("7")
            pane = app.webhooks_pane
            await wait_for(lambda: pane.table.row_count > 0, pilot)
            yield app, pilot, client, pane


async def sink(client: httpx.AsyncClient, pilot: Pilot[int], count: int) -> list[dict[str, Any]]:
    """What the sink received, once it holds `count` entries (deliveries are asynchronous)."""
    received: list[dict[str, Any]] = []
    for _ in range(100):
        received = (await client.get(SINK)).json()
        if len(received) >= count:
            break
        await pilot.pause(0.05)
    return received


async def test_the_pane_lists_the_webhook_and_f_delivers_it_to_the_sink() -> None:
    async with users_room() as (app, pilot, client, pane):
        assert app.tabs.active == "webhooks" and app.focused is pane.table
        row = [str(cell) for cell in pane.table.get_row("userCreated")]
        assert row[:5] == ["userCreated", "webhook", "POST", "0", "0"] and row[5] == "never sent"
        assert pane.target.value == f"{app.backend.info.url}{SINK}"  # the sink is offered as the target
        assert "nobody" in str(pane.detail.render())
        await pilot.press("f")
        received = await sink(client, pilot, 1)
        assert len(received) == 1
        assert received[0]["method"] == "POST"
        body = json.loads(received[0]["body"])
        offered = pane.entry("userCreated")["payload"]  # what e would offer to edit: a user, like what is sent
        assert set(body) == set(offered) and {"id", "email"} <= set(body) and "@" in body["email"]
        await wait_for(lambda: str(pane.table.get_cell("userCreated", "sent")) == "1", pilot)
        last = str(pane.table.get_cell("userCreated", "last"))
        assert last.startswith("delivered") and "200" in last and "attempt 1" in last
        assert SINK in str(pane.detail.render())


async def test_e_edits_the_payload_and_fires_the_edited_body() -> None:
    async with users_room() as (app, pilot, client, pane):
        await pilot.press("e")
        await wait_for(lambda: isinstance(app.screen, PayloadScreen), pilot)
        area = app.screen.query_one("#payload-json", TextArea)
        assert json.loads(area.text) == pane.entry("userCreated")["payload"]
        area.text = "{not json"
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        assert isinstance(app.screen, PayloadScreen)  # refused inline, still open
        assert "not JSON" in str(app.screen.query_one("#payload-errors").render())
        area.text = json.dumps(EDITED)
        await pilot.press("ctrl+s")
        await wait_for(lambda: not isinstance(app.screen, PayloadScreen), pilot)
        received = await sink(client, pilot, 1)
        assert [json.loads(r["body"]) for r in received] == [EDITED]


async def test_refusals_are_notices_and_the_mock_keeps_serving() -> None:
    async with users_room() as (app, pilot, client, pane):
        pane.target.value = "ftp://nowhere"
        await pilot.press("f")
        await wait_for(lambda: any("expected an http" in n.message for n in app._notifications), pilot)
        pane.target.value = ""  # to the subscribers: there are none
        await pilot.press("f")
        await wait_for(lambda: any("no subscriptions" in n.message for n in app._notifications), pilot)
        assert app.is_running and (await client.get("/__mocktui/webhooks")).status_code == 200
        assert (await client.get(SINK)).json() == []
        with pytest.raises(BackendError, match="no callback or webhook 'nope'"):
            await app.backend.fire_webhook("nope")


async def test_the_palette_fires_from_any_pane() -> None:
    async with users_room() as (app, pilot, client, pane):
        await pilot.press("1")
        await app.run_action("fire_webhook")
        assert app.tabs.active == "webhooks"
        assert len(await sink(client, pilot, 1)) == 1


async def test_the_remote_backend_lists_and_fires_through_the_admin_api() -> None:
    async with users_room() as (app, pilot, client, _pane):
        remote = RemoteBackend(str(client.base_url))
        try:
            hooks = await remote.webhooks()
            assert [(h["name"], h["kind"], h["payload"]) for h in hooks] == [("userCreated", "webhook", None)]
            fired = await remote.fire_webhook("userCreated", EDITED, f"{client.base_url}{SINK}")
            assert fired["targets"] == [f"{client.base_url}{SINK}"]
            received = await sink(client, pilot, 1)
            assert [json.loads(r["body"]) for r in received] == [EDITED]
            with pytest.raises(BackendError, match="nothing to send to"):
                await remote.fire_webhook("userCreated")
            with pytest.raises(BackendError, match="expected an http"):
                await remote.fire_webhook("userCreated", url="not a url")
        finally:
            await remote.stop()


@pytest.mark.parametrize("name", CORPUS_HOOKS)
async def test_every_corpus_hook_fired_with_f_is_valid(name: str) -> None:
    """Every callback and webhook of the spec, highlighted in pane 7 and sent with `f` to a receiver built
    from the same spec: each delivery is what that receiver accepts, and the pane counts it sent."""
    spec = load_spec(str(CORPUS / name))
    receiver = Receiver()
    runner = ServerRunner(receiver, bind("127.0.0.1", 0))
    await runner.start()
    app, url = shop_app(MockEngine.build(spec, controls=Controls(stateful=False), faker_seed=7))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("7")
            pane = app.webhooks_pane
            await wait_for(lambda: pane.table.row_count == len(spec.hooks), pilot, timeout=10)
            for index, hook in enumerate(spec.hooks):
                pane.table.move_cursor(row=pane.table.get_row_index(hook.key))
                pane.target.value = f"http://127.0.0.1:{runner.port}/{index}"
                receiver.status = declared_success(hook)
                await pilot.press("f")
                await wait_for(lambda: len(receiver.got) == 1, pilot)
                got = receiver.got.pop()
                assert got["path"] == f"/{index}"
                assert delivery_errors(spec, hook, got) == [], hook.key
            keys = [h.key for h in spec.hooks]
            await wait_for(lambda: [str(pane.table.get_cell(k, "sent")) for k in keys] == ["1"] * len(keys), pilot)
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                events = (await client.get("/__mocktui/events", params={"limit": 1000})).json()
            deliveries = [e for e in events if {"webhook", "callback"} & set(e["tags"])]
            assert len(deliveries) == len(spec.hooks) and drift_notes(deliveries) == []
    finally:
        await runner.stop()


async def test_f_under_workers_has_one_worker_deliver_and_the_pane_counts_it() -> None:
    """The supervisor delivers nothing itself: `f` hands the firing to one worker (through the hub), the
    receiver gets it once, and the pane lists the delivery the worker journaled."""
    spec = shop_spec("users.yaml")
    receiver = Receiver()
    runner = ServerRunner(receiver, bind("127.0.0.1", 0))
    await runner.start()
    sock = bind("127.0.0.1", 0)
    settings = Settings(spec=str(SPECS / "users.yaml"), workers=2, reload=False, log_level="warning")
    runtime = supervise(spec, settings, sock, token=None, quiet=True, mirror=True)
    app = MocktuiApp(LocalBackend(runtime), display=FROZEN)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(lambda: len(runtime.service.members()) == 2, pilot, timeout=30)
            await pilot.press("7")
            pane = app.webhooks_pane
            await wait_for(lambda: pane.table.row_count == 1, pilot)
            pane.target.value = f"http://127.0.0.1:{runner.port}/users"
            await pilot.press("f")
            await wait_for(lambda: len(receiver.got) == 1, pilot, timeout=10)
            assert delivery_errors(spec, spec.hooks[0], receiver.got[0]) == []
            await wait_for(lambda: str(pane.table.get_cell("userCreated", "sent")) == "1", pilot, timeout=10)
            assert "delivered" in str(pane.table.get_cell("userCreated", "last"))
            await pilot.pause(0.3)
            assert len(receiver.got) == 1  # one worker delivered it, not both
            await pilot.press("q")
    finally:
        await runner.stop()
        sock.close()
