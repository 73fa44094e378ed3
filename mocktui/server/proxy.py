"""The validating proxy (`--proxy URL`): forward to the real backend, check its answers against the spec.

A request whose operation's mode (its override's, else the global one) is `proxy` or `auto` is sent to
the backend as it came: method, the full raw path (base path included) after the URL's own path, query,
headers (`Host` the backend's, hop-by-hop ones dropped both ways) and body. Requests the spec does not
describe are forwarded too and noted as drift (`unknown operation`). The answer goes back unchanged, and is
checked against the spec (engine/contract/drift.py): each finding is one note of the journal event, tagged
`proxied` and `drift`.

Bodies stream both ways: the first `CHECK_MAX` bytes (1 MiB) of each are held, to check them, to journal
them, and so that a backend failing before then can still be answered for; beyond that they pass through
in chunks (a 50 MB body is never held whole) and are said to be too large to check. When the backend
fails (unreachable, DNS, TLS, slower than `--proxy-timeout`, garbage, closed mid-body, or 502/503/504 in
`auto`), `auto` answers from the spec (tagged `fallback`, the note says why); `proxy` and `--proxy-strict`
answer 502 (504 for a timeout) with a problem body naming the backend and the reason. A backend failing
after the first MiB went out can only be cut off: the client sees a short body, the journal says why.

The client is mocktui's own (server/upstream.py: keep-alive connections on asyncio protocols and
httptools), one pool per runtime, made on first use in the serving loop and closed on stop: it passes bytes
through and keeps no cookies. bench/proxy.py measured aiohttp at 10-20x httpx and httpcore through the same
pool size, and this client at a fifth of aiohttp's CPU per request (why it replaced aiohttp).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

from mocktui.engine.contract.drift import CHECK_MAX, UNKNOWN, Drift
from mocktui.engine.events import RequestEvent
from mocktui.engine.http import PROBLEM, MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.steer.faults import FaultAbort
from mocktui.server.upstream import Response, Upstream, UpstreamError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
# The mock's own answer to a request (MockApp.answer): request, body too big, send, started, tags, notes.
Answer = Callable[[MockRequest, bool, Send, float, tuple[str, ...], tuple[str, ...]], Awaitable[None]]

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"te", b"trailer", b"transfer-encoding", b"upgrade", b"proxy-connection"}
)
# Not hop-by-hop, but set by the client library or the server for the leg they frame: Host is the backend's,
# Content-Length is recomputed for a held body, Expect is the client's handshake with us, and uvicorn sends
# its own Date (a second one would be a duplicate header).
_REQUEST_OWN = frozenset({b"host", b"content-length", b"expect"})
_RESPONSE_OWN = frozenset({b"date"})
GATEWAY_FAILURES = (502, 503, 504)  # a backend answering these in `auto` is a backend that is down


@dataclass(frozen=True, slots=True)
class Route:
    """How one request is forwarded: its operation (None: the spec does not describe it) and mode."""

    operation: str | None
    mode: str  # proxy | auto
    preflight: bool = False  # a CORS preflight for a forwarded operation: the backend's CORS, not drift


@dataclass(frozen=True, slots=True)
class Failure:
    reason: str
    timeout: bool = False


class Proxy:
    """Forwards requests to one backend for one engine; `answer` is the mock's own answer (the fallback)."""

    def __init__(
        self,
        engine: MockEngine,
        url: str,
        *,
        strict: bool = False,
        timeout: float = 10.0,
        count: Callable[[int], object] | None = None,
    ) -> None:
        parsed = urlsplit(url)
        try:
            port = parsed.port
        except ValueError:
            port, parsed = None, parsed._replace(netloc="")
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"expected an http:// or https:// URL, got {url!r}")
        self.engine = engine
        self.url = url.rstrip("/")
        self.scheme, self.host = parsed.scheme, parsed.hostname
        self.port = port or (443 if parsed.scheme == "https" else 80)
        self.prefix = parsed.path.rstrip("/")
        self.strict = strict
        self.timeout_s = timeout
        self.count = count  # hears how many findings each drifting exchange had (the cluster's counter)
        self.spec: str | None = None  # its spec's name when one instance serves several: its events say it
        self.drift = Drift()
        self.findings = 0  # findings seen by this process
        self.answer: Answer | None = None
        self._upstream: Upstream | None = None

    # -- which requests -----------------------------------------------------------------

    def route(self, method: str, path: str, headers: dict[str, str]) -> Route | None:
        """How this request is forwarded, or None when the mock answers it (mode `mock`)."""
        controls = self.engine.controls
        if controls.mode == "mock" and not controls.overrides:
            return None
        preflight = method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers
        asked = headers["access-control-request-method"].upper() if preflight else method
        compiled, _, _ = self.engine.match(asked, path)
        mode = controls.mode
        if compiled is not None and controls.overrides:
            override = controls.overrides.get(compiled.op.id)
            if override is not None and override.mode is not None:
                mode = override.mode
        if mode == "mock":
            return None
        return Route(compiled.op.id if compiled is not None else None, mode, preflight)

    # -- forwarding -----------------------------------------------------------------------

    async def forward(self, scope: Scope, headers: dict[str, str], receive: Receive, send: Send, route: Route) -> None:
        """Forward one request and send the backend's answer (or the fallback, or a problem) to `send`."""
        started = time.perf_counter()
        body = RequestBody(receive, headers)
        await body.start()
        exchange = Exchange(scope, headers, body, route, started)
        try:
            await self._exchange(exchange, send)
        except FaultAbort:
            raise
        except Exception as exc:  # noqa: BLE001 - the last resort: never a 500 from mocktui, always a reason
            await self._failed(exchange, send, Failure(f"{type(exc).__name__}: {exc}"))

    async def _exchange(self, exchange: Exchange, send: Send) -> None:
        target = self.prefix + exchange.path + (f"?{exchange.query}" if exchange.query else "")
        body = exchange.body
        data: Any = body.stream() if not body.complete else body.held
        try:
            resp = await self.upstream.request(
                exchange.method, target, forwarded(exchange.scope["headers"]), data, body.length
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - every way of not getting an answer has a reason
            await self._failed(exchange, send, failure_of(exc, self.timeout_s))
            return
        try:
            if resp.status in GATEWAY_FAILURES and self._falls_back(exchange.route):
                await self._failed(exchange, send, Failure(f"the backend answered {resp.status} {resp.reason or ''}"))
                return
            try:
                held, ended = await hold(resp, CHECK_MAX)
            except Exception as exc:  # noqa: BLE001 - garbage, a reset or a timeout before the answer was whole
                await self._failed(exchange, send, failure_of(exc, self.timeout_s))
                return
            await self._relay(exchange, send, resp, held, ended)
        finally:
            resp.release()

    async def _relay(self, exchange: Exchange, send: Send, resp: Response, held: list[bytes], ended: bool) -> None:
        """The backend's answer, unchanged, to the client; checked, and journalled before its last byte."""
        out = [(k, v) for k, v in dropped(resp.raw_headers) if k.lower() not in _RESPONSE_OWN]
        texts = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in out]
        prefix = b"".join(held)
        findings = self._check(exchange, resp.status, texts, prefix, ended)
        if ended:
            framed = exchange.method == "HEAD" or resp.status in (204, 304) or resp.status < 200
            if not framed and not any(k.lower() == b"content-length" for k, _ in out):
                out.append((b"content-length", str(len(prefix)).encode()))
            self._publish(exchange, resp.status, texts, prefix, findings)
            await send({"type": "http.response.start", "status": resp.status, "headers": out})
            await send({"type": "http.response.body", "body": prefix})
            return
        remarks = [f"body not checked: longer than {CHECK_MAX // 1024} KiB"]
        await send({"type": "http.response.start", "status": resp.status, "headers": out})
        await send({"type": "http.response.body", "body": prefix, "more_body": True})
        size = len(prefix)
        try:
            while chunk := await resp.read():
                size += len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except Exception as exc:  # noqa: BLE001 - the status went out already: cut the client off, say why
            failure = failure_of(exc, self.timeout_s)
            remarks.append(f"the backend broke off after {size:,} bytes of its body: {failure.reason}")
            self._publish(exchange, resp.status, texts, prefix, findings, remarks, ("backend-error",), cut=True)
            raise FaultAbort("the backend broke off mid-body") from None
        self._publish(exchange, resp.status, texts, prefix, findings, remarks, cut=True)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    def _check(
        self, exchange: Exchange, status: int, headers: list[tuple[str, str]], body: bytes, whole: bool
    ) -> list[str]:
        """The findings of one answer (`whole`: `body` is all of it)."""
        route = exchange.route
        if route.preflight:
            return []
        if route.operation is None:
            return [UNKNOWN]
        whole = whole and exchange.method != "HEAD" and status != 304
        return self.drift.findings(self.engine.contract, route.operation, status, headers, body, complete=whole)

    def _falls_back(self, route: Route) -> bool:
        return route.mode == "auto" and not self.strict and self.answer is not None

    async def _failed(self, exchange: Exchange, send: Send, failure: Failure) -> None:
        """The backend gave no usable answer: the spec's (auto), or a 502/504 problem naming it and why."""
        body = exchange.body
        if self._falls_back(exchange.route) and self.answer is not None:
            rest = await body.rest(self.engine.controls.max_body)
            if rest is not None:
                whole, too_big = rest
                request = MockRequest(exchange.method, exchange.path, exchange.query, exchange.headers, whole,
                                      exchange.client)  # fmt: skip
                note = f"backend {self.url}: {failure.reason}; answered from the spec"
                await self.answer(request, too_big, send, exchange.started, ("fallback",), (note,))
                return
        status, title = (504, "Gateway Timeout") if failure.timeout else (502, "Bad Gateway")
        detail = f"the backend {self.url} gave no usable answer: {failure.reason}"
        if self._falls_back(exchange.route):
            detail += " (and the request body, streamed to it already, cannot be answered from the spec)"
        payload = {"type": "about:blank", "title": title, "status": status, "detail": detail, "backend": self.url}
        content = orjson.dumps(payload)
        headers = [("content-type", PROBLEM), ("content-length", str(len(content)))]
        self._publish(exchange, status, headers, content, [], [f"backend {self.url}: {failure.reason}"],
                      ("backend-error",))  # fmt: skip
        raw = [(k.encode(), v.encode("latin-1", "replace")) for k, v in headers]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": content})

    def _publish(
        self,
        exchange: Exchange,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        findings: list[str],
        remarks: list[str] | tuple[str, ...] = (),
        extra: tuple[str, ...] = (),
        *,
        cut: bool = False,
    ) -> None:
        """Journal the exchange: `findings` are drift (each one counted), `remarks` say what else happened."""
        route = exchange.route
        tags = ("proxied", *(("drift",) if findings else ()), *(("cors",) if route.preflight else ()), *extra)
        if findings:
            self.findings += len(findings)
            if self.count is not None:
                self.count(len(findings))
        event = RequestEvent(
            time=time.time(),
            client=exchange.client,
            method=exchange.method,
            path=exchange.path,
            query=exchange.query,
            status=status,
            latency_ms=(time.perf_counter() - exchange.started) * 1000,
            operation=route.operation,
            request_headers=list(exchange.headers.items()),
            request_body=exchange.body.held,
            response_headers=headers,
            response_body=body,
            tags=tags,
            notes=(*findings, *remarks),
            spec=self.spec,
        )
        event.truncated = (*(("request_body",) if not exchange.body.complete else ()),
                           *(("response_body",) if cut else ()))  # fmt: skip
        self.engine.events.publish(event)

    # -- the client -----------------------------------------------------------------------

    @property
    def upstream(self) -> Upstream:
        """The pooled client, made in the loop that serves (its connections belong to that loop)."""
        if self._upstream is None:
            self._upstream = Upstream(self.scheme, self.host, self.port, timeout=self.timeout_s)
        return self._upstream

    async def close(self) -> None:
        if self._upstream is not None:
            await self._upstream.close()
            self._upstream = None


