"""`--replay FILE.har`: answers recorded earlier, for the requests that were recorded.

Loaded and indexed once at start-up by (method, path, query in any order, and the body for methods
other than GET and HEAD), so a request costs one dict lookup. Secret fields never tell requests
apart (the recording redacted them, the live request still has them), and JSON bodies compare as
JSON (key order and spacing aside). A request recorded several times gets its answers in order,
then the last one again; the count is the engine's (shared by every worker, per session).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import orjson

from mocktui.engine.har import HarError, inflated, is_secret, pairs, read, redact_json, request_body, response_body
from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.steer.counters import Counters

# Headers a recorded answer does not carry again: hop-by-hop ones, and those the server sets itself.
DROPPED = frozenset({
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "te", "trailer", "transfer-encoding",
    "upgrade", "content-length", "date", "server",
})  # fmt: skip

Key = tuple[str, str, tuple[tuple[str, str], ...], bytes]


@dataclass(frozen=True, slots=True)
class Recorded:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    operation: str | None


def request_key(method: str, path: str, query: str, body: bytes, media: str) -> Key:
    """What identifies a request for replay."""
    method = method.upper()
    params = tuple(sorted((k, "" if is_secret(k) else v) for k, v in parse_qsl(query, keep_blank_values=True)))
    return method, path, params, b"" if method in ("GET", "HEAD") else _body_key(body, media.lower())


def _body_key(body: bytes, media: str) -> bytes:
    if not body:
        return b""
    if "json" in media or body[:1] in (b"{", b"["):
        try:
            return orjson.dumps(redact_json(orjson.loads(body)), option=orjson.OPT_SORT_KEYS)
        except orjson.JSONDecodeError:
            return body
    if media.startswith("application/x-www-form-urlencoded"):
        fields = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        return orjson.dumps(sorted((k, "" if is_secret(k) else v) for k, v in fields))
    return body


class Replay:
    """Recorded answers by request; `answer` is the per-request part."""

    def __init__(self, answers: dict[Key, list[Recorded]], files: Sequence[str] = ()) -> None:
        self.answers = answers
        self.files = tuple(files)
        self._numbers = {key: number for number, key in enumerate(answers)}  # short counter keys

    def __len__(self) -> int:
        return sum(len(v) for v in self.answers.values())

    @classmethod
    def load(cls, files: Sequence[str]) -> Replay:
        """Every entry of every file, in order; raises `HarError` naming the file and the reason."""
        answers: dict[Key, list[Recorded]] = {}
        for file in files:
            try:
                entries = read(file)
            except HarError as exc:
                raise HarError(f"{file}: {exc}") from None
            for item in entries:
                request, response = item["request"], item["response"]
                url = urlsplit(request["url"])
                post = request.get("postData") or {}
                key = request_key(request["method"], url.path or "/", url.query, request_body(item),
                                  str(post.get("mimeType", "")))  # fmt: skip
                body = response_body(item)
                headers = tuple((k, v) for k, v in pairs(response.get("headers")) if not dropped(k, v, body))
                extension = item.get("_mocktui")
                operation = extension.get("operation") if isinstance(extension, dict) else None
                recorded = Recorded(int(response["status"]), headers, body, _text(operation))
                answers.setdefault(key, []).append(recorded)
        return cls(answers, files)

    def answer(self, request: MockRequest, counters: Counters) -> MockResponse | None:
        """The recorded answer for `request` (its next one, when recorded several times), or None."""
        key = request_key(request.method, request.path, request.query, request.body,
                          request.headers.get("content-type", ""))  # fmt: skip
        recorded = self.answers.get(key)
        if recorded is None:
            return None
        if len(recorded) == 1:
            chosen = recorded[0]
        else:
            counter = f"replay:{self._numbers[key]}" + (f":{request.session}" if request.session else "")
            chosen = recorded[min(counters.incr(counter), len(recorded)) - 1]
        return MockResponse(chosen.status, list(chosen.headers), chosen.body, chosen.operation, tags=("replayed",))


def dropped(name: str, value: str, body: bytes | None = None) -> bool:
    """A recorded header the server would send twice (hop-by-hop, length, date, the CORS it adds itself), or
    a gzip/deflate `Content-Encoding` of a body the recording holds inflated (HAR's way; None: the body is
    taken as the HAR text, inflated)."""
    lower = name.lower()
    if lower == "content-encoding":
        inflates = value.strip().lower() in ("gzip", "x-gzip", "deflate")
        return inflates and (body is None or inflated(body, value) is None)
    return lower in DROPPED or lower.startswith("access-control-") or (lower == "vary" and value == "Origin")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
