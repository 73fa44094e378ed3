"""Scenario rules: every matcher, and n-th call state."""

from __future__ import annotations

from pathlib import Path

import pytest

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.runner import ScenarioFiles, Scenarios

from .support import DATA, body_of, decide, rules

# -- matchers ------------------------------------------------------------------------------


def test_method_and_path_glob_with_and_without_the_base_path(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - when: {method: [GET, DELETE], path: /products/*}
          then: {status: 418}
        """,
    )
    assert decide(s, "GET", "/api/v1/products/7").status == 418  # type: ignore[union-attr]
    assert decide(s, "DELETE", "/products/7").status == 418  # type: ignore[union-attr]
    assert decide(s, "PUT", "/api/v1/products/7") is None
    assert decide(s, "GET", "/api/v1/products") is None  # the glob needs the slash
    assert decide(s, "GET", "/api/v1/users/1") is None


def test_path_globs_match_paths_the_spec_does_not_declare(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - when: {path: "/legacy/{version}/ping?"}
          then: {status: 200, body: {version: "{{ path.version }}"}}
        """,
    )
    decision = decide(s, "GET", "/legacy/v2/pings")
    assert decision is not None and body_of(decision) == {"version": "v2"}
    assert decide(s, "GET", "/legacy/v2/deeper/pings") is None


def test_operation_id(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - when: {operation: [getUser, getOrder]}
          then: {status: 404}
        """,
    )
    assert decide(s, "GET", "/api/v1/users/1").status == 404  # type: ignore[union-attr]
    assert decide(s, "GET", "/api/v1/orders/1").status == 404  # type: ignore[union-attr]
    assert decide(s, "GET", "/api/v1/products/1") is None
    assert decide(s, "GET", "/nowhere") is None


@pytest.mark.parametrize(
    ("condition", "matching", "failing"),
    [
        ("status: pending", ["status=pending"], ["status=paid", ""]),
        ("status: [pending, paid]", ["status=paid"], ["status=shipped"]),
        ("status: {regex: '^p'}", ["status=pending", "status=paid"], ["status=shipped", ""]),
        ("limit: {gt: 3}", ["limit=4"], ["limit=3", "limit=abc", ""]),
        ("limit: {gte: 3, lt: 10}", ["limit=3", "limit=9"], ["limit=10", "limit=2"]),
        ("limit: {lte: 5}", ["limit=5.0"], ["limit=5.5"]),
        ("status: {in: [pending, paid]}", ["status=pending"], ["status=x"]),
        ("status: {not_in: [pending]}", ["status=paid", ""], ["status=pending"]),
        ("status: {exists: true}", ["status=", "status=x"], [""]),
        ("status: {exists: false}", ["", "other=1"], ["status=x"]),
        ("status: {ne: pending}", ["status=paid", ""], ["status=pending"]),
        ("status: {eq: pending}", ["status=pending"], ["status=paid"]),
        ("status: {contains: end}", ["status=pending"], ["status=paid"]),
        ("limit: 20", ["limit=20", "limit=1&limit=20"], ["limit=21"]),
    ],
)
def test_query_conditions(
    tmp_path: Path, shop: MockEngine, condition: str, matching: list[str], failing: list[str]
) -> None:
    s = rules(tmp_path, shop, f"- when: {{operation: listOrders, query: {{{condition}}}}}\n  then: {{status: 400}}\n")
    for query in matching:
        assert decide(s, "GET", "/api/v1/orders", query=query) is not None, query
    for query in failing:
        assert decide(s, "GET", "/api/v1/orders", query=query) is None, query


def test_headers_are_case_insensitive_and_cookies_are_read(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - when: {headers: {X-Env: staging}, cookies: {session: abc}}
          then: {status: 503}
        """,
    )
    assert decide(s, "GET", "/api/v1/products", headers={"x-env": "staging", "cookie": "a=1; session=abc"})
    assert not decide(s, "GET", "/api/v1/products", headers={"X-ENV": "staging", "cookie": "session=abd"})
    assert not decide(s, "GET", "/api/v1/products", headers={"cookie": "session=abc"})


def test_body_by_json_pointer_jsonpath_and_dotted_names(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - name: pointer
          when: {body: {/items/0/quantity: {gt: 10}}}
          then: {status: 409}
        - name: jsonpath
          when: {body: {"$.shippingAddress.city": London, "$['items'][1].productId": 12}}
          then: {status: 422}
        - name: dotted
          when: {body: {userId: "99"}}
          then: {status: 403}
        """,
    )
    base = {"userId": 1, "items": [{"productId": 7, "quantity": 1}], "shippingAddress": {"city": "Paris"}}
    big = {**base, "items": [{"productId": 7, "quantity": 11}]}
    london = {**base, "items": [{"productId": 7, "quantity": 1}, {"productId": 12, "quantity": 1}]}
    london["shippingAddress"] = {"city": "London"}
    assert decide(s, "POST", "/api/v1/orders", json=base) is None
    assert decide(s, "POST", "/api/v1/orders", json=big).rule == "pointer"  # type: ignore[union-attr]
    assert decide(s, "POST", "/api/v1/orders", json=london).rule == "jsonpath"  # type: ignore[union-attr]
    assert decide(s, "POST", "/api/v1/orders", json={**base, "userId": 99}).rule == "dotted"  # type: ignore[union-attr]
    # A body that is not JSON meets no body condition.
    assert decide(s, "POST", "/api/v1/orders", body=b"{oops", headers={"content-type": "application/json"}) is None


def test_body_conditions_read_form_bodies(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(tmp_path, shop, "- when: {body: {/name: Ada}}\n  then: {status: 409}\n")
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert decide(s, "POST", "/api/v1/users", body=b"name=Ada&x=1", headers=form) is not None
    assert decide(s, "POST", "/api/v1/users", body=b"name=Bob", headers=form) is None


def test_first_matching_rule_wins_and_disabled_rules_are_skipped(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - name: off
          enabled: false
          when: {operation: listProducts}
          then: {status: 500}
        - name: first
          when: {operation: listProducts}
          then: {status: 502}
        - name: second
          then: {status: 503}
        """,
    )
    assert decide(s, "GET", "/api/v1/products").rule == "first"  # type: ignore[union-attr]
    assert [r["name"] for r in s.describe()[:3]] == ["off", "first", "second"]
    assert s.set_enabled("off", True) and s.set_enabled(2, False) and not s.set_enabled("nope", True)
    assert decide(s, "GET", "/api/v1/products").rule == "off"  # type: ignore[union-attr]
    assert [r["enabled"] for r in s.describe()[:3]] == [True, False, True]
    assert decide(s, "GET", "/api/v1/users").rule == "second"  # type: ignore[union-attr]


# -- n-th call state -----------------------------------------------------------------------


def test_first_order_fails_then_works(shop: MockEngine) -> None:
    s = Scenarios.load(shop.contract, shop.state, ScenarioFiles(str(DATA / "scenarios-shop.yaml")))
    order = {"userId": 1, "items": [{"productId": 7, "quantity": 1}]}
    first = decide(s, "POST", "/api/v1/orders", json=order)
    assert first is not None and first.rule == "first order fails, then works"
    assert (first.status, first.headers, body_of(first)) == (503, [("Retry-After", "2")], {"error": "try again"})
    assert decide(s, "POST", "/api/v1/orders", json=order) is None
    assert decide(s, "POST", "/api/v1/orders", json=order) is None
    s.reset()
    assert decide(s, "POST", "/api/v1/orders", json=order) is not None


def test_call_numbers_count_per_rule_even_when_an_earlier_rule_answered(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - {name: one, when: {operation: getUser, call: 1}, then: {status: 500}}
        - {name: two, when: {operation: getUser, call: [2, 4]}, then: {status: 502}}
        - {name: after, when: {operation: getUser, calls: {after: 4}}, then: {status: 503}}
        """,
    )
    seen = [getattr(decide(s, "GET", "/api/v1/users/1"), "rule", None) for _ in range(6)]
    assert seen == ["one", "two", None, "two", "after", "after"]
    assert [d["calls"] for d in s.describe() if d["kind"] == "rule"] == [6, 6, 6]


def test_calls_every_and_first(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - {name: warm-up, when: {operation: listUsers, calls: {first: 2}}, then: {delay: 10}}
        - {name: third, when: {operation: listUsers, calls: {every: 3}}, then: {status: 500}}
        """,
    )
    seen = [getattr(decide(s, "GET", "/api/v1/users"), "rule", None) for _ in range(7)]
    assert seen == ["warm-up", "warm-up", "third", None, None, "third", None]


def test_shop_rules_file_every_third_product_list(shop: MockEngine) -> None:
    s = Scenarios.load(shop.contract, shop.state, ScenarioFiles(str(DATA / "scenarios-shop.yaml")))
    decisions = [decide(s, "GET", "/api/v1/products") for _ in range(6)]
    assert [d is not None for d in decisions] == [False, False, True, False, False, True]
    third = decisions[2]
    assert third is not None and (third.status, third.fault, third.body) == (500, "truncate", None)
