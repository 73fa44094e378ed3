"""Scenario rules: every responder, templates, and from a decision to a response."""

from __future__ import annotations

import time
from pathlib import Path

import orjson

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.runner import ScenarioFiles, Scenarios

from .support import DATA, answer, body_of, decide, rules

# -- responders ----------------------------------------------------------------------------


def test_status_headers_and_literal_body(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - when: {operation: listProducts}
          then:
            status: "429"
            headers: {Retry-After: 2, X-Flag: true}
            body: {error: slow down, retry: [1, 2.5, null]}
        """,
    )
    decision = decide(s, "GET", "/api/v1/products")
    assert decision is not None
    assert (decision.status, decision.content_type) == (429, "application/json")
    assert decision.headers == [("Retry-After", "2"), ("X-Flag", "true")]
    assert body_of(decision) == {"error": "slow down", "retry": [1, 2.5, None]}


def test_text_body_and_content_type(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - when: {operation: listProducts}
          then: {status: 503, body: "down for maintenance"}
        - when: {operation: listUsers}
          then: {body: {user: {id: 1}}, content_type: application/xml}
        """,
    )
    text = decide(s, "GET", "/api/v1/products")
    assert text is not None and (text.body, text.content_type) == (b"down for maintenance", "text/plain; charset=utf-8")
    xml = decide(s, "GET", "/api/v1/users")
    assert xml is not None and xml.status is None and xml.content_type == "application/xml"
    assert xml.body == b"<root><user><id>1</id></user></root>"


def test_example_delay_and_fault(shop: MockEngine) -> None:
    s = Scenarios.load(shop.contract, shop.state, ScenarioFiles(str(DATA / "scenarios-shop.yaml")))
    sold_out = decide(s, "GET", "/api/v1/products/12", headers={"X-Stock": "none"})
    assert sold_out is not None and (sold_out.example, sold_out.status, sold_out.body) == ("soldOut", 200, None)
    response = answer(s, "GET", "/api/v1/products/12", headers={"X-Stock": "none"})
    assert response is not None and orjson.loads(response.body)["name"] == "Organic Cotton T-Shirt"
    big = {"userId": 5, "items": [{"productId": 7, "quantity": 150}]}
    decide(s, "POST", "/api/v1/orders", json=big)  # the first order is taken by rule 1
    delays = set()
    for _ in range(20):
        review = decide(s, "POST", "/api/v1/orders", json=big)
        assert review is not None and review.rule == "big orders need review" and review.status == 202
        assert 100 <= review.delay_ms <= 300
        delays.add(review.delay_ms)
        value = body_of(review)
        assert value["userId"] == 5 and value["status"] == "review" and len(value["id"]) == 36
    assert len(delays) > 1
    slow = decide(s, "GET", "/api/v1/users/3", headers={"cookie": "env=staging"})
    assert slow is not None and (slow.delay_ms, slow.headers, slow.status) == (250.0, [("X-User", "3")], None)
    assert decide(s, "DELETE", "/api/v1/users/3", headers={"cookie": "env=staging"}) is None


def test_templates_read_the_request(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - when: {operation: updateUser}
          then:
            status: 200
            template: |
              {"id": {{ path.userId }}, "q": "{{ query.q | upper }}", "trace": "{{ headers.x-trace-id }}",
               "city": "{{ body.address.city | default("nowhere") }}", "first": {{ body.tags.0 | json }},
               "tags": {{ body.tags | length }}, "email": "{{ faker.email }}", "at": "{{ now }}",
               "id2": "{{ uuid }}", "method": "{{ method | lower }}", "quote": "{{ body.name }}",
               "missing": {{ body.nothing | json }}, "ts": {{ timestamp }}}
        """,
    )
    body = {"name": 'Ada "the first"', "tags": ["x", "y"], "address": {}}
    decision = decide(s, "PATCH", "/api/v1/users/5", query="q=abc", headers={"X-Trace-Id": "t-1"}, json=body)
    value = body_of(decision)
    assert decision is not None and decision.content_type == "application/json"
    assert value["id"] == 5 and value["q"] == "ABC" and value["trace"] == "t-1"
    assert value["city"] == "nowhere" and value["first"] == "x" and value["tags"] == 2
    assert "@" in value["email"] and value["at"].endswith("Z") and len(value["id2"]) == 36
    assert value["method"] == "patch" and value["quote"] == 'Ada "the first"' and value["missing"] is None
    assert abs(value["ts"] - time.time()) < 60


def test_templated_strings_in_a_literal_body_keep_their_types(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - when: {operation: createProduct}
          then:
            status: 201
            body: {id: 1, price: "{{ body.price }}", label: "{{ body.name | upper }}!", all: "{{ body }}"}
        """,
    )
    value = body_of(decide(s, "POST", "/api/v1/products", json={"name": "mouse", "price": 9.5}))
    assert value == {"id": 1, "price": 9.5, "label": "MOUSE!", "all": {"name": "mouse", "price": 9.5}}


