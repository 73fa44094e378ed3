"""The data generator on arrays, objects (required, readOnly/writeOnly, additional and pattern properties),
composition (allOf/oneOf/anyOf, discriminators) and recursion."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import jsonschema
import pytest

from mocktui.engine.data.generate import MAX_DEPTH

from .support import FORMATS, V31, _uuid, gen_for, obj, ref

# -- arrays --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lo", "hi"), [(0, 0), (0, 1), (1, 1), (3, 3), (2, 5), (10, 12), (0, None), (4, None), (20, 25)]
)
def test_array_item_counts(lo: int, hi: int | None) -> None:
    schema: dict[str, Any] = {"type": "array", "items": {"type": "integer"}, "minItems": lo}
    if hi is not None:
        schema["maxItems"] = hi
    values = gen_for(schema).valid(200)
    lengths = {len(v) for v in values}
    assert min(lengths) >= lo and max(lengths) <= (hi if hi is not None else math.inf)
    if hi is None or hi > max(lo, 1):
        assert len(lengths) > 1  # counts vary (0..1 always gives one item: arrays are never left empty by choice)


def test_array_items_follow_item_schema() -> None:
    values = gen_for({"type": "array", "items": {"type": "string", "format": "uuid"}, "minItems": 1}).valid(100)
    assert all(v and all(_uuid(i) for i in v) for v in values)


@pytest.mark.parametrize(
    "items",
    [
        {"type": "integer"},
        {"type": "string", "enum": ["a", "b", "c"]},
        {"type": "boolean"},
        obj({"k": {"type": "integer", "minimum": 0, "maximum": 3}}, required=["k"], additionalProperties=False),
    ],
    ids=["integers", "enum3", "booleans", "objects4"],
)
def test_unique_items(items: dict[str, Any]) -> None:
    schema = {"type": "array", "items": items, "uniqueItems": True, "minItems": 2, "maxItems": 8}
    values = gen_for(schema).valid(200)
    for v in values:
        keys = [json.dumps(i, sort_keys=True) for i in v]
        assert len(keys) == len(set(keys)), v


def test_unique_items_needing_every_possible_item() -> None:
    # Exactly five distinct integers exist and five are required.
    schema = {
        "type": "array",
        "items": {"type": "integer", "minimum": 1, "maximum": 5},
        "uniqueItems": True,
        "minItems": 5,
        "maxItems": 5,
    }
    values = gen_for(schema).valid(500)
    assert all(sorted(v) == [1, 2, 3, 4, 5] for v in values)


# -- objects -------------------------------------------------------------------------------------------------------


def test_required() -> None:
    schema = obj(
        {"id": {"type": "integer"}, "name": {"type": "string"}, "note": {"type": "string"}},
        required=["id", "name", "undeclared"],
    )
    values = gen_for(schema).valid(100)
    assert all({"id", "name", "undeclared"} <= v.keys() for v in values)


def test_required_survives_depth_cut() -> None:
    components = {
        "Deep": obj({"level": ref("Deep"), "tag": {"type": "string"}}, required=["tag"]),
    }
    values = gen_for(ref("Deep"), components=components).valid(50)
    node: Any
    for v in values:
        node = v
        while "level" in node:
            node = node["level"]
            assert "tag" in node


@pytest.mark.parametrize(
    ("schema", "lo", "hi"),
    [
        ({"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 2, "maxProperties": 4}, 2, 4),
        ({"type": "object", "additionalProperties": {"type": "string"}, "minProperties": 6}, 6, 99),
        (obj({c: {"type": "string"} for c in "abcdef"}, maxProperties=2), 0, 2),
        (obj({"a": {"type": "string"}, "b": {"type": "string"}}, minProperties=1, maxProperties=1), 1, 1),
        (obj({"a": {"type": "string"}}, required=["a"], minProperties=3), 3, 99),
        (obj({"nickname": {"type": "string"}, "id": {"type": "integer"}}, required=["id"], maxProperties=1), 1, 1),
        (
            obj(
                {"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}},
                required=["c"],
                maxProperties=2,
            ),
            1,
            2,
        ),
    ],
    ids=[
        "additional-2-4",
        "additional-min6",
        "declared-max2",
        "declared-exactly1",
        "open-object-min3",
        "required-after-optional-max1",
        "required-after-optionals-max2",
    ],
)
def test_min_max_properties(schema: dict[str, Any], lo: int, hi: int) -> None:
    values = gen_for(schema).valid(200)
    assert all(lo <= len(v) <= hi for v in values)


def test_additional_properties_false() -> None:
    schema = obj({"a": {"type": "integer"}, "b": {"type": "string"}}, additionalProperties=False)
    values = gen_for(schema).valid(100)
    assert all(v.keys() <= {"a", "b"} for v in values)


def test_additional_properties_schema() -> None:
    schema = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 5, "maximum": 9}}
    values = gen_for(schema).valid(100)
    assert all(v for v in values)  # a free-form map still gets entries
    assert all(isinstance(x, int) and 5 <= x <= 9 for v in values for x in v.values())


def test_additional_properties_schema_next_to_declared() -> None:
    schema = obj(
        {"id": {"type": "string", "format": "uuid"}},
        required=["id"],
        additionalProperties={"type": "boolean"},
        minProperties=3,
    )
    values = gen_for(schema).valid(100)
    assert all(_uuid(v["id"]) and all(isinstance(x, bool) for k, x in v.items() if k != "id") for v in values)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "additionalProperties": True},
        {"type": "object"},
        obj({"a": {"type": "integer"}}, additionalProperties=True),
    ],
    ids=["true", "absent", "true-with-properties"],
)
def test_additional_properties_true(schema: dict[str, Any]) -> None:
    values = gen_for(schema).valid(100)
    assert all(isinstance(v, dict) for v in values)


def test_pattern_properties() -> None:
    schema = {
        "type": "object",
        "patternProperties": {"^x-[a-z]{3}$": {"type": "integer"}},
        "minProperties": 2,
        "additionalProperties": False,
    }
    values = gen_for(schema, V31).valid(100)
    assert all(len(v) >= 2 and all(re.fullmatch(r"x-[a-z]{3}", k) for k in v) for v in values)


RW = obj(
    {
        "id": {"type": "integer", "readOnly": True},
        "password": {"type": "string", "writeOnly": True},
        "name": {"type": "string"},
    },
    required=["name"],
)


def test_response_context_omits_write_only() -> None:
    values = gen_for(RW).valid(100, response=True)
    assert all("password" not in v and "name" in v for v in values)
    assert any("id" in v for v in values)


def test_request_context_omits_read_only() -> None:
    values = gen_for(RW).valid(100, response=False)
    assert all("id" not in v and "name" in v for v in values)
    assert any("password" in v for v in values)


def test_read_only_via_ref() -> None:
    components = {"Id": {"type": "string", "format": "uuid", "readOnly": True}}
    values = gen_for(obj({"id": ref("Id"), "name": {"type": "string"}}), components=components).valid(
        50, response=False
    )
    assert all("id" not in v for v in values)


# -- composition ---------------------------------------------------------------------------------------------------


def test_all_of_merged() -> None:
    schema = {
        "allOf": [
            obj({"a": {"type": "integer", "minimum": 0}}, required=["a"]),
            obj({"a": {"maximum": 10}, "b": {"type": "string", "maxLength": 4}}, required=["b"]),
            {"properties": {"c": {"type": "boolean"}}, "required": ["c"]},
        ]
    }
    values = gen_for(schema).valid(200)
    assert all(0 <= v["a"] <= 10 and len(v["b"]) <= 4 and isinstance(v["c"], bool) for v in values)


def test_all_of_with_refs() -> None:
    components = {
        "Base": obj({"id": {"type": "string", "format": "uuid"}}, required=["id"]),
        "Named": obj({"name": {"type": "string", "minLength": 3}}, required=["name"]),
    }
    schema = {
        "allOf": [
            ref("Base"),
            ref("Named"),
            obj({"age": {"type": "integer", "minimum": 0, "maximum": 5}}, required=["age"]),
        ]
    }
    values = gen_for(schema, components=components).valid(100)
    assert all(_uuid(v["id"]) and len(v["name"]) >= 3 and 0 <= v["age"] <= 5 for v in values)


ONE_OF_CASES: dict[str, list[Any]] = {
    "string|integer": [{"type": "string"}, {"type": "integer"}],
    "email|uuid": [{"type": "string", "format": "email"}, {"type": "string", "format": "uuid"}],
    "short|long": [{"type": "string", "maxLength": 5}, {"type": "string", "minLength": 6}],
    "closed-objects": [
        obj({"a": {"type": "integer"}}, required=["a"], additionalProperties=False),
        obj({"b": {"type": "string"}}, required=["b"], additionalProperties=False),
    ],
    "open-objects": [
        obj({"a": {"type": "integer"}}, required=["a"]),
        obj({"b": {"type": "string"}}, required=["b"]),
    ],
    "integer|number": [{"type": "integer"}, {"type": "number"}],
}


@pytest.mark.parametrize("branches", list(ONE_OF_CASES.values()), ids=list(ONE_OF_CASES))
def test_one_of_exactly_one_branch_matches(branches: list[Any]) -> None:
    sampler = gen_for({"oneOf": branches})
    branch_validators = [jsonschema.Draft202012Validator(b, format_checker=FORMATS) for b in branches]
    values = sampler.valid(400)
    matches = [[i for i, bv in enumerate(branch_validators) if bv.is_valid(v)] for v in values]
    assert all(len(m) == 1 for m in matches)
    if branches != ONE_OF_CASES["integer|number"]:  # there an integer would match both: only `number` can be
        assert {m[0] for m in matches} == set(range(len(branches)))  # every branch gets drawn


def test_one_of_refs() -> None:
    components = {
        "Card": obj(
            {"number": {"type": "string", "pattern": r"^\d{16}$"}}, required=["number"], additionalProperties=False
        ),
        "Iban": obj({"iban": {"type": "string"}}, required=["iban"], additionalProperties=False),
    }
    values = gen_for({"oneOf": [ref("Card"), ref("Iban")]}, components=components).valid(200)
    assert {next(iter(v)) for v in values} == {"number", "iban"}


def test_any_of() -> None:
    branches = [{"type": "string", "maxLength": 3}, {"type": "integer", "minimum": 0}]
    values = gen_for({"anyOf": branches}).valid(300)
    assert all((isinstance(v, str) and len(v) <= 3) or (isinstance(v, int) and v >= 0) for v in values)
    assert {type(v) for v in values} == {str, int}


def test_any_of_objects() -> None:
    branches = [obj({"a": {"type": "integer"}}, required=["a"]), obj({"b": {"type": "boolean"}}, required=["b"])]
    values = gen_for({"anyOf": branches}).valid(200)
    assert all("a" in v or "b" in v for v in values)


PETS: dict[str, Any] = {
    "Pet": {
        **obj({"petType": {"type": "string"}, "name": {"type": "string"}}, required=["petType", "name"]),
        "discriminator": {"propertyName": "petType", "mapping": {"cat": ref("Cat")["$ref"], "dog": ref("Dog")["$ref"]}},
    },
    "Cat": {"allOf": [ref("Pet"), obj({"meows": {"type": "boolean"}}, required=["meows"])]},
    "Dog": {"allOf": [ref("Pet"), obj({"barks": {"type": "integer", "minimum": 0}}, required=["barks"])]},
    "Lizard": obj({"kind": {"type": "string"}, "scales": {"type": "integer"}}, required=["kind", "scales"]),
    "Snake": obj({"kind": {"type": "string"}, "venomous": {"type": "boolean"}}, required=["kind", "venomous"]),
}


def test_discriminator_mapping_matches_chosen_branch() -> None:
    schema = {
        "oneOf": [ref("Cat"), ref("Dog")],
        "discriminator": {
            "propertyName": "petType",
            "mapping": {"kitty": ref("Cat")["$ref"], "doggo": ref("Dog")["$ref"]},
        },
    }
    sampler = gen_for(schema, components=PETS)
    defs = sampler.bundled["$defs"]
    branch = {
        tag: jsonschema.Draft202012Validator({**defs[name], "$defs": defs}, format_checker=FORMATS)
        for tag, name in (("kitty", "Cat"), ("doggo", "Dog"))
    }
    values = sampler.valid(200)
    assert {v["petType"] for v in values} == {"kitty", "doggo"}
    for v in values:
        assert branch[v["petType"]].is_valid(v), v
        other = "doggo" if v["petType"] == "kitty" else "kitty"
        assert not branch[other].is_valid(v), v


def test_discriminator_without_mapping_uses_schema_names() -> None:
    schema = {"oneOf": [ref("Lizard"), ref("Snake")], "discriminator": {"propertyName": "kind"}}
    values = gen_for(schema, components=PETS).valid(200)
    assert {v["kind"] for v in values} == {"Lizard", "Snake"}
    assert all(("scales" in v) == (v["kind"] == "Lizard") for v in values)


@pytest.mark.parametrize(("name", "tag", "field"), [("Cat", "cat", "meows"), ("Dog", "dog", "barks")])
def test_discriminator_on_all_of_subtype(name: str, tag: str, field: str) -> None:
    values = gen_for(ref(name), components=PETS).valid(100)
    assert all(v["petType"] == tag and field in v for v in values)


# -- recursion -----------------------------------------------------------------------------------------------------


def _depth(value: Any, key: str) -> int:
    if isinstance(value, dict):
        child = value.get(key)
        if isinstance(child, list):
            return 1 + max((_depth(c, key) for c in child), default=0)
        return 1 + (_depth(child, key) if child is not None else 0)
    return 0


@pytest.mark.parametrize(
    ("components", "key"),
    [
        (
            {
                "Node": obj(
                    {"name": {"type": "string"}, "children": {"type": "array", "items": ref("Node")}}, required=["name"]
                )
            },
            "children",
        ),
        (
            {
                "Node": obj(
                    {"value": {"type": "integer"}, "next": {**ref("Node"), "nullable": True}},
                    required=["value", "next"],
                )
            },
            "next",
        ),
        (
            {"Node": obj({"children": {"type": "array", "items": ref("Node"), "minItems": 0}}, required=["children"])},
            "children",
        ),
    ],
    ids=["tree", "required-nullable-list", "required-children"],
)
def test_recursive_schema_is_bounded(components: dict[str, Any], key: str) -> None:
    values = gen_for(ref("Node"), components=components).valid(100)
    depths = [_depth(v, key) for v in values]
    assert max(depths) <= MAX_DEPTH + 1
    assert max(depths) >= 2  # it does recurse


def test_mutually_recursive_schemas() -> None:
    components = {
        "Author": obj(
            {"name": {"type": "string"}, "books": {"type": "array", "items": ref("Book")}}, required=["name"]
        ),
        "Book": obj({"title": {"type": "string"}, "author": ref("Author")}, required=["title", "author"]),
    }
    values = gen_for(ref("Author"), components=components).valid(100)
    assert all(len(json.dumps(v)) < 200_000 for v in values)
