"""HAR 1.2: a journal event as an archive entry, secrets redacted, and HAR files read back.

Pure, so the recorder (server layer), replay (engine) and `mocktui import` share one reading of the
format. Redaction happens here, before a byte reaches the disk: credentials (`Authorization`,
cookies, `X-API-Key`) and every header, query or JSON/form body field whose name looks like a secret
(at any depth) become "[redacted]", unless the recording was asked to keep them (`--record-secrets`).
A gzip or deflate answer is kept inflated, as HAR wants it (and so that its secrets are found): its
`Content-Encoding` header stays for the record, and replay leaves it off an inflated body.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import zlib
from functools import lru_cache
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus, urlencode

import orjson

from mocktui.engine.events import RequestEvent

REDACTED = "[redacted]"
INFLATE_MAX = 16 * 1024 * 1024  # a compressed body inflating past this stays as it came (no zip bombs)
_INFLATES = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
# Words that make a field a secret once case, `-`, `_` and `.` are ignored (`X-Auth-Token`, `client_secret`).
SECRET_WORDS = (
    "token", "password", "passwd", "passphrase", "pwd", "secret", "apikey", "accesskey", "privatekey",
    "session", "credential", "authorization", "bearer", "cvv", "cvc",
)  # fmt: skip
_SEPARATORS = re.compile(r"[-_.\s]")


class HarError(ValueError):
    """A HAR file that cannot be used; the message is the reason (the caller names the file)."""


@lru_cache(maxsize=4096)
def is_secret(name: str) -> bool:
    """Whether a header, query or body field called `name` holds a secret."""
    lower = name.lower()
    plain = _SEPARATORS.sub("", lower)
    return lower in SECRET_HEADERS or any(word in plain for word in SECRET_WORDS)


def redact_json(value: Any) -> Any:
    """`value` with every secret-named field's value replaced, at any depth."""
    if isinstance(value, dict):
        return {k: REDACTED if is_secret(str(k)) else redact_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    return value


def redact_query(query: str) -> str:
    """A raw query string with secret parameters' values replaced; other parameters kept byte for byte."""
    if not query:
        return query
    parts = query.split("&")
    for i, part in enumerate(parts):
        name, sep, _ = part.partition("=")
        if is_secret(unquote_plus(name)):
            parts[i] = f"{name}={quote(REDACTED)}"
    return "&".join(parts)


def redact_body(body: bytes, media: str) -> bytes:
    """A JSON or form body with its secret fields replaced; any other body as it is."""
    if not body:
        return body
    if "json" in media:
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body
        redacted = redact_json(value)
        return body if redacted == value else orjson.dumps(redacted)  # untouched bytes when nothing was secret
    if media.startswith("application/x-www-form-urlencoded"):
        pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        if any(is_secret(k) for k, _ in pairs):
            return urlencode([(k, REDACTED if is_secret(k) else v) for k, v in pairs]).encode()
    return body


def _headers(pairs: list[tuple[str, str]], keep: bool) -> list[dict[str, str]]:
    return [{"name": k, "value": v if keep or not is_secret(k) else REDACTED} for k, v in pairs]


def _cookies(header: str, keep: bool, response: bool = False) -> list[dict[str, str]]:
    """`Cookie: a=1; b=2` (or one `Set-Cookie`'s name=value) as HAR cookies."""
    parts = [header.split(";", 1)[0]] if response else header.split(";")
    out = []
    for part in parts:
        name, sep, value = part.strip().partition("=")
        if sep and name:
            out.append({"name": name, "value": value if keep else REDACTED})
    return out


def inflated(body: bytes, encoding: str) -> bytes | None:
    """A gzip or deflate body inflated whole; None for any other coding, or bytes that are not what it says."""
    wbits = _INFLATES.get(encoding.strip().lower())
    if wbits is None or not body:
        return None
    try:
        inflater = zlib.decompressobj(wbits)
        out = inflater.decompress(body, INFLATE_MAX)
    except zlib.error:
        return None
    return out if inflater.eof and not inflater.unconsumed_tail else None


def _content(body: bytes) -> tuple[str, str | None]:
    """(text, encoding): UTF-8 text as it is, anything else in base64 (HAR's own `encoding`)."""
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), "base64"