class Exchange:
    """One forwarded request, as the journal and the fallback need it."""

    __slots__ = ("scope", "headers", "body", "route", "started", "method", "path", "query", "client")

    def __init__(self, scope: Scope, headers: dict[str, str], body: RequestBody, route: Route, started: float) -> None:
        self.scope, self.headers, self.body, self.route, self.started = scope, headers, body, route, started
        self.method: str = scope["method"]
        raw_path = scope.get("raw_path")
        self.path: str = raw_path.decode("latin-1") if raw_path else scope["path"]
        self.query: str = scope.get("query_string", b"").decode("latin-1")
        client = scope.get("client")
        self.client = f"{client[0]}:{client[1]}" if client else ""


class RequestBody:
    """A request body: its first `CHECK_MAX` bytes held (for the journal, and whole for a fallback), the
    rest streamed from the client to the backend as it arrives."""

    def __init__(self, receive: Receive, headers: dict[str, str]) -> None:
        self.receive = receive
        self.expected = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
        self.length = headers.get("content-length")
        self.held = b""
        self.complete = not self.expected
        self.touched = False  # some of the rest went to the backend: it cannot be read again

    async def start(self) -> None:
        if self.complete:
            return
        chunks: list[bytes] = []
        size = 0
        while size <= CHECK_MAX:
            chunk, more = await self._next()
            chunks.append(chunk)
            size += len(chunk)
            if not more:
                self.complete = True
                break
        self.held = b"".join(chunks)

    async def _next(self) -> tuple[bytes, bool]:
        message = await self.receive()
        if message["type"] != "http.request":
            return b"", False  # the client went away
        return message.get("body", b""), bool(message.get("more_body", False))

    async def stream(self) -> AsyncIterator[bytes]:
        if self.held:  # an empty chunk would end a chunked body
            yield self.held
        self.touched = True
        more = not self.complete
        while more:
            chunk, more = await self._next()
            if chunk:
                yield chunk

    async def rest(self, limit: int) -> tuple[bytes, bool] | None:
        """The whole body and whether it is over `limit` (the mock's own 413), read now; None when part of it
        already went to the backend."""
        if self.complete:
            return self.held, len(self.held) > limit
        if self.touched:
            return None
        chunks, size, more = [self.held], len(self.held), True
        while more:
            chunk, more = await self._next()
            size += len(chunk)
            if size > limit:
                return b"", True
            chunks.append(chunk)
        self.complete = True
        self.held = b"".join(chunks)
        return self.held, False


