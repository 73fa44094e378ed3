"""The memory store: records in the process, the default, gone when the process ends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from mocktui.engine.stores.base import Record, Store, unique_token


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
