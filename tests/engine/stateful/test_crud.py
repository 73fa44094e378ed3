"""Stateful CRUD over HTTP that remembers: round trips, defaults, uuid ids, nested resources, conflicts,
JSON Patch and writeOnly.

tests/data/stateful-accounts.yaml is the fixture for what the bundled specs do not declare: a
required writeOnly field (password), a PATCH that takes RFC 6902 JSON Patch, a `q` search over
every text field and a text filter."""

from __future__ import annotations

import uuid

from .support import (
    BASE,
    JSON_PATCH,
    MERGE,
    USERS,
    Api,
    Mocks,
    all_orders,
    all_products,
    all_users,
    is_problem,
    read_only_names,
    recent,
)

# -- CRUD -------------------------------------------------------------------------------------------------------------


def test_users_crud_round_trip(shop: Api) -> None:
    sent = {
        "email": "crud.user@example.com",
        "firstName": "Crud",
        "lastName": "User",
        "phone": "+44 20 7946 0001",
        "address": {"street": "1 Park Row", "city": "Leeds", "postalCode": "LS1 5AB", "country": "GB"},
    }
    r = shop.post("/users", sent)
    assert r.status_code == 201, r.text
    created = r.json()
    assert read_only_names(shop, "getUser") == {"id", "createdAt"}
    assert set(created) == set(sent) | {"id", "createdAt"}
    assert {k: created[k] for k in sent} == sent
    assert isinstance(created["id"], int) and recent(created["createdAt"])
    item = f"{BASE}/users/{created['id']}"
    assert r.headers["location"] == item

    assert shop.get(r.headers["location"]).json() == created
    assert created in all_users(shop)

    replacement = {"email": "crud.user@example.com", "firstName": "Ada", "lastName": "Byron", "phone": "+44 1"}
    r = shop.put(item, replacement)
    assert r.status_code == 200, r.text
    replaced = {**replacement, "id": created["id"], "createdAt": created["createdAt"]}  # the address is gone
    assert r.json() == replaced
    assert shop.get(item).json() == replaced

    r = shop.patch(item, {"phone": None, "lastName": "King"}, ctype=MERGE)
    assert r.status_code == 200, r.text
    patched = {k: v for k, v in replaced.items() if k != "phone"} | {"lastName": "King"}
    assert r.json() == patched
    assert shop.get(item).json() == patched

    r = shop.delete(item)
    assert r.status_code == 204 and r.content == b""
    r = shop.get(item)
    assert r.status_code == 404 and is_problem(r, 404)
    assert shop.delete(item).status_code == 404
    assert all(u["id"] != created["id"] for u in all_users(shop))


def test_products_create_replace_update_delete(shop: Api) -> None:
    sent = {"name": "Standing Desk", "sku": "HOM-0001", "price": 120.5, "currency": "EUR", "category": "home"}
    r = shop.post("/products", sent)
    assert r.status_code == 201, r.text
    created = r.json()
    owned = read_only_names(shop, "getProduct")
    assert owned == {"id", "createdAt", "updatedAt"}
    assert {k: created[k] for k in sent} == sent
    # What was sent, the fields the server owns, and `stock`, which Product requires (its value: see below).
    assert set(created) == set(sent) | owned | {"stock"}
    assert recent(created["createdAt"]) and recent(created["updatedAt"])
    item = f"{BASE}/products/{created['id']}"
    assert r.headers["location"] == item
    assert shop.get(item).json() == created

    replacement = {
        "name": "Desk",
        "sku": "HOM-0001",
        "price": 99.0,
        "currency": "EUR",
        "stock": 3,
        "description": "Oak",
    }
    r = shop.put(item, replacement)
    assert r.status_code == 200, r.text
    replaced = r.json()
    assert {k: v for k, v in replaced.items() if k not in owned} == replacement  # category is gone
    assert replaced["id"] == created["id"] and replaced["createdAt"] == created["createdAt"]
    assert replaced["updatedAt"] >= created["updatedAt"]

    r = shop.patch(item, {"price": 44.9, "stock": 80, "description": None}, ctype=MERGE)
    assert r.status_code == 200, r.text
    expected = {k: v for k, v in replaced.items() if k not in ("description", "updatedAt")} | {
        "price": 44.9,
        "stock": 80,
    }
    assert {k: v for k, v in r.json().items() if k != "updatedAt"} == expected
    assert shop.get(item).json() == r.json()

    assert shop.delete(item).status_code == 204
    assert shop.get(item).status_code == 404