def forwarded(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The client's headers as the backend gets them: hop-by-hop ones, Host and the framing dropped (the
    client frames the body it sends)."""
    return [(k, v) for k, v in dropped(raw) if k.lower() not in _REQUEST_OWN]


def dropped(raw: Any) -> list[tuple[bytes, bytes]]:
    """Headers without the hop-by-hop ones: RFC 9110's list, every Proxy-*, and those Connection names."""
    out: list[tuple[bytes, bytes]] = []
    named: set[bytes] = set()
    for k, v in raw:
        low = k.lower()
        if low == b"connection":
            named.update(token.strip().lower() for token in v.split(b","))
        elif low not in HOP_BY_HOP and not low.startswith(b"proxy-"):
            out.append((k, v))
    return [(k, v) for k, v in out if k.lower() not in named] if named else out


async def hold(resp: Response, limit: int) -> tuple[list[bytes], bool]:
    """Read up to `limit` bytes (a chunk more at most); whether that was the whole body."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await resp.read()
        if not chunk:
            return chunks, True
        chunks.append(chunk)
        size += len(chunk)
    return chunks, False


def failure_of(exc: BaseException, timeout: float) -> Failure:
    """Why the backend gave no answer, in words a person can act on."""
    if isinstance(exc, UpstreamError):
        return Failure(exc.reason, exc.timeout)
    if isinstance(exc, TimeoutError):
        return Failure(f"no answer within {timeout:g} s (--proxy-timeout)", timeout=True)
    return Failure(f"{type(exc).__name__}: {exc}")
