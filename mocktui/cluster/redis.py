"""A cluster held in Redis: workers and instances on several hosts that share one Redis.

The document sits in one key with its version and travels on a pub/sub channel; a change is
one Lua script (version, document, announcement and journal entry at once), so two changes made
at once on two hosts are ordered and every process ends on the same one. Counters are Redis integers.

The journal is every member's own ring: a read asks every live member (heartbeats in a sorted set)
for its ring on the pub/sub channel and merges their answers, so the events of requests a client
has already seen answered are in it, and a request pays nothing for it. While someone follows the
journal (the event stream on any host, a control room), each member also appends its events to a
bounded Redis Stream, in pipelined batches; followers register in a hash that members read.
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

from mocktui.cluster.follow import Item, replayed_after
from mocktui.cluster.plane import SLOTS, Document, Plane, PlaneError, Stamp, adopt, document, merged, ring
from mocktui.engine.events import Notice, RequestEvent
from mocktui.engine.outbox import Fire, outbox_of
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.stores.bridge import bridged, wait_for
from mocktui.engine.stores.redis import redis_target

JOURNAL_MAX = 10_000  # entries the stream keeps (approximately: Redis trims whole nodes)
HEARTBEAT_S = 1.0
ALIVE_S = 3.5  # a member silent this long is gone
ASK_S = 3.0  # how long a read waits for members' rings (a member that died within ALIVE_S, a busy one)
FOLLOWER_S = 5.0  # a follower that stopped renewing its entry this long ago is gone: members stop sending
SLOT_S = 30  # a member's slot (part of its event ids) is its own while it renews the lease
BATCH = 500
LINGER_S = 0.01  # how long a batch gathers: 10 ms late on the stream

_PUBLISH = """
local v = redis.call('INCR', KEYS[1])
local doc = '{"op":"doc","version":' .. v .. ',"doc":' .. ARGV[1] .. '}'
redis.call('SET', KEYS[2], doc)
redis.call('PUBLISH', KEYS[3], doc)
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[2], '*', 'k', 'controls', 'd', doc)
return v
"""


_APPEND = """
for i = 2, #ARGV, 3 do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'k', ARGV[i], 'i', ARGV[i + 1], 'd', ARGV[i + 2])
end
return #ARGV
"""


def _item(fields: dict[bytes, bytes]) -> Item:
    """One entry of the journal stream: a request event's JSON kept as it was sent (and its id beside it)."""
    kind = fields[b"k"].decode()
    if kind == "request":
        raw = fields[b"d"]
        return Item(kind, int(fields[b"i"]) if b"i" in fields else int(orjson.loads(raw)["id"]), raw=raw)
    data = orjson.loads(fields[b"d"])
    if kind == "controls":
        data = {"version": data["version"], **data["doc"]}
    return Item(kind, 0, data)


def spec_scope(title: str, version: str, operations: list[str]) -> str:
    """A short name for one API: instances of the same spec (wherever its file is) share it."""
    text = "\n".join([title, version, *sorted(operations)])
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:12]