def test_omitted_fields_with_a_declared_default_take_it(shop: Api) -> None:
    """ProductInput's `stock` is optional with `default: 0`: a product created or replaced without it has 0."""
    sent = {"name": "Shelf", "sku": "HOM-0002", "price": 30.0, "currency": "EUR"}
    r = shop.post("/products", sent)
    assert r.status_code == 201, r.text
    item = r.headers["location"]
    r = shop.put(item, sent | {"name": "Shelf 2"})  # a valid ProductInput: stock may be omitted
    assert r.status_code == 200, r.text
    assert r.json()["stock"] == 0
    created = shop.post("/products", {"name": "Rack", "sku": "HOM-0004", "price": 30.0, "currency": "EUR"}).json()
    assert created["stock"] == 0, f"stock was omitted and declares default 0, got {created['stock']}"


def test_orders_crud_round_trip(shop: Api) -> None:
    user, product = all_users(shop)[1], all_products(shop)[2]
    sent = {"userId": user["id"], "items": [{"productId": product["id"], "quantity": 2}]}
    r = shop.post("/orders", sent)  # the response must carry every required field, line items included
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["userId"] == user["id"]
    assert [(i["productId"], i["quantity"]) for i in created["items"]] == [(product["id"], 2)]
    item = f"{BASE}/orders/{created['id']}"
    assert r.headers["location"] == item
    assert shop.get(item).json() == created
    assert created in shop.get(f"/users/{user['id']}/orders", limit=100).json()["items"]

    r = shop.patch(item, {"status": "cancelled"}, ctype=MERGE)
    assert r.status_code == 200 and r.json() == created | {"status": "cancelled"}
    assert shop.delete(item).status_code == 204
    assert shop.get(item).status_code == 404


def test_uuid_ids_and_envelope_of_the_users_spec(kind: str, mocks: Mocks) -> None:
    api = mocks(USERS, kind, seed=5)
    sent = {"email": "zed@example.com", "firstName": "Zed", "lastName": "Shaw", "role": "viewer"}
    r = api.post("/users", sent)
    assert r.status_code == 201, r.text
    created = r.json()
    assert set(created) == set(sent) | {"id", "createdAt"} and {k: created[k] for k in sent} == sent
    assert str(uuid.UUID(created["id"])) == created["id"]
    assert r.headers["location"] == f"/users/{created['id']}"
    assert api.get(r.headers["location"]).json() == created
    page = api.get("/users", limit=100).json()
    assert created in page["data"] and page["pagination"]["total"] == 6
    r = api.get(f"/users/{uuid.uuid4()}")
    assert r.status_code == 404 and is_problem(r, 404)


# -- nested resources -------------------------------------------------------------------------------------------------


def test_nested_orders_list_only_their_users_orders(shop: Api) -> None:
    orders = all_orders(shop)
    users = all_users(shop)
    assert {o["userId"] for o in orders} <= {u["id"] for u in users}
    for user in users:
        r = shop.get(f"/users/{user['id']}/orders", limit=100).json()
        expected = [o for o in orders if o["userId"] == user["id"]]
        assert r["items"] == expected and r["total"] == len(expected)
    busy = max(users, key=lambda u: sum(o["userId"] == u["id"] for o in orders))
    mine = [o for o in orders if o["userId"] == busy["id"]]
    assert len(mine) >= 2
    assert shop.get(f"/users/{busy['id']}/orders", offset=1, limit=1).json() == {
        "items": mine[1:2],
        "offset": 1,
        "limit": 1,
        "total": len(mine),
    }

    r = shop.get("/users/999999/orders")
    assert r.status_code == 404 and is_problem(r, 404)
    fresh = shop.post("/users", {"email": "no.orders@example.com", "firstName": "No", "lastName": "Orders"}).json()
    assert shop.get(f"/users/{fresh['id']}/orders").json() == {"items": [], "offset": 0, "limit": 20, "total": 0}
    assert shop.delete(f"/users/{fresh['id']}").status_code == 204
    assert shop.get(f"/users/{fresh['id']}/orders").status_code == 404


# -- conflicts --------------------------------------------------------------------------------------------------------


def test_duplicate_unique_fields_are_409(shop: Api) -> None:
    users, products = all_users(shop), all_products(shop)
    taken = users[0]["email"]
    r = shop.post("/users", {"email": taken.upper(), "firstName": "Dup", "lastName": "Licate"})
    assert r.status_code == 409 and is_problem(r, 409) and "email" in r.text
    assert len(all_users(shop)) == len(users)

    r = shop.post("/products", {"name": "Copy", "sku": products[0]["sku"], "price": 1, "currency": "EUR"})
    assert r.status_code == 409 and is_problem(r, 409) and "sku" in r.text
    second = f"/products/{products[1]['id']}"
    r = shop.put(second, {"name": "X", "sku": products[0]["sku"], "price": 1, "currency": "EUR", "stock": 1})
    assert r.status_code == 409 and shop.get(second).json() == products[1]

    other = f"/users/{users[1]['id']}"
    r = shop.patch(other, {"email": taken}, ctype=MERGE)
    assert r.status_code == 409 and shop.get(other).json() == users[1]
    r = shop.put(other, {"email": taken, "firstName": "A", "lastName": "B"})
    assert r.status_code == 409

    own = {k: users[1][k] for k in ("email", "firstName", "lastName")} | {"lastName": "Same"}
    assert shop.put(other, own).status_code == 200  # its own value is no conflict
    assert shop.delete(f"/users/{users[0]['id']}").status_code == 204
    assert shop.post("/users", {"email": taken, "firstName": "Re", "lastName": "Used"}).status_code == 201


