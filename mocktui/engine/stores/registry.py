"""Store kinds by URL scheme: the one place that knows which URL opens which store.

`--store URL` (and `--persist PATH`, which is SQLite) are read here, by the CLI's checks and by
the composition root alike. A new kind is one `StoreKind` row and its module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mocktui.engine.stores.base import Store, StoreError
from mocktui.engine.stores.memory import MemoryStore


@dataclass(frozen=True, slots=True)
class StoreKind:
    name: str
    schemes: tuple[str, ...]  # URL prefixes that select this kind
    shared: bool  # processes (workers, hosts) on one URL see one state and one set of counters
    open: Callable[[str], Store]  # the URL with its scheme removed -> a store
    example: str


def _redis(url: str) -> Store:
    from mocktui.engine.stores.redis import RedisStore  # the redis client loads only when asked for

    return RedisStore(url)


def _sqlite(path: str) -> Store:
    from mocktui.engine.stores.sqlite import SQLiteStore

    return SQLiteStore(path)


STORES: tuple[StoreKind, ...] = (
    StoreKind("memory", ("memory",), False, lambda _: MemoryStore(), "memory"),
    StoreKind("redis", ("redis://", "rediss://", "unix://"), True, _redis, "redis://127.0.0.1:6379/0"),
    StoreKind("sqlite", ("sqlite://", "sqlite:"), False, _sqlite, "sqlite:./state.db"),
)
_SQLITE = STORES[2]


def store_kind(url: str) -> StoreKind:
    """The kind a store URL names; a bare path is a SQLite file; an unknown `scheme://` is a `StoreError`."""
    for kind in STORES:
        if any(url.startswith(scheme) for scheme in kind.schemes):
            return kind
    if "://" in url:
        examples = ", ".join(kind.example for kind in STORES)
        raise StoreError(f"unknown store {url!r}; use one of: {examples}")
    return STORES[0] if url == "" else _SQLITE


def open_store(url: str, scope: str | None = None) -> Store:
    """`memory`, `redis://host:port/db`, or SQLite as `sqlite:PATH` (`sqlite:///abs/path`) or a file path.

    `scope` (a spec's name, when one instance serves several) keeps that spec's records apart from the
    others' in the same Redis (namespace `NAMESPACE:scope`) or SQLite file (collections `scope/name`)."""
    kind = store_kind(url)
    if scope is not None and kind.name == "redis":
        from mocktui.engine.stores.redis import RedisStore, redis_target

        return RedisStore(url, namespace=f"{redis_target(url)[1]}:{scope}")
    if kind.name == "redis":
        return kind.open(url)  # the client parses the whole URL
    path = next((url[len(scheme) :] for scheme in kind.schemes if url.startswith(scheme)), url)
    if scope is not None and kind.name == "sqlite":
        from mocktui.engine.stores.sqlite import SQLiteStore

        return SQLiteStore(path, scope=f"{scope}/")
    return kind.open(path)
