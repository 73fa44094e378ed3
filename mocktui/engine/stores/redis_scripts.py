"""The Redis store's Lua scripts (mocktui/engine/stores/redis.py says which keys they keep).

A script runs atomically in Redis and is one round trip; each is sent as EVALSHA by its SHA1 and loaded
on the first NOSCRIPT. Kept apart from the store so that its module reads as Python.
"""

from __future__ import annotations

import hashlib

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


def _sha(source: str) -> str:
    return hashlib.sha1(source.encode()).hexdigest()


SCRIPTS: dict[str, tuple[str, str]] = {  # name -> (source, SHA1)
    name: (source, _sha(source))
    for name, source in {
        "put": _PUT, "delete": _DELETE, "page": _PAGE, "scan": _SCAN, "build": _BUILD, "ready": _READY, "clear": _CLEAR
    }.items()
}  # fmt: skip
