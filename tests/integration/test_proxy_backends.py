"""Bad backends behind --proxy: each gives a clear problem body (mode proxy, --proxy-strict) or the spec's
answer (mode auto), and a note in the journal; mocktui itself never answers 500."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..backend_app import running
from ..helpers import ROOT
from .processes import MockProcess, free_port, mock_process

SPEC = str(ROOT / "tests" / "data" / "backend.yaml")


class RawBackend:
    """A socket server that reads a request and then misbehaves: `garbage`, `mid-body` or `silent`."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            if self.behaviour == "garbage":
                conn.sendall(b"SMTP ready, not HTTP at all\r\n\r\n")
                conn.close()
            elif self.behaviour == "mid-body":
                conn.sendall(
                    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"id": 1,'
                )
                conn.close()
            else:
                self.held.append(conn)  # never answered

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@contextmanager
def raw_backend(behaviour: str) -> Iterator[str]:
    server = RawBackend(behaviour)
    try:
        yield server.url
    finally:
        server.close()


@contextmanager
def plain_backend(tmp_path: Path, https: bool) -> Iterator[str]:
    with running(tmp_path / "backend.log") as backend:
        yield backend.url.replace("http://", "https://") if https else backend.url


@contextmanager
def nothing(url: str) -> Iterator[str]:
    yield url


def last_event(mock: MockProcess) -> dict[str, Any]:
    events: list[dict[str, Any]] = httpx.get(f"{mock.url}/__mocktui/events", params={"limit": 1}).json()
    return events[-1]


def set_mode(mock: MockProcess, mode: str) -> None:
    httpx.patch(f"{mock.url}/__mocktui/controls", json={"mode": mode}).raise_for_status()


# case -> (backend, expected status in mode proxy, words the reason has)
CASES = {
    "unused port": (lambda tmp: nothing(f"http://127.0.0.1:{free_port()}"), 502, "connection refused"),
    "unknown host": (lambda tmp: nothing("http://no-such-host.invalid:8080"), 502, "cannot resolve host"),
    "TLS to a plain port": (lambda tmp: plain_backend(tmp, https=True), 502, "TLS handshake failed"),
    "garbage": (lambda tmp: raw_backend("garbage"), 502, "not valid HTTP"),
    "closed mid-body": (lambda tmp: raw_backend("mid-body"), 502, "broke off"),
    "never answers": (lambda tmp: raw_backend("silent"), 504, "no answer within 1 s (--proxy-timeout)"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_backend_gives_a_problem_in_proxy_mode_and_the_spec_in_auto(case: str, tmp_path: Path) -> None:
    make, status, reason = CASES[case]
    with make(tmp_path) as url, mock_process([SPEC, "--proxy", url, "--proxy-timeout", "1"], tmp_path) as mock:
        set_mode(mock, "proxy")
        response = httpx.get(f"{mock.url}/api/users/7", timeout=10)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["backend"] == url and problem["status"] == status
        assert (
            problem["detail"].startswith(f"the backend {url} gave no usable answer: ") and reason in problem["detail"]
        )
        event = last_event(mock)
        assert event["tags"] == ["proxied", "backend-error"] and reason in event["notes"][0]
        set_mode(mock, "auto")
        response = httpx.get(f"{mock.url}/api/users/7", timeout=10)
        assert response.status_code == 200 and set(response.json()) >= {"id", "username", "email", "role"}
        event = last_event(mock)
        assert "fallback" in event["tags"]
        assert reason in event["notes"][0] and event["notes"][0].endswith("answered from the spec")


def test_strict_never_falls_back(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with mock_process([SPEC, "--proxy", url, "--proxy-strict"], tmp_path) as mock:
        assert httpx.get(f"{mock.url}/__mocktui/controls").json()["mode"] == "proxy"
        for mode in ("proxy", "auto"):
            set_mode(mock, mode)
            response = httpx.post(f"{mock.url}/api/users", json={"username": "x"}, timeout=10)
            assert response.status_code == 502 and response.json()["title"] == "Bad Gateway"
            assert "connection refused" in response.json()["detail"]


def test_auto_falls_back_once_the_backend_is_stopped(tmp_path: Path) -> None:
    with running(tmp_path / "backend.log") as backend, mock_process([SPEC, "--proxy", backend.url], tmp_path) as mock:
        assert httpx.get(f"{mock.url}/api/users/8").json()["username"] == "ada_8"  # the backend's own record
        assert last_event(mock)["tags"] == ["proxied"]
        backend.stop()
        response = httpx.get(f"{mock.url}/api/users/8")
        assert response.status_code == 200
        event = last_event(mock)
        assert "fallback" in event["tags"] and "connection refused" in event["notes"][0]
