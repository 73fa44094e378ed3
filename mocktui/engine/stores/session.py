"""One client session's view of a store: copy-on-write over the shared (seeded) records.

A session (`X-Mocktui-Session: ID`) reads the base records plus its own writes, and its writes
never reach the base or another session. `SessionStore` does that with the `Store` API alone, so
it works over every kind and, on a SQLite or Redis store, across the worker processes sharing it:
the session's data lives in the base store under three collections of its own per collection:

- ``new``: records the session created, in the order it created them;
- ``changed``: the session's versions of base records (they keep the base record's place);
- ``deleted``: tombstones for base records the session deleted.

Reads merge: the base records in their order (tombstoned ones skipped, changed ones swapped in),
then the session's new ones. Sequence numbers come from the base's counter, so an id a session
makes never collides with a base id or another session's. The wrapper holds no data of its own:
every call reads the store, so another worker's write for the same session is seen at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any
from urllib.parse import quote, unquote

from mocktui.engine.steer.behaviour import Limiter
from mocktui.engine.stores.base import Record, Store

PREFIX = "~session/"  # no resource name starts with "~": path segments name resources
PARTS = ("new", "changed", "deleted")


def namespace(session: str, part: str, collection: str) -> str:
    """The base-store collection holding one part of a session's data for `collection`."""
    return f"{PREFIX}{quote(session, safe='')}/{part}/{collection}"


def is_session_collection(name: str) -> bool:
    return name.startswith(PREFIX)


def split(name: str) -> tuple[str, str, str] | None:
    """(session, part, collection) of a session collection's name, or None for a base collection."""
    if not name.startswith(PREFIX):
        return None
    parts = name[len(PREFIX) :].split("/", 2)
    if len(parts) != 3 or parts[1] not in PARTS:
        return None
    return unquote(parts[0]), parts[1], parts[2]


def written(store: Store) -> dict[str, int]:
    """Every session with data in `store` -> how many records it wrote (new, changed and deleted)."""
    out: dict[str, int] = {}
    for name, count in store.collections().items():
        found = split(name)
        if found is not None:
            out[found[0]] = out.get(found[0], 0) + count
    return out


def drop(store: Store, session: str) -> int:
    """Forget everything `session` wrote; returns how many records that was."""
    dropped = 0
    for name in list(store.collections()):
        found = split(name)
        if found is None or found[0] != session:
            continue
        for id in [id for id, _ in store.scan(name)]:
            dropped += store.delete(name, id)
    return dropped


class SessionStore(Store):
    """The base store as one session sees it (see the module's docstring)."""

    def __init__(self, base: Store, session: str) -> None:
        self.base = base
        self.session = session
        self.kind = base.kind
        self.awaits = base.awaits
        self._names: dict[str, tuple[str, str, str]] = {}

    def _ns(self, collection: str) -> tuple[str, str, str]:
        names = self._names.get(collection)
        if names is None:
            new, changed, deleted = (namespace(self.session, part, collection) for part in PARTS)
            names = self._names[collection] = (new, changed, deleted)
        return names

    def collections(self) -> dict[str, int]:
        names: dict[str, None] = {}
        for name in self.base.collections():
            found = split(name)
            if found is None:
                names[name] = None
            elif found[0] == self.session and found[1] == "new":
                names[found[2]] = None
        counts = {name: self.count(name) for name in names}
        return {name: n for name, n in counts.items() if n}

    def count(self, collection: str) -> int:
        new, _, deleted = self._ns(collection)
        base = self.base
        gone = 0
        if base.count(deleted):  # tombstones of base records that are still there (few: one per delete)
            gone = sum(1 for id, _ in base.scan(deleted) if base.get(collection, id) is not None)
        return base.count(collection) - gone + base.count(new)

    def get(self, collection: str, id: str) -> Record | None:
        new, changed, deleted = self._ns(collection)
        base = self.base
        record = base.get(new, id)
        if record is None:
            record = base.get(changed, id)
        if record is not None:
            return record
        if base.get(deleted, id) is not None:
            return None
        return base.get(collection, id)

    def put(self, collection: str, id: str, record: Record) -> None:
        new, changed, deleted = self._ns(collection)
        base = self.base
        if base.get(new, id) is not None or base.get(collection, id) is None:
            base.put(new, id, record)  # made in this session (a base id it shadows never exists: shared seqs)
            return
        base.put(changed, id, record)
        if base.get(deleted, id) is not None:  # written again after a delete: back, in its old place
            base.delete(deleted, id)

    def delete(self, collection: str, id: str) -> bool:
        new, changed, deleted = self._ns(collection)
        base = self.base
        if base.delete(new, id):
            return True
        if base.get(collection, id) is None or base.get(deleted, id) is not None:
            return False
        base.put(deleted, id, {})
        if base.get(changed, id) is not None:
            base.delete(changed, id)
        return True

    def scan(self, collection: str) -> Iterator[tuple[str, Record]]:
        new, changed, deleted = self._ns(collection)
        base = self.base
        gone = {id for id, _ in base.scan(deleted)} if base.count(deleted) else set()
        mine = dict(base.scan(changed)) if base.count(changed) else {}
        for id, record in base.scan(collection):
            if id not in gone:
                yield id, mine.get(id, record)
        yield from base.scan(new)

    def page(self, collection: str, offset: int, limit: int) -> list[Record]:
        new, changed, deleted = self._ns(collection)
        base = self.base
        offset, limit = max(offset, 0), max(limit, 0)
        if base.count(deleted) or base.count(changed):  # positions shift: walk the merged order (lazily)
            return [record for _, record in islice(self.scan(collection), offset, offset + limit)]
        out = base.page(collection, offset, limit) if limit else []
        if len(out) < limit:
            out += base.page(new, max(offset - base.count(collection), 0), limit - len(out))
        return out

    def next_seqs(self, collection: str, n: int) -> int:
        return self.base.next_seqs(collection, n)

    def clear(self) -> None:
        """Forget this session's writes: it sees the base records again."""
        drop(self.base, self.session)

    def find(self, collection: str, field: str, value: Any) -> str | None:
        new, changed, deleted = self._ns(collection)
        base = self.base
        for name in (changed, new):
            found = base.find(name, field, value)
            if found is not None:
                return found
        found = base.find(collection, field, value)
        if found is None:
            return None
        if base.get(deleted, found) is None and base.get(changed, found) is None:
            return found
        return super().find(collection, field, value)  # the base's match is gone or changed here: look on

    def limiter(self) -> Limiter | None:
        return self.base.limiter()
