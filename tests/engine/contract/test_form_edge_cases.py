"""Form bodies that used to reach a 500 or a wrong refusal (found by schemathesis on the corpus)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from mocktui.engine.http import MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.model import load_spec

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
