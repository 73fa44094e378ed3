"""Response validators: one per distinct schema, made on first use, the least recently used dropped past a budget."""

from __future__ import annotations

from pathlib import Path

from mocktui.engine.contract.validators import Validators
from mocktui.engine.spec.read import load_spec

SPEC = """openapi: 3.0.3
info: {title: shapes, version: "1"}
paths:
  /pets:
    get:
      responses:
        "200": {description: a pet, content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}}
        default: {description: an error, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
components:
  schemas:
    Error:
      type: object
      required: [message]
      properties: {message: {type: string}, detail: {$ref: "#/components/schemas/Detail"}}
    Detail: {type: object, properties: {field: {type: string}}}
    Pet: {type: object, required: [id], properties: {id: {type: integer}, secret: {type: string, writeOnly: true}}}
"""


def validators(tmp_path: Path, budget: int = 1_000) -> Validators:
    (tmp_path / "api.yaml").write_text(SPEC)
    return Validators(load_spec(str(tmp_path / "api.yaml")).schemas, budget)


def test_identical_schemas_share_one_validator(tmp_path: Path) -> None:
    check = validators(tmp_path)
    first, second = {"$ref": "#/$defs/Error"}, {"$ref": "#/$defs/Error"}  # two operations' own copies
    assert first is not second
    assert check(first) is check(second)
    assert len(check) == 1
    assert check(first).is_valid({"message": "no", "detail": {"field": "name"}})
    assert not check(first).is_valid({"detail": {"field": 3}})  # the def it reaches is in the bundle


def test_the_response_view_is_checked(tmp_path: Path) -> None:
    check = validators(tmp_path)
    pet = {"$ref": "#/$defs/Pet"}
    assert check(pet).is_valid({"id": 1})
    assert not check(pet).is_valid({"id": 1, "secret": "hunter2"})  # writeOnly never appears in an answer


def test_past_the_budget_the_least_recently_used_go_and_come_back(tmp_path: Path) -> None:
    check = validators(tmp_path, budget=4)  # Error weighs 3 (itself, Error, Detail), Pet 2, a string 1
    error, pet, text = {"$ref": "#/$defs/Error"}, {"$ref": "#/$defs/Pet"}, {"type": "string"}
    kept_error = check(error)
    check(text)
    assert check.weight == 4 and len(check) == 2
    check(error)  # used again: now the most recent
    check(pet)  # 3 + 1 + 2 > 4: the string goes first, then still over: the error
    assert check.weight <= 4 and len(check) == 1
    again = check(error)  # compiled again when asked for
    assert again is not kept_error and again.is_valid({"message": "back"})
    assert check.weight <= 4


def test_one_schema_over_the_budget_is_still_served(tmp_path: Path) -> None:
    check = validators(tmp_path, budget=1)
    error = {"$ref": "#/$defs/Error"}
    assert check(error) is check(error)  # the newest is always kept
    assert len(check) == 1
