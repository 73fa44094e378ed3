"""Stateful lists over HTTP: pagination envelopes and headers, filters, sorting, search."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .support import (
    BASE,
    SHOP,
    SHOP_SEEDS,
    USERS,
    Api,
    Mocks,
    all_orders,
    all_products,
    all_users,
    is_problem,
    order_record,
    parse_links,
)


def test_list_bare_array_with_total_and_link_headers(shop: Api) -> None:
    r = shop.get("/users", per_page=100)
    users = r.json()
    assert isinstance(users, list) and len(users) == SHOP_SEEDS["users"] == 12
    assert r.headers["x-total-count"] == "12"

    r = shop.get("/users", page=2, per_page=5)
    assert r.json() == users[5:10]
    assert r.headers["x-total-count"] == "12"
    links = parse_links(r.headers["link"])
    assert {rel: int(q["page"]) for rel, (_, q) in links.items()} == {"first": 1, "prev": 1, "next": 3, "last": 3}
    assert all(path == f"{BASE}/users" and q["per_page"] == "5" for path, q in links.values())

    first = parse_links(shop.get("/users", page=1, per_page=5).headers["link"])
    assert "prev" not in first and int(first["next"][1]["page"]) == 2
    r = shop.get("/users", page=3, per_page=5)
    assert r.json() == users[10:] and "next" not in parse_links(r.headers["link"])

    r = shop.get("/users", page=9, per_page=5)  # past the end: an empty page, not an error
    assert r.status_code == 200 and r.json() == [] and r.headers["x-total-count"] == "12"

    r = shop.get("/users")  # the declared default page size is 20
    assert r.json() == users


def test_list_page_envelope(shop: Api) -> None:
    full = shop.get("/products", per_page=100).json()
    products = full["items"]
    assert len(products) == 6
    assert {k: v for k, v in full.items() if k != "items"} == {"page": 1, "per_page": 100, "total": 6, "total_pages": 1}

    page = shop.get("/products", page=2, per_page=4).json()
    assert page == {"items": products[4:], "page": 2, "per_page": 4, "total": 6, "total_pages": 2}
    page = shop.get("/products", page=1, per_page=4).json()
    assert page == {"items": products[:4], "page": 1, "per_page": 4, "total": 6, "total_pages": 2}
    r = shop.get("/products", page=5, per_page=4)
    assert r.status_code == 200 and r.json() == {"items": [], "page": 5, "per_page": 4, "total": 6, "total_pages": 2}
    default = shop.get("/products").json()
    assert default["page"] == 1 and default["per_page"] == 20 and default["items"] == products


def test_list_offset_limit_envelope(shop: Api) -> None:
    first = shop.get("/orders").json()
    assert first["offset"] == 0 and first["limit"] == 20 and first["total"] == 25 and len(first["items"]) == 20
    orders = all_orders(shop)
    assert len(orders) == 25 and orders[:20] == first["items"]
    assert shop.get("/orders", offset=5, limit=3).json() == {"items": orders[5:8], "offset": 5, "limit": 3, "total": 25}
    assert shop.get("/orders", offset=22, limit=10).json()["items"] == orders[22:]
    for offset in (25, 1000):
        r = shop.get("/orders", offset=offset, limit=10)
        assert r.status_code == 200 and r.json() == {"items": [], "offset": offset, "limit": 10, "total": 25}


def test_list_envelope_with_a_pagination_object(kind: str, mocks: Mocks) -> None:
    api = mocks(USERS, kind, seed=7)
    r = api.get("/users", limit=100)
    full = r.json()
    assert set(full) == {"data", "pagination"} and len(full["data"]) == 7
    assert full["pagination"] == {"page": 1, "limit": 100, "total": 7}
    assert "x-total-count" not in r.headers and "link" not in r.headers  # the spec declares neither
    assert api.get("/users", page=2, limit=3).json() == {
        "data": full["data"][3:6],
        "pagination": {"page": 2, "limit": 3, "total": 7},
    }
    r = api.get("/users", page=4, limit=3)
    assert r.status_code == 200 and r.json() == {"data": [], "pagination": {"page": 4, "limit": 3, "total": 7}}


@pytest.fixture
def shop_in_memory(mocks: Mocks) -> Api:
    return mocks(SHOP, "memory", seed=3, prefix=BASE)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/users", {"page": 0}),
        ("/users", {"page": -1}),
        ("/users", {"per_page": 0}),
        ("/users", {"per_page": -5}),
        ("/users", {"per_page": 101}),
        ("/users", {"page": "two"}),
        ("/products", {"per_page": 0}),
        ("/products", {"page": -3}),
        ("/orders", {"limit": 0}),
        ("/orders", {"limit": -1}),
        ("/orders", {"offset": -1}),
        ("/orders", {"limit": 101}),
        ("/users/1/orders", {"limit": 0}),
        ("/users/1/orders", {"offset": -10}),
    ],
)
def test_list_paging_values_the_spec_refuses_are_4xx(path: str, params: dict[str, Any], shop_in_memory: Api) -> None:
    r = shop_in_memory.get(path, **params)  # a declared status and body: never a 500
    assert 400 <= r.status_code < 500 and is_problem(r, r.status_code)
    assert next(iter(params)) in r.json()["detail"]


def test_filter_by_a_number_is_exact(shop: Api) -> None:
    products = all_products(shop)
    for order_id, user_id in ((901, 1), (902, 11), (903, 10)):  # 1 is a prefix of 10 and 11
        record = order_record(order_id, user_id, products[0]["id"])
        assert shop.admin("PUT", f"/store/orders/{order_id}", record).status_code == 200
    orders = all_orders(shop)
    for user_id in (1, 10, 11):
        r = shop.get("/orders", userId=user_id, limit=100).json()
        expected = [o for o in orders if o["userId"] == user_id]
        assert expected and r["items"] == expected and r["total"] == len(expected)
    assert shop.get("/orders", userId=999, limit=100).json() == {"items": [], "offset": 0, "limit": 100, "total": 0}


def test_filter_by_a_string_is_case_insensitive_and_partial(shop: Api, accounts: Api) -> None:
    users = all_users(shop)
    target = next(u for u in users if len(u["email"].split("@")[0]) >= 3)
    fragment = target["email"][1:].upper()  # still an address, as the parameter's format wants
    r = shop.get("/users", email=fragment, per_page=100)
    expected = [u for u in users if fragment.casefold() in u["email"].casefold()]
    assert target in expected and r.json() == expected and r.headers["x-total-count"] == str(len(expected))

    people = accounts.get("/accounts", limit=50).json()
    name = people[2]["username"]
    fragment = name[1:-1].upper()
    r = accounts.get("/accounts", username=fragment, limit=50)
    assert r.json() == [a for a in people if fragment.casefold() in a["username"].casefold()]
    assert people[2] in r.json()


def test_filter_by_a_comma_separated_array_parameter(shop: Api) -> None:
    """listOrders' `status` is an array (style form, explode false): "pending,paid" means either."""
    orders = all_orders(shop)
    for order, status in zip(orders[:3], ("pending", "paid", "shipped"), strict=True):
        assert shop.admin("PUT", f"/store/orders/{order['id']}", order | {"status": status}).status_code == 200
    orders = all_orders(shop)
    r = shop.get("/orders", status="shipped", limit=100).json()
    assert r["items"] == [o for o in orders if o["status"] == "shipped"]
    r = shop.get("/orders", status="pending,paid", limit=100).json()
    expected = [o for o in orders if o["status"] in ("pending", "paid")]
    assert len(expected) >= 2 and r["items"] == expected and r["total"] == len(expected)


