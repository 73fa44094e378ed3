"""Parameters and form bodies read the way OpenAPI serialises them, and what a spec says of the wire beyond
the schema: allowEmptyValue, allowReserved, `format: byte`, and no body where none is declared."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec

OAS3 = """openapi: 3.0.3
info: {title: Wire, version: "1"}
paths:
  /search:
    get:
      operationId: search
      parameters:
        - {name: csv, in: query, explode: false, schema: {type: array, minItems: 1, items: {type: integer}}}
        - {name: ssv, in: query, style: spaceDelimited, explode: false, schema: {type: array, minItems: 1}}
        - {name: pipes, in: query, style: pipeDelimited, explode: false, schema: {type: array, minItems: 1}}
        - {name: strict, in: query, allowEmptyValue: false, schema: {type: string}}
        - {name: flag, in: query, allowEmptyValue: true, schema: {type: boolean}}
        - {name: free, in: query, schema: {type: string}}
        - {name: raw, in: query, allowReserved: true, schema: {type: string}}
        - {name: data, in: query, schema: {type: string, format: byte}}
        - {name: filter, in: query, content: {application/json: {schema: {type: object, required: [a]}}}}
        - name: expand
          in: query
          style: deepObject
          schema: {type: array, items: {type: string, enum: [customer, invoice]}}
        - name: created
          in: query
          style: deepObject
          schema: {anyOf: [{type: object, properties: {gte: {type: integer}}}, {type: integer}]}
        - {name: X-Tags, in: header, schema: {type: array, items: {type: string, enum: [a, b]}}}
      responses:
        "200": {description: ok}
        "400": {description: bad}
  /matrix/{id}/label/{parts}:
    get:
      operationId: styledPath
      parameters:
        - {name: id, in: path, required: true, style: matrix, schema: {type: array, items: {type: integer}}}
        - {name: parts, in: path, required: true, style: label, explode: true, schema: {type: array, maxItems: 2}}
      responses:
        "200": {description: ok}
        "400": {description: bad}
  /orders:
    post:
      operationId: createOrder
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: &order
              type: object
              required: [price]
              properties:
                price:
                  type: object
                  required: [amount, currency]
                  properties: {amount: {type: integer}, currency: {type: string, enum: [EUR, USD]}}
                tags: {type: array, maxItems: 1, items: {type: string}}
                blob: {type: string, format: byte}
                path: {type: string}
                url: {type: string}
            encoding: {url: {allowReserved: true}}
          multipart/form-data:
            schema: *order
      responses:
        "201": {description: made}
        "422": {description: invalid}
  /deep-orders:
    post:
      operationId: createDeepOrder
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: *order
            encoding: {price: {style: deepObject, explode: true}}
      responses:
        "201": {description: made}
        "422": {description: invalid}
  /ping:
    get:
      operationId: ping
      responses:
        "200": {description: pong}
        "400": {description: bad}
  /pong:
    get:
      operationId: pong
      responses:
        "200": {description: ok}
        "415":
          description: no bodies here
          content: {application/json: {schema: {type: object, properties: {why: {type: string}}}}}
  /json:
    post:
      operationId: postJson
      requestBody:
        content: {application/json: {schema: {type: object, properties: {blob: {type: string, format: byte}}}}}
      responses:
        "201": {description: made}
        "422": {description: invalid}
