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
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import orjson
import redis

from mocktui.engine.steer.behaviour import Limit, Limiter
from mocktui.engine.steer.controls import RateLimit
from mocktui.engine.stores.base import Record, Store, StoreError, unique_token

CONNECT_BACKOFF_S = (0.2, 0.5, 1.0)  # pauses between tries to reach Redis at start-up

_CHECK_FIELDS = """
local function fields_match(indexed, first, n)
  if redis.call('SCARD', indexed) ~= n then return false end
  for i = first, first + n - 1 do
    if redis.call('SISMEMBER', indexed, ARGV[i]) == 0 then return false end
  end
  return true
end
local function unmap(idx, rev, id)
  local old = redis.call('HGET', rev, id)
  if old then
    if redis.call('HGET', idx, old) == id then redis.call('HDEL', idx, old) end
    redis.call('HDEL', rev, id)
  end
end
"""

# KEYS: collections, data, order, pos, indexed, then (idx, rev) per field.
# ARGV: encoded collection, n, n encoded fields, then per record: id, json, n tokens ('' = absent).
_PUT = (
    _CHECK_FIELDS
    + """
local n = tonumber(ARGV[2])
if not fields_match(KEYS[5], 3, n) then return -1 end
redis.call('SADD', KEYS[1], ARGV[1])
local i = 3 + n
while i <= #ARGV do
  local id = ARGV[i]
  if redis.call('HSET', KEYS[2], id, ARGV[i + 1]) == 1 then
    redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), id)
  end
  for f = 1, n do
    local idx, rev, new = KEYS[4 + 2 * f], KEYS[5 + 2 * f], ARGV[i + 1 + f]
    unmap(idx, rev, id)
    if new ~= '' then
      redis.call('HSET', idx, new, id)
      redis.call('HSET', rev, id, new)
    end
  end
  i = i + 2 + n
end
return 0
"""
)

# KEYS: data, order, indexed, then (idx, rev) per field. ARGV: n, n encoded fields, id.
_DELETE = (
    _CHECK_FIELDS
    + """
local n = tonumber(ARGV[1])
if not fields_match(KEYS[3], 2, n) then return -1 end
local id = ARGV[2 + n]
if redis.call('HDEL', KEYS[1], id) == 0 then return 0 end
redis.call('ZREM', KEYS[2], id)
for f = 1, n do unmap(KEYS[2 + 2 * f], KEYS[3 + 2 * f], id) end
return 1
"""
)

# KEYS: order, data. ARGV: first rank, last rank. One round trip, and a consistent snapshot.
_PAGE = """
local ids = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])
local out = {}
for i, id in ipairs(ids) do out[i] = redis.call('HGET', KEYS[2], id) end
return out
"""

# KEYS: order, data. ARGV: exclusive lower score, batch size. Returns id, score, json, ...
# Keyed on the score, not the rank, so deletes during a scan do not make it skip records.
_SCAN = """
local r = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, ARGV[2])
local out = {}
for i = 1, #r, 2 do
  out[#out + 1] = r[i]
  out[#out + 1] = r[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], r[i]) or ''
end
return out
"""

# KEYS: data, idx, rev. ARGV: id, sha1 of the json the builder read, token; repeated.
# An entry is written only if the record is still the one that was read: a put or delete
# that ran after the field was marked indexed has already kept the index itself.
_BUILD = """
for i = 1, #ARGV, 3 do
  local body = redis.call('HGET', KEYS[1], ARGV[i])
  if body and redis.sha1hex(body) == ARGV[i + 1] then
    redis.call('HSET', KEYS[2], ARGV[i + 2], ARGV[i])
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 2])
  end
end
"""

# KEYS: indexed, ready. ARGV: encoded field. Not ready if a clear() ran during the build.
_READY = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then redis.call('SADD', KEYS[2], ARGV[1]) end
"""

# KEYS: collections. ARGV: 'ns:c:'. Deletes exactly this namespace's keys, atomically, and
# with UNLINK so a 100k-record hash is freed off Redis's main thread.
_CLEAR = """
for _, c in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local base = ARGV[1] .. c .. ':'
  for _, f in ipairs(redis.call('SMEMBERS', base .. 'indexed')) do
    redis.call('UNLINK', base .. 'idx:' .. f, base .. 'rev:' .. f)
  end
  redis.call('UNLINK', base .. 'data', base .. 'order', base .. 'pos', base .. 'seq', base .. 'indexed',
             base .. 'ready')
