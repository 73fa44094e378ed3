"""A created record's totals agree with its lines: the server derives them, the client's own values stay."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from mocktui.engine.http import MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.memory import MemoryStore

from .support import BASE, SHOP

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def shop() -> MockEngine:
    engine = MockEngine.build(
        load_spec(str(SHOP)), controls=Controls(stateful=True), store=MemoryStore(), seed_count=5, faker_seed=5
    )
    assert engine.state is not None
    engine.state.seed()
    return engine


def call(engine: MockEngine, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    sent = orjson.dumps(body) if body is not None else b""
    response = engine.handle(MockRequest(method, BASE + path, headers=JSON if sent else {}, body=sent))
    return response.status, orjson.loads(response.body) if response.body else None


def cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def line_sum(order: dict[str, Any]) -> Decimal:
    return sum((cents(line["unitPrice"]) * line["quantity"] for line in order["items"]), Decimal(0))


def test_a_posted_order_totals_its_lines(shop: MockEngine) -> None:
    for n in range(40):  # enough orders that some sums need a cent moved on a line the server priced
        lines = [{"productId": 1 + (n + i) % 5, "quantity": 1 + (n * 7 + i) % 9} for i in range(1 + n % 4)]
        status, order = call(shop, "POST", "/orders", {"userId": 1, "items": lines})
        assert status == 201, order
        assert [(i["productId"], i["quantity"]) for i in order["items"]] == [
            (i["productId"], i["quantity"]) for i in lines
        ]
        assert cents(order["total"]) == line_sum(order), order
        assert call(shop, "GET", f"/orders/{order['id']}")[1]["total"] == order["total"]  # the stored record


INVOICES = """openapi: 3.0.3
info: {title: Invoices, version: "1"}
paths:
  /invoices:
    post:
      operationId: createInvoice
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Invoice"}}}}
      responses:
        "201": {description: made, content: {application/json: {schema: {$ref: "#/components/schemas/Invoice"}}}}
  /invoices/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    get:
      operationId: getInvoice
      responses:
        "200": {description: one, content: {application/json: {schema: {$ref: "#/components/schemas/Invoice"}}}}
    patch:
      operationId: patchInvoice
      requestBody:
        required: true
        content:
          application/merge-patch+json: {schema: {type: object}}
          application/json-patch+json: {schema: {type: array, items: {type: object}}}
      responses:
        "200": {description: patched, content: {application/json: {schema: {$ref: "#/components/schemas/Invoice"}}}}
components:
  schemas:
    Invoice:
      type: object
      required: [lines, subtotal, total, itemCount]
      properties:
        id: {type: integer, readOnly: true}
        lines:
          type: array
          items:
            type: object
            required: [price, quantity]
            properties: {price: {type: number, multipleOf: 0.01}, quantity: {type: integer, minimum: 1}}
        subtotal: {type: number, multipleOf: 0.01, readOnly: true}
        shipping: {type: number, minimum: 0, maximum: 20, multipleOf: 0.01}
        total: {type: number, multipleOf: 0.01, readOnly: true}
        grandTotal: {type: number, multipleOf: 0.01}
        itemCount: {type: integer, minimum: 0, readOnly: true}