def iso_time(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def entry(event: RequestEvent, *, secrets: bool = False, scheme: str = "http") -> dict[str, Any]:
    """The HAR 1.2 entry of one exchange, with a `_mocktui` extension (operation, tags, notes, ...)."""
    keep = secrets
    request_headers = dict(event.request_headers)
    host = request_headers.get("host", "localhost")
    query = event.query if keep else redact_query(event.query)
    pairs = parse_qsl(event.query, keep_blank_values=True)
    request: dict[str, Any] = {
        "method": event.method,
        "url": f"{scheme}://{host}{event.path}" + (f"?{query}" if query else ""),
        "httpVersion": "HTTP/1.1",
        "cookies": _cookies(request_headers.get("cookie", ""), keep),
        "headers": _headers(event.request_headers, keep),
        "queryString": [{"name": k, "value": v if keep or not is_secret(k) else REDACTED} for k, v in pairs],
        "headersSize": -1,
        "bodySize": len(event.request_body),
    }
    if event.request_body:
        mime = request_headers.get("content-type", "")
        text, encoding = _content(event.request_body if keep else redact_body(event.request_body, mime.lower()))
        request["postData"] = {"mimeType": mime, "text": text, **({"_encoding": encoding} if encoding else {})}
    response_headers = dict((k.lower(), v) for k, v in event.response_headers)
    mime = response_headers.get("content-type", "")
    plain = inflated(event.response_body, response_headers.get("content-encoding", ""))
    answer = event.response_body if plain is None else plain
    text, encoding = _content(answer if keep else redact_body(answer, mime.lower()))
    content: dict[str, Any] = {"size": len(answer), "mimeType": mime, "text": text}
    if encoding:
        content["encoding"] = encoding
    if plain is not None:
        content["compression"] = len(plain) - len(event.response_body)
    set_cookies = [v for k, v in event.response_headers if k.lower() == "set-cookie"]
    response = {
        "status": event.status,
        "statusText": _phrase(event.status),
        "httpVersion": "HTTP/1.1",
        "cookies": [c for v in set_cookies for c in _cookies(v, keep, response=True)],
        "headers": _headers(event.response_headers, keep),
        "content": content,
        "redirectURL": response_headers.get("location", ""),
        "headersSize": -1,
        "bodySize": len(event.response_body),
    }
    wait = round(max(event.latency_ms, 0.0), 3)
    extension = {
        "id": event.id,
        "operation": event.operation,
        "tags": list(event.tags),
        "notes": list(event.notes),
        "scenario": event.scenario,
        "worker": event.worker,
        "session": event.session,
        "truncated": list(event.truncated),
    }
    return {
        "startedDateTime": iso_time(event.time - wait / 1000),
        "time": wait,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": wait, "receive": 0},
        "_mocktui": extension,
    }


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def frame(version: str) -> tuple[bytes, bytes]:
    """The bytes before the first entry and after the last: a file is valid HAR after every entry."""
    log = {"version": "1.2", "creator": {"name": "mocktui", "version": version}, "pages": [], "entries": []}
    text = orjson.dumps({"log": log})
    head, tail = text.split(b'"entries":[]')
    return head + b'"entries":[', b"]" + tail + b"\n"


# -- reading -----------------------------------------------------------------------------------


def outgoing(item: Any) -> bool:
    """Whether a HAR entry is a request the mock sent (a webhook or callback delivery in an export)."""
    extension = item.get("_mocktui") if isinstance(item, dict) else None
    return isinstance(extension, dict) and extension.get("direction") == "outgoing"


def read(path: str) -> list[dict[str, Any]]:
    """The entries of a HAR file, each checked for what replay and import read; raises `HarError`.
    A delivery the mock sent (`outgoing`) is left out: it is no request to answer."""
    try:
        with open(path, "rb") as fh:
            data = orjson.loads(fh.read())
    except OSError as exc:
        raise HarError(exc.strerror or str(exc)) from None
    except orjson.JSONDecodeError as exc:
        raise HarError(f"not JSON: {exc}") from None
    log = data.get("log") if isinstance(data, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise HarError("not a HAR file: no log.entries list")
    for number, item in enumerate(entries, 1):
        problem = _problem(item)
        if problem:
            raise HarError(f"entry {number}: {problem}")
    return [item for item in entries if not outgoing(item)]


def _problem(item: Any) -> str | None:
    if not isinstance(item, dict):
        return "not an object"
    request, response = item.get("request"), item.get("response")
    if not isinstance(request, dict) or not isinstance(request.get("method"), str):
        return "request.method missing"
    if not isinstance(request.get("url"), str) or not request["url"]:
        return "request.url missing"
    if not isinstance(response, dict) or not isinstance(response.get("status"), int):
        return "response.status missing"
    content = response.get("content", {})
    if not isinstance(content, dict) or not isinstance(content.get("text", ""), str):
        return "response.content.text is not text"
    if content.get("encoding") == "base64":
        try:
            base64.b64decode(content.get("text", ""), validate=True)
        except (binascii.Error, ValueError):
            return "response.content.text is not base64"
    return None


def request_body(item: dict[str, Any]) -> bytes:
    post = item["request"].get("postData") or {}
    return _decode(str(post.get("text", "")), post.get("_encoding") or post.get("encoding"))


def response_body(item: dict[str, Any]) -> bytes:
    content = item["response"].get("content") or {}
    return _decode(str(content.get("text", "")), content.get("encoding"))


def _decode(text: str, encoding: Any) -> bytes:
    return base64.b64decode(text) if encoding == "base64" else text.encode("utf-8")


def pairs(items: Any) -> list[tuple[str, str]]:
    """HAR `[{name, value}]` as pairs (headers, query strings)."""
    if not isinstance(items, list):
        return []
    return [(str(h.get("name", "")), str(h.get("value", ""))) for h in items if isinstance(h, dict)]
