"""Where stateful mode keeps records: one interface, three kinds (memory, SQLite, Redis).

A store knows nothing of HTTP or of the spec: it holds JSON-able records by collection and
id (ids are strings, as they arrive in paths), keeps insertion order, hands out sequence
numbers for auto-increment ids, and answers "which record has this value in this unique
field". Every method is synchronous and short; a write returns only once it is durable for
that store kind, so an acknowledged response is never lost.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Iterator
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

    @abstractmethod
    def next_seq(self, collection: str) -> int:
        """1, 2, 3, ... per collection, never reused (auto-increment ids)."""

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
    """Dicts in the process: the default, nothing to install, gone when the process ends.

    A dict keeps insertion order and a replaced key keeps its place, which is exactly the
    order the interface promises. Records are copied in and out, as the other kinds
    serialise them: a caller that changes its dict never changes the store behind its back.
    """

    kind = "memory"

    def __init__(self) -> None:
        self._data: dict[str, dict[str, Record]] = {}
        self._seq: dict[str, int] = {}
        self._indexes: dict[tuple[str, str], dict[str, list[str]]] = {}  # value token -> ids, in order

    def collections(self) -> dict[str, int]:
        return {name: len(records) for name, records in self._data.items() if records}

    def count(self, collection: str) -> int:
        return len(self._data.get(collection, {}))

    def get(self, collection: str, id: str) -> Record | None:
        record = self._data.get(collection, {}).get(id)
        return _copy(record) if record is not None else None

    def put(self, collection: str, id: str, record: Record) -> None:
        record = _copy(record)
        records = self._data.setdefault(collection, {})
        old = records.get(id)
        records[id] = record
        for (name, field), index in self._indexes.items():
            if name == collection:
                if old is not None and field in old:
                    _unindex(index, unique_token(old[field]), id)
                if field in record:
                    index.setdefault(unique_token(record[field]), []).append(id)

    def delete(self, collection: str, id: str) -> bool:
        old = self._data.get(collection, {}).pop(id, None)
        if old is None:
            return False
        for (name, field), index in self._indexes.items():
            if name == collection and field in old:
                _unindex(index, unique_token(old[field]), id)
        return True

    def scan(self, collection: str) -> Iterator[tuple[str, Record]]:
        return iter(list(self._data.get(collection, {}).items()))

    def page(self, collection: str, offset: int, limit: int) -> list[Record]:
        records = self._data.get(collection, {}).values()
        start = max(offset, 0)
        return [_copy(r) for r in itertools.islice(records, start, start + max(limit, 0))]

    def next_seq(self, collection: str) -> int:
        self._seq[collection] = self._seq.get(collection, 0) + 1
        return self._seq[collection]

    def clear(self) -> None:
        self._data.clear()
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


def _copy(record: Record) -> Record:
    """A deep copy (orjson's round trip is faster than `copy.deepcopy`)."""
    copied: Record = orjson.loads(orjson.dumps(record))
    return copied


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
        from mocktui.engine.store_redis import RedisStore

        return RedisStore(url)
    from mocktui.engine.store_sqlite import SQLiteStore

    for prefix in ("sqlite://", "sqlite:"):
        if url.startswith(prefix):
            return SQLiteStore(url[len(prefix) :])
    return SQLiteStore(url)
