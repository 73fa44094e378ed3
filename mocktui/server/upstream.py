"""The proxy's HTTP/1.1 client: a keep-alive pool to one backend, on asyncio protocols and httptools.

Why not aiohttp (which `--proxy` used first): a proxy only passes bytes through, and aiohttp's general
client (request objects, multidicts, auto headers, cookie filtering, tracing) was half of the proxy's CPU
per request. This one writes the request head in one `write` and parses the answer with the C parser
uvicorn uses: `bench/proxy.py` measured 30 µs of CPU per request against aiohttp's 116, and the proxy went
from ~270 to ~130 µs per forwarded request. It does what the proxy needs and nothing else: one origin,
bodies streamed both ways with flow control, a read timeout between bytes, a keep-alive connection the
backend dropped while idle retried once, and every failure an `UpstreamError` whose reason a person can
act on.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import httptools

PAUSE_AT = 256 * 1024  # bytes of an answer buffered before the backend is asked to wait (50 MB bodies stream)
HeaderList = list[tuple[bytes, bytes]]


class UpstreamError(Exception):
    """The backend gave no usable answer; `reason` says why, `timeout` that it was too slow."""

    def __init__(self, reason: str, *, timeout: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.timeout = reason, timeout


def too_slow(timeout: float) -> UpstreamError:
    return UpstreamError(f"no answer within {timeout:g} s (--proxy-timeout)", timeout=True)


class Stale(UpstreamError):
    """A reused connection closed before its answer began: the backend dropped it while it was idle."""


class Connection(asyncio.Protocol):
    """One connection; it parses one answer at a time (a new parser for each: HEAD answers have no body)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.parser: Any = None
        self.head_only = False
        self.status = 0
        self.reason = b""
        self.headers: HeaderList = []
        self.started = False  # a byte of the answer arrived
        self.headed = False  # the answer's head is complete
        self.complete = False
        self.keep_alive = False
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.paused = False
        self.waiter: asyncio.Future[None] | None = None
        self.drained: asyncio.Future[None] | None = None
        self.writing_paused = False
        self.error: UpstreamError | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.parser is None:  # bytes nobody asked for: the connection cannot be trusted any more
            self._abort()
            return
        self.started = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(UpstreamError("the backend's answer is not valid HTTP: an upgrade the proxy cannot follow"))
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError(f"the backend's answer is not valid HTTP: {exc}"))
        if self.buffered > PAUSE_AT and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool | None:
        return None  # close the transport; connection_lost tells a whole answer from a broken one

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.parser is not None and not self.complete and self.error is None:
            if self.headed and exc is None and self._until_close():
                self.complete = True  # an answer with neither a length nor chunks ends with the connection
            else:
                self.error = _broken(self.headed, self.started, exc)
        self._wake()
        drained = self.drained
        if drained is not None and not drained.done():
            drained.set_result(None)

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        drained = self.drained
        if drained is not None and not drained.done():
            drained.set_result(None)

    # -- httptools callbacks -------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.headers = []

    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:  # 100 Continue, 103 Early Hints: the real answer follows
            self.reason = b""
            return
        self.status, self.headed = status, True
        self.keep_alive = self.parser.should_keep_alive()  # httptools forgets it once the answer is complete
        if self.head_only or status in (204, 304):
            self.complete = True

    def on_body(self, body: bytes) -> None:
        if not self.complete:
            self.chunks.append(body)
            self.buffered += len(body)

    def on_message_complete(self) -> None:
        if self.headed:
            self.complete = True

    # -- used by Upstream and Response ---------------------------------------------------

    def begin(self, head_only: bool) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.head_only, self.status, self.reason, self.headers = head_only, 0, b"", []
        self.started = self.headed = self.complete = self.keep_alive = False
        self.chunks.clear()
        self.buffered = 0
        self.error = None

    async def wait(self, timeout: float) -> None:
        """Until something new arrived (or the connection went), at most `timeout` seconds."""
        waiter = self.waiter = self.loop.create_future()
        timer = self.loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self.waiter = None

    async def more(self, timeout: float) -> None:
        """Wait for more from the backend: its failure is raised, and silence past `timeout` is `too_slow`."""
        if self.error is not None:
            raise self.error
        try:
            await self.wait(timeout)
        except TimeoutError:
            raise too_slow(timeout) from None

    async def drain(self) -> None:
        if self.writing_paused and not self.closed:
            self.drained = self.loop.create_future()
            await self.drained

    def take(self) -> bytes:
        """What arrived of the body so far, joined (b"" when nothing did)."""
        chunks = self.chunks
        if not chunks:
            return b""
        data = chunks.popleft() if len(chunks) == 1 else b"".join(chunks)
        chunks.clear()
        self.buffered = 0
        if self.paused and self.transport is not None and not self.closed:
            self.paused = False
            self.transport.resume_reading()
        return data

    def reusable(self) -> bool:
        return self.complete and not self.closed and self.error is None and self.keep_alive

    def _until_close(self) -> bool:
        return not any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in self.headers)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: UpstreamError) -> None:
        self.error = error
        self._abort()

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


def _broken(headed: bool, started: bool, exc: BaseException | None) -> UpstreamError:
    why = f": {exc}" if exc else ""
    if headed:
        return UpstreamError(f"the backend's body broke off (connection closed{why})")
    if started:
        return UpstreamError("the backend closed the connection without a complete answer")
    return Stale("the backend closed the connection without a complete answer")


