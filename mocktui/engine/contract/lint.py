"""Checks a spec's examples against its own schemas, and its patterns against the generator, for `mocktui validate`.

The mock never serves an example that breaks its schema (it generates data
instead), but a spec whose examples contradict it usually hides a mistake
its authors want to hear about; a pattern the generator cannot honour means
responses the mock's own validation may reject. Kept out of loading: it
compiles a validator per example and samples every pattern, which a server
start does not need.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs

from mocktui.engine.contract.media import is_json
from mocktui.engine.contract.validate import pointer_of, request_schema, response_schema
from mocktui.engine.data.regex import pattern_problem
from mocktui.engine.spec.errors import Problem
from mocktui.engine.spec.loader import escape_pointer
from mocktui.engine.spec.model import Spec

MAX_REASONS = 3  # per example: the first few violations say enough
MAX_REASON_LEN = 200
# Keys whose values are data, not schemas (a `pattern` inside an example is not one), and maps keyed by names.
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const", "value", "externalValue"})
_NAME_MAPS = frozenset(
    {"properties", "definitions", "$defs", "dependentSchemas", "schemas", "paths", "webhooks",
     "responses", "parameters", "headers", "content", "requestBodies", "callbacks", "links", "pathItems",
     "securitySchemes", "encoding", "variables"}
)  # fmt: skip


def example_problems(spec: Spec) -> list[Problem]:
    """One warning per spec example (media type or schema `example`) that its schema rejects."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for schema, value, (file, pointer), request in _examples(spec):
        if (file, pointer) in seen:  # a shared component is reached from many operations
            continue
        seen.add((file, pointer))
        # A request example leaves out what the server fills in (readOnly), as clients do.
        bundle = (request_schema if request else response_schema)(spec.schemas, schema)
        reasons = _violations(bundle, value)
        if reasons:
            reason = "example does not match its schema: " + "; ".join(reasons)
            problems.append(spec.schemas.loader.problem(file, pointer, reason, "warning"))
    return problems


def _examples(spec: Spec) -> Iterator[tuple[Any, Any, tuple[str, str], bool]]:
    for op in spec.operations:
        medias = [(m, False) for r in op.responses.values() for m in r.content.values()]
        if op.body is not None:
            medias.extend((m, True) for m in op.body.content.values())
        for media, request in medias:
            if media.schema is None or not is_json(media.name):
                continue  # an XML or text example is a string in the spec, not the value it shows
            if media.has_example and "" in media.origins:
                yield media.schema, media.example, media.origins[""], request
            for name, value in media.examples.items():
                if name in media.origins:
                    yield media.schema, value, media.origins[name], request
    for name, schema in spec.schemas.defs.items():
        origin = spec.schemas.def_origin.get(name)
        if origin is None or not isinstance(schema, dict):
            continue
        file, pointer = origin
        if "example" in schema:
            yield {"$ref": f"#/$defs/{name}"}, schema["example"], (file, pointer + "/example"), False
        for prop, sub in (schema.get("properties") or {}).items():
            if isinstance(sub, dict) and "example" in sub:
                where = f"{pointer}/properties/{escape_pointer(prop)}/example"
                yield sub, sub["example"], (file, where), False


def _violations(bundle: Any, value: Any) -> list[str]:
    try:
        validator = jsonschema_rs.validator_for(bundle, validate_formats=True)
        errors = list(validator.iter_errors(value))
    except (ValueError, TypeError, jsonschema_rs.ValidationError) as exc:
        return [f"cannot be checked ({exc})"]
    out = []
    for error in errors[:MAX_REASONS]:
        where = pointer_of(error.instance_path)
        message = error.message if len(error.message) <= MAX_REASON_LEN else error.message[:MAX_REASON_LEN] + "..."
        out.append(f"{where or '(root)'}: {message}")
    if len(errors) > MAX_REASONS:
        out.append(f"and {len(errors) - MAX_REASONS} more")
    return out


def pattern_problems(spec: Spec) -> list[Problem]:
    """One warning per `pattern` (or `patternProperties` key) whose generated values may not match it.

    Found by sampling: the generator draws a few values and the response validator checks each.
    """
    problems: list[Problem] = []
    for file, doc in spec.schemas.loader.docs.items():
        for pointer, pattern in _patterns(doc):
            reason = pattern_problem(pattern)
            if reason is not None:
                message = f"the generator cannot honour this pattern ({reason}); generated values may not match"
                problems.append(spec.schemas.loader.problem(file, pointer, message, "warning"))
    return problems


def _patterns(doc: Any) -> Iterator[tuple[str, str]]:
    """(pointer, pattern) for each pattern in a spec file, in document order; examples and `x-` extensions skipped."""
    seen: set[int] = set()  # YAML aliases share a node: report it once
    stack: list[tuple[Any, str, str]] = [(doc, "", "")]  # node, pointer, and what its keys are if not keywords
    while stack:
        node, pointer, keys = stack.pop()
        if isinstance(node, list):
            stack.extend((item, f"{pointer}/{i}", "") for i, item in reversed(list(enumerate(node))))
            continue
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        children = []
        for key, value in node.items():
            key = str(key)
            where = f"{pointer}/{escape_pointer(key)}"
            if keys == "patterns":
                yield where, key
            elif not keys and (key in _DATA_KEYS or key.startswith("x-")):
                continue
            elif not keys and key == "pattern" and isinstance(value, str):
                yield where, value
            kind = "" if keys else "patterns" if key == "patternProperties" else "names" if key in _NAME_MAPS else ""
            children.append((value, where, kind))
        stack.extend(reversed(children))
