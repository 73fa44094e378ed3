"""One behaviour for every Store kind: the same suite runs on memory, SQLite and Redis.

Redis tests need a server (env MOCKTUI_TEST_REDIS, default redis://127.0.0.1:6379/15; each
test uses its own namespace). Without one they skip locally and fail in CI (CI=true), where
.ci/run starts it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mocktui.engine.stores.base import Record, Store
from mocktui.engine.stores.memory import MemoryStore
from mocktui.engine.stores.redis import RedisStore
from mocktui.engine.stores.sqlite import SQLiteStore

from ...helpers import ROOT, missing

REDIS_URL = os.environ.get("MOCKTUI_TEST_REDIS", "redis://127.0.0.1:6379/15")
KINDS = ["memory", "sqlite", "redis"]


@cache
def _redis_problem() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        return f"no Redis at {REDIS_URL} ({error}); start one or set MOCKTUI_TEST_REDIS"
    return None


def require_redis() -> None:
    problem = _redis_problem()
    if problem is not None:
        missing(problem)


def redis_store(namespace: str) -> RedisStore:
    require_redis()
    return RedisStore(REDIS_URL, namespace)


@pytest.fixture
def namespace() -> str:
    return f"mocktui-test-{uuid.uuid4().hex}"


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path, namespace: str) -> Iterator[Store]:
    kind = request.param
    made: Store
    if kind == "memory":
        made = MemoryStore()
    elif kind == "sqlite":
        made = SQLiteStore(str(tmp_path / "store.db"))
    else:
        made = redis_store(namespace)
    assert made.kind == kind
    try:
        yield made
    finally:
        if kind == "redis":
            made.clear()
        made.close()


def ids(store: Store, collection: str) -> list[str]:
    return [id for id, _ in store.scan(collection)]


def fill(store: Store, collection: str, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        store.put(collection, str(i), {"id": str(i), "n": i})


# -- the interface, kind by kind ----------------------------------------------------------


def test_empty_store(store: Store) -> None:
    assert store.collections() == {}
    assert store.count("users") == 0
    assert store.get("users", "1") is None
    assert store.delete("users", "1") is False
    assert list(store.scan("users")) == []
    assert store.page("users", 0, 10) == []
    assert store.find("users", "email", "a@example.com") is None
    assert store.dump() == {}


def test_put_get_round_trips_json(store: Store) -> None:
    record = {
        "id": "1",
        "name": "Zoë 🚀",
        "tags": ["a", "b"],
        "nested": {"x": [1, 2.5, None, True, False]},
        "big": 2**60,
        "empty": {},
    }
    store.put("users", "1", record)
    assert store.get("users", "1") == record
    assert store.get("users", "2") is None
    assert store.get("other", "1") is None
    assert store.count("users") == 1


def test_replace_keeps_position(store: Store) -> None:
    for id in "abc":
        store.put("users", id, {"id": id, "v": 1})
    store.put("users", "b", {"id": "b", "v": 2})
    assert ids(store, "users") == ["a", "b", "c"]
    assert store.get("users", "b") == {"id": "b", "v": 2}
    assert store.count("users") == 3
    assert store.page("users", 1, 1) == [{"id": "b", "v": 2}]


def test_delete(store: Store) -> None:
    fill(store, "users", 3)
    assert store.delete("users", "1") is True
    assert store.get("users", "1") is None
    assert store.count("users") == 2
    assert store.delete("users", "1") is False
    assert store.delete("nothing", "0") is False
    assert ids(store, "users") == ["0", "2"]
    assert store.page("users", 0, 10) == [{"id": "0", "n": 0}, {"id": "2", "n": 2}]


def test_put_after_delete_goes_to_the_end_once(store: Store, request: pytest.FixtureRequest) -> None:
    for id in "abc":
        store.put("users", id, {"id": id})
    store.delete("users", "a")
    store.put("users", "a", {"id": "a", "again": True})
    assert ids(store, "users") == ["b", "c", "a"]
    assert [r["id"] for r in store.page("users", 0, 10)] == ["b", "c", "a"]
    assert store.count("users") == 3


def test_page_edges(store: Store) -> None:
    fill(store, "items", 10)
    assert store.page("items", 0, 0) == []
    assert store.page("items", 5, 0) == []
    assert store.page("items", 10, 5) == []
    assert store.page("items", 1000, 5) == []
    assert store.page("items", 9, 5) == [{"id": "9", "n": 9}]
    assert [r["n"] for r in store.page("items", 3, 4)] == [3, 4, 5, 6]
    assert [r["n"] for r in store.page("items", 0, 1000)] == list(range(10))
    assert store.page("missing", 0, 10) == []


def test_insertion_order_after_many_deletes(store: Store) -> None:
    fill(store, "items", 300)
    for i in range(0, 300, 3):
        assert store.delete("items", str(i))
    for i in range(1, 200, 3):  # enough deletes to make MemoryStore compact its order list
        assert store.delete("items", str(i))
    expected = [i for i in range(300) if i % 3 == 2 or (i % 3 == 1 and i >= 200)]
    assert [int(id) for id in ids(store, "items")] == expected
    assert store.count("items") == len(expected)
    for offset, limit in [(0, 7), (10, 5), (len(expected) - 3, 10), (50, 50)]:
        assert [r["n"] for r in store.page("items", offset, limit)] == expected[offset : offset + limit]
    store.put("items", "new", {"id": "new", "n": -1})
    assert ids(store, "items")[-1] == "new"


def test_next_seq_monotonic_per_collection_never_reused(store: Store) -> None:
    assert [store.next_seq("users") for _ in range(3)] == [1, 2, 3]
    assert store.next_seq("orders") == 1
    for i in (1, 2, 3):
        store.put("users", str(i), {"id": i})
    store.delete("users", "3")
    store.delete("users", "2")
    assert store.next_seq("users") == 4
    assert store.next_seq("orders") == 2
    assert store.collections() == {"users": 1}  # a counter alone is no collection


def test_clear(store: Store) -> None:
    fill(store, "users", 5)
    fill(store, "orders", 2)
    store.next_seq("users")
    assert store.find("users", "id", "3") == "3"
    store.clear()
    assert store.collections() == {}
    assert store.count("users") == 0
    assert store.get("users", "1") is None
    assert list(store.scan("users")) == []
    assert store.page("users", 0, 10) == []
    assert store.find("users", "id", "3") is None
    assert store.next_seq("users") == 1  # counters are dropped too
    assert store.dump() == {}
    fill(store, "users", 2)  # and the store works as new afterwards, find included
    assert store.find("users", "id", "1") == "1"
    assert ids(store, "users") == ["0", "1"]


def test_find_case_insensitive(store: Store) -> None:
    store.put("users", "1", {"email": "Ann@Example.COM", "age": 30})
    store.put("users", "2", {"email": "Straße@example.com", "score": 2.5})
    store.put("users", "3", {"name": "no email"})
    store.put("users", "4", {"email": None})
    assert store.find("users", "email", "ann@example.com") == "1"
    assert store.find("users", "email", "ANN@EXAMPLE.COM") == "1"
    assert store.find("users", "email", "STRASSE@EXAMPLE.COM") == "2"  # casefold, not lower
    assert store.find("users", "email", "ann@example.org") is None
    assert store.find("users", "email", None) == "4"
    assert store.find("users", "age", 30) == "1"
    assert store.find("users", "age", 30.0) == "1"  # one JSON number
    assert store.find("users", "age", "30") is None  # a string is not a number
    assert store.find("users", "score", 2.5) == "2"
    assert store.find("users", "name", "NO EMAIL") == "3"
    assert store.find("users", "missing", "x") is None
    assert store.find("orders", "email", "ann@example.com") is None


def test_find_bool_is_not_a_number(store: Store, request: pytest.FixtureRequest) -> None:
    store.put("flags", "a", {"v": 1})
    store.put("flags", "b", {"v": True})
    assert store.find("flags", "v", True) == "b"
    assert store.find("flags", "v", 1) == "a"
    assert store.find("flags", "v", False) is None


def test_find_follows_replace_and_delete(store: Store) -> None:
    assert store.find("users", "email", "a@x.io") is None  # index made on an empty collection
    store.put("users", "1", {"email": "A@x.io"})
    assert store.find("users", "email", "a@x.io") == "1"
    store.put("users", "1", {"email": "B@x.io"})
    assert store.find("users", "email", "a@x.io") is None
    assert store.find("users", "email", "b@x.io") == "1"
    store.put("users", "1", {"other": 1})  # the field gone altogether
    assert store.find("users", "email", "b@x.io") is None
    store.put("users", "1", {"email": "c@x.io"})
    store.put("users", "2", {"email": "d@x.io"})
    assert store.delete("users", "1")
    assert store.find("users", "email", "c@x.io") is None
    assert store.find("users", "email", "d@x.io") == "2"
    store.put("users", "3", {"email": "C@X.IO"})
    assert store.find("users", "email", "c@x.io") == "3"


def test_find_index_built_over_existing_records(store: Store) -> None:
    for i in range(50):
        store.put("users", str(i), {"email": f"User{i}@Example.com"})
    store.delete("users", "7")
    assert store.find("users", "email", "user42@example.com") == "42"
    assert store.find("users", "email", "user7@example.com") is None
    store.put("users", "50", {"email": "new@example.com"})
    assert store.find("users", "email", "NEW@example.com") == "50"


def test_scan_yields_ids_and_records_in_order(store: Store) -> None:
    for id in ["z", "a", "m"]:
        store.put("c", id, {"id": id})
    assert list(store.scan("c")) == [("z", {"id": "z"}), ("a", {"id": "a"}), ("m", {"id": "m"})]


def test_dump_format(store: Store) -> None:
    store.put("users", "2", {"id": 2})
    store.put("users", "1", {"id": 1})
    store.put("pets", "x", {"name": "Rex"})
    store.put("gone", "1", {"id": 1})
    store.delete("gone", "1")
    store.next_seq("counted")
    dump = store.dump()
    assert dump == {"pets": [{"name": "Rex"}], "users": [{"id": 2}, {"id": 1}]}
    assert list(dump) == ["pets", "users"]  # sorted by collection name


def test_collections_omit_empty(store: Store) -> None:
    fill(store, "users", 3)
    fill(store, "orders", 1)
    assert store.collections() == {"users": 3, "orders": 1}
    store.delete("orders", "0")
    assert store.collections() == {"users": 3}


def test_odd_names(store: Store) -> None:
    for collection in ["a:b", "100%", "with space", "ünï"]:
        store.put(collection, "x:y%z", {"c": collection})
        assert store.get(collection, "x:y%z") == {"c": collection}
        assert store.find(collection, "c", collection.upper()) == "x:y%z"
    assert store.collections() == {"a:b": 1, "100%": 1, "with space": 1, "ünï": 1}


def test_returned_records_are_not_live(store: Store, request: pytest.FixtureRequest) -> None:
    record: Record = {"email": "a@x.io"}
    store.put("users", "1", record)
    record["email"] = "changed@x.io"
    got = store.get("users", "1")
    assert got == {"email": "a@x.io"}
    got["email"] = "also@x.io"
    assert store.get("users", "1") == {"email": "a@x.io"}


def test_100k_records(store: Store) -> None:
    n = 100_000
    items = [(str(i), {"id": i, "email": f"user{i}@example.com", "name": f"User {i}"}) for i in range(n)]
    put_many: Callable[[str, list[tuple[str, Record]]], None] | None = getattr(store, "put_many", None)
    started = time.perf_counter()
    if put_many is not None:
        put_many("big", items)
    else:
        for id, record in items:
            store.put("big", id, record)
    assert time.perf_counter() - started < 20
    assert store.count("big") == n
    assert store.page("big", 50_000, 20) == [items[i][1] for i in range(50_000, 50_020)]
    assert store.get("big", "99999") == items[99_999][1]
    assert store.delete("big", "50000")
    assert [r["id"] for r in store.page("big", 50_000, 3)] == [50_001, 50_002, 50_003]
    assert store.find("big", "email", "USER77777@example.com") == "77777"
    assert store.count("big") == n - 1


# -- SQLite: persistence and durability ---------------------------------------------------


def test_sqlite_survives_close_and_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "persist.db")
    store = SQLiteStore(path)
    fill(store, "users", 5)
    store.delete("users", "2")
    assert store.find("users", "id", "4") == "4"
    assert [store.next_seq("users") for _ in range(2)] == [1, 2]
    store.close()

    again = SQLiteStore(path)
    assert again.collections() == {"users": 4}
    assert ids(again, "users") == ["0", "1", "3", "4"]
    assert again.next_seq("users") == 3
    again.put("users", "1", {"id": "1", "n": 100})  # replaced after reopen: still second
    assert ids(again, "users") == ["0", "1", "3", "4"]
    again.put("users", "9", {"id": "9", "n": 9})
    assert again.find("users", "id", "9") == "9"  # the index is kept across the reopen
    again.close()


_WRITER = textwrap.dedent(
    """
    import sys
    from mocktui.engine.stores.sqlite import SQLiteStore

    store = SQLiteStore(sys.argv[1])
    for i in range(1_000_000):
        store.put("burst", str(i), {"i": i, "pad": "x" * 200})
        print(i, flush=True)  # only once put has returned: an acknowledged write
    """
)


def test_sqlite_keeps_every_acknowledged_write_after_kill_9(tmp_path: Path) -> None:
    path = str(tmp_path / "killed.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, path], stdout=subprocess.PIPE, cwd=ROOT, env=env, text=True
    )
    assert child.stdout is not None
    acknowledged: list[str] = []
    deadline = time.monotonic() + 30
    try:
        while len(acknowledged) < 2000 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            acknowledged.append(line)
        os.kill(child.pid, signal.SIGKILL)  # mid-burst: the child is inside its write loop
        acknowledged += child.stdout.readlines()  # what it printed before it died counts too
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(10)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    done = [line.strip() for line in acknowledged if line.endswith("\n")]
    assert len(done) >= 2000, "the writer died or stalled before the kill"

    store = SQLiteStore(path)
    missing = [id for id in done if store.get("burst", id) is None]
    assert missing == []
    assert store.count("burst") >= len(done)
    assert ids(store, "burst")[: len(done)] == done
    store.close()


# -- Redis: one state for many processes, one namespace per store -------------------------


def test_redis_two_clients_share_one_state(namespace: str) -> None:
    a, b = redis_store(namespace), redis_store(namespace)
    try:
        b.put("users", "0", {"email": "zero@x.io"})  # b now believes nothing is indexed
        a.put("users", "1", {"email": "One@x.io"})
        assert b.get("users", "1") == {"email": "One@x.io"}
        assert b.count("users") == 2
        assert a.find("users", "email", "one@x.io") == "1"  # a indexes the field
        b.put("users", "2", {"email": "Two@x.io"})  # b must learn of a's index on this write
        assert a.find("users", "email", "two@x.io") == "2"
        b.put("users", "1", {"email": "uno@x.io"})
        assert a.find("users", "email", "one@x.io") is None
        assert a.find("users", "email", "UNO@x.io") == "1"
        assert b.delete("users", "2")
        assert a.find("users", "email", "two@x.io") is None
        assert ids(a, "users") == ["0", "1"]
        seqs = [store.next_seq("users") for _ in range(3) for store in (a, b)]
        assert seqs == [1, 2, 3, 4, 5, 6]
        b.clear()
        assert a.collections() == {}
        assert a.find("users", "email", "uno@x.io") is None
    finally:
        a.clear()
        a.close()
        b.close()


def test_redis_clear_touches_only_its_namespace(namespace: str) -> None:
    import redis

    # The neighbour's name starts with this namespace's key prefix: a `namespace:*` sweep
    # would delete its keys.
    mine, neighbour = redis_store(namespace), redis_store(f"{namespace}:c:users")
    try:
        fill(mine, "users", 3)
        mine.find("users", "id", "1")
        mine.next_seq("users")
        fill(neighbour, "users", 2)
        mine.clear()
        assert mine.collections() == {}
        assert neighbour.collections() == {"users": 2}
        assert neighbour.page("users", 0, 5) == [{"id": "0", "n": 0}, {"id": "1", "n": 1}]
        raw = redis.Redis.from_url(REDIS_URL)
        keys = [k.decode() if isinstance(k, bytes) else k for k in raw.keys(f"{namespace}:*")]
        leftovers = [k for k in keys if not k.startswith(f"{namespace}:c:users:")]
        raw.close()
        assert leftovers == []
    finally:
        neighbour.clear()
        neighbour.close()
        mine.close()


def test_redis_put_many_matches_put(namespace: str) -> None:
    store = redis_store(namespace)
    try:
        store.find("users", "email", "nobody")  # an index that put_many must keep
        records: list[tuple[str, dict[str, Any]]] = [(str(i), {"email": f"U{i}@x.io"}) for i in range(1234)]
        store.put_many("users", records)
        store.put_many("users", [("5", {"email": "five@x.io"})])
        assert store.count("users") == 1234
        assert ids(store, "users") == [str(i) for i in range(1234)]
        assert store.find("users", "email", "u1233@x.io") == "1233"
        assert store.find("users", "email", "u5@x.io") is None
        assert store.find("users", "email", "FIVE@x.io") == "5"
    finally:
        store.clear()
        store.close()
