"""A Store in Redis: several mock processes behind a balancer share one state.

Keys, under the namespace ``ns`` (collection and field names are percent-encoded, so a ``:``
in a name cannot make two keys collide; ``C`` below is the encoded collection):

- ``ns:collections``   set of encoded collection names: everything ``clear`` must delete.
- ``ns:c:C:data``      hash id -> record JSON.
- ``ns:c:C:order``     sorted set of ids scored by insertion position: order, and pages by rank
                       with ZRANGE (O(log n + page), not O(offset)).
- ``ns:c:C:pos``       counter handing out those positions (a replaced id keeps its score).
- ``ns:c:C:seq``       counter for ``next_seq``.
- ``ns:c:C:indexed``   set of fields that ``find`` has been asked about, kept on every write.
- ``ns:c:C:ready``     set of those fields whose index is complete (built once from the data).
- ``ns:c:C:idx:F``     hash normalised value -> id: what ``find`` reads, one HGET.
- ``ns:c:C:rev:F``     hash id -> normalised value: lets a replace or delete drop the old
                       entry without the old record being decoded (Lua cannot casefold).

Writes are Lua scripts, so a put (record, position and every index) is atomic and one round
trip. The client passes the fields it believes are indexed; the script checks them against
``indexed`` and refuses (-1) when another process has added one, and the client refreshes
and retries, so no process's write escapes an index another one started.

Two clients, one logic: a call made inside `run_bridged` (a mock request on the event loop) goes
through a redis.asyncio client (hiredis parser) and `wait_for`, so the loop serves other requests
during the round trip; any other caller (seeding thread, admin thread pool, CLI, tests) uses the
synchronous client. Each method describes its commands once, as a function of a `_Client`, and `_do`
runs it on the right one. On the asyncio side, the commands that concurrent requests issue in one
turn of the event loop leave together in one pipeline (`_Batched`).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import orjson
import redis
import redis.asyncio as aioredis

from mocktui.engine.steer.behaviour import Limit, Limiter
from mocktui.engine.steer.controls import RateLimit
from mocktui.engine.stores.base import Record, Store, StoreError, unique_token
from mocktui.engine.stores.bridge import bridged, wait_for
from mocktui.engine.stores.redis_scripts import SCRIPTS

CONNECT_BACKOFF_S = (0.2, 0.5, 1.0)  # pauses between tries to reach Redis at start-up

_BATCH = 500  # records per script call in put_many and scan: big enough to amortise a round trip
_TIMEOUT_S, _CONNECT_TIMEOUT_S = 10, 5

Run = Callable[..., Any]  # `RedisStore._do`: commands on the right client


class _Client:
    """The synchronous client: `call` sends one command, `many` several in one round trip (a MULTI/EXEC
    transaction or not). Replies are parsed as redis-py parses them (SMEMBERS a set, SCAN a tuple)."""

    def __init__(self, r: Any) -> None:
        self.r = r

    def call(self, *args: Any) -> Any:
        return self.r.execute_command(*args)

    def many(self, commands: Sequence[tuple[Any, ...]], transaction: bool) -> Any:
        pipe = self.r.pipeline(transaction=transaction)
        for command in commands:
            pipe.execute_command(*command)
        return pipe.execute()


class _Batched(_Client):
    """The asyncio client of one event loop (its connections belong to it); `call` and `many` return
    awaitables. Commands issued while the loop turns go out together, in one pipeline on one connection:
    redis.asyncio spends ~35 µs of Python on a command sent alone, ~15 µs on each of a batch of 16."""

    def __init__(self, r: Any, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(r)
        self.loop = loop
        self._queue: list[tuple[tuple[Any, ...], asyncio.Future[Any]]] = []
        self._sending = False

    def call(self, *args: Any) -> asyncio.Future[Any]:
        future = self.loop.create_future()
        self._queue.append((args, future))
        if not self._sending:
            self._sending = True
            self.loop.create_task(self._send())  # runs after every request ready in this turn has queued
        return future

    def many(self, commands: Sequence[tuple[Any, ...]], transaction: bool) -> Any:
        if transaction:
            return super().many(commands, True)  # MULTI/EXEC: a pipeline of its own
        return asyncio.gather(*(self.call(*command) for command in commands))

    async def _send(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    if len(batch) == 1:  # alone: cheaper without a pipeline
                        replies: list[Any] = [await self.r.execute_command(*batch[0][0])]
                    else:
                        pipe = self.r.pipeline(transaction=False)
                        for args, _ in batch:
                            pipe.execute_command(*args)
                        replies = await pipe.execute(raise_on_error=False)
                except Exception as exc:  # noqa: BLE001 - the connection failed: every caller in the batch hears it
                    replies = [exc] * len(batch)
                for (_, future), reply in zip(batch, replies, strict=True):
                    if future.done():
                        continue  # its request was cancelled
                    if isinstance(reply, Exception):
                        future.set_exception(reply)
                    else:
                        future.set_result(reply)
        finally:
            self._sending = False


def _evalsha(c: _Client, sha: str, keys: Sequence[Any], args: Sequence[Any]) -> Any:
    return c.call("EVALSHA", sha, len(keys), *keys, *args)


def _enc(name: str) -> str:
    return quote(name, safe="")


def _dec(member: bytes | str) -> str:
    """A collection or field name back from a set member (the client returns bytes)."""
    return unquote(member.decode() if isinstance(member, bytes) else member)


def redis_target(url: str) -> tuple[str, str]:
    """(the URL the client takes, the key namespace): `?namespace=NAME` keeps several mocks apart on one
    Redis (the client itself refuses parameters it does not know)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    namespace = next((value for key, value in query if key == "namespace" and value), "mocktui")
    rest = urlencode([(key, value) for key, value in query if key != "namespace"])
    return urlunsplit(parts._replace(query=rest)), namespace