def test_sort_ascending_and_descending(shop: Api) -> None:
    products = all_products(shop)
    ids = sorted(p["id"] for p in products)
    for key, field, reverse in (("price", "price", False), ("-price", "price", True), ("name", "name", False)):
        got = shop.get("/products", sort=key, per_page=100).json()["items"]
        assert sorted(p["id"] for p in got) == ids
        values = [p[field] for p in got]
        assert values == sorted(values, key=lambda v: v.casefold() if isinstance(v, str) else v, reverse=reverse)
    names = [p["name"].casefold() for p in shop.get("/products", sort="-name", per_page=100).json()["items"]]
    assert names == sorted(names, reverse=True)
    top = shop.get("/products", sort="-price", per_page=2, page=1).json()["items"]
    assert [p["price"] for p in top] == sorted((p["price"] for p in products), reverse=True)[:2]

    for key in ("total", "-total", "createdAt", "-createdAt"):
        got = shop.get("/orders", sort=key, limit=100).json()["items"]
        values = [o[key.lstrip("-")] for o in got]
        assert len(got) == 25 and values == sorted(values, reverse=key.startswith("-"))


def test_search_with_q(shop: Api, accounts: Api) -> None:
    products = all_products(shop)

    def others(p: dict[str, Any]) -> str:  # text fields the spec does not search
        return " ".join(str(v) for k, v in p.items() if k not in ("name", "description")).casefold()

    words = [w for p in products for w in re.findall(r"[A-Za-z]{4,}", p["name"])]
    word = next(w for w in words if not any(w.casefold() in others(p) for p in products))
    r = shop.get("/products", q=word.upper(), per_page=100).json()
    expected = [p for p in products if word.casefold() in f"{p['name']} {p.get('description') or ''}".casefold()]
    assert expected and r["items"] == expected and r["total"] == len(expected)
    assert shop.get("/products", q="zzqqxxj", per_page=100).json()["items"] == []

    people = accounts.get("/accounts", limit=50).json()
    needle = people[1]["email"].split("@")[0][1:].upper()
    r = accounts.get("/accounts", q=needle, limit=50)
    assert people[1] in r.json()
    assert r.json() == [a for a in people if any(needle.casefold() in str(v).casefold() for v in a.values())]
