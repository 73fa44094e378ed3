"""A Store in one SQLite file: records survive a restart and a kill -9 of the server.

Layout (all tables keyed so that every per-request operation is an index lookup):

- ``records``: ``pos`` is the rowid, handed out on insert and kept on replace, so insertion
  order is ``ORDER BY pos``; ``(collection, id)`` is unique for get/put/delete and
  ``(collection, pos)`` serves pages and scans.
- ``sizes``: per-collection record count, kept by triggers, so ``count`` is O(1) instead of
  walking 100,000 index entries.
- ``counters``: ``next_seq`` per collection.
- ``find_fields`` / ``find_keys``: for each (collection, field) that ``find`` was asked about
  once, a map from the field's normalised value to an id, kept on put/delete. SQLite's
  ``lower()`` folds ASCII only and a Python function called per row would make every ``find``
  a full scan; the side table gives exact ``str.casefold`` semantics in O(log n).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from mocktui.engine.stores.base import Record, Store, StoreError, unique_token

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    pos INTEGER PRIMARY KEY,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (collection, id)
);
CREATE INDEX IF NOT EXISTS records_order ON records (collection, pos);
CREATE TABLE IF NOT EXISTS sizes (collection TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS records_count_insert AFTER INSERT ON records BEGIN
    INSERT INTO sizes VALUES (new.collection, 1) ON CONFLICT (collection) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS records_count_delete AFTER DELETE ON records BEGIN
    UPDATE sizes SET n = n - 1 WHERE collection = old.collection;
END;
CREATE TABLE IF NOT EXISTS counters (collection TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS find_fields (
    collection TEXT NOT NULL, field TEXT NOT NULL, PRIMARY KEY (collection, field)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS find_keys (
    collection TEXT NOT NULL, field TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY (collection, field, key)
) WITHOUT ROWID;
"""

_SCAN_BATCH = 1000


def _dumps(record: Record) -> str:
    return orjson.dumps(record).decode()


