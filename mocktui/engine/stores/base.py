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

from mocktui.engine.steer.behaviour import Limiter

Record = dict[str, Any]
State = dict[str, list[Record]]  # collection -> records, in order: the export/import format


class StoreError(Exception):
    """A store that cannot be opened: the message is one line; `environment` when retrying later may help
    (a server down) rather than a wrong URL or path."""

    def __init__(self, message: str, *, environment: bool = False) -> None:
        super().__init__(message)
        self.environment = environment


class Store(ABC):
    kind: str = ""
    # True when calls are cheaper made inside `bridge.run_bridged` (their client awaits there, the event
    # loop serving other requests meanwhile); the server then bridges each request. False: called directly.
    awaits: bool = False

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

    def limiter(self) -> Limiter | None:
        """Rate-limit counters shared by every process on this store, or None (per process)."""
        return None


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
