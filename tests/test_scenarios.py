"""Scenario engine: rules (every matcher and responder), n-th call state, templates, rule file
errors with their lines, hooks, and every case of the built-in packs against specs/payments.yaml.

Unit level: a `MockEngine` built from a spec, `Scenarios.decide` called with `MockRequest`s.
"""

from __future__ import annotations

import base64
import textwrap
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from mocktui.engine.data.templates import TemplateError, compile_template
from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.answer import respond
from mocktui.engine.scenarios.decision import Decision, ScenarioError
from mocktui.engine.scenarios.packs.auth import make_token, user_id
from mocktui.engine.scenarios.runner import HOOK_ERROR_HEADER, ScenarioFiles, Scenarios
from mocktui.engine.spec.model import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.memory import MemoryStore

from .helpers import SPECS, validation_errors

DATA = Path(__file__).parent / "data"
CARD_OK = "4242424242424242"


@pytest.fixture(scope="module")
def shop() -> MockEngine:
    return MockEngine.build(load_spec(str(SPECS / "shop.yaml")), faker_seed=7)


@pytest.fixture(scope="module")
def payments() -> MockEngine:
    return MockEngine.build(load_spec(str(SPECS / "payments.yaml")), faker_seed=7)


@pytest.fixture(scope="module")
def stateful_shop() -> MockEngine:
    engine = MockEngine.build(
        load_spec(str(SPECS / "shop.yaml")),
        controls=Controls(stateful=True),
        faker_seed=7,
        store=MemoryStore(),
        seed_count=3,
    )
    assert engine.state is not None
    engine.state.seed()
    return engine


def request(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    json: Any = None,
    body: bytes = b"",
) -> MockRequest:
    sent = {k.lower(): v for k, v in (headers or {}).items()}
    if json is not None:
        body = orjson.dumps(json)
        sent.setdefault("content-type", "application/json")
    return MockRequest(method, path, query, sent, body)


def decide(scenarios: Scenarios, method: str, path: str, **options: Any) -> Decision | None:
    req = request(method, path, **options)
    compiled, params, _ = scenarios.contract.match(method, path)
    return scenarios.decide(compiled.op if compiled else None, req, params)


def answer(scenarios: Scenarios, method: str, path: str, **options: Any) -> MockResponse | None:
    """The response a caller builds from the decision (`respond` over the engine's normal answer)."""
    contract = scenarios.contract
    req = request(method, path, **options)
    compiled, params, _ = contract.match(method, path)
    decision = scenarios.decide(compiled.op if compiled else None, req, params)
    if decision is None:
        return None
    assert compiled is not None
    return respond(decision, compiled.op, lambda prefer: contract.respond(compiled, req, prefer))


def rules(tmp_path: Path, engine: MockEngine, text: str, packs: list[str] | None = None) -> Scenarios:
    file = tmp_path / "rules.yaml"
    file.write_text(textwrap.dedent(text))
    return Scenarios.load(
        engine.contract, engine.state, ScenarioFiles(str(file), None, tuple(packs) if packs is not None else ())
    )


def body_of(decision: Decision | None) -> Any:
    assert decision is not None and decision.body is not None
    return orjson.loads(decision.body)


def problems_of(engine: MockEngine, rules_file: str | None = None, hooks_file: str | None = None) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        Scenarios.load(engine.contract, engine.state, ScenarioFiles(rules_file, hooks_file, ()))
    return caught.value.problems


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


# -- rule file errors ----------------------------------------------------------------------


