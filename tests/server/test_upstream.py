"""The proxy's own HTTP/1.1 client against raw servers on 127.0.0.1: connections kept alive and reused, a
dropped idle connection retried, bodies framed both ways, and each failure a reason."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from mocktui.server.upstream import PAUSE_AT, Response, Upstream, UpstreamError

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[bool]]
OK = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"


class RawServer:
    """Serves each connection with `handler(reader, writer, n)` (n: the request's number on that connection)
    until it returns False; counts the connections it accepted and keeps the requests' heads and bodies."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.heads: list[bytes] = []
        self.bodies: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> RawServer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        n = 0
        try:
            while await self.handler(reader, writer, n):
                n += 1
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        writer.close()

    async def read_request(self, reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        self.heads.append(head)
        lower = head.lower()
        body = b""
        if b"content-length: " in lower:
            length = int(lower.split(b"content-length: ")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
        elif b"transfer-encoding: chunked" in lower:
            while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                body += (await reader.readexactly(size + 2))[:-2]
            await reader.readexactly(2)
        self.bodies.append(body)
        return head


async def whole(response: Response) -> bytes:
    try:
        out = b""
        while chunk := await response.read():
            out += chunk
        return out
    finally:
        response.release()


async def get(upstream: Upstream, method: str = "GET", body: bytes | AsyncIterator[bytes] | None = b"") -> bytes:
    return await whole(await upstream.request(method, "/x?q=1", [(b"x-one", b"1")], body))


async def test_one_connection_serves_request_after_request() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> bool:
        await server.read_request(reader)
        writer.write(OK)
        return True

    async with RawServer(answer) as server:
        upstream = Upstream("http", "127.0.0.1", server.port, timeout=5)
        assert [await get(upstream) for _ in range(20)] == [b"ok"] * 20
        await upstream.close()
    assert server.connections == 1
    assert server.heads[0] == f"GET /x?q=1 HTTP/1.1\r\nhost: 127.0.0.1:{server.port}\r\nx-one: 1\r\n\r\n".encode()


async def test_a_connection_dropped_while_idle_is_retried_on_a_new_one() -> None:
    """The backend reads the second request on each connection and closes it unanswered (an idle timeout
    racing the request): the client sends it again on a fresh connection, once."""

    async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> bool:
        await server.read_request(reader)
        if n == 1:
            return False
        writer.write(OK)
        return True

    async with RawServer(answer_once) as server:
        upstream = Upstream("http", "127.0.0.1", server.port, timeout=5)
        assert [await get(upstream, "POST", b"same") for _ in range(3)] == [b"ok"] * 3
        await upstream.close()
    assert server.connections == 3 and server.bodies == [b"same"] * 5


async def test_bodies_are_framed_held_streamed_and_head_has_none() -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> bool:
        head = await server.read_request(reader)
        body = server.bodies[-1]
        if head.startswith(b"HEAD"):
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")  # the length a GET would have
        else:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%b" % (len(body), body))
        return True

    async def chunks() -> AsyncIterator[bytes]:
        for part in (b"ab", b"cd", b"ef"):
            yield part

    async with RawServer(echo) as server:
        upstream = Upstream("http", "127.0.0.1", server.port, timeout=5)
        assert await get(upstream, "POST", b"held") == b"held"
        assert await get(upstream, "POST", chunks()) == b"abcdef"
        assert await get(upstream, "HEAD") == b""
        assert await whole(await upstream.request("PUT", "/y", [], chunks(), "6")) == b"abcdef"
        await upstream.close()
    assert server.connections == 1
    assert b"content-length: 4" in server.heads[0] and b"transfer-encoding: chunked" in server.heads[1]
    assert b"content-length: 6" in server.heads[3] and b"transfer-encoding" not in server.heads[3]


async def test_an_answer_framed_by_the_close_ends_there_and_a_big_one_streams() -> None:
    size = PAUSE_AT * 8

    async def answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> bool:
        head = await server.read_request(reader)
        if b"/big" in head:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % size)
            for _ in range(8):
                writer.write(b"z" * PAUSE_AT)
                await writer.drain()
            return True
        writer.write(b"HTTP/1.0 200 OK\r\n\r\nuntil the end")
        return False

    async with RawServer(answers) as server:
        upstream = Upstream("http", "127.0.0.1", server.port, timeout=5)
        assert await get(upstream) == b"until the end"
        response = await upstream.request("GET", "/big", [], b"")
        await asyncio.sleep(0.2)  # the backend writes ahead; the client holds at most a little over PAUSE_AT
        assert response._conn.buffered <= PAUSE_AT + 65536 * 4
        assert len(await whole(response)) == size
        await upstream.close()
    assert server.connections == 2  # the answer framed by its close cannot leave a reusable connection


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (b"SMTP ready\r\n\r\n", "not valid HTTP"),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort", "body broke off"),
        (b"", "no answer within 0.3 s"),
    ],
)
async def test_each_failure_has_a_reason(reply: bytes, reason: str) -> None:
    async def bad(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> bool:
        await server.read_request(reader)
        if reply:
            writer.write(reply)
            await writer.drain()
            return False
        await asyncio.sleep(2)
        return False

    async with RawServer(bad) as server:
        upstream = Upstream("http", "127.0.0.1", server.port, timeout=0.3)
        with pytest.raises(UpstreamError) as caught:
            await get(upstream)
        await upstream.close()
    assert reason in caught.value.reason
    assert caught.value.timeout == (not reply)