"""


@pytest.fixture
def invoices(tmp_path: Path) -> MockEngine:
    (tmp_path / "invoices.yaml").write_text(INVOICES)
    spec = load_spec(str(tmp_path / "invoices.yaml"))
    return MockEngine.build(spec, controls=Controls(stateful=True), store=MemoryStore(), seed_count=0, faker_seed=1)


def post(engine: MockEngine, body: dict[str, Any]) -> dict[str, Any]:
    response = engine.handle(MockRequest("POST", "/invoices", headers=JSON, body=orjson.dumps(body)))
    assert response.status == 201, response.body
    made: dict[str, Any] = orjson.loads(response.body)
    return made


def test_what_the_server_owns_is_derived_from_the_lines(invoices: MockEngine) -> None:
    lines = [{"price": 12.5, "quantity": 2}, {"price": 49.9, "quantity": 1}, {"price": 3.25, "quantity": 4}]
    made = post(invoices, {"lines": lines, "shipping": 4.5, "total": 1.0})  # a readOnly total sent is not kept
    assert made["lines"] == lines  # the client's prices are never moved, even by a cent
    assert (made["subtotal"], made["total"], made["itemCount"]) == (87.9, 92.4, 3)
    stored = invoices.handle(MockRequest("GET", f"/invoices/{made['id']}"))
    assert orjson.loads(stored.body) == made


def test_a_derived_value_the_client_sent_is_its_own(invoices: MockEngine) -> None:
    made = post(invoices, {"lines": [{"price": 12.5, "quantity": 2}], "grandTotal": 30.0})
    assert (made["subtotal"], made["total"], made["grandTotal"]) == (25.0, 25.0, 30.0)


def patch(engine: MockEngine, id: int, body: Any, ctype: str = "application/merge-patch+json") -> dict[str, Any]:
    response = engine.handle(
        MockRequest("PATCH", f"/invoices/{id}", headers={"content-type": ctype}, body=orjson.dumps(body))
    )
    assert response.status == 200, response.body
    patched: dict[str, Any] = orjson.loads(response.body)
    stored = engine.handle(MockRequest("GET", f"/invoices/{id}"))
    assert orjson.loads(stored.body) == patched  # the stored record, not only the answer
    return patched


def test_a_patch_of_the_lines_moves_the_totals_that_followed_them(invoices: MockEngine) -> None:
    made = post(invoices, {"lines": [{"price": 12.5, "quantity": 2}], "shipping": 5.0})
    assert (made["subtotal"], made["total"], made["itemCount"]) == (25.0, 30.0, 1)
    lines = [{"price": 10.0, "quantity": 3}, {"price": 2.5, "quantity": 2}]
    merged = patch(invoices, made["id"], {"lines": lines})
    assert (merged["subtotal"], merged["total"], merged["itemCount"]) == (35.0, 40.0, 2)
    ops = [{"op": "add", "path": "/lines/-", "value": {"price": 1.25, "quantity": 4}}]
    added = patch(invoices, made["id"], ops, "application/json-patch+json")
    assert (added["subtotal"], added["total"], added["itemCount"]) == (40.0, 45.0, 3)
    assert added["lines"][:2] == lines  # the client's prices are never moved


def test_a_value_the_client_sent_that_agreed_with_the_lines_keeps_agreeing(invoices: MockEngine) -> None:
    made = post(invoices, {"lines": [{"price": 12.5, "quantity": 2}], "shipping": 5.0, "grandTotal": 30.0})
    assert made["grandTotal"] == 30.0
    moved = patch(invoices, made["id"], {"lines": [{"price": 10.0, "quantity": 1}]})
    assert (moved["total"], moved["grandTotal"]) == (15.0, 15.0)


def test_a_patch_keeps_what_the_client_chose(invoices: MockEngine) -> None:
    made = post(invoices, {"lines": [{"price": 12.5, "quantity": 2}], "grandTotal": 99.0})
    moved = patch(invoices, made["id"], {"lines": [{"price": 10.0, "quantity": 1}]})
    assert (moved["subtotal"], moved["grandTotal"]) == (10.0, 99.0)  # chosen at creation: still the client's
    chosen = patch(invoices, made["id"], {"lines": [{"price": 20.0, "quantity": 1}], "grandTotal": 7.0})
    assert (chosen["subtotal"], chosen["grandTotal"]) == (20.0, 7.0)  # chosen now: the client's
    owned = patch(invoices, made["id"], {"total": 1.0, "shipping": 2.5})  # readOnly: the server's, whatever is sent
    assert (owned["subtotal"], owned["total"]) == (20.0, 22.5)
