"""Runtime expressions: every production of the grammar over JSON, form, multipart, query, header and path."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from mocktui.engine.spec.expressions import MISSING, Exchange, ExpressionError, parse_expression, parse_template
from mocktui.engine.spec.model import MediaType, Operation, Parameter, RequestBody, Response

MULTIPART = (
    b'--B\r\nContent-Disposition: form-data; name="callbackUrl"\r\n\r\nhttp://m.example/cb\r\n'
    b'--B\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n\r\n'
    b'{"tags": ["a", "b"]}\r\n--B--\r\n'
)


def exchange(body: bytes = b"", ctype: str = "application/json") -> Exchange:
    return Exchange(
        url="http://api.example/subs/7?callbackUrl=http://q.example/cb&n=1",
        method="POST",
        status=201,
        path={"id": "7"},
        query="callbackUrl=http://q.example/cb&n=1",
        headers={"content-type": ctype, "x-progress-url": "http://h.example/p"},
        body=body,
        response_headers={"location": "/subs/7", "content-type": "application/json"},
        response_body=orjson.dumps({"id": 7, "links": {"self": "/subs/7"}, "items": [{"sku": "a/b"}]}),
    )


JSON = orjson.dumps({"callbackUrl": "http://j.example/cb", "a/b": 1, "m~n": 2, "list": [10, 20]})
FORM = b"callbackUrl=http%3A%2F%2Ff.example%2Fcb&tag=x&tag=y"

CASES: list[tuple[str, bytes, str, Any]] = [
    ("$url", b"", "application/json", "http://api.example/subs/7?callbackUrl=http://q.example/cb&n=1"),
    ("$method", b"", "application/json", "POST"),
    ("$statusCode", b"", "application/json", 201),
    ("$request.path.id", b"", "application/json", "7"),
    ("$request.query.callbackUrl", b"", "application/json", "http://q.example/cb"),
    ("$request.query.absent", b"", "application/json", MISSING),
    ("$request.header.X-Progress-Url", b"", "application/json", "http://h.example/p"),
    ("$request.body#/callbackUrl", JSON, "application/json", "http://j.example/cb"),
    ("$request.body#/a~1b", JSON, "application/json", 1),
    ("$request.body#/m~0n", JSON, "application/json", 2),
    ("$request.body#/list/1", JSON, "application/json", 20),
    ("$request.body#/list/9", JSON, "application/json", MISSING),
    ("$request.body", JSON, "application/json", orjson.loads(JSON)),
    ("$request.body#/callbackUrl", FORM, "application/x-www-form-urlencoded", "http://f.example/cb"),
    ("$request.body#/tag/1", FORM, "application/x-www-form-urlencoded", "y"),
    ("$request.body#/callbackUrl", MULTIPART, "multipart/form-data; boundary=B", "http://m.example/cb"),
    ("$request.body#/meta/tags/0", MULTIPART, "multipart/form-data; boundary=B", "a"),
    ("$response.header.Location", b"", "application/json", "/subs/7"),
    ("$response.body#/id", b"", "application/json", 7),
    ("$response.body#/links/self", b"", "application/json", "/subs/7"),
    ("$response.body#/items/0/sku", b"", "application/json", "a/b"),
]


@pytest.mark.parametrize(("text", "body", "ctype", "expected"), CASES, ids=[c[0] + " " + c[2] for c in CASES])
def test_each_production_reads_its_source(text: str, body: bytes, ctype: str, expected: Any) -> None:
    assert parse_expression(text).evaluate(exchange(body, ctype)) == expected or (
        expected is MISSING and parse_expression(text).evaluate(exchange(body, ctype)) is MISSING
    )


def test_templates_embed_expressions_in_text() -> None:
    template = parse_template("{$request.body#/callbackUrl}/events/{$response.body#/id}?m={$method}")
    assert template.render(exchange(JSON)) == "http://j.example/cb/events/7?m=POST"
    assert parse_template("$request.query.callbackUrl").render(exchange()) == "http://q.example/cb"


def test_a_template_naming_nothing_renders_none() -> None:
    assert parse_template("{$request.body#/nope}/x").render(exchange(JSON)) is None


@pytest.mark.parametrize(
    "text",
    ["$foo", "$request", "$request.cookie.a", "$request.body/x", "$response.path.id", "$request.header.a b",
     "{$request.query.a", "{request.query.a}"],
)  # fmt: skip
def test_bad_expressions_are_refused(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_template(text)


def test_check_names_what_the_operation_lacks() -> None:
    schema = {"type": "object", "properties": {"callbackUrl": {"type": "string"}}}
    op = Operation(
        "subscribe", "POST", "/subs/{id}",
        parameters=[Parameter("id", "path", True, {"type": "string"}), Parameter("cb", "query", False, {}),
                    Parameter("X-Hook", "header", False, {})],
        body=RequestBody(True, {"application/json": MediaType("application/json", schema)}),
        responses={"201": Response("201", content={"application/json": MediaType("application/json", schema)})},
    )  # fmt: skip
    fine = "{$request.path.id}{$request.query.cb}{$request.header.x-hook}{$request.body#/callbackUrl}{$url}"
    assert parse_template(fine).check(op, lambda s: s) == []
    problems = parse_template("{$request.query.nope}{$request.body#/other}{$request.path.x}").check(op, lambda s: s)
    assert len(problems) == 3
    assert "query parameter 'nope'" in problems[0] and "/other" in problems[1]
