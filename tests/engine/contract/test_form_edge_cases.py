"""Form bodies that used to reach a 500 or a wrong refusal (found by schemathesis on the corpus)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from mocktui.engine.http import MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec

SPEC = """openapi: 3.0.3
info: {title: Forms, version: "1"}
paths:
  /messages:
    post:
      operationId: postMessage
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                tags: {type: array, nullable: true, items: {type: string}}
                kind: {type: string, nullable: true, enum: [sms, mms]}
                note: {type: string}
      responses:
        "201": {description: sent}
        "422": {description: invalid}
"""


def post(tmp_path: Path, body: str) -> int:
    (tmp_path / "api.yaml").write_text(SPEC)
    engine = MockEngine.build(load_spec(str(tmp_path / "api.yaml")))
    headers = {"content-type": "application/x-www-form-urlencoded", "content-length": str(len(body))}
    return engine.handle(MockRequest("POST", "/messages", headers=headers, body=body.encode())).status


def test_a_repeated_array_key_after_an_empty_one_is_read(tmp_path: Path) -> None:
    assert post(tmp_path, urlencode([("tags", ""), ("tags", "é"), ("tags", "ü")])) == 201


def test_null_for_a_nullable_enum_is_null(tmp_path: Path) -> None:
    assert post(tmp_path, urlencode({"kind": "null"})) == 201
    assert post(tmp_path, urlencode({"kind": "fax"})) == 422


SWAGGER = """swagger: "2.0"
info: {title: Ids, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - {name: ids, in: query, type: array, items: {type: integer}}
        - {name: tags, in: query, type: array, collectionFormat: multi, items: {type: string}}
        - {name: codes, in: query, type: array, collectionFormat: pipes, items: {type: integer}}
      responses:
        "200": {description: ok}
        "400": {description: bad}
"""


def test_swagger_arrays_by_collection_format(tmp_path: Path) -> None:
    (tmp_path / "v2.yaml").write_text(SWAGGER)
    engine = MockEngine.build(load_spec(str(tmp_path / "v2.yaml")))

    def status(query: str) -> int:
        return engine.handle(MockRequest("GET", "/things", query=query)).status

    assert status("ids=") == 200  # csv (the default): the empty array
    assert status("ids=1,2,3") == 200 and status("ids=1,x") == 400
    assert status("tags=a&tags=b") == 200
    assert status("codes=1|2") == 200 and status("codes=1,2") == 400
