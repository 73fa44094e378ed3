"""A cluster held in Redis: workers and instances on several hosts that share one Redis.

The document sits in one key with its version and travels on a pub/sub channel; a change is
one Lua script (version, document, announcement and journal entry at once), so two changes made
at once on two hosts are ordered and every process ends on the same one. The journal is a
bounded Redis Stream fed by each process's pipelined writer; a read first asks every live
member (heartbeats in a sorted set) to flush its writer and waits for their acks, so the events
of requests a client has already seen answered are in it. Counters are Redis integers.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import redis
import redis.asyncio as aioredis

from mocktui.cluster.plane import Document, Item, Plane, adopt, document
from mocktui.engine.events import Notice, RequestEvent
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.stores.bridge import bridged, wait_for
from mocktui.engine.stores.redis import redis_target

JOURNAL_MAX = 10_000  # entries the stream keeps (approximately: Redis trims whole nodes)
HEARTBEAT_S = 1.0
ALIVE_S = 3.5  # a member silent this long is gone
BARRIER_S = 0.5
BATCH = 500
LINGER_S = 0.01  # how long a batch gathers: 10 ms late on the stream, and a journal read flushes first

_PUBLISH = """
local v = redis.call('INCR', KEYS[1])
local doc = '{"op":"doc","version":' .. v .. ',"doc":' .. ARGV[1] .. '}'
redis.call('SET', KEYS[2], doc)
redis.call('PUBLISH', KEYS[3], doc)
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[2], '*', 'k', 'controls', 'd', doc)
return v
"""


_APPEND = """
for i = 2, #ARGV, 2 do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'k', ARGV[i], 'd', ARGV[i + 1])
end
return #ARGV
"""


class PlaneError(Exception):
    """The cluster's Redis cannot be reached: one line to show."""


def spec_scope(title: str, version: str, operations: list[str]) -> str:
    """A short name for one API: instances of the same spec (wherever its file is) share it."""
    text = "\n".join([title, version, *sorted(operations)])
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:12]


def stream_id(number: int) -> str:
    """The Redis stream id of a journal event id (ms * 1000 + sequence)."""
    return f"{number // 1000}-{number % 1000}"


def event_number(raw: bytes | str) -> int:
    text = raw.decode() if isinstance(raw, bytes) else raw
    ms, seq = text.split("-")
    return int(ms) * 1000 + int(seq)


