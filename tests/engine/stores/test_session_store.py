"""A session's copy-on-write view of a store, on every store kind (memory, SQLite, Redis): reads see the base
records plus the session's own writes, writes stay in the session, and merged counts, pages, scans and finds agree.
"""

from __future__ import annotations

import pytest

from mocktui.engine.stores.base import Store
from mocktui.engine.stores.session import SessionStore, drop, is_session_collection, split, written
from mocktui.engine.stores.session import namespace as session_namespace

from .test_stores import namespace, store  # noqa: F401 - the store fixture, on every kind, and what it needs


def seeded(base: Store, n: int = 5) -> None:
    first = base.next_seqs("users", n)
    base.put_many("users", [(str(i), {"id": i, "email": f"u{i}@example.com"}) for i in range(first, first + n)])


def ids(view: Store, collection: str = "users") -> list[str]:
    return [id for id, _ in view.scan(collection)]


def test_a_session_sees_the_base_records_and_its_own_and_the_base_never_sees_them(store: Store) -> None:  # noqa: F811
    seeded(store)
    view = SessionStore(store, "ci-1")
    new_id = str(view.next_seq("users"))
    view.put("users", new_id, {"id": int(new_id), "email": "mine@example.com"})
    assert ids(view) == ["1", "2", "3", "4", "5", "6"]
    assert view.count("users") == 6
    assert view.get("users", "6") == {"id": 6, "email": "mine@example.com"}
    assert store.get("users", "6") is None
    assert store.count("users") == 5
    assert SessionStore(store, "ci-2").get("users", "6") is None


def test_changes_and_deletes_of_base_records_stay_in_the_session_and_keep_the_order(store: Store) -> None:  # noqa: F811
    seeded(store)
    view = SessionStore(store, "s")
    view.put("users", "2", {"id": 2, "email": "changed@example.com"})
    assert view.delete("users", "4") is True
    assert view.delete("users", "4") is False
    assert view.get("users", "4") is None
    view.put("users", "7", {"id": 7, "email": "new@example.com"})
    assert ids(view) == ["1", "2", "3", "5", "7"]
    assert view.count("users") == 5
    assert view.page("users", 1, 3) == [
        {"id": 2, "email": "changed@example.com"},
        {"id": 3, "email": "u3@example.com"},
        {"id": 5, "email": "u5@example.com"},
    ]
    assert view.page("users", 4, 10) == [{"id": 7, "email": "new@example.com"}]
    assert store.get("users", "2") == {"id": 2, "email": "u2@example.com"}
    assert store.get("users", "4") is not None
    view.put("users", "4", {"id": 4, "email": "back@example.com"})  # written again: back in its old place
    assert ids(view) == ["1", "2", "3", "4", "5", "7"]


def test_pages_run_from_the_base_records_into_the_session_ones(store: Store) -> None:  # noqa: F811
    seeded(store)
    view = SessionStore(store, "s")
    for i in (6, 7, 8):
        view.put("users", str(i), {"id": i})
    assert [r["id"] for r in view.page("users", 0, 3)] == [1, 2, 3]
    assert [r["id"] for r in view.page("users", 3, 3)] == [4, 5, 6]
    assert [r["id"] for r in view.page("users", 6, 3)] == [7, 8]
    assert view.page("users", 9, 3) == []
    assert view.delete("users", "7") is True  # a record made in the session: gone for good, no tombstone
    assert [r["id"] for r in view.page("users", 5, 5)] == [6, 8]


def test_find_sees_the_sessions_values_not_the_base_ones_it_replaced(store: Store) -> None:  # noqa: F811
    seeded(store)
    view = SessionStore(store, "s")
    assert view.find("users", "email", "U3@example.com") == "3"
    view.put("users", "3", {"id": 3, "email": "renamed@example.com"})
    assert view.find("users", "email", "u3@example.com") is None
    assert view.find("users", "email", "renamed@example.com") == "3"
    view.delete("users", "2")
    assert view.find("users", "email", "u2@example.com") is None
    assert store.find("users", "email", "u2@example.com") == "2"


def test_sequence_numbers_never_collide_with_base_or_other_sessions(store: Store) -> None:  # noqa: F811
    seeded(store)
    one, two = SessionStore(store, "one"), SessionStore(store, "two")
    made = [one.next_seq("users"), two.next_seq("users"), store.next_seq("users"), one.next_seq("users")]
    assert made == [6, 7, 8, 9]


def test_collections_and_dump_merge_and_hide_the_session_namespaces(store: Store) -> None:  # noqa: F811
    seeded(store, 2)
    view = SessionStore(store, "s")
    view.put("orders", "1", {"id": 1})
    view.delete("users", "1")
    assert view.collections() == {"users": 1, "orders": 1}
    assert view.dump() == {"orders": [{"id": 1}], "users": [{"id": 2, "email": "u2@example.com"}]}
    assert all(is_session_collection(name) for name in store.collections() if name not in ("users",))


def test_written_counts_and_drop_forgets_one_session_only(store: Store) -> None:  # noqa: F811
    seeded(store, 3)
    one, two = SessionStore(store, "one/with slash"), SessionStore(store, "two")
    one.put("users", "10", {"id": 10})
    one.delete("users", "1")
    one.put("users", "2", {"id": 2, "email": "x@example.com"})
    two.put("users", "11", {"id": 11})
    assert written(store) == {"one/with slash": 3, "two": 1}
    assert drop(store, "one/with slash") == 3
    assert written(store) == {"two": 1}
    assert ids(one) == ["1", "2", "3"]
    assert one.get("users", "2") == {"id": 2, "email": "u2@example.com"}
    assert ids(two) == ["1", "2", "3", "11"]


def test_clear_of_a_session_view_keeps_the_base() -> None:
    from mocktui.engine.stores.memory import MemoryStore

    base = MemoryStore()
    seeded(base, 2)
    view = SessionStore(base, "s")
    view.delete("users", "1")
    view.clear()
    assert ids(view) == ["1", "2"]
    assert base.count("users") == 2


@pytest.mark.parametrize("session", ["ci-1", "a/b", "x y", "%2F"])
def test_namespace_names_split_back(session: str) -> None:
    name = session_namespace(session, "new", "users")
    assert is_session_collection(name)
    assert split(name) == (session, "new", "users")
    assert split("users") is None
