"""Recorded exchanges read as the spec's operations, their volatile fields, and the rules that replay them.

Shared by `mocktui import` (a HAR file into rules or examples) and the scenario export (the journal
into rules): one reading of what a recorded request was and which of its fields will differ next time.
Volatile fields (values that differ between otherwise identical exchanges, or look like timestamps,
generated ids and tokens, and redacted secrets) are matched whatever their value (`exists: true`), so
a replayed client's fresh timestamp still matches.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import yaml

from mocktui.engine.contract.router import Router
from mocktui.engine.har import REDACTED, is_secret, pairs, request_body, response_body
from mocktui.engine.replay import dropped, request_key
from mocktui.engine.spec.model import Operation, Spec

NOT_JSON = object()

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
_JWT = re.compile(r"^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$")
_HEX = re.compile(r"^[0-9a-f]{24,}$", re.I)
_TIME_NAMES = re.compile(r"(At|_at|time|Time|stamp|Stamp|date|Date|expires|Expires|^ts|^iat|^exp|^nbf)$")
_ID_NAMES = {"requestid", "traceid", "correlationid", "nonce", "etag", "idempotencykey", "spanid"}


@dataclass
class Exchange:
    """One recorded request and its answer, with the spec's operation when one matches."""

    method: str
    path: str
    query: list[tuple[str, str]]
    body: Any  # the JSON request body, or NOT_JSON
    status: int
    headers: list[tuple[str, str]]
    media: str
    answer: bytes
    op: Operation | None = None
    params: dict[str, str] = field(default_factory=dict)
    key: tuple[Any, ...] = ()

    @property
    def json(self) -> Any:
        return _json(self.answer)

    @property
    def name(self) -> str:
        return self.op.id if self.op is not None else f"{self.method} {self.path}"


@dataclass(frozen=True, order=True)
class Volatile:
    operation: str
    part: str  # query | request | response
    pointer: str  # a JSON pointer, list indices as `*`; the name for query parameters
    reason: str

    def line(self) -> str:
        return f"{self.operation} {self.part} {self.pointer}: {self.reason}"


# -- reading ---------------------------------------------------------------------------------


def exchanges(entries: list[dict[str, Any]], spec: Spec) -> list[Exchange]:
    router: Router[Operation] = Router()
    for op in spec.operations:
        router.add(op.path, op.method, op)
    base = spec.base_path
    out = []
    for item in entries:
        request, response = item["request"], item["response"]
        url = urlsplit(request["url"])
        path = url.path or "/"
        post = request.get("postData") or {}
        raw = request_body(item)
        headers = pairs(response.get("headers"))
        media = next((v for k, v in headers if k.lower() == "content-type"), "")
        ex = Exchange(
            method=request["method"].upper(),
            path=path,
            query=parse_qsl(url.query, keep_blank_values=True),
            body=_json(raw) if raw else NOT_JSON,
            status=int(response["status"]),
            headers=headers,
            media=media,
            answer=response_body(item),
            key=request_key(request["method"], path, url.query, raw, str(post.get("mimeType", ""))),
        )
        inner = path[len(base) :] or "/" if base and (path == base or path.startswith(base + "/")) else path
        match = router.match(inner)
        if match is not None and ex.method in match.methods:
            ex.op, ex.params = match.methods[ex.method], match.params(ex.method)
        out.append(ex)
    return out


def _json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return NOT_JSON