class RedisPlane(Plane):
    """One process of a cluster whose document, journal and counters live in Redis.

    `scope` keeps different mocks on one Redis apart (`spec_scope`); `mirror` (the control room)
    copies every other member's events into this process's own stream: its log shows the fleet.
    """

    awaits = True  # counters on the request path: the server bridges requests, so a round trip yields the loop

    def __init__(
        self, url: str, member: str | None = None, *, scope: str = "", mirror: bool = False, serves: bool = True
    ) -> None:
        super().__init__(member)
        self.serves = serves  # a supervisor that only steers is no member: it has no requests to flush
        url, namespace = redis_target(url)
        self.url = url
        ns = f"{namespace}:plane" + (f":{scope}" if scope else "")
        names = ("version", "doc", "bus", "journal", "members", "info", "followers", "slots")
        self.keys = {name: f"{ns}:{name}" for name in names}
        self._counter_prefix = f"{ns}:n:"
        self._ack_prefix = f"{ns}:ack:"
        self._ring_prefix = f"{ns}:ring:"
        self._slot_prefix = f"{ns}:slot:"
        self.mirror = mirror
        try:
            self._r = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
            self._a = aioredis.from_url(url, socket_timeout=None, socket_connect_timeout=5)
        except ValueError as exc:
            raise PlaneError(f"--cluster: not a Redis URL: {url}: {exc}") from None
        self._publish_script = self._r.register_script(_PUBLISH)
        self._append_script = self._a.register_script(_APPEND)  # a whole batch in one call: cheap per event
        self._queue: collections.deque[tuple[str, int, bytes]] = collections.deque()  # kind, event id, JSON
        self._wake = asyncio.Event()
        self._busy = False
        self._tasks: list[asyncio.Task[None]] = []
        self._stamp = Stamp(self.member, 0)
        self._mirroring = False
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, engine: MockEngine) -> None:
        await super().start(engine)
        self._loop = asyncio.get_running_loop()
        try:
            self._r.ping()
        except redis.RedisError as exc:
            raise PlaneError(f"cannot reach the cluster's Redis at {self.url}: {exc}") from None
        if self.serves and self.journals:  # its events carry ids no other live member makes
            self._stamp = Stamp(self.member, self._lease())
            engine.events.stamp = self._stamp
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
        if self.serves:  # a supervisor has no requests of its own to journal
            self._ship_events(self._followed(self._r.hgetall(self.keys["followers"])))

    async def stop(self) -> None:
        self._ship_events(False)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._drain(), 2)
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(redis.RedisError):
            self._r.zrem(self.keys["members"], self.member)
            self._r.hdel(self.keys["info"], self.member)
            if self.serves:
                self._r.delete(self._slot_prefix + str(self._stamp.slot))
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
            op = message.get("op")
            if op == "doc":
                self._adopt(message)
            elif self.serves and op in ("ship", "gather", "clear"):
                try:
                    await self._asked(op, message)
                except redis.RedisError as exc:
                    self._engine.events.notice("error", f"the cluster asked for this worker's journal: {exc}")
            elif op == "fire" and outbox_of(self._engine).delivering:
                await self._claim_fire(message)

    def hand_over(self, intent: dict[str, Any]) -> bool:
        """Every member hears it; the first to claim its token delivers it."""
        if not self._live():
            return False
        self._r.publish(self.keys["bus"], orjson.dumps({"op": "fire", "token": uuid.uuid4().hex, "fire": intent}))
        return True

    async def _claim_fire(self, message: dict[str, Any]) -> None:
        try:
            won = await self._a.set(f"{self._counter_prefix}fire:{message['token']}", self.member, nx=True, ex=60)
        except redis.RedisError as exc:
            self._engine.events.notice("error", f"a webhook fired elsewhere was not delivered: {exc}")
            return
        if won:
            outbox_of(self._engine).fire(Fire.from_message(message["fire"]))

    async def _asked(self, op: str, message: dict[str, Any]) -> None:
        """A member's question to every member: send events from now on, hand over the ring, forget it."""
        token = str(message.get("token", ""))
        if op == "ship":
            self._ship_events(self._followed(await self._a.hgetall(self.keys["followers"])))
        elif op == "gather":
            answer = self._ring_prefix + token
            async with self._a.pipeline(transaction=False) as pipe:
                pipe.rpush(answer, orjson.dumps(ring(self._engine.events)))
                pipe.expire(answer, 30)
                await pipe.execute()
            return
        else:
            self._engine.events.clear()
        if token:
            ack = self._ack_prefix + token
            async with self._a.pipeline(transaction=False) as pipe:
                pipe.incr(ack)
                pipe.expire(ack, 30)
                await pipe.execute()

    # -- membership -------------------------------------------------------------------

    def _info(self) -> bytes:
        """What the fleet list says of this member (its heartbeat carries it)."""
        info = {"worker": self.member, "pid": os.getpid(), "host": socket.gethostname(), "requests": self._stamp.count}
        return orjson.dumps(info)

    def _lease(self) -> int:
        """A slot no live member holds (the low bits of this member's event ids), renewed by the heartbeat."""
        first = int(self._r.incr(self.keys["slots"]))
        for n in range(SLOTS):
            slot = (first + n) % SLOTS
            if self._r.set(self._slot_prefix + str(slot), self.member, nx=True, ex=SLOT_S):
                return slot
        raise PlaneError(f"more than {SLOTS} processes serve this mock on one Redis")

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
                    pipe.expire(self._slot_prefix + str(self._stamp.slot), SLOT_S)
                    pipe.hgetall(self.keys["followers"])
                    *_, followers = await pipe.execute()
                self._ship_events(self._followed(followers))  # a follower that vanished: stop sending
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

    @staticmethod
    def _followed(followers: dict[Any, Any]) -> bool:
        """Whether any follower registered in `followers` (id -> until when) is still there."""
        now = time.time()
        return any(float(until) > now for until in followers.values())

    def _ship(self, event: RequestEvent) -> None:
        if self._mirroring:  # another member's event, copied here for the control room: journaled already
            return
        self._queue.append(("request", event.id, orjson.dumps(event.to_dict())))  # JSON once: followers pass it on
        self._wake.set()

    def _ship_notice(self, notice: Notice) -> None:
        if self._mirroring:
            return
        data = {"time": notice.time, "level": notice.level, "text": notice.text, "worker": self.member}
        self._queue.append(("notice", 0, orjson.dumps(data)))
        self._wake.set()

    async def _flusher(self) -> None:
        """Followed events to the stream in pipelined batches, in the order they happened."""
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

    async def _write(self, batch: list[tuple[str, int, bytes]]) -> None:
        for pause in (0.05, 0.2, 1.0, None):
            try:
                args: list[str | bytes | int] = [JOURNAL_MAX]
                for kind, id, data in batch:
                    args += (kind, id, data)
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

    def _others(self) -> tuple[int, bool]:
        """How many live members answer a question on the bus, and whether this one is left out: in its
        own loop it cannot answer while it waits (it answers here, directly)."""
        expected = len(self._live())
        try:
            in_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            in_loop = False
        itself = in_loop and self.serves
        return expected - itself, itself

    def journal(self) -> list[RequestEvent]:
        """Every live member's ring, merged: each hands over its ring when asked, so the events of every
        request a client has seen answered are in."""
        expected, itself = self._others()
        rings = [ring(self._engine.events)] if itself else []
        if expected > 0:
            token = uuid.uuid4().hex
            answers = self._ring_prefix + token
            self._r.publish(self.keys["bus"], orjson.dumps({"op": "gather", "token": token}))
            deadline = time.monotonic() + ASK_S
            while len(rings) < expected + itself and (left := deadline - time.monotonic()) > 0:
                found: Any = self._r.blpop([answers], timeout=max(left, 0.01))
                if found is not None:
                    rings.append(orjson.loads(found[1]))
            self._r.delete(answers)
        return [RequestEvent.from_dict(event) for event in merged(rings)]

    def clear_journal(self) -> None:
        """The stream, and every live member's ring: the call returns once each has forgotten its own."""
        self._r.delete(self.keys["journal"])
        expected, itself = self._others()
        if itself:
            self._engine.events.clear()
        if expected > 0:
            self._ask({"op": "clear"}, expected)

    def _ask(self, message: dict[str, Any], expected: int) -> None:
        """`message` to every member on the bus; back once `expected` have acked it (or `ASK_S` passed)."""
        token = uuid.uuid4().hex
        self._r.publish(self.keys["bus"], orjson.dumps({**message, "token": token}))
        deadline = time.monotonic() + ASK_S
        while time.monotonic() < deadline:
            acked = self._r.get(self._ack_prefix + token)
            if acked is not None and int(acked) >= expected:
                return
            time.sleep(0.002)

    async def follow(self, after: int | None = None) -> AsyncIterator[list[Item]]:
        """Registered as a follower (every member appends its events to the stream while it renews), then
        the kept events after `after`, then the stream's."""
        reader = aioredis.from_url(self.url, socket_timeout=None)
        me = uuid.uuid4().hex
        followers, stream = self.keys["followers"], self.keys["journal"]
        renewing: asyncio.Task[None] | None = None
        try:
            newest: Any = await reader.xrevrange(stream, count=1)
            last: Any = newest[0][0] if newest else "0-0"  # read from here: what members send once they know
            gone = [who for who, until in (await reader.hgetall(followers)).items() if float(until) < time.time()]
            if gone:  # followers that died without saying so
                await reader.hdel(followers, *gone)
            await reader.hset(followers, me, time.time() + FOLLOWER_S)
            renewing = asyncio.create_task(self._renew(me), name="mocktui-plane-follower")  # a slow reader too
            await asyncio.to_thread(self._ask, {"op": "ship"}, len(self._live()))  # every member sends from now
            yield [Item("ready", 0, {})]
            replayed: set[int] = set()
            if after is not None:
                for kept in replayed_after(await asyncio.to_thread(self.journal), after):
                    replayed.update(item.id for item in kept)
                    yield kept
            while True:
                found: Any = await reader.xread({stream: last}, count=BATCH, block=5000)
                for _, entries in found or ():
                    last = entries[-1][0]
                    if batch := [item for _, fields in entries if (item := _item(fields)).id not in replayed]:
                        yield batch
        finally:
            if renewing is not None:
                renewing.cancel()
            with contextlib.suppress(Exception):
                await reader.hdel(followers, me)
                await reader.publish(self.keys["bus"], orjson.dumps({"op": "ship"}))  # the last one gone: stop
            await reader.aclose()

    async def _renew(self, follower: str) -> None:
        """A follower's entry stays while it lives (members stop sending `FOLLOWER_S` after it vanished)."""
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            with contextlib.suppress(redis.RedisError):
                await self._a.hset(self.keys["followers"], follower, time.time() + FOLLOWER_S)

    async def _copy_others(self) -> None:
        """The control room's request log: every other member's events into this process's stream."""
        events = self._engine.events
        async for batch in self.follow(None):
            for item in batch:
                if item.data.get("worker") == self.member:
                    continue
                self._mirroring = True
                try:
                    if item.kind == "request":
                        events.publish(item.event)
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
