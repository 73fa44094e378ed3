"""Writes answer with what was sent: echoed fields, readOnly kept, writeOnly dropped, Location to the record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls

from ...helpers import validation_errors

SPEC = """openapi: 3.0.3
info: {title: Pets, version: "1"}
servers: [{url: "http://localhost/api"}]
paths:
  /pets:
    post:
      operationId: createPet
      requestBody:
        required: true
        content:
          application/json: {schema: {$ref: "#/components/schemas/NewPet"}}
          application/x-www-form-urlencoded: {schema: {$ref: "#/components/schemas/NewPet"}}
      responses:
        "201":
          description: created
          content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}
  /pets/{petId}:
    parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
    get:
      operationId: getPet
      responses:
        "200": {description: a pet, content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}}
    put:
      operationId: replacePet
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: "#/components/schemas/NewPet"}}}
      responses:
        "200": {description: replaced, content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}}
  /owners:
    post:
      operationId: createOwner
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: "#/components/schemas/NewPet"}}}
      responses:
        "201":
          description: created, in an envelope, with a declared absolute Location
          headers:
            Location: {required: true, schema: {type: string, format: uri}}
          content:
            application/json:
              schema: {type: object, required: [data], properties: {data: {$ref: "#/components/schemas/Pet"}}}
  /owners/{ownerId}:
    get:
      operationId: getOwner
      parameters: [{name: ownerId, in: path, required: true, schema: {type: integer}}]
      responses:
        "200": {description: an owner, content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}}
  /vrfs:
    post:
      operationId: createVrf
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties: {tenant: {type: integer}, status: {type: string, enum: [active, offline, planned-ahead]}}
      responses:
        "201":
          description: DRF style, with nested objects where ids were sent
          content:
            application/json:
              schema:
                type: object
                required: [id, tenant, status]
                properties:
                  id: {type: integer, readOnly: true}
                  tenant:
                    type: object
                    required: [id, name]
                    properties: {id: {type: integer}, name: {type: string}}
                  status:
                    type: object
                    required: [value, label]
                    properties:
                      value: {type: string, enum: [active, offline, planned-ahead]}
                      label: {type: string, enum: [Active, Offline, Planned (ahead)]}
components:
  schemas:
    NewPet:
      type: object
      required: [name]
      properties:
        name: {type: string, maxLength: 40}
        age: {type: integer, minimum: 0}
        tag: {type: string}
        password: {type: string}
        id: {type: integer}
    Pet:
      type: object
      required: [id, name, createdAt]
      properties:
        id: {type: integer, minimum: 1000, readOnly: true}
        name: {type: string, maxLength: 12}
        age: {type: integer, minimum: 0}
        tag: {type: string}
        password: {type: string, writeOnly: true}
        createdAt: {type: string, format: date-time, readOnly: true}
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "pets.yaml"
    path.write_text(SPEC)
    return path


def engine(spec_file: Path, dynamic: bool = False) -> MockEngine:
    return MockEngine.build(load_spec(str(spec_file)), controls=Controls(dynamic=dynamic), faker_seed=3)


def send(mock: MockEngine, method: str, path: str, sent: Any, ctype: str = "application/json") -> MockResponse:
    raw = orjson.dumps(sent) if ctype == "application/json" else str(sent).encode()
    answer = mock.handle(MockRequest(method, path, headers={"content-type": ctype, "host": "mock.test"}, body=raw))
    assert answer.status < 300, answer.body
    return answer


def pet_schema(mock: MockEngine) -> Any:
    return mock.spec.bundle({"$ref": "#/$defs/Pet"})


def header(answer: MockResponse, name: str) -> str | None:
    return next((v for k, v in answer.headers if k.lower() == name), None)


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_a_created_record_carries_what_was_sent_but_not_its_read_only_or_write_only_fields(
    spec_file: Path, dynamic: bool
) -> None:
    mock = engine(spec_file, dynamic)
    pet = orjson.loads(send(mock, "POST", "/api/pets", {"name": "Rex", "tag": "dog", "id": 5, "password": "pw"}).body)
    assert (pet["name"], pet["tag"]) == ("Rex", "dog")
    assert pet["id"] >= 1000 and "createdAt" in pet  # readOnly: the server's, whatever was sent
    assert "password" not in pet
    assert validation_errors(pet_schema(mock), pet) == []


def test_static_answers_differ_by_what_was_sent_and_keep_the_rest(spec_file: Path) -> None:
    mock = engine(spec_file)
    rex = orjson.loads(send(mock, "POST", "/api/pets", {"name": "Rex"}).body)
    bo = orjson.loads(send(mock, "POST", "/api/pets", {"name": "Bo"}).body)
    assert (rex["name"], bo["name"]) == ("Rex", "Bo")
    assert {**rex, "name": None} == {**bo, "name": None}


def test_a_sent_field_the_response_schema_refuses_is_left_as_generated(spec_file: Path) -> None:
    mock = engine(spec_file)
    long_name = "Bartholomew the Great"  # the request admits 40 characters, the response 12
    pet = orjson.loads(send(mock, "POST", "/api/pets", {"name": long_name, "age": 4}).body)
    assert pet["name"] != long_name and pet["age"] == 4
    assert validation_errors(pet_schema(mock), pet) == []


def test_a_form_body_is_echoed_with_its_fields_typed(spec_file: Path) -> None:
    answer = send(engine(spec_file), "POST", "/api/pets", "name=Rex&age=3", "application/x-www-form-urlencoded")
    pet = orjson.loads(answer.body)
    assert (pet["name"], pet["age"]) == ("Rex", 3)


def test_location_points_at_the_created_record_with_the_base_path(spec_file: Path) -> None:
    answer = send(engine(spec_file), "POST", "/api/pets", {"name": "Rex"})
    assert header(answer, "location") == f"/api/pets/{orjson.loads(answer.body)['id']}"


def test_a_declared_absolute_location_and_an_enveloped_record(spec_file: Path) -> None:
    answer = send(engine(spec_file, dynamic=True), "POST", "/api/owners", {"name": "Ada"})
    owner = orjson.loads(answer.body)["data"]
    assert owner["name"] == "Ada"
    assert header(answer, "location") == f"http://mock.test/api/owners/{owner['id']}"
    assert [k for k, _ in answer.headers].count("Location") == 1


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_a_replaced_record_keeps_its_path_id_and_takes_the_sent_fields(spec_file: Path, dynamic: bool) -> None:
    pet = orjson.loads(send(engine(spec_file, dynamic), "PUT", "/api/pets/1234", {"name": "Bo", "id": 1}).body)
    assert (pet["id"], pet["name"]) == (1234, "Bo")


def test_a_sent_id_goes_into_the_nested_object_answered_for_it(spec_file: Path) -> None:
    vrf = orjson.loads(send(engine(spec_file), "POST", "/api/vrfs", {"tenant": 7, "status": "planned-ahead"}).body)
    assert vrf["tenant"]["id"] == 7 and isinstance(vrf["tenant"]["name"], str)
    assert vrf["status"] == {"value": "planned-ahead", "label": "Planned (ahead)"}
