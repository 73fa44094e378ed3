"""The backends (`mocktui.ui.local`, `mocktui.ui.remote`): the same app over the admin API of a mock elsewhere."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from textual.widgets import Select, TextArea

from mocktui.engine.events import RequestEvent
from mocktui.runtime import assemble
from mocktui.server.runner import bind
from mocktui.ui.app import MocktuiApp
from mocktui.ui.backend import BackendError
from mocktui.ui.local import LocalBackend
from mocktui.ui.remote import RemoteBackend
from mocktui.ui.screens import RecordScreen

from ..helpers import LiveServer
from .harness import (
    API,
    FROZEN,
    edit_override,
    shop_engine,
    wait_for,
)


async def test_attach_to_a_headless_mock() -> None:
    engine = shop_engine()
    server = LiveServer(engine)  # uvicorn in a thread with its own loop: "elsewhere"
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            await client.get(f"{API}/users/1")  # before attaching: comes as history
            app = MocktuiApp(RemoteBackend(server.url), display=FROZEN)
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
                editor = await edit_override(app, pilot, "getUser")
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
    backend = RemoteBackend(server.url)
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
        notices: list[tuple[str, str]] = []
        backend.subscribe(seen.append)
        backend.subscribe_notices(lambda level, text: notices.append((level, text)))
        async with httpx.AsyncClient(base_url=server.url) as client:
            await client.get(f"{API}/users/1")  # pushed: the stream, not a poll
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.02)
            assert [e.operation for e in seen] == ["getUser"]
            engine.events.notice("warning", "told to the attached room")
            assert (await client.patch("/__mocktui/controls", json={"delay": {"max_ms": 5}})).status_code == 200
            for _ in range(100):
                if notices and (await backend.controls())["delay"]["max_ms"] == 5:
                    break
                await asyncio.sleep(0.02)
            assert notices == [("warning", "told to the attached room")]
            assert (await backend.controls())["delay"]["max_ms"] == 5
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
