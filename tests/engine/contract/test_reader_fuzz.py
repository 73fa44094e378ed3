"""Every request reader fuzzed: no input makes the validator raise anything but `BadRequest`, and none makes
the mock answer 5xx, whether driven through the engine or the ASGI app with raw bytes.

Parameters cover each location and style/explode combination (Swagger collectionFormats too); bodies
cover JSON, URL-encoded and multipart forms (with encodings), XML, text and octet-stream. Inputs are
built from the characters that matter on the wire: delimiters, brackets, reserved characters, percent
escapes, quotes, controls and non-ASCII.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mocktui.engine.contract.compiled import CompiledOperation
from mocktui.engine.contract.validate import BadRequest
from mocktui.engine.http import MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.server.app import MockApp

STYLES = [  # (name, style, explode, schema)
    ("qa", "form", True, {"type": "array", "items": {"type": "integer"}}),
    ("qb", "form", False, {"type": "array", "items": {"type": "number"}}),
    ("qc", "spaceDelimited", False, {"type": "array", "items": {"type": "boolean"}}),
    ("qd", "pipeDelimited", False, {"type": "array", "items": {"type": "string", "format": "byte"}}),
    ("qe", "form", True, {"type": "object", "properties": {"r": {"type": "integer"}, "g": {"type": "string"}}}),
    ("qf", "form", False, {"type": "object", "properties": {"r": {"type": "integer"}}}),
    ("qg", "deepObject", True, {"type": "object", "properties": {"a": {"type": "object"}, "b": {"type": "array"}}}),
    ("qh", "deepObject", True, {"type": "array", "items": {"type": "integer"}}),
    ("qi", "form", True, {"type": "string", "nullable": True, "enum": ["x", "y"]}),
    ("qj", "form", True, {"anyOf": [{"type": "integer"}, {"type": "array", "items": {"type": "integer"}}]}),
]
PATH_STYLES = [
    ("simple", False),
    ("simple", True),
    ("label", False),
    ("label", True),
    ("matrix", False),
    ("matrix", True),
]
OBJECT = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}}}
ARRAY = {"type": "array", "items": {"type": "integer"}}


def _oas3() -> dict[str, Any]:
    query = [{"name": n, "in": "query", "style": s, "explode": e, "schema": sc} for n, s, e, sc in STYLES]
    query += [
        {"name": "empty", "in": "query", "allowEmptyValue": False, "schema": {"type": "string"}},
        {"name": "maybe", "in": "query", "allowEmptyValue": True, "schema": {"type": "integer"}},
        {"name": "raw", "in": "query", "allowReserved": True, "schema": {"type": "string"}},
        {"name": "js", "in": "query", "content": {"application/json": {"schema": OBJECT}}},
    ]
    headers = [
        {"name": "X-Arr", "in": "header", "schema": ARRAY},
        {"name": "X-Obj", "in": "header", "explode": True, "schema": OBJECT},
        {"name": "X-Obj2", "in": "header", "schema": OBJECT},
        {"name": "X-Num", "in": "header", "schema": {"type": "number"}},
        {"name": "c1", "in": "cookie", "schema": ARRAY},
        {"name": "c2", "in": "cookie", "schema": OBJECT},
        {"name": "c3", "in": "cookie", "explode": True, "schema": OBJECT},
    ]
    paths: dict[str, Any] = {}
    ok = {"200": {"description": "ok"}, "400": {"description": "bad"}}
    paths["/q"] = {"get": {"operationId": "query", "parameters": query + headers, "responses": ok}}
    for i, (style, explode) in enumerate(PATH_STYLES):
        params = [
            {"name": f"{k}{i}", "in": "path", "required": True, "style": style, "explode": explode, "schema": sc}
            for k, sc in (("a", ARRAY), ("o", OBJECT), ("n", {"type": "integer"}))
        ]
        paths[f"/p{i}/{{a{i}}}/{{o{i}}}/{{n{i}}}"] = {
            "get": {"operationId": f"path{i}", "parameters": params, "responses": ok}
        }
    body = {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "price": {"type": "object", "properties": {"amount": {"type": "number"}, "cur": {"type": "string"}}},
            "deep": {"type": "object", "properties": {"x": {"type": "array", "items": {"type": "object"}}}},
            "csv": {"type": "array", "items": {"type": "integer"}},
            "blob": {"type": "string", "format": "byte"},
            "when": {"type": "string", "format": "date-time", "nullable": True},
        },
        "xml": {"name": "thing"},
    }
    encoding = {
        "deep": {"style": "deepObject", "explode": True},
        "csv": {"style": "form", "explode": False},
        "tags": {"allowReserved": True},
    }
    content = {
        "application/json": {"schema": body},
        "application/x-www-form-urlencoded": {"schema": body, "encoding": encoding},
        "multipart/form-data": {"schema": body, "encoding": {"price": {"contentType": "application/json"}}},
        "application/xml": {"schema": body},
        "text/plain": {"schema": {"type": "string", "maxLength": 10}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    }
    made = {"201": {"description": "made"}, "422": {"description": "invalid"}}
    paths["/b"] = {"post": {"operationId": "body", "requestBody": {"content": content}, "responses": made}}
    paths["/none"] = {"post": {"operationId": "none", "responses": made}}
    return {"openapi": "3.0.3", "info": {"title": "Fuzz", "version": "1"}, "paths": paths}


def _swagger() -> dict[str, Any]:
    params = [
        {"name": f"s{fmt}", "in": "query", "type": "array", "collectionFormat": fmt, "items": {"type": "integer"}}
        for fmt in ("csv", "ssv", "tsv", "pipes", "multi")
    ]
    params += [
        {"name": "f1", "in": "formData", "type": "array", "items": {"type": "integer"}},
        {"name": "f2", "in": "formData", "type": "string", "allowEmptyValue": False},
        {"name": "f3", "in": "formData", "type": "file"},
        {"name": "f4", "in": "formData", "type": "integer", "allowEmptyValue": True},
    ]
    op = {"operationId": "swag", "consumes": ["multipart/form-data", "application/x-www-form-urlencoded"]}
    op |= {"parameters": params, "responses": {"200": {"description": "ok"}}}
    return {"swagger": "2.0", "info": {"title": "Fuzz", "version": "1"}, "paths": {"/s": {"post": op}}}


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> list[MockEngine]:
    folder = tmp_path_factory.mktemp("fuzz")
    out = []
    for name, spec in (("oas3.json", _oas3()), ("swagger.json", _swagger())):
        (folder / name).write_bytes(orjson.dumps(spec))
        out.append(MockEngine.build(load_spec(str(folder / name))))
    return out


# -- inputs built from what matters on the wire -----------------------------------------------------------

_PIECES = list("ab19-_.~ ,|\t;=&+%[]{}()\"'<>/?#@!$*:\\\r\n\x00é€😀") + ["%2", "%zz", "%5B", "%00", "%C3"]
WIRE = st.lists(st.sampled_from(_PIECES), max_size=16).map("".join)
NAMES = [n for n, *_ in STYLES] + ["empty", "maybe", "raw", "js", "r", "g", "sCSV", "id", "tags", "amount", "cur"]
NAMES += ["price", "deep", "csv", "blob", "when", "f1", "f2", "f3", "f4"] + [
    f"s{f}" for f in ("csv", "ssv", "tsv", "pipes", "multi")
]
KEYS = st.one_of(
    st.sampled_from(NAMES),
    st.builds(lambda n, inner: f"{n}[{inner}]", st.sampled_from(NAMES), WIRE),
    st.builds(lambda n, a, b: f"{n}[{a}][{b}]", st.sampled_from(NAMES), WIRE, WIRE),
    WIRE,
)
FIELDS = st.lists(st.tuples(KEYS, WIRE), max_size=8)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)
CTYPES = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=B",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "application/xml",
        "text/plain; charset=utf-8",
        "application/octet-stream",
        "",
        "image/png",
        "application/merge-patch+json",
    ]
)


def query_text(fields: list[tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" for k, v in fields)


MATCHING = {
    "json": ["application/json", "application/merge-patch+json"],
    "form": ["application/x-www-form-urlencoded"],
    "multipart": ["multipart/form-data; boundary=B", "multipart/form-data", "multipart/form-data; boundary="],
    "xml": ["application/xml", "text/xml"],
    "bytes": ["application/octet-stream", "text/plain; charset=utf-8", "image/png"],
}
XML_HEADS = [
    "",
    '<?xml version="1.0"?>',
    '<?xml version="1.0" encoding="nope"?>',
    '<?xml version="1.0" encoding="utf-16"?>',
]


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, bytes]:
    """(Content-Type, body): mostly a body of the type it says it is, sometimes another or none."""
    kind = draw(st.sampled_from(sorted(MATCHING)))
    ctype = draw(st.sampled_from(MATCHING[kind]) if draw(st.integers(0, 4)) else CTYPES)
    if kind == "json":
        return ctype, json.dumps(draw(JSON), ensure_ascii=False).encode()  # big integers too
    if kind == "form":
        return ctype, query_text(draw(FIELDS)).encode()
    if kind == "multipart":
        extra = st.sampled_from([b"", b"Content-Type: application/json\r\n", b"Content-Transfer-Encoding: base64\r\n"])
        parts = [
            b'--B\r\nContent-Disposition: form-data; name="' + k.encode() + b'"\r\n' + draw(extra) + b"\r\n"
            + v.encode() + b"\r\n"
            for k, v in draw(FIELDS)
        ]  # fmt: skip
        return ctype, b"".join(parts) + draw(st.sampled_from([b"--B--\r\n", b"", b"--B", b"garbage"]))
    if kind == "xml":
        tags = draw(st.lists(st.sampled_from(NAMES + ["thing", "item", "x", "x:y"]), max_size=6))
        inner = "".join(f"<{t}>{draw(WIRE).replace('<', '')}</{t}>" for t in tags)
        head = draw(st.sampled_from([*XML_HEADS, "<!DOCTYPE x>"]))
        return ctype, (head + f"<thing>{inner}</thing>" + draw(st.sampled_from(["", "<", "</thing>"]))).encode()
    return ctype, draw(st.binary(max_size=64))


def check_validator(
    compiled: CompiledOperation, path: dict[str, str], query: str, headers: dict[str, str], body: bytes
) -> None:
    try:
        violations = compiled.validator.validate(path, query, headers, body)
    except BadRequest as exc:
        assert exc.kind in ("malformed", "media", "unexpected-body", "invalid") and exc.violations
        return
    assert all(v.location in ("path", "query", "header", "cookie", "body") for v in violations)


FUZZ = settings(
    max_examples=int(os.environ.get("MOCKTUI_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(fields=FIELDS, headers=st.dictionaries(st.sampled_from(["x-arr", "x-obj", "x-obj2", "x-num", "cookie"]), WIRE))
def test_query_header_and_cookie_readers(
    engines: list[MockEngine], fields: list[tuple[str, str]], headers: dict[str, str]
) -> None:
    engine = engines[0]
    query = query_text(fields)
    check_validator(engine.operations["query"], {}, query, headers, b"")
    assert engine.handle(MockRequest("GET", "/q", query=query, headers=headers)).status < 500


@FUZZ
@given(index=st.integers(0, len(PATH_STYLES) - 1), segments=st.lists(WIRE, min_size=3, max_size=3))
def test_path_readers_by_style(engines: list[MockEngine], index: int, segments: list[str]) -> None:
    engine = engines[0]
    values = [s.replace("/", "%2F").replace("?", "%3F").replace("#", "%23") or "x" for s in segments]
    params = dict(zip((f"a{index}", f"o{index}", f"n{index}"), segments, strict=True))
    check_validator(engine.operations[f"path{index}"], params, "", {}, b"")
    assert engine.handle(MockRequest("GET", f"/p{index}/" + "/".join(values))).status < 500


@FUZZ
@given(sent=bodies(), path=st.sampled_from(["/b", "/b", "/b", "/none"]))
@example(sent=("application/xml", b'<?xml version="1.0" encoding="nope"?><thing/>'), path="/b")  # was a 500
def test_body_readers(engines: list[MockEngine], sent: tuple[str, bytes], path: str) -> None:
    engine = engines[0]
    ctype, body = sent
    headers = {"content-type": ctype, "content-length": str(len(body))}
    check_validator(engine.operations["body" if path == "/b" else "none"], {}, "", headers, body)
    assert engine.handle(MockRequest("POST", path, headers=headers, body=body)).status < 500


@FUZZ
@given(fields=FIELDS, sent=bodies())
def test_swagger_collection_formats_and_form_data(
    engines: list[MockEngine], fields: list[tuple[str, str]], sent: tuple[str, bytes]
) -> None:
    engine = engines[1]
    ctype, body = sent
    headers = {"content-type": ctype, "content-length": str(len(body))}
    check_validator(engine.operations["swag"], {}, query_text(fields), headers, body)
    assert engine.handle(MockRequest("POST", "/s", query=query_text(fields), headers=headers, body=body)).status < 500


async def _asgi(app: MockApp, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    path, _, query = target.partition(b"?")
    scope = {
        "type": "http",
        "method": method,
        "path": path.decode("latin-1"),
        "raw_path": path,
        "query_string": query,
        "headers": headers,
        "client": ("127.0.0.1", 5000),
    }
    sent: list[dict[str, Any]] = []
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status: int = sent[0]["status"]
    return status


@settings(
    max_examples=int(os.environ.get("MOCKTUI_FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    target=st.builds(
        lambda path, tail, query: path + tail + b"?" + query,
        st.sampled_from([b"/q", b"/b", b"/none", b"/p4/", b"/p5/", b"/p2/"]),
        st.binary(max_size=12) | WIRE.map(str.encode),
        st.binary(max_size=40) | FIELDS.map(lambda f: query_text(f).encode()),
    ),
    raw_headers=st.lists(
        st.tuples(
            st.sampled_from([b"x-arr", b"x-obj", b"cookie", b"content-type", b"accept", b"prefer"]),
            st.binary(max_size=20),
        ),
        max_size=5,
    ),
    sent=bodies(),
    method=st.sampled_from(["GET", "POST"]),
)
def test_the_asgi_app_never_answers_5xx(
    engines: list[MockEngine],
    target: bytes,
    raw_headers: list[tuple[bytes, bytes]],
    sent: tuple[str, bytes],
    method: str,
) -> None:
    body = sent[1]
    headers = [(b"content-type", sent[0].encode()), *raw_headers, (b"content-length", str(len(body)).encode())]
    status = asyncio.run(_asgi(MockApp(engines[0]), method, target, headers, body))
    assert status < 500, (target, headers, body)


def test_a_fuzz_failure_would_show(engines: list[MockEngine], monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks above can fail: a reader that raises is seen as a 500 through the app."""

    def broken(*_: Any) -> Any:
        raise KeyError("reader")

    monkeypatch.setattr(engines[0].operations["query"].validator, "validate", broken)
    assert asyncio.run(_asgi(MockApp(engines[0]), "GET", b"/q?qa=1", [], b"")) == 500


def test_the_spec_builds_every_style(engines: list[MockEngine], tmp_path: Path) -> None:
    styles = {(p.style, p.explode) for op in engines[0].spec.operations for p in op.parameters}
    assert {("matrix", True), ("label", False), ("deepObject", True), ("pipeDelimited", False)} <= styles
    assert {p.style for p in engines[1].spec.operations[0].parameters} >= {"tabDelimited", "spaceDelimited"}