class SQLiteStore(Store):
    """Records in a SQLite file (WAL): every write is committed before the method returns."""

    kind = "sqlite"

    def __init__(self, path: str, scope: str = "") -> None:
        """`scope`: a prefix of every collection name in the file, so several specs' records share one file
        apart (several specs in one instance: `users/orders`); collections() and clear() see only their own."""
        self.path = path
        self._scope = scope
        # check_same_thread=False: the server calls the store from its event loop, but FastAPI
        # may run a sync handler or the TUI a refresh on another thread. Every method takes
        # self._lock around its statements, so one connection is never used by two threads at
        # once, which is all SQLite's check guards against.
        # isolation_level=None: autocommit; multi-statement writes use explicit BEGIN/COMMIT.
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
            self._db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as exc:
            folder = os.path.dirname(os.path.abspath(path))
            hint = f" ({folder} does not exist)" if not os.path.isdir(folder) else ""
            raise StoreError(f"cannot open the SQLite file {path}: {exc}{hint}") from None
        self._lock = threading.RLock()
        with self._lock:
            # In WAL mode a COMMIT appends the transaction to the -wal file with write() before
            # returning; with synchronous=NORMAL it is not fsync'ed until a checkpoint. A killed
            # process (even SIGKILL) loses nothing that way: the data is in the kernel's page
            # cache and the next opener replays the WAL. Only a power cut or kernel crash can
            # drop the last commits, and even then the file stays consistent. FULL would add an
            # fsync per write (milliseconds) for a mock server's records.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=OFF")
            self._db.executescript(_SCHEMA)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction under the lock: atomic, committed when the block ends."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def collections(self) -> dict[str, int]:
        scope = self._scope
        with self._lock:
            if not scope:
                rows = self._db.execute("SELECT collection, n FROM sizes WHERE n > 0 ORDER BY collection").fetchall()
                return {name: n for name, n in rows}
            rows = self._db.execute(
                "SELECT collection, n FROM sizes WHERE n > 0 AND substr(collection, 1, ?) = ? ORDER BY collection",
                (len(scope), scope),
            ).fetchall()
        return {name[len(scope) :]: n for name, n in rows}

    def count(self, collection: str) -> int:
        collection = self._scope + collection
        with self._lock:
            row = self._db.execute("SELECT n FROM sizes WHERE collection = ?", (collection,)).fetchone()
        return int(row[0]) if row else 0

    def get(self, collection: str, id: str) -> Record | None:
        collection = self._scope + collection
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM records WHERE collection = ? AND id = ?", (collection, id)
            ).fetchone()
        return orjson.loads(row[0]) if row else None

    def put(self, collection: str, id: str, record: Record) -> None:
        self.put_many(collection, [(id, record)])

    def put_many(self, collection: str, items: Iterable[tuple[str, Record]]) -> None:
        """Several puts in one transaction (one commit): for seeding and imports."""
        collection = self._scope + collection
        with self._write() as db:
            fields = self._fields(db, collection)
            for id, record in items:
                body = _dumps(record)
                if fields:
                    old = db.execute(
                        "SELECT body FROM records WHERE collection = ? AND id = ?", (collection, id)
                    ).fetchone()
                    self._unmap(db, collection, id, orjson.loads(old[0]) if old else None, fields)
                    self._map(db, collection, id, record, fields)
                # An upsert that hits the unique (collection, id) updates the row in place, so
                # the record keeps its pos (its position) and no INSERT trigger fires.
                db.execute(
                    "INSERT INTO records (collection, id, body) VALUES (?, ?, ?) "
                    "ON CONFLICT (collection, id) DO UPDATE SET body = excluded.body",
                    (collection, id, body),
                )

    def delete(self, collection: str, id: str) -> bool:
        collection = self._scope + collection
        with self._write() as db:
            row = db.execute(
                "DELETE FROM records WHERE collection = ? AND id = ? RETURNING body", (collection, id)
            ).fetchone()
            if row is None:
                return False
            fields = self._fields(db, collection)
            if fields:
                self._unmap(db, collection, id, orjson.loads(row[0]), fields)
            return True

    def scan(self, collection: str) -> Iterator[tuple[str, Record]]:
        collection = self._scope + collection
        # Batches keyed on pos rather than one open cursor: the lock is not held while the
        # caller works on a record, and a write in between does not disturb the iteration.
        last = -1
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT pos, id, body FROM records WHERE collection = ? AND pos > ? ORDER BY pos LIMIT ?",
                    (collection, last, _SCAN_BATCH),
                ).fetchall()
            for _, id, body in rows:
                yield id, orjson.loads(body)
            if len(rows) < _SCAN_BATCH:
                return
            last = rows[-1][0]

    def page(self, collection: str, offset: int, limit: int) -> list[Record]:
        if limit <= 0:
            return []
        collection = self._scope + collection
        # The subquery skips `offset` entries of the covering (collection, pos) index without
        # touching the table; only the `limit` records of the page are read.
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM records WHERE collection = ?1 AND pos >= "
                "(SELECT pos FROM records WHERE collection = ?1 ORDER BY pos LIMIT 1 OFFSET ?2) "
                "ORDER BY pos LIMIT ?3",
                (collection, max(offset, 0), limit),
            ).fetchall()
        return [orjson.loads(body) for (body,) in rows]

    def next_seqs(self, collection: str, n: int) -> int:
        collection = self._scope + collection
        with self._lock:
            row = self._db.execute(
                "INSERT INTO counters VALUES (?, ?) ON CONFLICT (collection) DO UPDATE SET value = value + ? "
                "RETURNING value",
                (collection, n, n),
            ).fetchone()
        return int(row[0]) - n + 1

    def clear(self) -> None:
        with self._write() as db:
            scope = self._scope
            for table in ("records", "sizes", "counters", "find_keys", "find_fields"):  # fixed names, not input
                if scope:  # this spec's collections only
                    db.execute(f"DELETE FROM {table} WHERE substr(collection, 1, ?) = ?", (len(scope), scope))
                else:
                    db.execute(f"DELETE FROM {table}")

    def find(self, collection: str, field: str, value: Any) -> str | None:
        collection = self._scope + collection
        key = unique_token(value)
        with self._lock:
            built, id = self._db.execute(
                "SELECT (SELECT 1 FROM find_fields WHERE collection = ?1 AND field = ?2), "
                "(SELECT id FROM find_keys WHERE collection = ?1 AND field = ?2 AND key = ?3)",
                (collection, field, key),
            ).fetchone()
            if built:
                return id  # type: ignore[no-any-return]
            self._build(collection, field)
            row = self._db.execute(
                "SELECT id FROM find_keys WHERE collection = ? AND field = ? AND key = ?", (collection, field, key)
            ).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- find's index ---------------------------------------------------------------------

    def _build(self, collection: str, field: str) -> None:
        """Index `field` from the records, in one transaction: from now on puts keep it."""
        with self._write() as db:
            added = db.execute("INSERT INTO find_fields VALUES (?, ?) ON CONFLICT DO NOTHING", (collection, field))
            if added.rowcount == 0:
                return  # another connection built it meanwhile
            rows = db.execute("SELECT id, body FROM records WHERE collection = ? ORDER BY pos", (collection,))
            entries = []
            for id, body in rows:
                record = orjson.loads(body)
                if field in record:
                    entries.append((collection, field, unique_token(record[field]), id))
            db.executemany("INSERT OR REPLACE INTO find_keys VALUES (?, ?, ?, ?)", entries)  # in order: last wins

    @staticmethod
    def _fields(db: sqlite3.Connection, collection: str) -> tuple[str, ...]:
        # Read inside the write transaction (not cached): another connection to the same file
        # may have started indexing a field, and its index must see this write.
        rows = db.execute("SELECT field FROM find_fields WHERE collection = ?", (collection,)).fetchall()
        return tuple(field for (field,) in rows)

    @staticmethod
    def _map(db: sqlite3.Connection, collection: str, id: str, record: Record, fields: Iterable[str]) -> None:
        for field in fields:
            if field in record:
                db.execute(
                    "INSERT OR REPLACE INTO find_keys VALUES (?, ?, ?, ?)",
                    (collection, field, unique_token(record[field]), id),
                )

    @staticmethod
    def _unmap(db: sqlite3.Connection, collection: str, id: str, record: Record | None, fields: Iterable[str]) -> None:
        """Drop the old record's keys, but only those that still point at it (not a duplicate's)."""
        if record is None:
            return
        for field in fields:
            if field in record:
                db.execute(
                    "DELETE FROM find_keys WHERE collection = ? AND field = ? AND key = ? AND id = ?",
                    (collection, field, unique_token(record[field]), id),
                )
