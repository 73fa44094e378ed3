"""Forced statuses and errors are answered whatever `Accept` says; success answers still negotiate."""

from __future__ import annotations

from pathlib import Path

import orjson

from mocktui.engine.contract.media import negotiate
from mocktui.engine.http import MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls

SPEC = """openapi: 3.0.3
info: {title: Things, version: "1"}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: one
          content: {application/json: {schema: {type: object, properties: {id: {type: integer}}}}}
        "404":
          description: none
          content:
            application/problem+json:
              schema: {type: object, properties: {title: {type: string}, status: {type: integer}}}
"""


def engine(tmp_path: Path) -> MockEngine:
    (tmp_path / "api.yaml").write_text(SPEC)
    return MockEngine.build(load_spec(str(tmp_path / "api.yaml")), controls=Controls())


def test_structured_suffixes_satisfy_their_base_type() -> None:
    assert negotiate("application/json", ["application/problem+json"]) == "application/problem+json"
    assert negotiate("application/xml", ["application/atom+xml"]) == "application/atom+xml"
    assert negotiate("application/json", ["application/xml"]) is None
    assert negotiate("application/json;q=0.8, application/xml", ["application/json", "application/xml"]) == (
        "application/xml"
    )


def test_a_forced_404_is_answered_in_its_declared_type_whatever_accept_says(tmp_path: Path) -> None:
    mock = engine(tmp_path)
    for accept in ("application/json", "text/html"):
        answer = mock.handle(MockRequest("GET", "/things/1", headers={"accept": accept, "prefer": "code=404"}))
        assert answer.status == 404 and ("content-type", "application/problem+json") in answer.headers
        assert orjson.loads(answer.body)["status"] == 404
    mock.controls.override("getThing", {"status": 404})
    forced = mock.handle(MockRequest("GET", "/things/1", headers={"accept": "text/html"}))
    assert forced.status == 404


def test_a_success_answer_with_nothing_acceptable_is_still_406(tmp_path: Path) -> None:
    answer = engine(tmp_path).handle(MockRequest("GET", "/things/1", headers={"accept": "text/html"}))
    assert answer.status == 406 and orjson.loads(answer.body)["available"] == ["application/json"]