def test_every_rule_error_is_named_with_its_line(shop: MockEngine) -> None:
    f = "tests/data/scenarios-errors.yaml"
    problems = problems_of(shop, str(DATA / "scenarios-errors.yaml"))
    problems = [p.replace(str(DATA / "scenarios-errors.yaml"), f) for p in problems]
    assert problems == [
        f"{f}:6: rule 1 (bad regex): when.query.email.regex: bad regex '(unclosed': "
        "missing ), unterminated subpattern at position 0",
        f"{f}:11: rule 2 (bad status): then.status: bad status 700: expected an HTTP status 100-599",
        f"{f}:13: rule 3: when.operation: unknown operationId 'getProdcut' (did you mean 'getProduct'?): "
        f"not in {shop.spec.file}",
        f"{f}:17: rule 4 (unknown keys): when.methdo: unknown key (did you mean 'method'?); "
        "known: method, path, operation, query, headers, cookies, body, call, calls",
        f"{f}:18: rule 4 (unknown keys): then.colour: unknown key; "
        "known: status, headers, body, template, example, content_type, delay, fault",
        f"{f}:21: rule 5 (missing example): then.example: example 'outOfStock' is not in the spec for getProduct; "
        "known: mouse, soldOut",
        f"{f}:27: rule 6 (broken template): then.template: template: unknown filter 'shout'; "
        "known: json, upper, lower, trim, length, first, last, default, at 'shout }}\"}'",
        f"{f}:31: rule 7 (bad operator): when.body./total.greater: unknown operator (did you mean 'gte'?); "
        "known: eq, ne, regex, gt, gte, lt, lte, in, not_in, exists, contains",
        f"{f}:35: rule 8 (odd values): when.method: unknown method 'FETCH'; "
        "known: GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE",
        f"{f}:36: rule 8 (odd values): when.call: expected a call number from 1 (or a list of them), got 0",
        f"{f}:38: rule 8 (odd values): then.delay: expected milliseconds (250) or a range (\"100-300\"), got 'soon'",
        f"{f}:39: rule 8 (odd values): then.fault: unknown fault 'explode'; known: reset, hang, truncate, drip",
        f"{f}:40: rule 9 (no answer): missing 'then': what to answer",
        f"{f}:44: rule 10 (unknown provider): then.body.email: template: unknown Faker provider 'emale'",
        f"{f}:48: rule 11 (unreadable location): when.body.$..total: cannot read '$..total': "
        "use a JSON pointer (/a/b/0) or a simple JSONPath ($.a.b[0])",
        f"{f}:52: rule 12 (twice): when: duplicate key",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "- when: {method: GET}\n  then: {status: 200\n",
            ":3: invalid YAML: expected ',' or '}', but got '<stream end>'",
        ),
        ("rules: [1]\nextra: 2\n", ":2: rules: expected a list of rules, or a mapping with only 'rules'"),
        ("just text\n", ":1: rules: expected a list of rules"),
        ("- 42\n", ":1: rule 1: a rule must be a mapping with 'when' and 'then'"),
        ("- then: {}\n", ":1: rule 1: then: expected a mapping with any of status, headers"),
        ("- then: {body: 1, example: x}\n", ":1: rule 1: then.example: body and example exclude each other; give one"),
        (
            "- when: {method: POST}\n  then: {example: mouse}\n",
            ":2: rule 1: then.example: example 'mouse' is not in the spec for 3 matching operations; known: none",
        ),
        ("- when: {path: orders}\n  then: {status: 1}\n", ":1: rule 1: when.path: expected a path glob starting"),
        ("- then: {delay: 300-100}\n", ":1: rule 1: then.delay: the range '300-100' ends below its start"),
        ("- then: {headers: {'bad name': x}}\n", ":1: rule 1: then.headers.bad name: bad header name 'bad name'"),
        ("- then: {template: '{{ body.x '}\n", ":1: rule 1: then.template: template: '{{' is never closed with '}}'"),
        ("- then: {template: '{{ secret }}'}\n", ":1: rule 1: then.template: template: unknown name 'secret'"),
        ("- when: {query: {a: {gt: x}}}\n  then: {status: 400}\n", ":1: rule 1: when.query.a.gt: expected a number"),
        ("- when: {calls: {every: 0}}\n  then: {status: 400}\n", ":1: rule 1: when.calls.every: expected a whole"),
        ("- name: [a]\n  then: {status: 400}\n", ":1: rule 1: name: expected text, got ['a']"),
        (
            "- when: {operation: getProduct}\n  then:\n    status: 404\n    example: mouse\n",
            ":4: rule 1: then.example: example 'mouse' is not in the spec for getProduct for status 404; known: none",
        ),
    ],
)
def test_rule_file_problems(tmp_path: Path, shop: MockEngine, text: str, expected: str) -> None:
    file = tmp_path / "rules.yaml"
    file.write_text(text)
    problems = problems_of(shop, str(file))
    assert problems[0].startswith(f"{file}{expected}"), problems


