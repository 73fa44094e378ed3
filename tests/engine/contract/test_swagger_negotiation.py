"""Swagger 2.0 operations answer in what they `produce` and what their `examples` are keyed by, picked by `Accept`."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec

SPEC = """swagger: "2.0"
info: {title: Things, version: "1"}
produces: [application/json, application/xml]
paths:
  /things:
    get:
      operationId: listThings
      produces: [application/json, application/xml, application/vnd.api+json]
      responses:
        "200":
          description: ok
          schema: {type: object, properties: {id: {type: integer}}}
          examples:
            application/xml: "<thing><id>7</id></thing>"
            application/json: {id: 5}
        "404":
          description: none
          schema: {type: object, properties: {message: {type: string}}}
  /global:
    get:
      operationId: globalProduces
      responses:
        "200":
          description: ok
          schema: {type: object, properties: {id: {type: integer}}}
  /only-examples:
    get:
      operationId: onlyExamples
      responses:
        "200":
          description: no schema, two examples
          examples:
            application/json: {id: 5}
            text/plain: hello
"""


@pytest.fixture
def engine(tmp_path: Path) -> MockEngine:
    (tmp_path / "v2.yaml").write_text(SPEC)
    return MockEngine.build(load_spec(str(tmp_path / "v2.yaml")))


def get(engine: MockEngine, path: str, accept: str | None = None, prefer: str = "") -> MockResponse:
    headers = {"accept": accept} if accept is not None else {}
    if prefer:
        headers["prefer"] = prefer
    return engine.handle(MockRequest("GET", path, headers=headers))


def ctype(response: MockResponse) -> str:
    return dict(response.headers)["content-type"]


def test_q_values_pick_xml_over_a_less_wanted_json(engine: MockEngine) -> None:
    for path in ("/things", "/global"):
        answer = get(engine, path, "application/json;q=0.8, application/xml")
        assert answer.status == 200 and ctype(answer) == "application/xml"
        assert answer.body.startswith(b"<")
    assert ctype(get(engine, "/global", "application/xml;q=0.5, application/json")) == "application/json"


def test_an_xml_example_is_served_as_written_and_the_json_one_for_json(engine: MockEngine) -> None:
    for prefer in ("", "dynamic=false"):
        assert get(engine, "/things", "application/xml", prefer).body == b"<thing><id>7</id></thing>"
    json_answer = get(engine, "/things", "application/json")
    assert ctype(json_answer) == "application/json" and orjson.loads(json_answer.body) == {"id": 5}
    assert orjson.loads(get(engine, "/things").body) == {"id": 5}  # no Accept: JSON first


def test_a_vendor_json_type_is_chosen_and_shows_the_json_example(engine: MockEngine) -> None:
    answer = get(engine, "/things", "application/vnd.api+json")
    assert ctype(answer) == "application/vnd.api+json" and orjson.loads(answer.body) == {"id": 5}
    picked = get(engine, "/things", "application/vnd.api+json, application/json;q=0.1")
    assert ctype(picked) == "application/vnd.api+json"


def test_examples_without_a_schema_are_answered_in_their_own_types(engine: MockEngine) -> None:
    assert orjson.loads(get(engine, "/only-examples", "application/json").body) == {"id": 5}
    text = get(engine, "/only-examples", "text/plain")
    assert text.status == 200 and ctype(text) == "text/plain" and text.body == b"hello"
    assert get(engine, "/only-examples", "application/xml").status == 406  # produced, but nothing to show


def test_406_for_success_when_nothing_produced_is_acceptable_but_errors_still_answer(engine: MockEngine) -> None:
    refused = get(engine, "/things", "text/html")
    assert refused.status == 406
    assert orjson.loads(refused.body)["available"] == [
        "application/json",
        "application/xml",
        "application/vnd.api+json",
    ]
    assert get(engine, "/global", "application/vnd.api+json").status == 406  # not produced there
    forced = get(engine, "/things", "text/html", prefer="code=404")
    assert forced.status == 404 and ctype(forced) == "application/json"
