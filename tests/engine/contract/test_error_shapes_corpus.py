"""Every declared error shape with a field-like and a message-like property names the real fields.

For the bundled specs and the whole corpus: each operation is sent a request missing what it
requires (a required JSON body property, else a required query parameter). When the refusal's
declared schema has an object with a field-like key (`field`, `path`, `pointer`, `param`...) and a
message-like key (`message`, `reason`, `detail`...), the answer must carry the missing names there.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest

from mocktui.engine.contract.media import is_json
from mocktui.engine.contract.truth import FIELD_KEYS, TEXT_KEYS
from mocktui.engine.contract.validate import response_schema
from mocktui.engine.http import MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.model import Operation
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls

from ...corpus import SPEC_FILES, build_request
from ...paths import CORPUS, SPECS

SPEC_PATHS = [SPECS / n for n in ("shop.yaml", "users.yaml", "payments.yaml", "petstore.yaml")] + [
    CORPUS / n for n in SPEC_FILES
]


def _deref(node: Any, defs: dict[str, Any]) -> Any:
    for _ in range(32):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/$defs/"):
            node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
        else:
            break
    return node


def field_shapes(node: Any, defs: dict[str, Any], depth: int = 0) -> bool:
    """Whether the schema holds an object with both a field-like and a message-like property."""
    node = _deref(node, defs)
    if depth > 6 or not isinstance(node, dict):
        return False
    props = node.get("properties")
    if isinstance(props, dict) and any(k in props for k in FIELD_KEYS) and any(k in props for k in TEXT_KEYS):
        return True
    children: list[Any] = list(props.values()) if isinstance(props, dict) else []
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            children.append(node[key])
    for key in ("allOf", "oneOf", "anyOf"):
        if isinstance(node.get(key), list):
            children.extend(node[key])
    return any(field_shapes(child, defs, depth + 1) for child in children)


def named_fields(body: Any) -> list[str]:
    """Every value held under a field-like key anywhere in the body, as text."""
    out: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key in FIELD_KEYS and isinstance(value, (str, list)):
                out.append(value if isinstance(value, str) else ".".join(map(str, value)))
            out.extend(named_fields(value))
    elif isinstance(body, list):
        for item in body:
            out.extend(named_fields(item))
    return out


def incomplete(engine: MockEngine, op: Operation, rng: random.Random) -> tuple[MockRequest, set[str]] | None:
    """A request missing what `op` requires, and the names that are missing."""
    base = build_request(engine, op, rng)
    headers = {k.lower(): v for k, v in base["headers"].items()}
    params: list[tuple[str, str]] = base["params"]
    body = b""
    media = next((n for n in (op.body.content if op.body else {}) if is_json(n)), None)
    schema = engine.spec.schemas.deref(op.body.content[media].schema) if op.body and media else None
    required = [r for r in (schema.get("required") or [])] if isinstance(schema, dict) else []
    props = schema.get("properties") or {} if isinstance(schema, dict) else {}
    required = [
        r
        for r in required
        if not (isinstance(d := engine.spec.schemas.deref(props.get(r)), dict) and d.get("readOnly"))
    ]
    if required:
        missing = set(required)
        body, headers["content-type"] = b"{}", "application/json"
    else:
        query = [p.name for p in op.parameters if p.location == "query" and p.required]
        if not query:
            return None
        missing = {query[0]}
        params = [(k, v) for k, v in params if k != query[0]]
        if op.body and op.body.content:
            body = base.get("content", b"")
    headers["content-length"] = str(len(body))
    path = base["url"]
    return MockRequest(op.method.upper(), path, query=urlencode(params), headers=headers, body=body), missing


def _declared_shape(engine: MockEngine, op: Operation, status: int) -> bool:
    key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in op.responses), None)
    if key is None:
        return False
    media = next((m for n, m in op.responses[key].content.items() if is_json(n)), None)
    if media is None or media.schema is None:
        return False
    bundle = response_schema(engine.spec.schemas, media.schema)
    return field_shapes(bundle, bundle.get("$defs", {}) if isinstance(bundle, dict) else {})


@pytest.mark.corpus
@pytest.mark.parametrize("path", SPEC_PATHS, ids=lambda p: p.name if p.parent.name != "spec" else str(p))
def test_declared_field_and_message_shapes_name_the_missing_fields(path: Path) -> None:
    engine = MockEngine.build(load_spec(str(path)), controls=Controls(security=False), faker_seed=1)
    rng = random.Random(1)
    checked, misses = 0, []
    for op in engine.spec.operations:
        made = incomplete(engine, op, rng)
        if made is None:
            continue
        request, missing = made
        response = engine.handle(request)
        if not 400 <= response.status < 500 or not _declared_shape(engine, op, response.status):
            continue
        checked += 1
        named = named_fields(orjson.loads(response.body))
        if not any(n.rstrip("/").split("/")[-1].split(".")[-1] in missing for n in named):
            misses.append(f"{op.method} {op.path} -> {response.status}: missing {sorted(missing)}, named {named[:5]}")
    assert misses == [], f"{len(misses)} of {checked} shapes said nothing true:\n" + "\n".join(misses[:20])