def test_rules_under_a_rules_key_and_empty_files(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(tmp_path, shop, "rules:\n  - then: {status: 418}\n")
    assert decide(s, "GET", "/api/v1/users").status == 418  # type: ignore[union-attr]
    assert rules(tmp_path, shop, "").rules == []
    assert rules(tmp_path, shop, "rules:\n").rules == []
    assert problems_of(shop, str(tmp_path / "absent.yaml")) == [
        f"{tmp_path / 'absent.yaml'}: cannot read the rules file: No such file or directory"
    ]


def test_template_syntax() -> None:
    template = compile_template("a {{ \"}}\" }} b {{ body.x | default('y') }}")
    assert template.render({"body": {}}) == "a }} b y"
    assert compile_template("no braces }} here").render({}) == "no braces }} here"
    for text, message, offset in [
        ("{{ }}", "empty expression '{{ }}'", 0),
        ("{{ body.x | default }}", "filter 'default' takes 1 argument(s), got 0", 12),
        ("{{ body.x y }}", "unexpected 'y' after the expression", 10),
        ("{{ body. }}", "expected a field name after '.', found the end of the expression", 9),
        ("{{ body[0 }}", "expected ']', found the end of the expression", 10),
        ("{{ body + 1 }}", "unexpected character '+'", 8),
    ]:
        with pytest.raises(TemplateError) as caught:
            compile_template(text)
        assert (caught.value.message, caught.value.offset) == (message, offset), text


# -- hooks ---------------------------------------------------------------------------------


@pytest.fixture()
def hooked(shop: MockEngine) -> Scenarios:
    return Scenarios.load(shop.contract, shop.state, ScenarioFiles(None, str(DATA / "hooks-shop.py")))


def test_hooks_answer_with_dicts_statuses_and_decisions(hooked: Scenarios) -> None:
    huge = {"userId": 1, "items": [{"productId": 7, "quantity": 5000}]}
    limit = decide(hooked, "POST", "/api/v1/orders", json=huge)
    assert limit is not None and limit.rule == "hook big_orders"
    assert (limit.status, limit.headers, body_of(limit)) == (402, [("X-Limit", "1000")], {"error": "limit"})
    assert decide(hooked, "POST", "/api/v1/orders", json={"userId": 1, "items": []}) is None
    echo = decide(hooked, "GET", "/api/v1/products/7", query="echo=hi")
    assert echo is not None and echo.status is None and body_of(echo) == {"id": 7, "echo": "HI"}
    teapot = decide(hooked, "GET", "/api/v1/users/42")
    assert teapot is not None and (teapot.rule, teapot.status) == ("hook broken", 418)
    locked = decide(hooked, "DELETE", "/api/v1/products/9")
    assert locked is not None and (locked.rule, locked.status, locked.headers) == (
        "hook locked",
        423,
        [("X-Locked", "9")],
    )
    assert decide(hooked, "GET", "/api/v1/users/1") is None


def test_a_failing_hook_answers_500_and_is_reported(hooked: Scenarios) -> None:
    decision = decide(hooked, "GET", "/api/v1/users/1", headers={"x-break": "1"})
    assert decision is not None and decision.status == 500 and decision.rule == "hook broken"
    assert decision.headers == [(HOOK_ERROR_HEADER, "ZeroDivisionError: division by zero")]
    assert decision.content_type == "application/problem+json"
    note = f"hook broken failed at {DATA / 'hooks-shop.py'}:28: ZeroDivisionError: division by zero"
    assert body_of(decision)["detail"] == note and decision.notes == [note]
    assert list(hooked.hook_errors)[-1]["error"] == "ZeroDivisionError: division by zero"
    response = respond(decision, None, lambda prefer: pytest.fail("not needed"))
    assert response.status == 500 and note in response.notes and "scenario" in response.tags
    assert next(d for d in hooked.describe() if d["name"] == "broken")["errors"] == 1


def test_a_hook_returning_something_unusable_answers_500(hooked: Scenarios) -> None:
    bad = decide(hooked, "GET", "/api/v1/users", query="bad=1")
    assert bad is not None and bad.status == 500
    assert bad.headers[0][1] == "ValueError: returned a bad answer: return.status: bad status 'soon': " + (
        "expected an HTTP status 100-599"
    )
    weird = decide(hooked, "GET", "/api/v1/users", query="weird=1")
    assert weird is not None and weird.headers[0][1] == "TypeError: returned list; expected None or a dict"


def test_hook_files_that_cannot_be_used(tmp_path: Path, shop: MockEngine) -> None:
    def rel(problems: list[str]) -> list[str]:
        return [p.replace(str(DATA) + "/", "") for p in problems]

    assert rel(problems_of(shop, hooks_file=str(DATA / "hooks-import-error.py"))) == [
        "hooks-import-error.py:4: hooks: KeyError: 'limt'"
    ]
    syntax = tmp_path / "hooks-syntax-error.py"
    syntax.write_text('from mocktui.hooks import on\n\n\n@on("GET", "/pets")\ndef pets(request)\n    pass\n')
    assert problems_of(shop, hooks_file=str(syntax)) == [f"{syntax}:5: hooks: SyntaxError: expected ':'"]
    assert rel(problems_of(shop, hooks_file=str(DATA / "hooks-unknown-operation.py"))) == [
        "hooks-unknown-operation.py:4: hook pets: operation: unknown operationId 'listPets' "
        f"(did you mean 'listProducts'?): not in {shop.spec.file}",
        "hooks-unknown-operation.py:9: hook orders: method: unknown method 'FETCH'; "
        "known: GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE",
    ]
    assert rel(problems_of(shop, hooks_file=str(DATA / "scenarios-shop.yaml"))) == [
        "scenarios-shop.yaml: hooks: cannot load a Python module from this file"
    ]


def test_rules_come_before_hooks_and_hooks_before_packs(tmp_path: Path, payments: MockEngine) -> None:
    hooks = tmp_path / "hooks.py"
    hooks.write_text(
        "from mocktui.hooks import on\n\n\n"
        "@on(operation='createPayment')\n"
        "def pay(request):\n"
        "    return {'status': 201} if request.headers.get('x-hook') else None\n"
    )
    file = tmp_path / "rules.yaml"
    file.write_text("- when: {headers: {x-rule: '1'}}\n  then: {status: 409}\n")
    s = Scenarios.load(payments.contract, payments.state, ScenarioFiles(str(file), str(hooks), None))
    payment = {"amount": 10, "currency": "EUR", "card": {"number": CARD_OK, "expMonth": 1, "expYear": 2030}}
    both = {"x-rule": "1", "x-hook": "1"}
    assert decide(s, "POST", "/v1/payments", json=payment, headers=both).status == 409  # type: ignore[union-attr]
    assert decide(s, "POST", "/v1/payments", json=payment, headers={"x-hook": "1"}).status == 201  # type: ignore[union-attr]
    assert decide(s, "POST", "/v1/payments", json=payment).rule == "payments: success"  # type: ignore[union-attr]


# -- switches, packs attached, describe -----------------------------------------------------


def test_controls_switch_scenarios_and_packs_for_the_next_request(payments: MockEngine) -> None:
    s = Scenarios.load(payments.contract, payments.state, ScenarioFiles(None, None, ("payments",)))
    payment = {"amount": 10, "currency": "EUR", "card": {"number": "4000000000000002"}}
    login = {"username": "user", "password": "user123"}
    assert decide(s, "POST", "/v1/payments", json=payment) is not None
    assert decide(s, "POST", "/v1/auth/login", json=login) is None  # auth is not enabled
    try:
        payments.controls.update({"packs": {"payments": False, "auth": True}})
        assert decide(s, "POST", "/v1/payments", json=payment) is None
        assert decide(s, "POST", "/v1/auth/login", json=login) is not None
        payments.controls.update({"scenarios": False})
        assert decide(s, "POST", "/v1/auth/login", json=login) is None
    finally:
        payments.controls.update({"scenarios": True})
        payments.controls.packs = {}


def test_pack_names_and_attachment(shop: MockEngine, payments: MockEngine) -> None:
    with pytest.raises(ScenarioError) as caught:
        Scenarios.load(payments.contract, payments.state, ScenarioFiles(None, None, ("payment",)))
    assert caught.value.problems == [
        "packs: unknown pack 'payment' (did you mean 'payments'?); known: payments, auth, variants"
    ]
    assert Scenarios.load(payments.contract, payments.state, ScenarioFiles(None, None, None)).packs == {
        "payments": True,
        "auth": True,
        "variants": True,
    }
    on_shop = Scenarios.load(shop.contract, shop.state, ScenarioFiles(None, None, ("all",)))
    assert on_shop.packs == {"payments": False, "auth": False, "variants": True}
    # Nothing of the shop is a payment or a login: the packs leave it alone.
    assert decide(on_shop, "POST", "/api/v1/orders", json={"card": {"number": "4000000000000002"}}) is None
    described = {
        d["name"]: d
        for d in Scenarios.load(payments.contract, payments.state, ScenarioFiles(None, None, ("auth",))).describe()
    }
    assert described["payments"] == {
        "kind": "pack",
        "name": "payments",
        "description": described["payments"]["description"],
        "attached": True,
        "enabled": False,
        "operations": ["createPayment"],
        "hits": 0,
    }
    assert described["auth"]["operations"] == ["login"] and described["auth"]["enabled"] is True


# -- the payments pack ---------------------------------------------------------------------


@pytest.fixture()
def packs(payments: MockEngine) -> Scenarios:
    return Scenarios.load(payments.contract, payments.state, ScenarioFiles(None, None, None))


def pay(scenarios: Scenarios, number: str, amount: float = 129.99, **extra: Any) -> Decision | None:
    card = {"number": number, "expMonth": 12, "expYear": 2030, "cvc": "123"}
    return decide(scenarios, "POST", "/v1/payments", json={"amount": amount, "currency": "EUR", "card": card, **extra})


def schema_errors(engine: MockEngine, op: str, status: int, value: Any) -> list[str]:
    media = next(iter(engine.operations[op].responses[str(status)].media.values()))
    return validation_errors(engine.spec.bundle(media.spec.schema), value)


def test_payments_success(packs: Scenarios, payments: MockEngine) -> None:
    decision = pay(packs, CARD_OK, description="Order 7")
    assert decision is not None and (decision.rule, decision.status) == ("payments: success", 200)
    value = body_of(decision)
    assert schema_errors(payments, "createPayment", 200, value) == []
    assert value["status"] == "succeeded" and value["amount"] == 129.99 and value["currency"] == "EUR"
    assert value["card"]["last4"] == "4242" and value["card"]["brand"] == "visa"
    assert value["description"] == "Order 7" and "failureCode" not in value
    assert value["id"] != body_of(pay(packs, CARD_OK))["id"]  # a fresh payment each time


@pytest.mark.parametrize(
    ("number", "rule", "code", "decline", "param"),
    [
        ("4000000000000002", "payments: declined card", "card_declined", "generic_decline", "card.number"),
        ("4000000000009995", "payments: insufficient funds", "card_declined", "insufficient_funds", "card.number"),
        ("4000000000000069", "payments: expired card", "expired_card", None, "card.expYear"),
        ("4000000000000127", "payments: incorrect cvc", "incorrect_cvc", None, "card.cvc"),
    ],
)
def test_payments_declines_fit_the_declared_402(
    packs: Scenarios, payments: MockEngine, number: str, rule: str, code: str, decline: str | None, param: str
) -> None:
    decision = pay(packs, number)
    assert decision is not None and (decision.rule, decision.status) == (rule, 402)
    value = body_of(decision)
    assert schema_errors(payments, "createPayment", 402, value) == []
    error = value["error"]
    assert (error["type"], error["code"], error["param"], error.get("declineCode")) == (
        "card_error",
        code,
        param,
        decline,
    )
    assert error["message"].startswith("Your card")


def test_payments_large_amounts_are_held_for_review(packs: Scenarios, payments: MockEngine) -> None:
    decision = pay(packs, CARD_OK, amount=10000.01)
    assert decision is not None and (decision.rule, decision.status) == ("payments: held for review", 202)
    value = body_of(decision)
    assert schema_errors(payments, "createPayment", 202, value) == []
    assert value["status"] == "pending" and value["reviewId"].startswith("rev_")
    assert pay(packs, CARD_OK, amount=10000).status == 200  # type: ignore[union-attr]
    assert pay(packs, "4000000000000002", amount=50000).status == 402  # type: ignore[union-attr]


def test_payments_other_cards_and_shapes(packs: Scenarios) -> None:
    assert pay(packs, "5555555555554444") is None
    assert decide(packs, "POST", "/v1/payments", json={"amount": 5, "currency": "EUR"}) is None
    assert decide(packs, "POST", "/v1/payments", body=b"not json", headers={"content-type": "text/plain"}) is None
    spaced = pay(packs, "4000 0000 0000 0002")
    assert spaced is not None and spaced.status == 402


def test_payments_without_declared_statuses(tmp_path: Path) -> None:
    """Card numbers anywhere in the body; statuses the spec does not declare are still answered."""
    spec = tmp_path / "charges.yaml"
    spec.write_text(
        textwrap.dedent(
            """
            openapi: 3.0.3
            info: {title: Charges, version: "1"}
            paths:
              /charges:
                post:
                  operationId: charge
                  requestBody:
                    content:
                      application/json:
                        schema:
                          type: object
                          properties:
                            source: {type: object, properties: {number: {type: string}, cvc: {type: string}}}
                            amount: {type: integer}
                  responses:
                    "201":
                      description: ok
                      content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}
            """
        )
    )
    engine = MockEngine.build(load_spec(str(spec)), faker_seed=1)
    s = Scenarios.load(engine.contract, engine.state, ScenarioFiles(None, None, ("payments",)))
    declined = decide(s, "POST", "/charges", json={"source": {"number": "4000000000000127", "cvc": "1"}})
    assert declined is not None and declined.status == 402
    assert body_of(declined) == {
        "error": {
            "type": "card_error",
            "code": "incorrect_cvc",
            "message": "Your card's security code is incorrect.",
            "param": "source.cvc",
        }
    }
    ok = decide(s, "POST", "/charges", json={"source": {"number": CARD_OK}, "amount": 20})
    assert ok is not None and ok.status == 201 and isinstance(body_of(ok)["id"], str)
    review = decide(s, "POST", "/charges", json={"source": {"number": CARD_OK}, "amount": 20000})
    assert review is not None and review.status == 202 and body_of(review)["status"] == "pending"
    assert body_of(review)["amount"] == 20000
    # Form bodies, Stripe style: card[number]=...
    form = {"content-type": "application/x-www-form-urlencoded"}
    declined = decide(s, "POST", "/charges", body=b"amount=20&card[number]=4000000000000002", headers=form)
    assert declined is not None and body_of(declined)["error"]["param"] == "card[number]"


# -- the auth pack -------------------------------------------------------------------------


def login(scenarios: Scenarios, username: str, password: str) -> Decision | None:
    return decide(scenarios, "POST", "/v1/auth/login", json={"username": username, "password": password})


def claims(token: str) -> dict[str, Any]:
    parts = token.split(".")
    assert len(parts) == 3 and all(parts)
    header = orjson.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    assert header == {"alg": "HS256", "typ": "JWT"}
    payload: dict[str, Any] = orjson.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    return payload


def test_auth_admin_needs_mfa(packs: Scenarios, payments: MockEngine) -> None:
    decision = login(packs, "admin", "admin123")
    assert decision is not None and (decision.rule, decision.status) == ("auth: admin MFA required", 200)
    value = body_of(decision)
    assert schema_errors(payments, "login", 200, value) == []
    assert value["mfaRequired"] is True and value["user"]["username"] == "admin" and value["user"]["roles"] == ["admin"]
    payload = claims(value["token"])
    assert payload["sub"] == user_id("admin") == value["user"]["id"] and payload["role"] == "admin"
    assert payload["mfa"] is True and payload["exp"] > time.time() + 3000


def test_auth_user_logs_in(packs: Scenarios, payments: MockEngine) -> None:
    decision = decide(packs, "POST", "/v1/auth/login", json={"username": "User", "password": "user123"})
    assert decision is not None and (decision.rule, decision.status) == ("auth: user logged in", 200)
    value = body_of(decision)
    assert schema_errors(payments, "login", 200, value) == []
    assert value["mfaRequired"] is False and value["tokenType"] == "Bearer" and value["expiresIn"] == 3600
    payload = claims(value["token"])
    assert payload["role"] == "user" and "mfa" not in payload and payload["exp"] - payload["iat"] == 3600
    assert value["user"]["email"] == "user@example.com"
    by_email = decide(packs, "POST", "/v1/auth/login", json={"username": "user@example.com", "password": "user123"})
    assert by_email is not None and by_email.status == 200


@pytest.mark.parametrize(("username", "error"), [("locked", "account_locked"), ("expired", "password_expired")])
def test_auth_blocked_accounts(packs: Scenarios, payments: MockEngine, username: str, error: str) -> None:
    decision = login(packs, username, "whatever1")
    assert decision is not None and decision.status == 403
    value = body_of(decision)
    assert schema_errors(payments, "login", 403, value) == []
    assert value["error"] == error
    if error == "account_locked":
        assert "lockedUntil" in value and "passwordResetUrl" not in value
    else:
        assert value["passwordResetUrl"].startswith("https://") and "lockedUntil" not in value


def test_auth_wrong_passwords_count_down_per_username(packs: Scenarios, payments: MockEngine) -> None:
    remaining = []
    for _ in range(5):
        decision = login(packs, "admin", "wrong-password")
        assert decision is not None and decision.status == 401
        value = body_of(decision)
        assert schema_errors(payments, "login", 401, value) == []
        assert value["error"] == "invalid_credentials"
        remaining.append(value["attemptsRemaining"])
    assert remaining == [4, 3, 2, 1, 0]
    assert body_of(login(packs, "user", "nope"))["attemptsRemaining"] == 4  # another username, its own count
    locked = login(packs, "admin", "admin123")
    assert locked is not None and locked.status == 403 and body_of(locked)["error"] == "account_locked"
    packs.reset()
    assert login(packs, "admin", "admin123").status == 200  # type: ignore[union-attr]


def test_auth_a_right_password_clears_failures(packs: Scenarios) -> None:
    login(packs, "user", "bad")
    login(packs, "user", "bad")
    assert login(packs, "user", "user123").status == 200  # type: ignore[union-attr]
    assert body_of(login(packs, "user", "bad"))["attemptsRemaining"] == 4
    assert decide(packs, "POST", "/v1/auth/login", json={"username": "user"}) is None  # no password: not a login


def test_tokens_fit_the_spec_pattern() -> None:
    token = make_token("a-rather-long-username", "accountant", mfa=True, now=2_000_000_000)
    assert claims(token) == {
        "sub": user_id("a-rather-long-username"),
        "role": "accountant",
        "iat": 2_000_000_000,
        "exp": 2_000_003_600,
        "mfa": True,
    }
    head, payload, signature = token.split(".")
    assert 16 <= len(head) <= 64 and 16 <= len(payload) <= 128 and 16 <= len(signature) <= 86


# -- the variants pack ---------------------------------------------------------------------


def test_variants_legacy_format(packs: Scenarios, payments: MockEngine) -> None:
    normal = payments.contract.respond(payments.operations["listPayments"], request("GET", "/v1/payments"), {})
    response = answer(packs, "GET", "/v1/payments", headers={"api-version": "1.0"})
    assert response is not None and response.status == 200
    assert orjson.loads(response.body) == {"data": orjson.loads(normal.body), "version": "1.0"}
    headers = dict(response.headers)
    assert headers["Deprecation"] == "true" and headers["Sunset"].endswith(" GMT")
    assert decide(packs, "GET", "/v1/payments", headers={"api-version": "2.0"}) is None


def test_variants_features_and_variant(packs: Scenarios, payments: MockEngine) -> None:
    normal = payments.contract.respond(payments.operations["listPayments"], request("GET", "/v1/payments"), {})
    headers = {"x-features": "dark-mode, beta,dark-mode", "x-variant": "B"}
    decision = decide(packs, "GET", "/v1/payments", headers=headers)
    assert decision is not None and decision.rule == "variants: x-features, x-variant B"
    assert decision.headers == [("X-Features-Enabled", "dark-mode,beta"), ("X-Variant", "B")]
    first = answer(packs, "GET", "/v1/payments", headers=headers)
    again = answer(packs, "GET", "/v1/payments", headers=headers)
    assert first is not None and again is not None
    assert first.body == again.body != normal.body  # its own body, the same every time
    assert schema_errors(payments, "listPayments", 200, orjson.loads(first.body)) == []
    control = answer(packs, "GET", "/v1/payments", headers={"x-variant": "A"})
    assert control is not None and control.body == normal.body and ("X-Variant", "A") in control.headers
    assert decide(packs, "GET", "/v1/payments") is None


def test_variants_leave_errors_alone(packs: Scenarios, payments: MockEngine) -> None:
    decision = decide(packs, "GET", "/v1/payments", headers={"api-version": "1"})
    assert decision is not None and decision.transform is not None
    error = MockResponse(401, [("content-type", "application/json")], b'{"title":"Unauthorized"}', "listPayments")
    assert decision.transform(error).body == b'{"title":"Unauthorized"}'


def test_reload_reads_the_files_again(tmp_path: Path) -> None:
    file = tmp_path / "rules.yaml"
    file.write_text("- then: {status: 418}\n")
    engine = MockEngine.build(load_spec(str(SPECS / "shop.yaml")), scenarios=ScenarioFiles(str(file)))
    assert engine.scenarios is not None and decide(engine.scenarios, "GET", "/api/v1/users").status == 418  # type: ignore[union-attr]
    file.write_text("- then: {status: 419}\n")
    engine.reload_scenarios()
    assert engine.scenarios is not None and decide(engine.scenarios, "GET", "/api/v1/users").status == 419  # type: ignore[union-attr]
    assert engine.scenarios.files == ScenarioFiles(str(file))
    kept = engine.scenarios
    file.write_text("- then: {status: 1}\n")
    with pytest.raises(ScenarioError):
        engine.reload_scenarios()
    assert engine.scenarios is kept  # a broken edit keeps the last good rules