class RedisPlane(Plane):
    """One process of a cluster whose document, journal and counters live in Redis.

    `scope` keeps different mocks on one Redis apart (`spec_scope`); `mirror` (the control room)
    copies every other member's events into this process's own stream: its log shows the fleet.
    """

    def __init__(
        self, url: str, member: str | None = None, *, scope: str = "", mirror: bool = False, serves: bool = True
    ) -> None:
        super().__init__(member)
        self.serves = serves  # a supervisor that only steers is no member: it has no requests to flush
        url, namespace = redis_target(url)
        self.url = url
        ns = f"{namespace}:plane" + (f":{scope}" if scope else "")
        self.keys = {name: f"{ns}:{name}" for name in ("version", "doc", "bus", "journal", "members", "info")}
        self._counter_prefix = f"{ns}:n:"
        self._ack_prefix = f"{ns}:ack:"
        self.mirror = mirror
        try:
            self._r = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
            self._a = aioredis.from_url(url, socket_timeout=None, socket_connect_timeout=5)
        except ValueError as exc:
            raise PlaneError(f"--cluster: not a Redis URL: {url}: {exc}") from None
        self._publish_script = self._r.register_script(_PUBLISH)
        self._append_script = self._a.register_script(_APPEND)  # a whole batch in one call: cheap per event
        self._queue: collections.deque[tuple[str, bytes]] = collections.deque()
        self._wake = asyncio.Event()
        self._busy = False
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: list[Any] = []
        self._shipped = 0
        self._mirroring = False
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, engine: MockEngine) -> None:
        await super().start(engine)
        self._loop = asyncio.get_running_loop()
        try:
            self._r.ping()
        except redis.RedisError as exc:
            raise PlaneError(f"cannot reach the cluster's Redis at {self.url}: {exc}") from None
        raw = self._r.get(self.keys["doc"])
        if raw is not None and self._live():  # joining a running cluster: obey it
            self._adopt(orjson.loads(raw))
        else:  # the first member: its settings are the cluster's
            self.publish(document(engine))
        pubsub = self._a.pubsub()
        await pubsub.subscribe(self.keys["bus"])
        self._tasks = [
            asyncio.create_task(self._listen(pubsub), name="mocktui-plane-listen"),
            asyncio.create_task(self._flusher(), name="mocktui-plane-flush"),
        ]
        if self.serves:
            self._beat()
            self._tasks.append(asyncio.create_task(self._heartbeat(), name="mocktui-plane-beat"))
        if self.mirror:
            self._tasks.append(asyncio.create_task(self._copy_others(), name="mocktui-plane-mirror"))
        if self.serves:  # a supervisor has no requests of its own to journal (what it mirrors is journaled)
            events = engine.events
            self._unsubscribe = [events.subscribe(self._ship), events.subscribe_notices(self._ship_notice)]

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            with contextlib.suppress(ValueError):
                unsubscribe()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._drain(), 2)
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(redis.RedisError):
            self._r.zrem(self.keys["members"], self.member)
            self._r.hdel(self.keys["info"], self.member)
        with contextlib.suppress(Exception):
            await self._a.aclose()
        self._r.close()

    # -- the document -----------------------------------------------------------------

    def publish(self, doc: Document) -> int:
        version = int(self._publish_script(keys=self._key_list(), args=[orjson.dumps(doc), JOURNAL_MAX]))
        self.version = max(self.version, version)
        return version

    def _key_list(self) -> list[str]:
        return [self.keys[name] for name in ("version", "doc", "bus", "journal")]

    def _adopt(self, message: dict[str, Any]) -> None:
        version = int(message["version"])
        if version > self.version:
            self.version = version
            adopt(self._engine, message["doc"])

    async def _listen(self, pubsub: Any) -> None:
        async for raw in pubsub.listen():
            if raw.get("type") != "message":
                continue
            message = orjson.loads(raw["data"])
            if message.get("op") == "doc":
                self._adopt(message)
            elif message.get("op") == "flush" and self.serves:
                await self._drain()
                ack = self._ack_prefix + str(message["token"])
                async with self._a.pipeline(transaction=False) as pipe:
                    pipe.incr(ack)
                    pipe.expire(ack, 30)
                    await pipe.execute()

    # -- membership -------------------------------------------------------------------

    def _info(self) -> bytes:
        """What the fleet list says of this member (its heartbeat carries it)."""
        info = {"worker": self.member, "pid": os.getpid(), "host": socket.gethostname(), "requests": self._shipped}
        return orjson.dumps(info)

    def _beat(self) -> None:
        with self._r.pipeline(transaction=False) as pipe:
            pipe.zadd(self.keys["members"], {self.member: time.time()})
            pipe.hset(self.keys["info"], self.member, self._info())
            pipe.execute()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            try:
                async with self._a.pipeline(transaction=False) as pipe:
                    pipe.zadd(self.keys["members"], {self.member: time.time()})
                    pipe.hset(self.keys["info"], self.member, self._info())
                    pipe.zremrangebyscore(self.keys["members"], 0, time.time() - 60)
                    await pipe.execute()
            except redis.RedisError:
                continue

    def _live(self) -> list[str]:
        members = self._r.zrangebyscore(self.keys["members"], time.time() - ALIVE_S, "+inf")
        return [m.decode() if isinstance(m, bytes) else str(m) for m in members]

    def members(self) -> list[dict[str, Any]]:
        live = self._live()
        if not live:
            return []
        raw = self._r.hmget(self.keys["info"], live)
        return [orjson.loads(item) for item in raw if item is not None]

    # -- the journal ------------------------------------------------------------------

    def _ship(self, event: RequestEvent) -> None:
        if self._mirroring:  # another member's event, copied here for the control room: journaled already
            return
        event.worker = self.member
        self._queue.append(("request", orjson.dumps(event.to_dict())))
        self._shipped += 1
        self._wake.set()

    def _ship_notice(self, notice: Notice) -> None:
        if self._mirroring:
            return
        data = {"time": notice.time, "level": notice.level, "text": notice.text, "worker": self.member}
        self._queue.append(("notice", orjson.dumps(data)))
        self._wake.set()

    async def _flusher(self) -> None:
        """Events to the stream in pipelined batches, in the order they happened."""
        while True:
            await self._wake.wait()
            self._busy = True
            await asyncio.sleep(LINGER_S)  # let a batch gather: one call carries many events
            self._wake.clear()
            try:
                while self._queue:
                    batch = [self._queue.popleft() for _ in range(min(BATCH, len(self._queue)))]
                    await self._write(batch)
            finally:
                self._busy = False

    async def _write(self, batch: list[tuple[str, bytes]]) -> None:
        for pause in (0.05, 0.2, 1.0, None):
            try:
                args: list[str | bytes | int] = [JOURNAL_MAX]
                for kind, data in batch:
                    args += (kind, data)
                await self._append_script(keys=[self.keys["journal"]], args=args)
                return
            except redis.RedisError as exc:
                if pause is None:
                    self._engine.events.notice("error", f"the cluster journal lost {len(batch)} events: {exc}")
                    return
                await asyncio.sleep(pause)

    async def _drain(self) -> None:
        while self._queue or self._busy:
            self._wake.set()
            await asyncio.sleep(0.001)

    def _barrier(self) -> None:
        """Every live member flushes its writer before the journal is read."""
        expected = len(self._live())
        try:
            in_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            in_loop = False
        if in_loop and self.serves:  # this process cannot answer its own flush while it waits here
            expected -= 1
        if expected <= 0:
            return
        token = uuid.uuid4().hex
        self._r.publish(self.keys["bus"], orjson.dumps({"op": "flush", "token": token}))
        deadline = time.monotonic() + BARRIER_S
        while time.monotonic() < deadline:
            acked = self._r.get(self._ack_prefix + token)
            if acked is not None and int(acked) >= expected:
                return
            time.sleep(0.002)

    def journal(self) -> list[RequestEvent]:
        self._barrier()
        out = []
        entries: list[tuple[bytes, dict[bytes, bytes]]] = self._r.xrange(self.keys["journal"])  # type: ignore[assignment]
        for raw_id, fields in entries:
            if fields.get(b"k") == b"request":
                event = RequestEvent.from_dict(orjson.loads(fields[b"d"]))
                event.id = event_number(raw_id)
                out.append(event)
        return out

    def clear_journal(self) -> None:
        self._r.delete(self.keys["journal"])

    async def follow(self, after: int | None = None) -> AsyncIterator[Item]:
        last = stream_id(after) if after is not None else "$"
        reader = aioredis.from_url(self.url, socket_timeout=None)
        try:
            while True:
                found: Any = await reader.xread({self.keys["journal"]: last}, count=BATCH, block=5000)
                for _, entries in found or ():
                    for raw_id, fields in entries:
                        last = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
                        kind = fields[b"k"].decode()
                        data = orjson.loads(fields[b"d"])
                        number = event_number(raw_id) if kind == "request" else 0
                        if kind == "request":
                            data["id"] = number
                        elif kind == "controls":
                            data = {"version": data["version"], **data["doc"]}
                        yield Item(kind, number, data)
        finally:
            await reader.aclose()

    async def _copy_others(self) -> None:
        """The control room's request log: every other member's events into this process's stream."""
        events = self._engine.events
        async for item in self.follow(None):
            if item.data.get("worker") == self.member:
                continue
            self._mirroring = True
            try:
                if item.kind == "request":
                    events.publish(RequestEvent.from_dict(item.data))
                elif item.kind == "notice":
                    events.notice(str(item.data["level"]), f"{item.data['worker']}: {item.data['text']}")
            finally:
                self._mirroring = False

    # -- counters ---------------------------------------------------------------------

    def incr(self, key: str, by: int = 1, ttl_s: float | None = None) -> int:
        """On the request path: inside a bridged request the asyncio client awaits, the loop serving others."""
        name = self._counter_prefix + key
        bridge = bridged()
        client: Any = self._a if bridge else self._r
        if ttl_s is None:
            command = client.incrby(name, by)
        else:  # the TTL is set when the key is made, not renewed by every hit
            command = client.pipeline(transaction=False).set(name, 0, ex=max(1, int(ttl_s)), nx=True).incrby(name, by)
            command = command.execute()
        done = wait_for(command) if bridge else command
        return int(done if ttl_s is None else done[1])

    def drop(self, key: str) -> None:
        self._r.delete(self._counter_prefix + key)

    def reset_counters(self) -> None:
        keys = list(self._r.scan_iter(match=self._counter_prefix + "*", count=1000))
        if keys:
            self._r.delete(*keys)

