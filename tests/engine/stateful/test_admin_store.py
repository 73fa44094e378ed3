"""The admin store API of a stateful mock: browse and edit records, reset, export and import."""

from __future__ import annotations

from .support import SHOP_SEEDS, Api, all_products, all_users


def test_admin_store_api(shop: Api, kind: str) -> None:
    summary = shop.admin("GET", "/store").json()
    assert summary["kind"] == kind and summary["stateful"] is True
    assert summary["collections"] == SHOP_SEEDS
    resources = {r["name"]: r for r in summary["resources"]}
    assert set(resources) == {"users", "products", "orders"}
    assert resources["orders"]["parents"] == {"userId": "users"}
    assert resources["orders"]["references"] == {"userId": "users", "items[].productId": "products"}
    assert resources["users"]["unique"] == ["email"] and resources["products"]["unique"] == ["sku"]

    users = all_users(shop)
    assert shop.admin("GET", "/store/users", offset=2, limit=3).json() == users[2:5]
    assert shop.admin("GET", f"/store/users/{users[4]['id']}").json() == users[4]
    assert shop.admin("GET", "/store/users/999999").status_code == 404

    record = {
        "email": "admin.made@example.com",
        "firstName": "Ad",
        "lastName": "Min",
        "createdAt": "2025-01-01T00:00:00Z",
    }
    r = shop.admin("POST", "/store/users", record)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made == record | {"id": made["id"]} and made["id"] not in {u["id"] for u in users}
    item = f"/users/{made['id']}"
    assert shop.get(item).json() == made  # visible to the very next mock request

    r = shop.admin("PUT", f"/store/users/{made['id']}", made | {"firstName": "Changed"})
    assert r.status_code == 200 and r.json()["firstName"] == "Changed"
    assert shop.get(item).json()["firstName"] == "Changed"

    r = shop.admin("PUT", f"/store/users/{made['id']}", made | {"firstName": 5})
    assert r.status_code == 422 and "firstName" in r.text
    r = shop.admin("PUT", f"/store/users/{made['id']}", made | {"email": "not an address"})
    assert r.status_code == 422 and "email" in r.text
    assert shop.get(item).json()["firstName"] == "Changed"

    assert shop.admin("DELETE", f"/store/users/{made['id']}").status_code == 204
    assert shop.get(item).status_code == 404
    assert shop.admin("DELETE", f"/store/users/{made['id']}").status_code == 404
    assert shop.admin("GET", "/store").json()["collections"] == SHOP_SEEDS


def test_admin_reset_and_export_import(shop: Api) -> None:
    seeded = shop.admin("GET", "/store/export").json()
    assert {k: len(v) for k, v in seeded.items()} == SHOP_SEEDS
    made = shop.post("/users", {"email": "later@example.com", "firstName": "La", "lastName": "Ter"}).json()
    gone = all_products(shop)[0]
    assert shop.delete(f"/products/{gone['id']}").status_code == 204
    changed = shop.admin("GET", "/store/export").json()
    assert changed != seeded

    assert shop.admin("POST", "/store/reset").status_code == 204
    assert shop.admin("GET", "/store/export").json() == seeded  # reseeded with the same faker seed
    assert shop.get(f"/users/{made['id']}").status_code == 404
    assert shop.get(f"/products/{gone['id']}").status_code == 200

    assert shop.admin("POST", "/store/import", changed).status_code == 204
    assert shop.admin("GET", "/store/export").json() == changed
    assert shop.get(f"/users/{made['id']}").json() == made
    assert shop.get(f"/products/{gone['id']}").status_code == 404
    later = shop.post("/users", {"email": "later2@example.com", "firstName": "La", "lastName": "Ter"}).json()
    assert later["id"] > max(u["id"] for u in changed["users"])
