"""SQLite's `scope`: several specs' records in one file, each spec seeing, counting and clearing only its own."""

from __future__ import annotations

from pathlib import Path

from mocktui.engine.stores.registry import open_store
from mocktui.engine.stores.sqlite import SQLiteStore


def test_scoped_stores_in_one_file_keep_their_collections_counters_and_clears_apart(tmp_path: Path) -> None:
    path = str(tmp_path / "both.db")
    users, shop = open_store(f"sqlite:{path}", "users"), open_store(path, "shop")
    assert isinstance(users, SQLiteStore) and isinstance(shop, SQLiteStore)
    try:
        users.put("users", "1", {"id": "1", "email": "a@example.com"})
        shop.put_many("users", [("1", {"id": "1", "email": "b@example.com"}), ("2", {"id": "2"})])
        shop.put("products", "p", {"id": "p"})
        assert users.collections() == {"users": 1} and shop.collections() == {"products": 1, "users": 2}
        assert users.get("users", "1") == {"id": "1", "email": "a@example.com"}
        assert users.find("users", "email", "b@example.com") is None
        assert shop.find("users", "email", "b@example.com") == "1"
        assert users.next_seqs("users", 1) == 1 and shop.next_seqs("users", 1) == 1
        assert [id for id, _ in shop.scan("users")] == ["1", "2"] and shop.page("users", 1, 5) == [{"id": "2"}]
        shop.clear()
        assert shop.collections() == {} and users.collections() == {"users": 1}
        assert shop.next_seqs("users", 1) == 1 and users.next_seqs("users", 1) == 2
        whole = SQLiteStore(path)  # unscoped: the file as it is
        try:
            assert whole.collections() == {"users/users": 1}
        finally:
            whole.close()
    finally:
        users.close()
        shop.close()
