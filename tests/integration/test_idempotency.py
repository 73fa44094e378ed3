"""`Idempotency-Key`, where the spec declares it: a retried request gets the first answer, one effect."""

from __future__ import annotations

from pathlib import Path

import httpx

from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.memory import MemoryStore

from ..helpers import serve

SPEC = """openapi: 3.0.3
info: {title: Orders, version: "1"}
paths:
  /orders:
    get:
      operationId: listOrders
      responses:
        "200":
          description: all
          content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Order"}}}}
    post:
      operationId: createOrder
      parameters: [{name: Idempotency-Key, in: header, required: false, schema: {type: string}}]
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}
      responses:
        "201":
          description: created
          content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}
        "422": {description: invalid}
  /orders/{id}:
    get:
      operationId: getOrder
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: one
          content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}
        "404": {description: none}
components:
  schemas:
    Order:
      type: object
      required: [item]
      properties:
        id: {type: integer, readOnly: true}
        item: {type: string}
"""


def test_a_retried_create_makes_one_record_and_gets_the_first_answer(tmp_path: Path) -> None:
    spec = tmp_path / "orders.yaml"
    spec.write_text(SPEC)
    with serve(spec, controls=Controls(stateful=True), store=MemoryStore(), seed_count=0) as live:
        orders = live.url + "/orders"
        key = {"Idempotency-Key": "abc-1"}
        first = httpx.post(orders, json={"item": "lamp"}, headers=key)
        again = httpx.post(orders, json={"item": "lamp"}, headers=key)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert len(httpx.get(orders).json()) == 1  # one effect
        other = httpx.post(orders, json={"item": "desk"}, headers=key)
        assert other.status_code == 422  # the 422 is declared without a body: the reason is in a header
        assert "was first used with another request body" in other.headers["x-mocktui-problem"]
        fresh = httpx.post(orders, json={"item": "lamp"}, headers={"Idempotency-Key": "abc-2"})
        plain = httpx.post(orders, json={"item": "lamp"})
        assert fresh.json()["id"] != first.json()["id"] != plain.json()["id"]
        assert len(httpx.get(orders).json()) == 3
        httpx.post(live.url + "/__mocktui/reset", json={"counters": True})
        after_reset = httpx.post(orders, json={"item": "lamp"}, headers=key)
        assert after_reset.json()["id"] not in (first.json()["id"], fresh.json()["id"])  # keys forgotten