# -- JSON Patch and writeOnly (fixture spec) --------------------------------------------------------------------------


ADA = {
    "username": "ada_l",
    "email": "ada.l@example.com",
    "password": "correct horse",
    "bio": "hello",
    "age": 36,
    "tags": ["a"],
}


def test_json_patch_add_replace_remove_test(accounts: Api) -> None:
    r = accounts.post("/accounts", ADA)
    assert r.status_code == 201, r.text
    created, item = r.json(), r.headers["location"]
    ops = [
        {"op": "test", "path": "/username", "value": "ada_l"},
        {"op": "replace", "path": "/age", "value": 37},
        {"op": "add", "path": "/displayName", "value": "Ada"},
        {"op": "add", "path": "/tags/-", "value": "b"},
        {"op": "remove", "path": "/bio"},
    ]
    r = accounts.patch(item, ops, ctype=JSON_PATCH)
    assert r.status_code == 200, r.text
    expected = {k: v for k, v in created.items() if k != "bio"} | {"age": 37, "displayName": "Ada", "tags": ["a", "b"]}
    assert r.json() == expected
    assert accounts.get(item).json() == expected


def test_json_patch_failing_test_op_is_4xx_and_changes_nothing(accounts: Api) -> None:
    r = accounts.post("/accounts", ADA)
    created, item = r.json(), r.headers["location"]
    passing = [{"op": "test", "path": "/tags/0", "value": "a"}, {"op": "add", "path": "/tags/-", "value": "c"}]
    r = accounts.patch(item, passing, ctype=JSON_PATCH)
    assert r.status_code == 200 and r.json()["tags"] == ["a", "c"]

    failing = [{"op": "test", "path": "/username", "value": "bob"}, {"op": "add", "path": "/tags/-", "value": "d"}]
    r = accounts.patch(item, failing, ctype=JSON_PATCH)
    assert 400 <= r.status_code < 500 and is_problem(r, r.status_code)
    assert accounts.get(item).json() == created | {"tags": ["a", "c"]}

    r = accounts.patch(item, [{"op": "replace", "path": "/tags/0", "value": ""}], ctype=JSON_PATCH)
    assert r.status_code == 422 and "/tags/0" in r.text  # the patched record breaks the schema
    r = accounts.patch(item, [{"op": "remove", "path": "/tags/7"}], ctype=JSON_PATCH)
    assert 400 <= r.status_code < 500
    assert accounts.get(item).json() == created | {"tags": ["a", "c"]}


def test_write_only_fields_are_stored_but_never_returned(accounts: Api) -> None:
    r = accounts.post("/accounts", ADA)  # every response is checked for writeOnly fields too
    assert r.status_code == 201 and "password" not in r.json()
    created, item = r.json(), r.headers["location"]
    assert accounts.admin("GET", f"/store/accounts/{created['id']}").json()["password"] == "correct horse"
    assert "password" not in accounts.get(item).json()
    assert all("password" not in a for a in accounts.get("/accounts", limit=50).json())
    r = accounts.put(item, {"username": "ada_l", "email": "ada.l@example.com", "password": "battery staple"})
    assert r.status_code == 200 and "password" not in r.json()
    assert accounts.admin("GET", f"/store/accounts/{created['id']}").json()["password"] == "battery staple"
    r = accounts.patch(item, {"displayName": "Ada"}, ctype=MERGE)
    assert r.status_code == 200 and r.json()["displayName"] == "Ada"


def test_merge_patch_of_a_seeded_record_with_a_required_write_only_field(accounts: Api) -> None:
    """Seeded accounts never had a password sent; a valid merge patch of another field must still apply."""
    seeded = accounts.get("/accounts", limit=1).json()[0]
    r = accounts.patch(f"/accounts/{seeded['id']}", {"displayName": "Renamed"}, ctype=MERGE)
    assert r.status_code == 200, r.text
    assert r.json() == seeded | {"displayName": "Renamed"}
    r = accounts.patch(f"/accounts/{seeded['id']}", [{"op": "replace", "path": "/tags", "value": []}], JSON_PATCH)
    assert r.status_code == 200, r.text
