"""Stateful mocks on real sockets: one live mock per spec for the package, a fresh store per test.

The CRUD suite runs once per store kind (memory, SQLite in tmp_path, Redis under a namespace of its own);
Redis comes from env MOCKTUI_TEST_REDIS (default redis://127.0.0.1:6379/15): without one those cases skip
locally and fail in CI (CI=true)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.base import Store
from mocktui.engine.stores.memory import MemoryStore
from mocktui.engine.stores.redis import RedisStore
from mocktui.engine.stores.sqlite import SQLiteStore

from ...helpers import LiveServer, use_store
from ..stores.test_stores import REDIS_URL, require_redis
from .support import ACCOUNTS, BASE, KINDS, SHOP, SHOP_SEEDS, Api, Mocks


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="package")
def servers() -> Iterator[Callable[[Path], LiveServer]]:
    """One live stateful mock per spec for the whole package; each test attaches a fresh store to it."""
    made: dict[Path, LiveServer] = {}

    def get(spec: Path) -> LiveServer:
        if spec not in made:
            engine = MockEngine.build(load_spec(str(spec)), controls=Controls(stateful=True), faker_seed=7)
            server = LiveServer(engine)
            # runner.bind() makes the socket with proto 0, so the stdlib event loop of LiveServer never
            # sets TCP_NODELAY on accepted connections (uvloop, which the CLI uses, does): every keep-alive
            # response would wait ~40 ms for a delayed ACK. Accepted sockets inherit it from the listener.
            server.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            server.start()
            made[spec] = server
        return made[spec]

    yield get
    for server in made.values():
        server.stop()


@pytest.fixture
def mocks(servers: Callable[[Path], LiveServer], tmp_path: Path) -> Iterator[Mocks]:
    """`mocks(spec, kind, seed=N, seed_counts={...}, prefix=...)`: the spec's mock over a new, seeded store."""
    stores: list[Store] = []
    apis: list[Api] = []

    def open_mock(
        spec: Path, kind: str, *, seed: int = 6, seed_counts: dict[str, int] | None = None, prefix: str = ""
    ) -> Api:
        store: Store
        if kind == "memory":
            store = MemoryStore()
        elif kind == "sqlite":
            store = SQLiteStore(str(tmp_path / f"state-{len(stores)}.db"))
        else:
            require_redis()
            store = RedisStore(REDIS_URL, f"mocktui-test-stateful-{uuid.uuid4().hex}")
        assert store.kind == kind
        stores.append(store)
        server = servers(spec)
        use_store(server.engine, store, seed_count=seed, seed_counts=seed_counts or {}).seed()
        apis.append(Api(server, prefix))
        return apis[-1]

    yield open_mock
    for api in apis:
        api.client.close()
        api.engine.swap(replace(api.engine.stages, state=None))
    for store in stores:
        if store.kind == "redis":
            store.clear()
        store.close()


@pytest.fixture
def shop(kind: str, mocks: Mocks) -> Api:
    return mocks(SHOP, kind, seed=6, seed_counts=SHOP_SEEDS, prefix=BASE)


@pytest.fixture
def accounts(kind: str, mocks: Mocks) -> Api:
    return mocks(ACCOUNTS, kind, seed=5)
