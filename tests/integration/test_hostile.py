"""Hostile input over a real socket: always a clear 4xx, never a 500, and the server keeps serving."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from mocktui.engine.steer.controls import Controls

from ..helpers import ROOT, LiveServer, serve

SPEC = ROOT / "tests" / "data" / "validation.yaml"
RID = "3f2b8a4e-6a8b-4c6e-9d8a-0b7b1c2d3e4f"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with serve(SPEC, faker_seed=1, controls=Controls(max_body=64 * 1024)) as live:
        yield live


def _raw(server: LiveServer, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (no client library to tidy them) and read the status and body."""
    with socket.create_connection(("127.0.0.1", server.runner.port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, rest = data.partition(b"\r\n\r\n")
            if sep and b"content-length:" in head.lower():
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                if len(rest) >= length:
                    break
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


def _post(server: LiveServer, body: bytes, ctype: str = "application/json") -> httpx.Response:
    return httpx.post(server.url + "/items", content=body, headers={"Content-Type": ctype}, timeout=30)


def _assert_still_serving(server: LiveServer) -> None:
    r = httpx.get(server.url + "/items?limit=1", headers={"X-Request-Id": RID})
    assert r.status_code == 200


def test_body_over_the_configured_limit_is_413(server: LiveServer) -> None:
    r = _post(server, b'{"name": "' + b"x" * (70 * 1024) + b'"}')
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert "65536 bytes" in r.json()["detail"]
    assert _post(server, b'{"name": "' + b"x" * (60 * 1024) + b'"}').status_code == 422  # under it: validated
    _assert_still_serving(server)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b'{"name": "\xff\xfe", "price": 1}', "malformed json"),  # invalid UTF-8
        (b"[" * 30_000 + b"]" * 30_000, "malformed json"),  # nesting deeper than any parser's recursion
        (b'{"name": "ab", "price": 1e999999, "items": []}', "malformed json"),  # a number no float holds
        (b"", "body is required"),
        (b"null", ""),
    ],
    ids=["invalid-utf8", "deep-nesting", "huge-float", "empty", "null"],
)
def test_hostile_json_bodies_get_4xx_naming_the_problem(server: LiveServer, body: bytes, fragment: str) -> None:
    r = _post(server, body)
    assert 400 <= r.status_code < 500, r.text
    # createItem declares its 422 without content: the reason travels in a header instead.
    assert fragment in (r.text + r.headers.get("x-mocktui-problem", "")).lower()
    _assert_still_serving(server)


def test_huge_integer_is_a_validation_error_not_a_crash(server: LiveServer) -> None:
    r = _post(server, b'{"name": "ab", "price": ' + b"9" * 5000 + b', "items": []}')
    assert 400 <= r.status_code < 500
    _assert_still_serving(server)


def test_invalid_utf8_in_form_body(server: LiveServer) -> None:
    r = _post(server, b"name=\xff\xfe&price=1", "application/x-www-form-urlencoded")
    assert r.status_code == 422 and "utf-8" in r.headers["x-mocktui-problem"].lower()


@pytest.mark.parametrize(
    "target",
    [
        b"/items?limit=%zz&limit=%",  # bad percent-encoding
        b"/items?limit=1&limit=2&limit=x",  # duplicate parameters
        b"/items/%ff%fe",  # a path segment that is not UTF-8
        b"/items?limit=" + b"9" * 4000,  # a number bigger than any integer type
        b"/items?" + b"&".join(b"p%d=1" % i for i in range(2000)),  # thousands of parameters
        b"/items?limit=%0d%0aSet-Cookie:%20evil%00",  # CR LF NUL echoed in the reason must not split headers
    ],
    ids=["bad-percent", "duplicates", "non-utf8-path", "huge-int", "many-params", "header-injection"],
)
def test_hostile_query_and_path_get_4xx(server: LiveServer, target: bytes) -> None:
    request = (
        b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + RID.encode() + b"\r\nConnection: close\r\n\r\n"
    )
    status, body = _raw(server, request)
    assert 400 <= status < 500, body[:500]
    _assert_still_serving(server)


def test_reason_header_cannot_be_injected(server: LiveServer) -> None:
    r = httpx.get(server.url + "/items?limit=%0d%0aSet-Cookie:%20evil", headers={"X-Request-Id": RID})
    assert r.status_code == 400
    reason = r.headers["x-mocktui-problem"]
    assert "set-cookie" not in r.headers and "Set-Cookie: evil" in reason
    assert all(32 <= ord(c) < 127 for c in reason)


def test_absurd_headers_get_4xx(server: LiveServer) -> None:
    request = (
        b"GET /items?limit=1 HTTP/1.1\r\nHost: x\r\n"
        + b"X-Request-Id: \xff\xfe"
        + b"z" * 8000
        + b"\r\n"
        + b"Cookie: "
        + b";".join(b"c%d=%s" % (i, b"v" * 10) for i in range(500))
        + b"\r\n"
        + b"Accept: ;;;,,,*/*;q=abc\r\nPrefer: code=abc, example=\r\nConnection: close\r\n\r\n"
    )
    status, body = _raw(server, request)
    assert 400 <= status < 500, body[:500]
    _assert_still_serving(server)


def test_malformed_http_does_not_stop_the_server(server: LiveServer) -> None:
    for garbage in (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", b"GET / HTTP/9.9\r\n\r\n", b"BREW /pot\r\n\r\n"):
        try:
            _raw(server, garbage)
        except (OSError, ValueError, IndexError):
            pass  # the connection may just be closed; what matters is the next request
        _assert_still_serving(server)


def test_content_type_lies_and_multipart_without_boundary(server: LiveServer) -> None:
    r = _post(server, b"<xml/>", "text/csv")
    assert r.status_code == 422  # createItem declares 422, not 415 or 400
    assert "text/csv" in r.headers["x-mocktui-problem"]
    r = _post(server, b"--x\r\n\r\n", "multipart/form-data")
    assert 400 <= r.status_code < 500
    _assert_still_serving(server)