def test_a_template_that_is_not_json_is_sent_as_text(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(tmp_path, shop, "- then: {template: 'Hello {{ query.name | default(\"you\") }}'}\n")
    decision = decide(s, "GET", "/api/v1/users", query="name=Ada")
    assert decision is not None and decision.body == b"Hello Ada"
    assert decision.content_type == "text/plain; charset=utf-8"


def test_templates_read_store_records(tmp_path: Path, stateful_shop: MockEngine) -> None:
    assert stateful_shop.state is not None
    stored = stateful_shop.state.record("users", "2")
    assert stored is not None
    s = rules(
        tmp_path,
        stateful_shop,
        """
        - when: {operation: getUser}
          then:
            template: '{"user": {{ store.users[path.userId] | json }}, "email": "{{ store.users[path.userId].email }}",
              "count": {{ store.users | length }}, "nobody": {{ store.users["999"] | json }}}'
        - when: {operation: getOrder}
          then:
            body: {owner: "{{ store.users[query.user].firstName }}", first: "{{ store.users[1] }}"}
        """,
    )
    value = body_of(decide(s, "GET", "/api/v1/users/2"))
    assert value == {"user": stored, "email": stored["email"], "count": 3, "nobody": None}
    owner = body_of(decide(s, "GET", "/api/v1/orders/1", query="user=2"))
    assert owner["owner"] == stored["firstName"] and owner["first"]["id"] == 1


def test_store_templates_without_a_store_render_nothing(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(tmp_path, shop, "- then: {body: {user: '{{ store.users[path.userId] }}'}}\n")
    assert body_of(decide(s, "GET", "/api/v1/users/2")) == {"user": None}


# -- from a decision to a response ---------------------------------------------------------


def test_respond_builds_the_response(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - name: declared
          when: {operation: getProduct, query: {case: declared}}
          then: {status: 404, headers: {X-Why: gone}}
        - name: undeclared
          when: {operation: getProduct, query: {case: undeclared}}
          then: {status: 503}
        - name: slow
          when: {operation: getProduct, query: {case: slow}}
          then: {delay: 5}
        - name: body
          when: {operation: getProduct, query: {case: body}}
          then: {status: 200, body: {id: 1}}
        """,
    )
    declared = answer(s, "GET", "/api/v1/products/7", query="case=declared")
    assert declared is not None and declared.status == 404 and ("X-Why", "gone") in declared.headers
    assert "scenario" in declared.tags and orjson.loads(declared.body)["status"] == 404
    undeclared = answer(s, "GET", "/api/v1/products/7", query="case=undeclared")
    assert undeclared is not None and undeclared.status == 503 and undeclared.operation == "getProduct"
    assert "undeclared" in orjson.loads(undeclared.body)["detail"]
    slow = answer(s, "GET", "/api/v1/products/7", query="case=slow")
    assert slow is not None and slow.status == 200 and orjson.loads(slow.body)["id"] == 7
    literal = answer(s, "GET", "/api/v1/products/7", query="case=body")
    assert literal is not None and (literal.status, literal.body) == (200, b'{"id":1}')
    assert ("content-type", "application/json") in literal.headers
