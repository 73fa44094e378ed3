"""Where stateful mode keeps records: one interface, three kinds (memory, SQLite, Redis).

A store knows nothing of HTTP or of the spec: it holds JSON-able records by collection and
id (ids are strings, as they arrive in paths), keeps insertion order, hands out sequence
numbers for auto-increment ids, and answers "which record has this value in this unique
field". Every method is synchronous and short; a write returns only once it is durable for
that store kind, so an acknowledged response is never lost.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

Record = dict[str, Any]
State = dict[str, list[Record]]  # collection -> records, in order: the export/import format


class Store(ABC):
    kind: str = ""

    @abstractmethod
    def collections(self) -> dict[str, int]:
        """Every collection that holds records, with its count."""

    @abstractmethod
    def count(self, collection: str) -> int: ...

    @abstractmethod
    def get(self, collection: str, id: str) -> Record | None: ...

    @abstractmethod
    def put(self, collection: str, id: str, record: Record) -> None:
        """Insert, or replace in place (a replaced record keeps its position)."""

    @abstractmethod
    def delete(self, collection: str, id: str) -> bool: ...

    @abstractmethod
    def scan(self, collection: str) -> Iterator[tuple[str, Record]]:
        """Every (id, record) in insertion order."""

    @abstractmethod
    def page(self, collection: str, offset: int, limit: int) -> list[Record]:
        """Records `offset` to `offset + limit` in insertion order, without reading the rest."""

    def next_seq(self, collection: str) -> int:
        """1, 2, 3, ... per collection, never reused (auto-increment ids)."""
        return self.next_seqs(collection, 1)

    @abstractmethod
    def next_seqs(self, collection: str, n: int) -> int:
        """Reserve `n` sequence numbers at once (seeding); returns the first."""

    def put_many(self, collection: str, items: Iterable[tuple[str, Record]]) -> None:
        """Many puts; stores with a faster bulk path (one transaction) override this."""
        for id, record in items:
            self.put(collection, id, record)

    @abstractmethod
    def clear(self) -> None:
        """Drop every record and counter."""

    def find(self, collection: str, field: str, value: Any) -> str | None:
        """The id of the first record whose `field` equals `value` (strings case-insensitively)."""
        token = unique_token(value)
        for id, record in self.scan(collection):
            if field in record and unique_token(record[field]) == token:
                return id
        return None

    def dump(self) -> State:
        return {name: [record for _, record in self.scan(name)] for name in sorted(self.collections())}

    def close(self) -> None:  # noqa: B027 - optional: only stores with connections need it
        """Release connections and files."""


def unique_token(value: Any) -> str:
    """A string that is equal for two JSON values exactly when `find` must treat them as equal.

    Strings compare by ``casefold`` (so "STRASSE" finds "straße"), numbers by value (1 and
    1.0 are one number in JSON), and booleans, null, numbers and strings never match each
    other (unlike Python's ``True == 1``). Shared by every store kind.
    """
    if isinstance(value, str):
        return "s" + value.casefold()
    if isinstance(value, bool):
        return "b1" if value else "b0"
    if isinstance(value, int):
        return f"n{value}"
    if isinstance(value, float):
        return f"n{int(value)}" if value.is_integer() else f"n{value!r}"
    if value is None:
        return "z"
    return "j" + orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


class MemoryStore(Store):
    """Records in the process: the default, nothing to install, gone when the process ends.

    Records are kept as JSON text (orjson), as the other kinds serialise them: 100,000 small
    records cost ~15 MB instead of ~110 MB of dicts, the garbage collector has nothing to walk,
    and a caller that changes a dict it passed in or got back never changes the store.
    A dict keeps insertion order (a replaced key keeps its place); `_order` mirrors it as a
    list so that a deep page is a slice, and is rebuilt lazily after deletes.
    """

    kind = "memory"

    def __init__(self) -> None:
        self._data: dict[str, dict[str, str]] = {}
        self._order: dict[str, list[str] | None] = {}  # None: stale after a delete
        self._seq: dict[str, int] = {}
        self._indexes: dict[tuple[str, str], dict[str, list[str]]] = {}  # value token -> ids, in order

    def collections(self) -> dict[str, int]:
        return {name: len(records) for name, records in self._data.items() if records}

    def count(self, collection: str) -> int:
        return len(self._data.get(collection, {}))

    def get(self, collection: str, id: str) -> Record | None:
        raw = self._data.get(collection, {}).get(id)
        return _loads(raw) if raw is not None else None

    def put(self, collection: str, id: str, record: Record) -> None:
        records = self._data.setdefault(collection, {})
        old = records.get(id)
        # As text: orjson's bytes keep its 4 KiB working buffer; a decoded copy is exactly its size.
        records[id] = orjson.dumps(record).decode()
        if old is None:
            order = self._order.get(collection, [])
            if order is not None:
                order.append(id)
                self._order[collection] = order
        indexes = [(field, index) for (name, field), index in self._indexes.items() if name == collection]
        if indexes:
            before = _loads(old) if old is not None else {}
            for field, index in indexes:
                if field in before:
                    _unindex(index, unique_token(before[field]), id)
                if field in record:
                    index.setdefault(unique_token(record[field]), []).append(id)

    def delete(self, collection: str, id: str) -> bool:
        raw = self._data.get(collection, {}).pop(id, None)
        if raw is None:
            return False
        self._order[collection] = None
        old = _loads(raw)
        for (name, field), index in self._indexes.items():
            if name == collection and field in old:
                _unindex(index, unique_token(old[field]), id)
        return True

    def scan(self, collection: str) -> Iterator[tuple[str, Record]]:
        return ((id, _loads(raw)) for id, raw in list(self._data.get(collection, {}).items()))

    def page(self, collection: str, offset: int, limit: int) -> list[Record]:
        records = self._data.get(collection, {})
        order = self._order.get(collection)
        if order is None:
            order = self._order[collection] = list(records)
        start = max(offset, 0)
        return [_loads(records[id]) for id in order[start : start + max(limit, 0)]]

    def next_seqs(self, collection: str, n: int) -> int:
        first = self._seq.get(collection, 0) + 1
        self._seq[collection] = first + n - 1
        return first

    def clear(self) -> None:
        self._data.clear()
        self._order.clear()
        self._seq.clear()
        for index in self._indexes.values():
            index.clear()

    def find(self, collection: str, field: str, value: Any) -> str | None:
        index = self._indexes.get((collection, field))
        if index is None:
            index = {}
            for id, record in self.scan(collection):
                if field in record:
                    index.setdefault(unique_token(record[field]), []).append(id)
            self._indexes[(collection, field)] = index
        found = index.get(unique_token(value))
        return found[0] if found else None


def _loads(raw: str) -> Record:
    record: Record = orjson.loads(raw)
    return record


def _unindex(index: dict[str, list[str]], token: str, id: str) -> None:
    ids = index.get(token)
    if ids is not None and id in ids:
        ids.remove(id)
        if not ids:
            del index[token]


def open_store(url: str) -> Store:
    """`memory`, `redis://host:port/db`, or SQLite as `sqlite:PATH` (`sqlite:///abs/path`) or a file path."""
    if url in ("", "memory"):
        return MemoryStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from mocktui.engine.stores.redis import RedisStore

        return RedisStore(url)
    from mocktui.engine.stores.sqlite import SQLiteStore

    for prefix in ("sqlite://", "sqlite:"):
        if url.startswith(prefix):
            return SQLiteStore(url[len(prefix) :])
    return SQLiteStore(url)