def leaves(value: Any, pointer: str = "", shape: str = "") -> Iterator[tuple[str, str, Any]]:
    """(pointer, pointer with list indices as `*`, value) of every scalar in a JSON value."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            token = str(k).replace("~", "~0").replace("/", "~1")
            yield from leaves(v, f"{pointer}/{token}", f"{shape}/{token}")
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from leaves(v, f"{pointer}/{i}", f"{shape}/*")
    else:
        yield pointer, shape, value


# -- volatile fields ---------------------------------------------------------------------------


def looks_volatile(name: str, value: Any) -> str | None:
    """Why a value of a field called `name` would differ on the next run, or None."""
    if is_secret(name) or value == REDACTED:
        return "secret"
    if isinstance(value, str):
        if _TIMESTAMP.match(value):
            return "timestamp"
        if _UUID.match(value):
            return "generated id (uuid)"
        if _JWT.match(value) or _HEX.match(value):
            return "token"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and _TIME_NAMES.search(name):
        if 1e9 <= value < 1e10 or 1e12 <= value < 1e13:
            return "timestamp (epoch)"
    if re.sub(r"[-_]", "", name.lower()) in _ID_NAMES and value not in (None, ""):
        return "generated id"
    return None


def volatile_fields(found: list[Exchange]) -> list[Volatile]:
    out: set[Volatile] = set()
    for ex in found:
        for name, value in ex.query:
            reason = looks_volatile(name, value)
            if reason:
                out.add(Volatile(ex.name, "query", name, reason))
        for part, body in (("request", ex.body), ("response", ex.json)):
            if body is NOT_JSON:
                continue
            for pointer, shape, value in leaves(body):
                reason = looks_volatile(pointer.rsplit("/", 1)[-1], value)
                if reason:
                    out.add(Volatile(ex.name, part, shape or "/", reason))
    by_request: dict[tuple[Any, ...], list[Exchange]] = defaultdict(list)
    for ex in found:
        by_request[ex.key].append(ex)
    for same in by_request.values():  # one request, answers that differ: those fields are volatile
        answers = [dict((p, (s, v)) for p, s, v in leaves(ex.json)) for ex in same if ex.json is not NOT_JSON]
        for pointer in {p for answer in answers for p in answer}:
            seen = {orjson.dumps(a.get(pointer, (None, "\0missing"))[1]) for a in answers}
            if len(seen) > 1:
                shape = next(a[pointer][0] for a in answers if pointer in a)
                out.add(Volatile(same[0].name, "response", shape or "/", "differs between identical requests"))
    by_operation: dict[tuple[str, str], list[Exchange]] = defaultdict(list)
    for ex in found:
        by_operation[(ex.method, ex.op.id if ex.op else ex.path)].append(ex)
    for same in by_operation.values():  # requests alike but for one field: that field is volatile
        fields = [_request_fields(ex) for ex in same]
        for pointer in {p for f in fields for p in f}:
            groups: dict[bytes, set[bytes]] = defaultdict(set)
            for f in fields:
                rest = orjson.dumps(sorted((p, v) for p, v in f.items() if p != pointer))
                groups[rest].add(orjson.dumps(f.get(pointer)))
            if any(len(values) > 1 for values in groups.values()):
                part, name = ("query", pointer[1:]) if pointer.startswith("?") else ("request", pointer)
                out.add(Volatile(same[0].name, part, _shape(name), "differs between otherwise identical requests"))
    return sorted(out)


def _request_fields(ex: Exchange) -> dict[str, str]:
    fields = {f"?{k}": v for k, v in ex.query}
    if ex.body is not NOT_JSON:
        fields.update((p, orjson.dumps(v).decode()) for p, _, v in leaves(ex.body))
    return fields


def _shape(pointer: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/*", pointer) or "/"


# -- rules (examples and sequences) -------------------------------------------------------------


def rule_texts(found: list[Exchange], volatile: list[Volatile], *, sequence: bool) -> list[str]:
    """YAML text of each rule, a comment naming the volatile fields it ignores above it."""
    marked: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for v in volatile:
        if v.part in ("query", "request"):
            marked[v.operation].add((v.part, v.pointer))
    groups: dict[str, tuple[dict[str, Any], list[str], list[Exchange]]] = {}
    for ex in found:
        when, ignored = _when(ex, marked[ex.name])
        key = orjson.dumps(when, option=orjson.OPT_SORT_KEYS).decode()
        groups.setdefault(key, (when, ignored, []))[2].append(ex)
    ordered = sorted(groups.values(), key=lambda g: -len(g[0].get("query", {})) - len(g[0].get("body", {})))
    texts: list[str] = []
    counts: dict[str, int] = defaultdict(int)
    for when, ignored, same in ordered:
        counts[same[0].name] += 1
        label = f"{same[0].name} {'request' if sequence else 'example'} {counts[same[0].name]}"
        steps = list(enumerate(same, 1)) if sequence else [(1, same[-1])]
        for n, ex in steps:
            condition = dict(when)
            if sequence and len(same) > 1:
                condition.update({"call": n} if n < len(same) else {"calls": {"after": n - 1}})
            name = f"{label}, call {n}" if sequence and len(same) > 1 else label
            note = f"# volatile, matched whatever their value: {', '.join(ignored)}\n" if ignored else ""
            rule = {"name": name, "when": condition, "then": _then(ex)}
            texts.append(note + yaml.safe_dump([rule], sort_keys=False, allow_unicode=True, width=1000))
    return texts


def _when(ex: Exchange, marked: set[tuple[str, str]]) -> tuple[dict[str, Any], list[str]]:
    when: dict[str, Any] = {"operation": ex.op.id} if ex.op is not None else {"method": ex.method}
    when["path"] = ex.path
    ignored: list[str] = []
    if ex.query:
        query: dict[str, Any] = {}
        for name, value in ex.query:
            if ("query", name) in marked or looks_volatile(name, value):
                query[name] = {"exists": True}
                ignored.append(f"?{name}")
            else:
                query[name] = {"eq": value}
        when["query"] = query
    if ex.body is not NOT_JSON and ex.method not in ("GET", "HEAD"):
        shapes = {p for part, p in marked if part == "request"}
        body: dict[str, Any] = {}
        _conditions(ex.body, "", "", shapes, body, ignored)
        when["body"] = body
    return when, ignored


def _conditions(
    value: Any, pointer: str, shape: str, shapes: set[str], out: dict[str, Any], ignored: list[str]
) -> None:
    """Conditions that match `value` at `pointer`, whatever the volatile fields under it hold."""
    name = pointer.rsplit("/", 1)[-1]
    if shape in shapes or (pointer and looks_volatile(name, value)):
        out[pointer] = {"exists": True}
        ignored.append(shape or "/")
        return
    inner = any(s.startswith(shape + "/") for s in shapes) or _any_volatile(value)
    if isinstance(value, dict) and value and inner:
        for k, v in value.items():
            token = str(k).replace("~", "~0").replace("/", "~1")
            _conditions(v, f"{pointer}/{token}", f"{shape}/{token}", shapes, out, ignored)
    elif isinstance(value, list) and value and inner:
        for i, v in enumerate(value):
            _conditions(v, f"{pointer}/{i}", f"{shape}/*", shapes, out, ignored)
    else:
        out[pointer or "$"] = {"eq": value}


def _any_volatile(value: Any) -> bool:
    return any(looks_volatile(p.rsplit("/", 1)[-1], v) for p, _, v in leaves(value) if p)


def _then(ex: Exchange) -> dict[str, Any]:
    then: dict[str, Any] = {"status": ex.status}
    headers = {k: _literal(v) for k, v in ex.headers if not dropped(k, v) and k.lower() != "content-type"}
    if headers:
        then["headers"] = headers
    value = ex.json
    if ex.answer and value is not NOT_JSON and isinstance(value, (dict, list)):
        then["body"] = _literal_tree(value)
    elif ex.answer:
        then["body"] = _literal(ex.answer.decode("utf-8", "replace"))
    if ex.media and ex.answer:
        then["content_type"] = ex.media
    return then


def _literal(text: str) -> str:
    """Text the rules' templates leave as it is (a recorded `{{` is not a template)."""
    return "{% raw %}" + text + "{% endraw %}" if "{{" in text or "{%" in text or "{#" in text else text


def _literal_tree(value: Any) -> Any:
    if isinstance(value, str):
        return _literal(value)
    if isinstance(value, dict):
        return {k: _literal_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal_tree(v) for v in value]
    return value
