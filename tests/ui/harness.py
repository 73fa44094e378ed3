"""Shared by the control room's tests: a shop mock served by the app in the test's loop, and pilot helpers.

Pilot tests run `MocktuiApp(LocalBackend(assemble(engine, sock)))` with `run_test`: the app serves the mock
with uvicorn in the test's own event loop, the test presses keys and then sends real HTTP requests with
httpx to prove the effect.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import httpx
from textual.pilot import Pilot

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.model import Spec
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.memory import MemoryStore
from mocktui.runtime import assemble
from mocktui.server.runner import bind
from mocktui.ui.app import MocktuiApp
from mocktui.ui.local import LocalBackend
from mocktui.ui.requests import Display
from mocktui.ui.screens import OverrideScreen

from ..engine.stores.test_stores import require_redis
from ..helpers import SPECS

API = "/api/v1"


FROZEN = Display(time=lambda _t: "12:00:00", latency=lambda _ms: "0.4ms", rate=0.0, url="http://127.0.0.1:3000/api/v1")


def workers_socket(shared: str) -> tuple[socket.socket, str, str | None]:
    """For a control room over `--workers 2`: its listening socket, its URL, and the cluster's Redis URL when
    the workers agree through Redis (`shared == "redis"`; a namespace of its own) rather than the hub."""
    sock = bind("127.0.0.1", 0)
    cluster = None
    if shared == "redis":
        require_redis()
        cluster = f"redis://127.0.0.1:6379/14?namespace=ui{uuid.uuid4().hex[:10]}"
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}", cluster


@cache
def shop_spec(name: str) -> Spec:
    return load_spec(str(SPECS / name))


def shop_engine(stateful: bool = True, seed_count: int = 5) -> MockEngine:
    store = MemoryStore() if stateful else None
    engine = MockEngine.build(
        shop_spec("shop.yaml"), controls=Controls(stateful=stateful), faker_seed=7, store=store, seed_count=seed_count
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


async def traffic(client: httpx.AsyncClient) -> None:
    await client.get(f"{API}/users/1")
    await client.get(f"{API}/users/999")
    await client.post(f"{API}/users", json={"email": "new@example.com", "firstName": "New", "lastName": "User"})
    await client.get(f"{API}/products", params={"page": 1})
    await client.get(f"{API}/nowhere")


async def edit_override(app: MocktuiApp, pilot: Pilot[int], operation: str) -> OverrideScreen:
    await pilot.press("2")
    await pilot.pause()
    table = app.routes_pane.table
    assert app.focused is table
    table.move_cursor(row=table.get_row_index(operation))
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, OverrideScreen)
    return app.screen


async def open_store(app: MocktuiApp, pilot: Pilot[int]) -> None:
    await pilot.press("4")
    await pilot.pause()
    assert app.store_pane.collection == "users"