"""

SWAGGER = """swagger: "2.0"
info: {title: Wire, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - {name: tsv, in: query, type: array, collectionFormat: tsv, minItems: 1, items: {type: integer}}
        - {name: ssv, in: query, type: array, collectionFormat: ssv, minItems: 1, items: {type: integer}}
      responses:
        "200": {description: ok}
        "400": {description: bad}
    post:
      operationId: postThing
      consumes: [application/x-www-form-urlencoded, multipart/form-data]
      parameters:
        - {name: name, in: formData, type: string, allowEmptyValue: false}
        - {name: note, in: formData, type: integer, allowEmptyValue: true}
        - {name: ids, in: formData, type: array, items: {type: integer}}
      responses:
        "201": {description: made}
        "422": {description: invalid}
"""


def build(tmp_path: Path, text: str) -> MockEngine:
    (tmp_path / "api.yaml").write_text(text)
    return MockEngine.build(load_spec(str(tmp_path / "api.yaml")))


@pytest.fixture
def oas3(tmp_path: Path) -> MockEngine:
    return build(tmp_path, OAS3)


def call(
    engine: MockEngine, method: str, path: str, query: str = "", body: bytes = b"", **headers: str
) -> MockResponse:
    head = {k.replace("_", "-"): v for k, v in headers.items()}
    if body:
        head.setdefault("content-length", str(len(body)))
    return engine.handle(MockRequest(method, path, query=query, headers=head, body=body))


def why(response: MockResponse) -> str:
    """The refusal's reasons, `location pointer: reason; ...` (declared error bodies here are empty)."""
    return dict(response.headers).get("x-mocktui-problem", "")


def form(engine: MockEngine, path: str, text: str) -> MockResponse:
    return call(engine, "POST", path, body=text.encode(), content_type="application/x-www-form-urlencoded")


def multipart(engine: MockEngine, path: str, fields: list[tuple[str, str]]) -> MockResponse:
    parts = b"".join(
        b'--XyZ\r\nContent-Disposition: form-data; name="' + k.encode() + b'"\r\n\r\n' + v.encode() + b"\r\n"
        for k, v in fields
    )
    return call(engine, "POST", path, body=parts + b"--XyZ--\r\n", content_type="multipart/form-data; boundary=XyZ")


def test_an_empty_delimited_array_is_the_empty_array(oas3: MockEngine, tmp_path: Path) -> None:
    for name in ("csv", "ssv", "pipes"):
        refused = call(oas3, "GET", "/search", f"{name}=")
        assert refused.status == 400 and "[] has less than 1 item" in why(refused), name
    assert call(oas3, "GET", "/search", "csv=1,2&ssv=a%20b&pipes=a|b").status == 200
    swagger = build(tmp_path, SWAGGER)
    for name in ("tsv", "ssv"):
        assert "[] has less than 1 item" in why(call(swagger, "GET", "/things", f"{name}="))
    assert call(swagger, "GET", "/things", "tsv=1%092&ssv=3+4").status == 200
    assert call(swagger, "GET", "/things", "tsv=1%09x").status == 400


def test_form_objects_read_flat_by_default_and_as_deep_objects_when_the_encoding_says(oas3: MockEngine) -> None:
    assert form(oas3, "/orders", "amount=5&currency=EUR").status == 201
    flat = form(oas3, "/orders", "amount=five&currency=EUR")
    assert flat.status == 422 and why(flat).startswith("body /price/amount:")
    assert form(oas3, "/deep-orders", "price%5Bamount%5D=5&price%5Bcurrency%5D=EUR").status == 201
    deep = form(oas3, "/deep-orders", "price%5Bamount%5D=5&price%5Bcurrency%5D=GBP")
    assert deep.status == 422 and why(deep).startswith("body /price/currency:")
    missing = form(oas3, "/deep-orders", "amount=5&currency=EUR")  # flat keys are not how this form says it
    assert missing.status == 422


def test_one_form_field_is_a_one_element_array(oas3: MockEngine, tmp_path: Path) -> None:
    assert form(oas3, "/orders", "amount=5&currency=EUR&tags=a").status == 201
    assert form(oas3, "/orders", "amount=5&currency=EUR&tags=a&tags=b").status == 422  # maxItems 1
    assert multipart(oas3, "/orders", [("price", '{"amount": 5, "currency": "EUR"}'), ("tags", "a")]).status == 201
    swagger = build(tmp_path, SWAGGER)
    assert form(swagger, "/things", "ids=7").status == 201
    assert form(swagger, "/things", "ids=1,2").status == 201  # csv, Swagger's default collectionFormat
    assert form(swagger, "/things", "ids=1,x").status == 422


def test_allow_empty_value_for_query_params_and_form_fields(oas3: MockEngine, tmp_path: Path) -> None:
    refused = call(oas3, "GET", "/search", "strict=")
    assert refused.status == 400 and "allowEmptyValue is false" in why(refused)
    assert call(oas3, "GET", "/search", "strict=x").status == 200
    assert call(oas3, "GET", "/search", "flag=").status == 200  # allowed, though "" is no boolean
    assert call(oas3, "GET", "/search", "flag=maybe").status == 400
    assert call(oas3, "GET", "/search", "free=").status == 200  # not said: the schema decides
    swagger = build(tmp_path, SWAGGER)
    assert form(swagger, "/things", "name=").status == 422
    assert multipart(swagger, "/things", [("name", "")]).status == 422
    assert form(swagger, "/things", "name=x&note=").status == 201
    assert multipart(swagger, "/things", [("name", "x"), ("note", "")]).status == 201
    assert form(swagger, "/things", "name=x&note=y").status == 422


def test_reserved_characters_must_be_encoded_unless_allowed(oas3: MockEngine) -> None:
    for raw in ("a/b", "a?b", "a@b", "a,b", "a;b", "a=b", "a$b", "a[b]"):
        refused = call(oas3, "GET", "/search", f"free={raw}")
        assert refused.status == 400 and "percent-encoded" in why(refused), raw
    for fine in ("a%2Fb", "a%40b%2Cc", "it's", "a(b)*!", "a+b", "2024-01-01T10:00:00Z"):
        assert call(oas3, "GET", "/search", f"free={fine}").status == 200, fine
    assert call(oas3, "GET", "/search", "raw=a/b?c@d").status == 200  # allowReserved: true
    assert call(oas3, "GET", "/search", "csv=1,2,3").status == 200  # the comma is csv's own delimiter
    assert call(oas3, "GET", "/search", 'filter={"a":1,"b":[2]}').status == 200  # content: JSON, not a style
    body = form(oas3, "/orders", "amount=5&currency=EUR&path=a/b")
    assert body.status == 422 and why(body).startswith("body /path: path: reserved characters")
    assert form(oas3, "/orders", "amount=5&currency=EUR&path=a%2Fb&url=https://x.test/a?b").status == 201
    assert multipart(oas3, "/orders", [("price", '{"amount": 5, "currency": "EUR"}'), ("path", "a/b")]).status == 201


def test_format_byte_must_be_base64(oas3: MockEngine) -> None:
    assert call(oas3, "GET", "/search", "data=aGVsbG8%3D").status == 200
    assert call(oas3, "GET", "/search", "data=aGVsbG8").status == 200  # unpadded
    assert call(oas3, "GET", "/search", "data=a%21%21").status == 400
    ok = call(oas3, "POST", "/json", body=b'{"blob": "aGk="}', content_type="application/json")
    assert ok.status == 201
    for broken in (b'{"blob": "a"}', b'{"blob": "aGk=x"}', b'{"blob": "not base64!"}'):
        bad = call(oas3, "POST", "/json", body=broken, content_type="application/json")
        assert bad.status == 422 and why(bad).startswith("body /blob:"), broken
    assert form(oas3, "/orders", "amount=5&currency=EUR&blob=%25%25").status == 422


def test_a_body_where_none_is_declared_is_415(oas3: MockEngine) -> None:
    plain = call(oas3, "GET", "/ping", body=b'{"a": 1}', content_type="application/json")
    assert plain.status == 415 and dict(plain.headers)["content-type"] == "application/problem+json"
    assert "GET /ping takes no request body, but 8 bytes were sent" in orjson.loads(plain.body)["detail"]
    declared = call(oas3, "GET", "/pong", body=b"x", content_type="text/plain")
    assert declared.status == 415 and dict(declared.headers)["content-type"] == "application/json"
    assert call(oas3, "GET", "/ping", content_length="0").status == 200
    assert call(oas3, "GET", "/ping").status == 200


def test_deep_objects_styled_paths_headers_and_json_params(oas3: MockEngine) -> None:
    assert call(oas3, "GET", "/search", "expand%5B%5D=customer&expand%5B%5D=invoice").status == 200
    assert call(oas3, "GET", "/search", "expand%5B0%5D=customer").status == 200
    assert call(oas3, "GET", "/search", "expand%5B0%5D=nobody").status == 400
    assert call(oas3, "GET", "/search", "created%5Bgte%5D=5").status == 200
    assert call(oas3, "GET", "/search", "created=5").status == 200
    assert call(oas3, "GET", "/search", "created%5Bgte%5D=soon").status == 400
    assert call(oas3, "GET", "/matrix/;id=1,2/label/.a.b").status == 200
    assert call(oas3, "GET", "/matrix/;id=x/label/.a").status == 400
    assert call(oas3, "GET", "/matrix/;id=1/label/.a.b.c").status == 400  # three parts, two at most
    assert call(oas3, "GET", "/search", x_tags="a, b").status == 200
    assert call(oas3, "GET", "/search", x_tags="a, c").status == 400
    assert call(oas3, "GET", "/search", "filter=%7B%22a%22%3A1%7D").status == 200
    assert call(oas3, "GET", "/search", "filter=%7B%22b%22%3A1%7D").status == 400
