"""Reading schema keywords for the compiler: examples, enum fitting, `allOf` merging, type guessing.

Pure functions over schema dicts, run at compile time only; they generate nothing. Split from
`generate` so that the compiler reads as the walk over a schema and these as the rules it applies.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import orjson

MISSING = object()  # no example given (None is an example)


def example_of(schema: dict[str, Any]) -> Any:
    if "example" in schema:
        return schema["example"]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    if "default" in schema:
        return schema["default"]
    return MISSING


def example_fits(schema: dict[str, Any], example: Any) -> bool:
    """Spec examples often contradict their own schema; those are not served.

    Schemas with refs are checked later, as a whole response body.
    """
    text = orjson.dumps(schema, option=orjson.OPT_NON_STR_KEYS)
    if b'"$ref"' in text:
        return True
    try:
        return bool(jsonschema_rs.validator_for(schema, validate_formats=True).is_valid(example))
    except (ValueError, TypeError, jsonschema_rs.ValidationError):
        return False


def fitting(values: list[Any], rest: dict[str, Any]) -> list[Any]:
    """Enum values that also satisfy the schema's other keywords (when checkable)."""
    if not rest or b'"$ref"' in orjson.dumps(rest, option=orjson.OPT_NON_STR_KEYS):
        return values
    try:
        validator = jsonschema_rs.validator_for(rest, validate_formats=True)
        return [v for v in values if validator.is_valid(v)] or values
    except (ValueError, TypeError, jsonschema_rs.ValidationError):
        return values


def hinted(schema: Any) -> bool:
    """Whether a def's values depend on the property name it is used under."""
    return (
        isinstance(schema, dict)
        and schema.get("type") in ("string", "number", "integer")
        and not ({"format", "pattern", "enum", "const"} & schema.keys())
    )


def guess_type(schema: dict[str, Any]) -> str:
    if "properties" in schema or "additionalProperties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    if {"minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum"} & schema.keys():
        return "number"
    return "string"


def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """One `allOf` branch merged into another: properties and `required` unite, bounds tighten."""
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
            continue
        mine = out[key]
        if key == "properties":
            props = dict(mine)
            for pname, pschema in value.items():
                props[pname] = {"allOf": [props[pname], pschema]} if pname in props else pschema
            out[key] = props
        elif key == "required":
            out[key] = list(dict.fromkeys([*mine, *value]))
        elif key == "type":
            left = set(mine if isinstance(mine, list) else [mine])
            right = set(value if isinstance(value, list) else [value])
            both = left & right or ({"integer"} if {"integer", "number"} <= left | right else left)
            if "integer" in left | right and "number" in left | right and "integer" not in both:
                both.add("integer")
            out[key] = sorted(both)[0] if len(both) == 1 else sorted(both)
        elif key == "enum" and isinstance(mine, list) and isinstance(value, list):
            out[key] = [v for v in mine if v in value] or mine
        elif key in ("minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum"):
            out[key] = max(mine, value)
        elif key in ("maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum"):
            out[key] = min(mine, value)
        elif key in ("items", "additionalProperties") and isinstance(mine, dict) and isinstance(value, dict):
            out[key] = {"allOf": [mine, value]}
    return out