class RedisStore(Store):
    """Records in Redis under one namespace; every write is applied before the method returns."""

    kind = "redis"
    awaits = True  # the server runs requests through run_bridged: round trips then yield the event loop

    def __init__(self, url: str, namespace: str | None = None) -> None:
        url, named = redis_target(url)
        self.url = url
        self.namespace = namespace or named
        try:
            self._r = redis.Redis.from_url(url, socket_timeout=_TIMEOUT_S, socket_connect_timeout=_CONNECT_TIMEOUT_S)
        except ValueError as exc:
            raise StoreError(f"not a Redis URL: {url}: {exc}") from None
        self._wait_for_server()
        self._collections_key = f"{self.namespace}:collections"
        self._fields: dict[str, list[str]] = {}  # what this client believes is indexed
        self._sync = _Client(self._r)
        self._async: _Batched | None = None  # made on the first bridged call, in that call's event loop
        self._closing: set[asyncio.Future[None]] = set()

    def _do(self, command: Callable[..., Any], *args: Any) -> Any:
        """`command(client, *args)` on the asyncio client, awaited through the bridge, when bridged; else on
        the synchronous one. Values that change in a loop travel in `args`, not in the command's closure."""
        if bridged():
            return wait_for(command(self._aio(), *args))
        return command(self._sync, *args)

    def _aio(self) -> _Batched:
        loop = asyncio.get_running_loop()
        side = self._async
        if side is None or side.loop is not loop:  # a new loop (tests run several): connections of its own
            client = aioredis.Redis.from_url(
                self.url, socket_timeout=_TIMEOUT_S, socket_connect_timeout=_CONNECT_TIMEOUT_S
            )
            side = self._async = _Batched(client, loop)
        return side

    def _script(self, name: str, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        """One of this module's Lua scripts; a Redis that does not know it yet (restarted, flushed) loads it."""
        source, sha = SCRIPTS[name]
        try:
            return self._do(_evalsha, sha, keys, args)
        except redis.exceptions.NoScriptError:
            self._do(lambda c: c.call("SCRIPT LOAD", source))
            return self._do(_evalsha, sha, keys, args)

    def _wait_for_server(self) -> None:
        """Fail at start-up with one clear line, not on the first request; a Redis that is still
        starting (compose, CI) gets a few tries with backoff first."""
        for pause in (*CONNECT_BACKOFF_S, None):
            try:
                self._r.ping()
                return
            except redis.RedisError as exc:
                if pause is None:
                    tries = len(CONNECT_BACKOFF_S) + 1
                    reason = f"cannot reach Redis at {self.url} ({tries} tries): {exc}"
                    raise StoreError(reason, environment=True) from None
                time.sleep(pause)

    @property
    def client(self) -> redis.Redis:
        """The synchronous connection, for callers outside a request (the bridged path is `_do`'s)."""
        return self._r

    def _key(self, collection: str, suffix: str) -> str:
        return f"{self.namespace}:c:{_enc(collection)}:{suffix}"

    def collections(self) -> dict[str, int]:
        names = sorted(_enc(_dec(n)) for n in self._do(lambda c: c.call("SMEMBERS", self._collections_key)))
        commands = [("HLEN", f"{self.namespace}:c:{name}:data") for name in names]
        counts = self._do(lambda c: c.many(commands, False)) if commands else []
        return {_dec(name): int(n) for name, n in zip(names, counts, strict=True) if n}

    def count(self, collection: str) -> int:
        key = self._key(collection, "data")
        return int(self._do(lambda c: c.call("HLEN", key)))

    def get(self, collection: str, id: str) -> Record | None:
        key = self._key(collection, "data")
        body = self._do(lambda c: c.call("HGET", key, id))
        return orjson.loads(body) if body is not None else None

    def put(self, collection: str, id: str, record: Record) -> None:
        self.put_many(collection, [(id, record)])

    def put_many(self, collection: str, items: Iterable[tuple[str, Record]]) -> None:
        """Puts in batches of a few hundred per script call: each batch is atomic, one round trip."""
        batch: list[tuple[str, Record]] = []
        for item in items:
            batch.append(item)
            if len(batch) == _BATCH:
                self._put_batch(collection, batch)
                batch = []
        if batch:
            self._put_batch(collection, batch)

    def _put_batch(self, collection: str, batch: Sequence[tuple[str, Record]]) -> None:
        bodies = [orjson.dumps(record) for _, record in batch]
        while True:
            fields = self._indexed(collection)
            args: list[str | bytes | int] = [_enc(collection), len(fields), *map(_enc, fields)]
            for (id, record), body in zip(batch, bodies, strict=True):
                args += [id, body]
                args += [unique_token(record[f]) if f in record else "" for f in fields]
            keys = [self._collections_key, *self._keys(collection, "data", "order", "pos", "indexed")]
            keys += self._index_keys(collection, fields)
            if self._script("put", keys, args) != -1:
                return
            self._fields.pop(collection, None)  # another process indexed a field: refresh, retry

    def delete(self, collection: str, id: str) -> bool:
        while True:
            fields = self._indexed(collection)
            keys = [*self._keys(collection, "data", "order", "indexed"), *self._index_keys(collection, fields)]
            args = [len(fields), *map(_enc, fields), id]
            done = self._script("delete", keys, args)
            if done != -1:
                return bool(done)
            self._fields.pop(collection, None)

    def scan(self, collection: str) -> Iterator[tuple[str, Record]]:
        for id, _, body in self._scan_raw(collection):
            yield id, orjson.loads(body)

    def _scan_raw(self, collection: str) -> Iterator[tuple[str, bytes, bytes]]:
        keys = self._keys(collection, "order", "data")
        last: bytes | str = "-inf"
        while True:
            flat = self._script("scan", keys, [last, _BATCH])
            for i in range(0, len(flat), 3):
                if flat[i + 2]:  # '' would be an id deleted between the two reads: impossible in one script
                    yield flat[i].decode(), flat[i + 1], flat[i + 2]
            if len(flat) < 3 * _BATCH:
                return
            last = flat[-2]

    def page(self, collection: str, offset: int, limit: int) -> list[Record]:
        if limit <= 0:
            return []  # ZRANGE 0 -1 would mean "everything"
        offset = max(offset, 0)
        keys, args = self._keys(collection, "order", "data"), [offset, offset + limit - 1]
        bodies = self._script("page", keys, args)
        return [orjson.loads(body) for body in bodies if body is not None]

    def next_seqs(self, collection: str, n: int) -> int:
        commands = [
            ("SADD", self._collections_key, _enc(collection)),  # so that clear() resets the counter
            ("INCRBY", self._key(collection, "seq"), n),
        ]
        return int(self._do(lambda c: c.many(commands, True))[1]) - n + 1

    def clear(self) -> None:
        keys, args = [self._collections_key], [f"{self.namespace}:c:"]
        self._script("clear", keys, args)
        self._fields.clear()

    def find(self, collection: str, field: str, value: Any) -> str | None:
        token = unique_token(value)
        idx = self._key(collection, f"idx:{_enc(field)}")
        commands = [("SISMEMBER", self._key(collection, "ready"), _enc(field)), ("HGET", idx, token)]
        ready, id = self._do(lambda c: c.many(commands, False))  # in order: a ready index is complete
        if not ready:
            self._build(collection, field)
            id = self._do(lambda c: c.call("HGET", idx, token))
        return id.decode() if id is not None else None

    def limiter(self) -> Limiter:
        return RedisLimiter(self._do, self.namespace)

    def close(self) -> None:
        side, self._async = self._async, None
        if side is not None:
            self._close_async(side)
        self._r.close()

    def _close_async(self, side: _Batched) -> None:
        """Close the asyncio client's connections on the loop that owns them, from wherever close() runs."""
        loop = side.loop
        if bridged():
            wait_for(side.r.aclose())
        elif loop.is_closed():
            return  # its sockets went with it
        elif not loop.is_running():
            loop.run_until_complete(side.r.aclose())
        elif _running_loop() is loop:  # in the loop, not bridged (shutdown): close once this call returns
            task = loop.create_task(side.r.aclose())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        else:
            asyncio.run_coroutine_threadsafe(side.r.aclose(), loop)  # another thread's loop (a test server)

    # -- find's index ---------------------------------------------------------------------

    def _build(self, collection: str, field: str) -> None:
        """Index `field` by scanning the collection once; writes from then on keep it current.

        The field is marked indexed first, so every put or delete that lands during the scan
        maintains the index itself; the builder's entries are conditional on the record being
        unchanged (see _BUILD in redis_scripts.py). Two processes building at once write the same entries.
        """
        encoded = _enc(field)
        marks = [("SADD", self._collections_key, _enc(collection)), ("SADD", self._key(collection, "indexed"), encoded)]
        self._do(lambda c: c.many(marks, True))
        self._fields.pop(collection, None)
        keys = [self._key(collection, "data"), *self._index_keys(collection, [field])]
        args: list[str] = []
        for id, _, body in self._scan_raw(collection):
            record = orjson.loads(body)
            if field in record:
                args += [id, hashlib.sha1(body).hexdigest(), unique_token(record[field])]
            if len(args) >= 3 * _BATCH:
                self._script("build", keys, args)
                args = []
        if args:
            self._script("build", keys, args)
        self._script("ready", self._keys(collection, "indexed", "ready"), [encoded])

    def _indexed(self, collection: str) -> list[str]:
        fields = self._fields.get(collection)
        if fields is None:
            key = self._key(collection, "indexed")
            members = self._do(lambda c: c.call("SMEMBERS", key))
            fields = self._fields[collection] = sorted(_dec(m) for m in members)
        return fields

    def _keys(self, collection: str, *suffixes: str) -> list[str]:
        return [self._key(collection, suffix) for suffix in suffixes]

    def _index_keys(self, collection: str, fields: Iterable[str]) -> list[str]:
        return [self._key(collection, f"{kind}:{_enc(f)}") for f in fields for kind in ("idx", "rev")]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class RedisLimiter:
    """Fixed windows in Redis: every process sharing the store shares the counters. `run` is the store's
    `_do`, so a hit during a request awaits through the bridge like the store's own calls."""

    def __init__(self, run: Run, namespace: str) -> None:
        self._do = run
        self._prefix = f"{namespace}:ratelimit:"

    def hit(self, key: str, rule: RateLimit) -> Limit:
        now = time.time()
        index = int(now // rule.window_s)
        name = f"{self._prefix}{key}:{rule.window_s:g}:{index}"
        commands = [("INCR", name), ("EXPIRE", name, math.ceil(rule.window_s) + 1)]
        count = int(self._do(lambda c: c.many(commands, True))[0])
        reset = math.ceil((index + 1) * rule.window_s - now)
        return Limit(count <= rule.requests, rule.requests, max(rule.requests - count, 0), reset)

    def reset(self) -> None:
        cursor: int = 0
        while True:
            cursor, names = self._do(
                lambda c, at: c.call("SCAN", at, "MATCH", self._prefix + "*", "COUNT", 1000), cursor
            )
            if names:
                self._do(lambda c, found: c.call("UNLINK", *found), names)
            if not int(cursor):
                return