class Response:
    """The backend's answer: its head at once, its body read as it arrives."""

    __slots__ = ("status", "reason", "raw_headers", "_conn", "_upstream", "_timeout", "_done")

    def __init__(self, conn: Connection, upstream: Upstream, timeout: float) -> None:
        self.status = conn.status
        self.reason = conn.reason.decode("latin-1")
        self.raw_headers = conn.headers
        self._conn, self._upstream, self._timeout = conn, upstream, timeout
        self._done = False

    async def read(self) -> bytes:
        """The next part of the body (all that arrived); b"" at its end; UpstreamError when it broke off."""
        conn = self._conn
        while True:
            data = conn.take()
            if data:
                return data
            if conn.complete:
                return b""
            await conn.more(self._timeout)

    def release(self) -> None:
        """Back to the pool when the answer was read whole on a connection that may stay open; else closed."""
        if self._done:
            return
        self._done = True
        conn = self._conn
        if conn.reusable() and not conn.chunks:
            conn.parser = None
            self._upstream.idle.append(conn)
        else:
            conn.close()
        self._upstream.slots.release()


class Upstream:
    """Keep-alive connections to one origin (`limit` at most), each request on an idle one or a new one."""

    def __init__(self, scheme: str, host: str, port: int, *, timeout: float, limit: int = 512) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.ssl: ssl.SSLContext | None = ssl.create_default_context() if scheme == "https" else None
        default = 443 if scheme == "https" else 80
        name = f"[{host}]" if ":" in host else host.encode("idna").decode("ascii")  # IPv6 in brackets
        self.authority = (name if port == default else f"{name}:{port}").encode("ascii")
        self.idle: list[Connection] = []
        self.slots = asyncio.Semaphore(limit)
        self._closed = False

    async def request(
        self, method: str, target: str, headers: HeaderList, body: bytes | AsyncIterator[bytes] | None,
        length: str | None = None,
    ) -> Response:  # fmt: skip
        """Send one request (a held `body`, or a stream of `length` bytes, chunked when None) and wait for the
        head of its answer. The caller must `release()` the response."""
        await self.slots.acquire()
        try:
            head = _head(method, target, self.authority, headers, body, length)
            while self.idle:  # a reused connection the backend dropped while idle: try the next, then a new one
                conn = self.idle.pop()
                if conn.closed:
                    continue
                try:
                    return await self._exchange(conn, method, head, body, length)
                except Stale:
                    if not isinstance(body, bytes | None):
                        raise UpstreamError("the backend closed a kept-alive connection as the body went") from None
            return await self._exchange(await self._connect(), method, head, body, length)
        except BaseException:
            self.slots.release()
            raise

    async def _exchange(self, conn: Connection, method: str, head: bytes, body: Any, length: str | None) -> Response:
        conn.begin(head_only=method == "HEAD")
        try:
            transport = conn.transport
            assert transport is not None
            if isinstance(body, bytes):
                transport.write(head + body)
            else:
                transport.write(head)
                if body is not None:
                    await _stream(conn, body, chunked=length is None)
            while not conn.headed:
                await conn.more(self.timeout)
            return Response(conn, self, self.timeout)
        except BaseException:
            conn.close()
            raise

    async def _connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        conn = Connection(loop)
        host = self.host
        try:
            async with asyncio.timeout(self.timeout):
                await loop.create_connection(
                    lambda: conn, host, self.port, ssl=self.ssl, server_hostname=host if self.ssl else None
                )
        except TimeoutError:
            raise too_slow(self.timeout) from None
        except socket.gaierror as exc:
            raise UpstreamError(f"cannot resolve host {host!r}: {exc.strerror or exc}") from None
        except ssl.SSLCertVerificationError as exc:
            raise UpstreamError(f"TLS certificate refused: {exc.verify_message or exc}") from None
        except ssl.SSLError as exc:
            raise UpstreamError(f"TLS handshake failed: {exc.reason or exc}") from None
        except ConnectionRefusedError:
            raise UpstreamError(
                f"cannot connect to {host}:{self.port}: connection refused (nothing listens there)"
            ) from None
        except OSError as exc:
            raise UpstreamError(f"cannot connect to {host}:{self.port}: {exc.strerror or exc}") from None
        return conn

    async def close(self) -> None:
        idle, self.idle = self.idle, []
        for conn in idle:
            conn.close()


async def _stream(conn: Connection, body: AsyncIterator[bytes], *, chunked: bool) -> None:
    """A request body as it arrives from the client, waiting whenever the backend reads slower."""
    transport = conn.transport
    assert transport is not None
    async for chunk in body:
        if conn.closed:
            return
        transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
        await conn.drain()
    if chunked and not conn.closed:
        transport.write(b"0\r\n\r\n")


def _head(method: str, target: str, authority: bytes, headers: HeaderList, body: object, length: str | None) -> bytes:
    """The request line and headers, in one buffer; Content-Length for a held body, chunked for a stream
    of unknown length."""
    parts = [f"{method} {target} HTTP/1.1\r\nhost: ".encode("latin-1"), authority, b"\r\n"]
    for name, value in headers:
        parts += (name, b": ", value, b"\r\n")
    if isinstance(body, bytes):
        if body or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
            parts.append(b"content-length: %d\r\n" % len(body))
    elif body is not None:
        framing = b"transfer-encoding: chunked" if length is None else b"content-length: " + length.encode()
        parts += (framing, b"\r\n")
    parts.append(b"\r\n")
    return b"".join(parts)
