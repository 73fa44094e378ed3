"""The Redis store inside `run_bridged`: the asyncio client, and an event loop that keeps serving meanwhile.

The whole store suite of test_stores.py runs again here on a Redis store whose every call is made inside
`run_bridged` on an event loop, with the synchronous client replaced by a tripwire: each call must go
through redis.asyncio. Then the rate limiter, the cluster's counters, and a live server whose store
connection is slowed by a proxy while other requests are answered at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mocktui.cluster.redis import RedisPlane
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.behaviour import CountingLimiter
from mocktui.engine.steer.controls import Controls, RateLimit
from mocktui.engine.stores.base import Record, Store
from mocktui.engine.stores.bridge import run_bridged, wait_for
from mocktui.engine.stores.memory import MemoryStore
from mocktui.engine.stores.redis import RedisStore, _Batched
from mocktui.engine.stores.redis_scripts import SCRIPTS
from mocktui.engine.stores.session import SessionStore

from ...helpers import LiveServer, use_store
from . import test_stores as suite
from .test_stores import REDIS_URL, redis_store, require_redis


class Tripwire:
    """Stands in for the synchronous client: any use of it inside the bridge fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the synchronous Redis client was used ({name}) where the asyncio one must be")


def _settled(method: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    result = method(*args)
    return list(result) if isinstance(result, Iterator) else result  # a scan runs to its end inside the bridge


class BridgedStore(Store):
    """A RedisStore whose every call runs inside `run_bridged` on one event loop, as a request's would."""

    kind = "redis"

    def __init__(self, inner: RedisStore) -> None:
        self.inner = inner
        self.loop = asyncio.new_event_loop()

    def _call(self, name: str, *args: Any) -> Any:
        return self.loop.run_until_complete(run_bridged(_settled, getattr(self.inner, name), args))

    def collections(self) -> dict[str, int]:
        return dict(self._call("collections"))

    def count(self, collection: str) -> int:
        return int(self._call("count", collection))

    def get(self, collection: str, id: str) -> Record | None:
        got: Record | None = self._call("get", collection, id)
        return got

    def put(self, collection: str, id: str, record: Record) -> None:
        self._call("put", collection, id, record)

    def put_many(self, collection: str, items: Iterable[tuple[str, Record]]) -> None:
        self._call("put_many", collection, list(items))

    def delete(self, collection: str, id: str) -> bool:
        return bool(self._call("delete", collection, id))

    def scan(self, collection: str) -> Iterator[tuple[str, Record]]:
        return iter(self._call("scan", collection))

    def page(self, collection: str, offset: int, limit: int) -> list[Record]:
        return list(self._call("page", collection, offset, limit))

    def next_seqs(self, collection: str, n: int) -> int:
        return int(self._call("next_seqs", collection, n))

    def clear(self) -> None:
        self._call("clear")

    def find(self, collection: str, field: str, value: Any) -> str | None:
        found: str | None = self._call("find", collection, field, value)
        return found

    def close(self) -> None:
        self._call("close")
        self.loop.close()


@pytest.fixture
def namespace() -> str:
    return f"mocktui-test-{uuid.uuid4().hex}"


@pytest.fixture
def store(namespace: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    inner = redis_store(namespace)
    monkeypatch.setattr(inner, "_sync", Tripwire())
    made = BridgedStore(inner)
    try:
        yield made
    finally:
        made.clear()
        made.close()


# Every interface test of the store suite, here over the bridged store above.
for _name, _test in vars(suite).items():
    if _name.startswith("test_") and "store" in inspect.signature(_test).parameters:
        globals()[_name] = _test


def test_the_suite_is_here() -> None:
    here = [name for name in globals() if name.startswith("test_")]
    assert {"test_empty_store", "test_find_follows_replace_and_delete", "test_100k_records"} <= set(here)
    assert len(here) > 20


# -- the clients ------------------------------------------------------------------------


def test_bridged_calls_use_the_hiredis_parser_outside_calls_the_sync_client(namespace: str) -> None:
    store = redis_store(namespace)
    loop = asyncio.new_event_loop()
    try:
        store.put("users", "1", {"name": "sync"})  # not bridged: the synchronous client
        assert store._async is None
        got = loop.run_until_complete(run_bridged(store.get, "users", "1"))
        assert got == {"name": "sync"}
        assert store._async is not None and store._async.loop is loop
        pool = store._async.r.connection_pool
        parsers = {type(conn._parser).__name__ for conn in pool._available_connections}
        assert parsers == {"_AsyncHiredisParser"}
    finally:
        loop.run_until_complete(run_bridged(store.clear))
        loop.run_until_complete(run_bridged(store.close))
        loop.close()


def test_a_new_event_loop_gets_its_own_connections(namespace: str) -> None:
    store = redis_store(namespace)
    store.put("users", "1", {"n": 1})
    try:
        for _ in range(2):
            loop = asyncio.new_event_loop()
            assert loop.run_until_complete(run_bridged(store.count, "users")) == 1
            assert store._async is not None and store._async.loop is loop
            loop.run_until_complete(run_bridged(store.close))
            loop.close()
    finally:
        store.clear()


def test_close_outside_the_loop_closes_the_async_connections(namespace: str) -> None:
    store = redis_store(namespace)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run_bridged(store.count, "users"))
        side = store._async
        assert side is not None and side.r.connection_pool._available_connections
        store.close()  # not bridged, the loop idle: closed on that loop
        assert store._async is None
        assert all(not conn.is_connected for conn in side.r.connection_pool._available_connections)
    finally:
        loop.close()


def test_awaits_says_which_stores_the_server_bridges(namespace: str) -> None:
    assert MemoryStore().awaits is False
    assert SessionStore(MemoryStore(), "s1").awaits is False
    store = redis_store(namespace)
    try:
        assert store.awaits is True
        assert SessionStore(store, "s1").awaits is True  # the session view of a Redis store awaits too
    finally:
        store.close()


class FakeRedis:
    """Just enough of redis.asyncio for `_Batched`: records what reaches the wire, fails where told."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.sent: list[list[tuple[Any, ...]]] = []  # one list per round trip
        self.fail = fail

    async def execute_command(self, *args: Any) -> Any:
        return (await self._round_trip([args], raise_on_error=True))[0]

    def pipeline(self, transaction: bool) -> FakePipeline:
        assert transaction is False
        return FakePipeline(self)

    async def _round_trip(self, commands: list[tuple[Any, ...]], raise_on_error: bool) -> list[Any]:
        self.sent.append(commands)
        await asyncio.sleep(0)
        if self.fail is not None:
            raise self.fail
        replies: list[Any] = [ValueError(f"bad {c[1]}") if c[0] == "BAD" else f"{c[0]} {c[1]}" for c in commands]
        if raise_on_error:
            for reply in replies:
                if isinstance(reply, Exception):
                    raise reply
        return replies


class FakePipeline:
    def __init__(self, fake: FakeRedis) -> None:
        self.fake = fake
        self.commands: list[tuple[Any, ...]] = []

    def execute_command(self, *args: Any) -> FakePipeline:
        self.commands.append(args)
        return self

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        return await self.fake._round_trip(self.commands, raise_on_error)


async def test_commands_of_one_loop_turn_leave_in_one_round_trip() -> None:
    fake = FakeRedis()
    batched = _Batched(fake, asyncio.get_running_loop())

    def one(n: int) -> Any:
        return wait_for(batched.call("GET", n))

    got = await asyncio.gather(*(run_bridged(one, n) for n in range(16)))
    assert got == [f"GET {n}" for n in range(16)]
    assert [len(trip) for trip in fake.sent] == [16]
    assert await run_bridged(one, 99) == "GET 99"  # alone: one command, no pipeline
    assert fake.sent[-1] == [("GET", 99)]


async def test_an_error_reply_reaches_only_its_caller() -> None:
    fake = FakeRedis()
    batched = _Batched(fake, asyncio.get_running_loop())
    futures = [batched.call("GET", "a"), batched.call("BAD", "b"), batched.call("GET", "c")]
    done = await asyncio.gather(*futures, return_exceptions=True)
    assert done[0] == "GET a" and done[2] == "GET c"
    assert isinstance(done[1], ValueError) and str(done[1]) == "bad b"
    assert len(fake.sent) == 1


async def test_a_lost_connection_reaches_every_caller_of_the_batch_and_the_next_batch_goes_out() -> None:
    fake = FakeRedis(fail=ConnectionError("gone"))
    batched = _Batched(fake, asyncio.get_running_loop())
    done = await asyncio.gather(batched.call("GET", 1), batched.call("GET", 2), return_exceptions=True)
    assert [str(d) for d in done] == ["gone", "gone"]
    fake.fail = None
    assert await batched.call("GET", 3) == "GET 3"


async def test_a_cancelled_caller_does_not_break_the_batch() -> None:
    fake = FakeRedis()
    batched = _Batched(fake, asyncio.get_running_loop())
    first, second = batched.call("GET", 1), batched.call("GET", 2)
    first.cancel()
    assert await second == "GET 2"
    assert first.cancelled()


def test_a_script_redis_does_not_know_yet_is_loaded(namespace: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A restarted or flushed Redis forgets scripts: the first EVALSHA gets NOSCRIPT, the store loads it."""
    store = redis_store(namespace)
    source = SCRIPTS["page"][0] + f"\n-- {uuid.uuid4().hex}"  # a script this Redis has never seen
    monkeypatch.setitem(SCRIPTS, "page", (source, hashlib.sha1(source.encode()).hexdigest()))
    store.put("items", "1", {"n": 1})
    loop = asyncio.new_event_loop()
    try:
        assert store.page("items", 0, 5) == [{"n": 1}]  # synchronous: NOSCRIPT, load, again
        fresh = SCRIPTS["page"][0] + f"\n-- {uuid.uuid4().hex}"
        monkeypatch.setitem(SCRIPTS, "page", (fresh, hashlib.sha1(fresh.encode()).hexdigest()))
        assert loop.run_until_complete(run_bridged(store.page, "items", 0, 5)) == [{"n": 1}]  # bridged: the same
        loop.run_until_complete(run_bridged(store.clear))
        loop.run_until_complete(run_bridged(store.close))
    finally:
        loop.close()


def test_rate_limiter_inside_the_bridge(namespace: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = redis_store(namespace)
    limiter = store.limiter()
    rule = RateLimit(requests=2, window_s=60)
    assert limiter.hit("k", rule).allowed  # outside: the synchronous client
    monkeypatch.setattr(store, "_sync", Tripwire())
    loop = asyncio.new_event_loop()
    try:
        second = loop.run_until_complete(run_bridged(limiter.hit, "k", rule))
        third = loop.run_until_complete(run_bridged(limiter.hit, "k", rule))
        assert (second.allowed, second.remaining) == (True, 0)
        assert not third.allowed
        loop.run_until_complete(run_bridged(limiter.reset))
        assert loop.run_until_complete(run_bridged(limiter.hit, "k", rule)).remaining == 1
        loop.run_until_complete(run_bridged(limiter.reset))
        loop.run_until_complete(run_bridged(store.close))
    finally:
        loop.close()


def test_cluster_counters_inside_the_bridge(monkeypatch: pytest.MonkeyPatch) -> None:
    require_redis()
    plane = RedisPlane(REDIS_URL, scope=f"test-{uuid.uuid4().hex}")

    async def main() -> list[int]:
        got = [plane.incr("calls")]  # on the loop but not bridged: the synchronous client
        sync = plane._r
        monkeypatch.setattr(plane, "_r", Tripwire())
        got += [await run_bridged(plane.incr, "calls"), await run_bridged(plane.incr, "calls", 5)]
        got += [await run_bridged(plane.incr, "windowed", 1, 30.0), await run_bridged(plane.incr, "windowed", 1, 30.0)]
        monkeypatch.setattr(plane, "_r", sync)
        ttl = plane._r.ttl(plane._counter_prefix + "windowed")
        assert 0 < int(ttl) <= 30
        plane.reset_counters()
        await plane._a.aclose()
        plane._r.close()
        return got

    assert asyncio.run(main()) == [1, 2, 7, 1, 2]


# -- a live server: a slow store round trip does not stall the loop ----------------------

SPEC = """
openapi: 3.0.3
info: {title: slow store, version: "1"}
paths:
  /ping:
    get:
      responses:
        "200":
          description: pong
          content: {application/json: {schema: {type: object, properties: {ok: {type: boolean}}}}}
  /items/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    get:
      responses:
        "200":
          description: an item
          content:
            application/json:
              schema: {type: object, properties: {id: {type: integer}, name: {type: string}}}
        "404": {description: no such item}
"""


class SlowProxy:
    """A TCP proxy to Redis that holds every command `delay` seconds before passing it on."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(self._serve(), self.loop).result(5)
        self.port: int = self.server.sockets[0].getsockname()[1]

    async def _serve(self) -> asyncio.Server:
        return await asyncio.start_server(self._client, "127.0.0.1", 0)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = httpx.URL(REDIS_URL).host, httpx.URL(REDIS_URL).port or 6379
        up_reader, up_writer = await asyncio.open_connection(host, port)
        await asyncio.gather(self._pump(reader, up_writer, slow=True), self._pump(up_reader, writer, slow=False))

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, slow: bool) -> None:
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                if slow and self.delay:
                    await asyncio.sleep(self.delay)
                writer.write(chunk)
                await writer.drain()
        writer.close()

    def close(self) -> None:
        async def shutdown() -> None:
            self.server.close()
            pumps = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in pumps:
                task.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


def _timed(client: httpx.Client, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    status = client.get(path).status_code
    return status, time.perf_counter() - started


def _while_slow(
    server: LiveServer, quick_paths: tuple[str, ...] = ("/__mocktui/health", "/ping")
) -> tuple[tuple[int, float], list[tuple[int, float]]]:
    """GET /items/1 (a Redis round trip held 300 ms) and, while it waits, `quick_paths`."""
    slow: list[tuple[int, float]] = []
    with httpx.Client(base_url=server.url, timeout=10) as first, httpx.Client(base_url=server.url, timeout=10) as other:
        _timed(other, "/ping")  # connections open before the clock starts
        _timed(first, "/ping")
        thread = threading.Thread(target=lambda: slow.append(_timed(first, "/items/1")))
        thread.start()
        time.sleep(0.08)  # the slow request is inside its store call now
        quick = [_timed(other, path) for path in quick_paths]
        thread.join(10)
    return slow[0], quick


def test_a_slow_store_call_does_not_stall_other_requests(tmp_path: Path, namespace: str) -> None:
    require_redis()
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC)
    proxy = SlowProxy()
    store = RedisStore(f"redis://127.0.0.1:{proxy.port}/{httpx.URL(REDIS_URL).path.strip('/') or 0}", namespace)
    engine = MockEngine.build(load_spec(str(spec)), controls=Controls(stateful=True), faker_seed=7)
    use_store(engine, store, seed_count=3).seed()
    server = LiveServer(engine)
    server.start()
    try:
        proxy.delay = 0.3
        (status, took), quick = _while_slow(server)
        assert status == 200 and took >= 0.3  # the store call really was slow
        assert [s for s, _ in quick] == [200, 200]
        assert max(t for _, t in quick) < 0.05, quick  # answered while the store call waited

        store.awaits = False  # the same server calling the synchronous client: the loop stalls (the control)
        (status, took), quick = _while_slow(server)
        assert status == 200
        assert max(t for _, t in quick) > 0.15, quick
    finally:
        proxy.delay = 0
        server.stop()
        store.clear()
        store.close()
        proxy.close()


def test_cluster_counters_of_a_stateless_mock_do_not_stall_other_requests(tmp_path: Path) -> None:
    """`--cluster` without a Redis store: the rate limit counts in the cluster's Redis on every request, so
    the server bridges requests for the counters alone and a slow round trip leaves the loop free."""
    require_redis()
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC)
    proxy = SlowProxy()
    plane = RedisPlane(f"redis://127.0.0.1:{proxy.port}/{httpx.URL(REDIS_URL).path.strip('/') or 0}",
                       scope=f"test-{uuid.uuid4().hex}")  # fmt: skip
    controls = Controls(rate_limit=RateLimit(enabled=True, requests=1_000, window_s=60))
    engine = MockEngine.build(load_spec(str(spec)), controls=controls, faker_seed=7)
    assert engine.state is None  # no store that awaits: only the counters do
    engine.use_counters(plane)
    engine.behaviour.limiter = CountingLimiter(plane)
    server = LiveServer(engine)
    server.start()
    try:
        proxy.delay = 0.3
        (status, took), quick = _while_slow(server, ("/__mocktui/health",))
        assert status == 200 and took >= 0.3  # the counter's round trip really was slow
        assert quick[0][0] == 200 and quick[0][1] < 0.05, quick  # answered while the counter waited

        plane.awaits = False  # the same server calling the synchronous client: the loop stalls (the control)
        (status, took), quick = _while_slow(server, ("/__mocktui/health",))
        assert status == 200
        assert quick[0][1] > 0.15, quick
    finally:
        proxy.delay = 0
        server.stop()
        plane.reset_counters()
        plane._r.close()
        proxy.close()
