"""Declared error shapes filled with the real findings: the field that was wrong, a summary, a stable code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from mocktui.engine.http import MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec

SPEC = """openapi: 3.0.3
info: {title: Shapes, version: "1"}
paths:
  /fields:
    post:
      operationId: fieldErrors
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Item"}}}}
      responses:
        "201": {description: ok}
        "422":
          description: invalid
          content:
            application/json:
              schema:
                type: object
                required: [errors]
                properties:
                  errors:
                    type: array
                    items:
                      type: object
                      required: [field, reason]
                      properties: {field: {type: string}, reason: {type: string}}
  /codes:
    post:
      operationId: codeErrors
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Item"}}}}
      responses:
        "201": {description: ok}
        "400":
          description: invalid
          content:
            application/json:
              schema:
                type: object
                required: [code, message, details]
                properties:
                  code: {type: string}
                  message: {type: string}
                  details:
                    type: array
                    minItems: 1
                    items:
                      type: object
                      required: [path, message]
                      properties: {path: {type: string}, message: {type: string}}
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      security: [{key: []}]
      responses:
        "200": {description: ok}
        "401":
          description: who are you
          content:
            application/json:
              schema:
                type: object
                required: [error, message]
                properties: {error: {type: string}, message: {type: string}}
  /payments:
    post:
      operationId: pay
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Item"}}}}
      responses:
        "201": {description: paid}
        "402":
          description: card declined
          content:
            application/json:
              schema:
                type: object
                properties: {status: {type: string}, message: {type: string}, transactionId: {type: string}}
  /nested:
    post:
      operationId: nestedError
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Item"}}}}
      responses:
        "201": {description: ok}
        "400":
          description: Stripe-like
          content:
            application/json:
              schema:
                type: object
                required: [error]
                properties:
                  error:
                    type: object
                    required: [type, message]
                    properties:
                      type: {type: string, enum: [api_error, card_error, invalid_request_error]}
                      code: {type: string}
                      param: {type: string}
                      message: {type: string}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
  schemas:
    Item:
      type: object
      required: [name, price]
      properties: {name: {type: string}, price: {type: number, minimum: 0}}
"""


def answer(tmp_path: Path, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    (tmp_path / "api.yaml").write_text(SPEC)
    engine = MockEngine.build(load_spec(str(tmp_path / "api.yaml")))
    raw = orjson.dumps(body) if body is not None else b""
    headers = {"content-type": "application/json", "content-length": str(len(raw))} if raw else {}
    response = engine.handle(MockRequest(method, path, headers=headers, body=raw))
    return response.status, orjson.loads(response.body)


def test_a_field_list_names_each_field_that_was_wrong(tmp_path: Path) -> None:
    status, body = answer(tmp_path, "POST", "/fields", {"name": "lamp", "price": -1, "colour": "red"})
    assert status == 422
    assert [e["field"] for e in body["errors"]] == ["price"]
    assert "minimum of 0" in body["errors"][0]["reason"]
    status, body = answer(tmp_path, "POST", "/fields", {"name": "lamp"})
    assert body["errors"] == [{"field": "price", "reason": '"price" is a required property'}]


def test_a_code_and_message_shape_gets_a_stable_code_and_the_summary(tmp_path: Path) -> None:
    status, body = answer(tmp_path, "POST", "/codes", {"price": "free"})
    assert status == 400 and body["code"] == "validation_error"
    assert "price" in body["message"] and "name" in body["message"]
    assert {d["path"] for d in body["details"]} == {"price", "name"}


def test_an_error_and_message_shape_says_unauthorized(tmp_path: Path) -> None:
    status, body = answer(tmp_path, "GET", "/things/1")
    assert status == 401 and body["error"] == "unauthorized" and "credentials required: key" in body["message"]


def test_a_refusal_never_borrows_a_status_that_means_something_else(tmp_path: Path) -> None:
    status, body = answer(tmp_path, "POST", "/payments")
    assert status == 422 and body["title"] == "Request validation failed"
    assert body["detail"] == "body: request body is required" and "transactionId" not in body


def test_a_nested_error_object_names_the_parameter(tmp_path: Path) -> None:
    status, body = answer(tmp_path, "POST", "/nested", {"name": "lamp"})
    assert status == 400
    assert body["error"]["param"] == "price" and body["error"]["type"] == "invalid_request_error"
    assert '"price" is a required property' in body["error"]["message"]


CARD_API = """openapi: 3.0.3
info: {title: Cards, version: "1"}
security: [{bearer: []}]
paths:
  /charges:
    post:
      operationId: createCharge
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [amount], properties: {amount: {type: integer, minimum: 1}}}
      responses:
        "200": {description: ok}
        default:
          description: an error
          content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Error:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [type]
          properties:
            type: {type: string, enum: [api_error, card_error, idempotency_error, invalid_request_error]}
            code: {type: string}
            message: {type: string}
            param: {type: string}
            decline_code: {type: string}
            doc_url: {type: string}
            charge:
              type: object
              properties: {id: {type: string}, amount: {type: integer}, description: {type: string}}
"""


def test_an_error_says_what_went_wrong_and_nothing_else(tmp_path: Path) -> None:
    """Stripe's error shape: a refusal of the credentials names no charge, no decline code, no param; a bad
    field is the param; the type is the enum's client-error member."""
    (tmp_path / "cards.yaml").write_text(CARD_API)
    body = orjson.dumps({"amount": 0})
    for seed in range(5):  # whatever the generator drew for the optional fields
        engine = MockEngine.build(load_spec(str(tmp_path / "cards.yaml")), faker_seed=seed)
        plain = {"content-type": "application/json"}
        refused = engine.handle(MockRequest("POST", "/charges", headers=plain, body=body))
        assert refused.status == 401
        error = orjson.loads(refused.body)["error"]
        assert set(error) <= {"type", "code", "message"}, error
        assert error["type"] == "invalid_request_error"
        assert error["message"].startswith("header: credentials required"), error
        headers = {"content-type": "application/json", "authorization": "Bearer sk_test_1"}
        invalid = engine.handle(MockRequest("POST", "/charges", headers=headers, body=body))
        assert invalid.status == 422  # `default` declares every status: the one that says it
        error = orjson.loads(invalid.body)["error"]
        assert set(error) <= {"type", "code", "message", "param"} and error["param"] == "amount", error
        assert error["type"] == "invalid_request_error"