end
redis.call('UNLINK', KEYS[1])
"""

_BATCH = 500  # records per script call in put_many and scan: big enough to amortise a round trip


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

    def __init__(self, url: str, namespace: str | None = None) -> None:
        url, named = redis_target(url)
        self.url = url
        self.namespace = namespace or named
        try:
            self._r = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        except ValueError as exc:
            raise StoreError(f"not a Redis URL: {url}: {exc}") from None
        self._wait_for_server()
        self._collections_key = f"{namespace}:collections"
        self._fields: dict[str, list[str]] = {}  # what this client believes is indexed
        self._put_script = self._r.register_script(_PUT)
        self._delete_script = self._r.register_script(_DELETE)
        self._page_script = self._r.register_script(_PAGE)
        self._scan_script = self._r.register_script(_SCAN)
        self._build_script = self._r.register_script(_BUILD)
        self._ready_script = self._r.register_script(_READY)
        self._clear_script = self._r.register_script(_CLEAR)

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
        """The connection, for other state that must be shared across processes (rate limits)."""
        return self._r

    def _key(self, collection: str, suffix: str) -> str:
        return f"{self.namespace}:c:{_enc(collection)}:{suffix}"

    def collections(self) -> dict[str, int]:
        names = sorted(_enc(_dec(n)) for n in self._r.smembers(self._collections_key))
        pipe = self._r.pipeline(transaction=False)
        for name in names:
            pipe.hlen(f"{self.namespace}:c:{name}:data")
        counts = pipe.execute()
        return {_dec(name): int(n) for name, n in zip(names, counts, strict=True) if n}

    def count(self, collection: str) -> int:
        return int(self._r.hlen(self._key(collection, "data")))

    def get(self, collection: str, id: str) -> Record | None:
        body = self._r.hget(self._key(collection, "data"), id)
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
            if self._put_script(keys=keys + self._index_keys(collection, fields), args=args) != -1:
                return
            self._fields.pop(collection, None)  # another process indexed a field: refresh, retry

    def delete(self, collection: str, id: str) -> bool:
        while True:
            fields = self._indexed(collection)
            keys = [*self._keys(collection, "data", "order", "indexed"), *self._index_keys(collection, fields)]
            done = self._delete_script(keys=keys, args=[len(fields), *map(_enc, fields), id])
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
            flat = self._scan_script(keys=keys, args=[last, _BATCH])
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
        bodies = self._page_script(keys=self._keys(collection, "order", "data"), args=[offset, offset + limit - 1])
        return [orjson.loads(body) for body in bodies if body is not None]

    def next_seqs(self, collection: str, n: int) -> int:
        pipe = self._r.pipeline(transaction=True)
        pipe.sadd(self._collections_key, _enc(collection))  # so that clear() resets the counter
        pipe.incrby(self._key(collection, "seq"), n)
        return int(pipe.execute()[1]) - n + 1

    def clear(self) -> None:
        self._clear_script(keys=[self._collections_key], args=[f"{self.namespace}:c:"])
        self._fields.clear()

    def find(self, collection: str, field: str, value: Any) -> str | None:
        token = unique_token(value)
        idx = self._key(collection, f"idx:{_enc(field)}")
        pipe = self._r.pipeline(transaction=True)
        pipe.sismember(self._key(collection, "ready"), _enc(field))
        pipe.hget(idx, token)
        ready, id = pipe.execute()
        if not ready:
            self._build(collection, field)
            id = self._r.hget(idx, token)
        return id.decode() if id is not None else None

    def limiter(self) -> Limiter:
        return RedisLimiter(self.client, self.namespace)

    def close(self) -> None:
        self._r.close()

    # -- find's index ---------------------------------------------------------------------

    def _build(self, collection: str, field: str) -> None:
        """Index `field` by scanning the collection once; writes from then on keep it current.

        The field is marked indexed first, so every put or delete that lands during the scan
        maintains the index itself; the builder's entries are conditional on the record being
        unchanged (see _BUILD). Two processes building at once write the same entries.
        """
        encoded = _enc(field)
        pipe = self._r.pipeline(transaction=True)
        pipe.sadd(self._collections_key, _enc(collection))
        pipe.sadd(self._key(collection, "indexed"), encoded)
        pipe.execute()
        self._fields.pop(collection, None)
        keys = [self._key(collection, "data"), *self._index_keys(collection, [field])]
        args: list[str] = []
        for id, _, body in self._scan_raw(collection):
            record = orjson.loads(body)
            if field in record:
                args += [id, hashlib.sha1(body).hexdigest(), unique_token(record[field])]
            if len(args) >= 3 * _BATCH:
                self._build_script(keys=keys, args=args)
                args = []
        if args:
            self._build_script(keys=keys, args=args)
        self._ready_script(keys=self._keys(collection, "indexed", "ready"), args=[encoded])

    def _indexed(self, collection: str) -> list[str]:
        fields = self._fields.get(collection)
        if fields is None:
            members = self._r.smembers(self._key(collection, "indexed"))
            fields = self._fields[collection] = sorted(_dec(m) for m in members)
        return fields

    def _keys(self, collection: str, *suffixes: str) -> list[str]:
        return [self._key(collection, suffix) for suffix in suffixes]

    def _index_keys(self, collection: str, fields: Iterable[str]) -> list[str]:
        return [self._key(collection, f"{kind}:{_enc(f)}") for f in fields for kind in ("idx", "rev")]


class RedisLimiter:
    """Fixed windows in Redis: every process sharing the store shares the counters."""

    def __init__(self, client: Any, namespace: str) -> None:
        self._r = client
        self._prefix = f"{namespace}:ratelimit:"

    def hit(self, key: str, rule: RateLimit) -> Limit:
        now = time.time()
        index = int(now // rule.window_s)
        name = f"{self._prefix}{key}:{rule.window_s:g}:{index}"
        pipe = self._r.pipeline(transaction=True)
        pipe.incr(name)
        pipe.expire(name, math.ceil(rule.window_s) + 1)
        count = int(pipe.execute()[0])
        reset = math.ceil((index + 1) * rule.window_s - now)
        return Limit(count <= rule.requests, rule.requests, max(rule.requests - count, 0), reset)

    def reset(self) -> None:
        for name in self._r.scan_iter(match=self._prefix + "*", count=1000):
            self._r.delete(name)
