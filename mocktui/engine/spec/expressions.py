"""OpenAPI runtime expressions: `$url`, `$method`, `$statusCode`, `$request.*` and `$response.*`.

A callback's URL names a value of the exchange that triggered it (`{$request.body#/callbackUrl}/data`).
Templates are parsed and checked against their operation once, at start-up (`parse_template`,
`Template.check`); per exchange only the named values are looked up (`Template.render`). Pure: no
I/O, so the engine can hold them and the server layer renders them.

The grammar (OAS 3.1 "Runtime Expressions"):
    expression = "$url" | "$method" | "$statusCode" | "$request." source | "$response." source
    source     = "header." token | "query." name | "path." name | "body" ["#" json-pointer]
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import orjson

from mocktui.engine.spec.model import Operation

MISSING: Any = object()  # what an expression names is not in this exchange
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_SIMPLE = ("$url", "$method", "$statusCode")


class ExpressionError(ValueError):
    """Text that is not a runtime expression (or template of them); the message says where."""


@dataclass(slots=True)
class Exchange:
    """What one request and its answer carried, as the expressions read it."""

    url: str  # the full request URL
    method: str
    status: int = 0
    path: Mapping[str, str] = field(default_factory=dict)  # path parameters by name
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    response_headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    response_body: bytes = b""
    _parsed: dict[str, Any] = field(default_factory=dict)  # bodies and query decoded on first use

    def request_value(self) -> Any:
        if "request" not in self._parsed:
            self._parsed["request"] = parse_body(self.body, self.headers.get("content-type", ""))
        return self._parsed["request"]

    def response_value(self) -> Any:
        if "response" not in self._parsed:
            self._parsed["response"] = parse_body(self.response_body, self.response_headers.get("content-type", ""))
        return self._parsed["response"]

    def query_values(self) -> dict[str, list[str]]:
        if "query" not in self._parsed:
            self._parsed["query"] = parse_qs(self.query, keep_blank_values=True)
        found: dict[str, list[str]] = self._parsed["query"]
        return found


@dataclass(frozen=True, slots=True)
class Expression:
    """One parsed expression: `where` is url | method | statusCode | request | response."""

    text: str
    where: str
    source: str = ""  # header | query | path | body
    name: str = ""  # the header, query or path parameter
    pointer: tuple[str, ...] = ()  # the body's JSON pointer, split and unescaped

    def evaluate(self, exchange: Exchange) -> Any:
        """The value it names in `exchange`, or MISSING."""
        if self.where == "url":
            return exchange.url
        if self.where == "method":
            return exchange.method
        if self.where == "statusCode":
            return exchange.status
        request = self.where == "request"
        if self.source == "header":
            headers = exchange.headers if request else exchange.response_headers
            return headers.get(self.name.lower(), MISSING)
        if self.source == "query":
            values = exchange.query_values().get(self.name)
            return values[0] if values else MISSING
        if self.source == "path":
            return exchange.path.get(self.name, MISSING)
        body = exchange.request_value() if request else exchange.response_value()
        return resolve_pointer(body, self.pointer)


def parse_expression(text: str) -> Expression:
    """One expression, `$...` without braces; raises ExpressionError."""
    if text in _SIMPLE:
        return Expression(text, text[1:])
    where, dot, rest = text.partition(".")
    if where not in ("$request", "$response") or not dot:
        raise ExpressionError(f"{text!r} is not a runtime expression; expected $url, $method, $statusCode, "
                              "$request.<source> or $response.<source>")  # fmt: skip
    if rest == "body" or rest.startswith("body#"):
        pointer = rest[5:]
        if pointer and not pointer.startswith("/"):
            raise ExpressionError(f"{text!r}: a body pointer starts with '/' (body#/field)")
        return Expression(text, where[1:], "body", pointer=split_pointer(pointer))
    source, dot, name = rest.partition(".")
    if source not in ("header", "query", "path") or not dot or not name:
        raise ExpressionError(f"{text!r}: expected header.NAME, query.NAME, path.NAME or body#/pointer after {where}.")
    if source == "header" and not _TOKEN.match(name):
        raise ExpressionError(f"{text!r}: {name!r} is not a header name")
    if source == "path" and where == "$response":
        raise ExpressionError(f"{text!r}: a response has no path parameters")
    return Expression(text, where[1:], source, name)


@dataclass(frozen=True, slots=True)
class Template:
    """Text with `{expression}` parts (or one bare `$expression`): a callback's URL."""

    text: str
    parts: tuple[str | Expression, ...]

    @property
    def expressions(self) -> list[Expression]:
        return [p for p in self.parts if isinstance(p, Expression)]

    def render(self, exchange: Exchange) -> str | None:
        """The text with each expression's value; None when one names nothing in `exchange`."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = part.evaluate(exchange)
            if value is MISSING or value is None:
                return None
            out.append(value if isinstance(value, str) else orjson.dumps(value).decode())
        return "".join(out)

    def check(self, op: Operation | None, deref: Callable[[Any], Any]) -> list[str]:
        """What each expression names that `op` (the triggering operation) does not have, in words."""
        return [problem for e in self.expressions if (problem := unknown(e, op, deref)) is not None]


def parse_template(text: str) -> Template:
    """`{$request.body#/url}/events`, or a bare `$request.query.url`; raises ExpressionError."""
    if text.startswith("$"):
        return Template(text, (parse_expression(text),))
    parts: list[str | Expression] = []
    at = 0
    while at < len(text):
        start = text.find("{", at)
        if start < 0:
            parts.append(text[at:])
            break
        end = text.find("}", start)
        if end < 0:
            raise ExpressionError(f"{text!r}: '{{' at {start} is never closed")
        if start > at:
            parts.append(text[at:start])
        inner = text[start + 1 : end]
        if not inner.startswith("$"):
            raise ExpressionError(f"{text!r}: {{{inner}}} is not an expression (they start with $)")
        parts.append(parse_expression(inner))
        at = end + 1
    return Template(text, tuple(parts))


def unknown(expression: Expression, op: Operation | None, deref: Callable[[Any], Any]) -> str | None:
    """Why `expression` can never have a value for `op`, or None when it may."""
    if op is None or expression.where in ("url", "method", "statusCode"):
        return None
    if expression.source in ("path", "query") or (expression.source == "header" and expression.where == "request"):
        names = {p.name.lower() if p.location == "header" else p.name for p in op.parameters
                 if p.location == expression.source}  # fmt: skip
        wanted = expression.name.lower() if expression.source == "header" else expression.name
        if wanted not in names:
            return f"{expression.text}: {op.id} declares no {expression.source} parameter {expression.name!r}"
        return None
    if expression.source != "body" or not expression.pointer:
        return None
    if expression.where == "request":
        schemas = [m.schema for m in op.body.content.values()] if op.body is not None else []
    else:
        schemas = [m.schema for r in op.responses.values() if r.key.startswith("2") for m in r.content.values()]
    if not schemas:
        return f"{expression.text}: {op.id} declares no {expression.where} body"
    if any(_may_hold(s, expression.pointer, deref) for s in schemas):
        return None
    return f"{expression.text}: no {expression.where} body of {op.id} has {'/' + '/'.join(expression.pointer)}"


def _may_hold(schema: Any, pointer: tuple[str, ...], deref: Callable[[Any], Any]) -> bool:
    """Whether a value of `schema` can have something at `pointer` (open schemas can)."""
    for token in pointer:
        schema = deref(schema)
        if not isinstance(schema, dict):
            return True
        branches = [b for key in ("allOf", "anyOf", "oneOf") for b in schema.get(key) or []]
        if branches:
            return any(_may_hold(b, pointer, deref) for b in branches) or _may_hold(
                {k: v for k, v in schema.items() if k not in ("allOf", "anyOf", "oneOf")}, pointer, deref
            )
        props = schema.get("properties")
        if token.isdigit() and "items" in schema:
            schema = schema["items"]
        elif isinstance(props, dict) and token in props:
            schema = props[token]
        elif schema.get("additionalProperties") is False or isinstance(props, dict):
            return schema.get("additionalProperties", True) is not False and not props
        else:
            return True
    return True


def split_pointer(pointer: str) -> tuple[str, ...]:
    """RFC 6901: `/a~1b/0` -> ("a/b", "0")."""
    if not pointer:
        return ()
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/"))


def resolve_pointer(value: Any, tokens: tuple[str, ...]) -> Any:
    for token in tokens:
        if isinstance(value, dict):
            if token not in value:
                return MISSING
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return MISSING
    return value


def parse_body(raw: bytes, content_type: str) -> Any:
    """A body as the pointer sees it: JSON, a form's fields, a multipart's parts; else its text."""
    if not raw:
        return MISSING
    base = content_type.split(";")[0].strip().lower()
    if base == "application/x-www-form-urlencoded":
        return _single(parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if base.startswith("multipart/"):
        return _multipart(raw, content_type)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", "replace")


def _single(fields: Mapping[str, list[str]]) -> dict[str, Any]:
    """A field given once is its value; a repeated one is the list of them."""
    return {k: v[0] if len(v) == 1 else v for k, v in fields.items()}


def _multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    fields: dict[str, list[str]] = {}
    for part in message.iter_parts() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload or "")
        if part.get_content_type() == "application/json":
            try:
                fields.setdefault(name, []).append(orjson.loads(text))
                continue
            except orjson.JSONDecodeError:
                pass
        fields.setdefault(name, []).append(text)
    return _single(fields)
