"""The variants pack against specs/payments.yaml."""

from __future__ import annotations

import orjson

from mocktui.engine.http import MockResponse
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.runner import Scenarios

from ..support import answer, decide, request, schema_errors


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
