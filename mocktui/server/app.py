"""The ASGI adapter: raw ASGI on the hot path, FastAPI for the admin API.

Mock routes skip every framework layer (Starlette routing and FastAPI
dependency injection halve throughput): the engine already knows the routes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from mocktui.engine.events import RequestEvent
from mocktui.engine.http import MockRequest, MockResponse, problem
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.steer.faults import FAULTS
from mocktui.engine.stores.bridge import run_bridged
from mocktui.server.proxy import Proxy

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ADMIN_PREFIX = "/__mocktui"
DOCS_ALIASES = ("/api-docs", "/docs")  # the API docs, where the spec leaves these paths free
log = logging.getLogger("mocktui.server")


class MockApp:
    """The ASGI application serving one engine."""

    def __init__(
        self, engine: MockEngine, admin: ASGIApp | None = None, proxy: Proxy | None = None, name: str | None = None
    ) -> None:
        self.engine = engine
        self.name = name  # the spec's name when one instance serves several: its events say it
        self.admin = admin
        self.plain_health = not any(op.path == "/health" for op in engine.spec.operations)
        self.proxy = proxy  # --proxy: operations in mode proxy or auto go to the backend
        if proxy is not None:
            proxy.answer = self.answer  # auto mode's fallback: the mock's own answer
            proxy.spec = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path.startswith(ADMIN_PREFIX) and (len(path) == len(ADMIN_PREFIX) or path[len(ADMIN_PREFIX)] == "/"):
            if path == ADMIN_PREFIX + "/health" or self.admin is None:
                await _send(send, _health(self.engine))
                return
            await self.admin(_as_json(scope), receive, send)
            return
        if path in DOCS_ALIASES and self.admin is not None and self._docs_free(scope["method"], path):
            await self.admin({**scope, "path": ADMIN_PREFIX + "/api-docs", "raw_path": None}, receive, send)
            return
        await self._mock(scope, receive, send)

    def _docs_free(self, method: str, path: str) -> bool:
        """`/docs` and `/api-docs` show the API docs unless the spec routes that path (the mock wins) or
        `--proxy` sends it to the backend (its own docs win)."""
        if method not in ("GET", "HEAD") or (self.proxy is not None and self.proxy.route("GET", path, {}) is not None):
            return False
        compiled, _, methods = self.engine.match("GET", path)
        return compiled is None and not methods

    async def _mock(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        raw_headers: list[tuple[bytes, bytes]] = scope["headers"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw_headers}
        proxy = self.proxy
        if proxy is not None and not (self.plain_health and scope["path"] == "/health"):
            route = proxy.route(scope["method"], scope["path"], headers)
            if route is not None:
                await proxy.forward(scope, headers, receive, send, route)
                return
        controls = self.engine.controls
        body = await _read_body(receive, controls.max_body) if _has_body(headers) else b""
        client = scope.get("client")
        raw_path = scope.get("raw_path")
        request = MockRequest(
            method=scope["method"],
            path=raw_path.decode("latin-1") if raw_path else scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body if body is not None else b"",
            client=f"{client[0]}:{client[1]}" if client else "",
        )
        await self.answer(request, body is None, send, started)

    async def answer(
        self,
        request: MockRequest,
        too_big: bool,
        send: Send,
        started: float,
        tags: tuple[str, ...] = (),
        notes: tuple[str, ...] = (),
    ) -> None:
        """The mock's own answer to `request` (`too_big`: its body was over --max-body), journalled and sent;
        `tags` and `notes` are added to its event (the proxy's fallback says why it answers)."""
        headers, controls = request.headers, self.engine.controls
        origin = headers.get("origin")
        if too_big:
            response = problem(413, "Payload Too Large", f"request bodies are limited to {controls.max_body} bytes")
        elif request.method == "OPTIONS" and origin and "access-control-request-method" in headers:
            response = self._preflight(request)
        elif self.plain_health and request.path == "/health":
            response = _health(self.engine)
        elif self._awaits():  # a store whose round trips await: the loop serves other requests meanwhile
            response = await run_bridged(self._handle, request)
        else:
            response = self._handle(request)
        if response.delay_ms > 0:
            await asyncio.sleep(response.delay_ms / 1000)  # never blocks other requests
        if origin or controls.cors_origin != "*":
            exposed = _exposed(response.headers) if origin else None
            response.headers.extend(_cors_headers(controls.cors_origin, origin, controls.cors_credentials))
            if exposed:
                response.headers.append(("access-control-expose-headers", exposed))
        else:
            response.headers.append(("access-control-allow-origin", "*"))
        if tags or notes:
            response.tags, response.notes = (*response.tags, *tags), (*notes, *response.notes)
        # Published before the bytes go out: a client that saw the response finds its event.
        self.engine.events.publish(
            RequestEvent(
                time=time.time(),
                client=request.client,
                method=request.method,
                path=request.path,
                query=request.query,
                status=response.status,
                latency_ms=(time.perf_counter() - started) * 1000,
                operation=response.operation,
                request_headers=list(headers.items()),
                request_body=request.body,
                response_headers=response.headers,
                response_body=response.body,
                tags=response.tags,
                notes=response.notes,
                scenario=response.scenario,
                session=request.session,
                spec=self.name,
            )
        )
        if response.fault is not None:
            await FAULTS[response.fault].act(AsgiWire(send), response)
            return
        await _send(send, response)

    def _handle(self, request: MockRequest) -> MockResponse:
        """The engine's answer; a bug in it is a problem+json 500 and a logged traceback, never a dropped
        connection or a bare 500 (the try costs nothing when nothing is raised)."""
        try:
            return self.engine.handle(request)
        except Exception as exc:  # noqa: BLE001 - the last resort: report, answer, keep serving
            log.exception("mocktui could not answer %s %s", request.method, request.path)
            self.engine.events.notice("error", f"{request.method} {request.path}: {type(exc).__name__}: {exc}")
            response = problem(500, "Internal Server Error", f"mocktui failed: {type(exc).__name__}: {exc}")
            response.tags = ("crash",)
            return response

    def _awaits(self) -> bool:
        """Read per request: a reload swaps the stages (and the store) under a running server. Counters kept in
        a Redis (`--cluster`) await too, whatever the store: rate limits and `call:` counts are on the request path."""
        state = self.engine.state
        return (state is not None and state.store.awaits) or self.engine.counters.awaits

    def _preflight(self, request: MockRequest) -> MockResponse:
        _, _, allowed = self.engine.match(request.headers["access-control-request-method"], request.path)
        methods = ", ".join(allowed) if allowed else "GET, POST, PUT, PATCH, DELETE, OPTIONS"
        headers = [
            ("access-control-allow-methods", methods),
            ("access-control-allow-headers", request.headers.get("access-control-request-headers", "*")),
            ("access-control-max-age", "600"),
        ]
        return MockResponse(204, headers, b"", tags=("cors",))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def _as_json(scope: Scope) -> Scope:
    """Admin bodies are JSON whatever their Content-Type says: `curl -d '{...}'` labels them as a form."""
    if scope["method"] not in ("POST", "PUT", "PATCH"):
        return scope
    headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
    return {**scope, "headers": [*headers, (b"content-type", b"application/json")]}


def _has_body(headers: dict[str, str]) -> bool:
    return headers.get("content-length", "0") != "0" or "transfer-encoding" in headers


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or None when it exceeds `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


# Headers a browser shows scripts without being told (the CORS-safelisted response headers).
_SAFELISTED = {"cache-control", "content-language", "content-length", "content-type", "expires", "last-modified",
               "pragma", "vary"}  # fmt: skip


def _exposed(headers: list[tuple[str, str]]) -> str:
    """Every other header of this response (X-Total-Count, Link, Location, Retry-After, rate limits, the
    spec's own): without `Access-Control-Expose-Headers` frontend code cannot read them."""
    names = dict.fromkeys(name.lower() for name, _ in headers)
    return ", ".join(name for name in names if name not in _SAFELISTED and not name.startswith("access-control-"))


def _cors_headers(allowed: str, origin: str | None, credentials: bool) -> list[tuple[str, str]]:
    if allowed == "*":
        value = origin if credentials and origin else "*"
    else:
        origins = [o.strip() for o in allowed.split(",")]
        value = origin if origin in origins else origins[0]
    out = [("access-control-allow-origin", value), ("vary", "Origin")]
    if credentials:
        out.append(("access-control-allow-credentials", "true"))
    return out


def _health(engine: MockEngine) -> MockResponse:
    body = {"status": "ok", "title": engine.spec.title, "operations": len(engine.operations)}
    return MockResponse(200, [("content-type", "application/json")], orjson.dumps(body))


class AsgiWire:
    """A fault's view of one ASGI connection (`mocktui.engine.steer.faults.Wire`)."""

    def __init__(self, send: Send) -> None:
        self._send = send

    async def start(self, response: MockResponse) -> None:
        await _start(self._send, response)

    async def send(self, chunk: bytes, more: bool) -> None:
        await self._send({"type": "http.response.body", "body": chunk, "more_body": more})

    def reset(self) -> None:
        """A TCP reset (RST), where the server lets us reach its transport (uvicorn does)."""
        transport = getattr(getattr(self._send, "__self__", None), "transport", None)
        if transport is None:
            return  # the FaultAbort that follows still drops the request
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()


async def _start(send: Send, response: MockResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1", "replace")) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})


async def _send(send: Send, response: MockResponse) -> None:
    await _start(send, response)
    await send({"type": "http.response.body", "body": response.body})
