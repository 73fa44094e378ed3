"""Drift: a backend's answer checked against the spec, one note per finding, each naming what it is about."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import orjson
import pytest

from mocktui.engine.contract.drift import UNKNOWN, Drift
from mocktui.engine.contract.responder import Responder
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec

from ...backend_app import order, user
from ...helpers import ROOT

JSON = [("content-type", "application/json")]


@pytest.fixture(scope="module")
def contract() -> Responder:
    return MockEngine.build(load_spec(str(ROOT / "tests" / "data" / "backend.yaml"))).contract


def check(contract: Responder, operation: str | None, status: int, headers: list[tuple[str, str]], body: Any,
          **options: Any) -> list[str]:  # fmt: skip
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return Drift().findings(contract, operation, status, headers, raw, **options)


def test_a_conforming_answer_has_no_findings(contract: Responder) -> None:
    assert check(contract, "getUser", 200, JSON, user(1)) == []
    assert check(contract, "getOrder", 200, JSON, order("o-1")) == []
    assert check(contract, "listUsers", 200, [*JSON, ("X-Total-Count", "2")], [user(1), user(2)]) == []
    assert check(contract, "getUser", 404, JSON, {"message": "no"}) == []
    assert check(contract, "deleteUser", 202, [], b"") == []


def test_each_body_finding_names_its_json_pointer(contract: Responder) -> None:
    users = [user(i) for i in range(1, 5)]
    users[3]["username"] = 5
    del users[1]["email"]
    found = check(contract, "listUsers", 200, [*JSON, ("x-total-count", "4")], users)
    assert '/3/username: 5 is not of type "string"' in found
    assert '/1: "email" is a required property' in found
    assert len(found) == 2


def test_a_status_the_operation_does_not_declare_is_named(contract: Responder) -> None:
    assert check(contract, "getUser", 418, JSON, {}) == ["status 418 not declared; declared: 200, 404"]


def test_a_media_type_the_status_does_not_declare_is_named(contract: Responder) -> None:
    found = check(contract, "getUser", 200, [("Content-Type", "text/html; charset=utf-8")], b"<h1>")
    assert found == ["media type text/html not declared for 200; declared: application/json"]
    assert check(contract, "getUser", 200, [], b"{}") == [
        "media type (none) not declared for 200; declared: application/json"
    ]


def test_declared_headers_missing_or_of_the_wrong_type(contract: Responder) -> None:
    assert check(contract, "listUsers", 200, JSON, []) == ["missing header X-Total-Count"]
    found = check(contract, "listUsers", 200, [*JSON, ("X-Total-Count", "many")], [])
    assert found == ['header X-Total-Count: "many" is not of type "integer"']
    assert check(contract, "listUsers", 200, [*JSON, ("X-Total-Count", "-1")], []) == [
        "header X-Total-Count: -1 is less than the minimum of 0"
    ]


def test_xml_form_and_text_bodies_are_read_as_their_schema_says(contract: Responder) -> None:
    xml = [("content-type", "application/xml")]
    assert check(contract, "getReport", 200, xml, b"<report><title>t</title><count>3</count></report>") == []
    assert check(contract, "getReport", 200, xml, b"<report><title>t</title><count>x</count></report>") == [
        '/count: "x" is not of type "integer"'
    ]
    assert check(contract, "getReport", 200, xml, b"<report><title>") == [
        "body is not XML: malformed XML: no element found: line 1, column 15"
    ]
    form = [("content-type", "application/x-www-form-urlencoded")]
    assert check(contract, "login", 200, form, b"token=a&expires=60") == []
    assert check(contract, "login", 200, form, b"token=a") == ['/: "expires" is a required property']
    text = [("content-type", "text/plain")]
    assert check(contract, "getStatus", 200, text, b"fine") == []
    assert check(contract, "getStatus", 200, text, b"far-too-long-to-be-a-status") == [
        '/: "far-too-long-to-be-a-status" is longer than 12 characters',
        '/: "far-too-long-to-be-a-status" does not match "^[a-z]+$"',
    ]


def test_not_json_and_a_body_where_none_is_declared(contract: Responder) -> None:
    found = check(contract, "getUser", 200, JSON, b"{oops")
    assert len(found) == 1 and found[0].startswith("body is not JSON: ")
    assert check(contract, "deleteUser", 202, [("content-type", "text/plain")], b"queued") == [
        "a body was sent, but 202 declares no content"
    ]


def test_compressed_bodies_are_inflated_to_check_them(contract: Responder) -> None:
    bad = {**user(1), "age": -1}
    headers = [*JSON, ("content-encoding", "gzip")]
    assert check(contract, "getUser", 200, headers, gzip.compress(orjson.dumps(user(1)))) == []
    assert check(contract, "getUser", 200, headers, gzip.compress(orjson.dumps(bad))) == [
        "/age: -1 is less than the minimum of 0"
    ]
    deflated = [*JSON, ("content-encoding", "deflate")]
    assert check(contract, "getUser", 200, deflated, zlib.compress(orjson.dumps(bad))) == [
        "/age: -1 is less than the minimum of 0"
    ]
    assert check(contract, "getUser", 200, [*JSON, ("content-encoding", "br")], b"\x00\x01") == []  # not read


def test_a_partial_body_is_not_checked_but_the_rest_is(contract: Responder) -> None:
    assert check(contract, "getUser", 200, JSON, b'{"id": "one", "us', complete=False) == []
    assert check(contract, "getUser", 418, JSON, b'{"id"', complete=False) == [
        "status 418 not declared; declared: 200, 404"
    ]


def test_an_operation_the_spec_does_not_have_is_unknown(contract: Responder) -> None:
    assert check(contract, None, 200, JSON, {}) == [UNKNOWN]
    assert check(contract, "noSuchOperation", 200, JSON, {}) == [UNKNOWN]


def test_header_validators_are_compiled_once_per_contract(contract: Responder) -> None:
    drift = Drift()
    headers = [*JSON, ("X-Total-Count", "1")]
    drift.findings(contract, "listUsers", 200, headers, b"[]")
    kept = dict(drift._headers)
    drift.findings(contract, "listUsers", 200, headers, b"[]")
    assert drift._headers == kept and len(kept) == 1
    other = MockEngine.build(contract.spec).contract
    drift.findings(other, "listUsers", 200, headers, b"[]")
    assert all(a is not b for a, b in zip(kept.values(), drift._headers.values(), strict=True))
