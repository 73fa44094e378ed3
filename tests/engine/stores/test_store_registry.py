"""Store kinds by URL scheme: the one table the CLI checks and the composition root open from."""

from __future__ import annotations

from pathlib import Path

from mocktui.engine.stores.memory import MemoryStore
from mocktui.engine.stores.registry import STORES, open_store, store_kind
from mocktui.engine.stores.sqlite import SQLiteStore


def test_kinds_by_scheme() -> None:
    assert [k.name for k in STORES] == ["memory", "redis", "sqlite"]
    assert store_kind("memory").name == "memory" and store_kind("").name == "memory"
    for url in ("redis://127.0.0.1:6379/0", "rediss://h/1", "unix:///tmp/r.sock"):
        assert store_kind(url).name == "redis" and store_kind(url).shared
    for url in ("sqlite:state.db", "sqlite:///abs/state.db", "plain/path.db"):
        assert store_kind(url).name == "sqlite" and not store_kind(url).shared


def test_open_store_strips_the_scheme(tmp_path: Path) -> None:
    assert isinstance(open_store("memory"), MemoryStore)
    store = open_store(f"sqlite:{tmp_path / 'a.db'}")
    assert isinstance(store, SQLiteStore) and store.kind == "sqlite"
    store.put("users", "1", {"id": 1})
    store.close()
    assert (tmp_path / "a.db").exists()
    assert open_store(str(tmp_path / "b.db")).kind == "sqlite"


def test_only_a_shared_store_brings_shared_counters() -> None:
    assert MemoryStore().limiter() is None
