"""A real backend for the proxy's tests: tests/data/backend.yaml kept, or broken on request.

Run it as a process (`python -m tests.backend_app PORT`) and put mocktui in front with `--proxy`. Every
answer keeps to the spec unless the request names a deviation in `X-Deviate` (one of `DEVIATIONS`):
then that one answer breaks the spec in that one way, so one backend gives both conforming and
deviating exchanges. `X-Delay: SECONDS` makes any answer slow; `/api/echo` says what the backend saw
(method, raw path, query, headers, body size and digest); `/api/download?size=N` streams N bytes.
Answers vary as a real API's do (users by id and page, orders by id, each create gets the next id;
orders gzipped for clients that accept it),
so an answer replayed from a recording is told apart from one the spec generates.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route


@dataclass(frozen=True)
class Deviation:
    """One planted break of the contract: the request that asks for it and what a finding must name."""

    method: str
    path: str
    finding: str  # a note of the drift event contains this


DEVIATIONS: dict[str, Deviation] = {
    "wrong-type": Deviation("GET", "/api/users/1", '/id: "one" is not of type "integer"'),
    "missing-required": Deviation("GET", "/api/users/1", '/: "email" is a required property'),
    "enum": Deviation("GET", "/api/users/1", "/role: "),
    "format": Deviation("GET", "/api/users/1", '/email: "not-an-email" is not a "email"'),
    "additional-property": Deviation("GET", "/api/orders/o-1", "/: Additional properties are not allowed"),
    "undeclared-status": Deviation("GET", "/api/users/1", "status 418 not declared"),
    "undeclared-media": Deviation("GET", "/api/users/1", "media type text/html not declared for 200"),
    "missing-header": Deviation("GET", "/api/users", "missing header X-Total-Count"),
    "array-item-type": Deviation("GET", "/api/users", '/3/username: 5 is not of type "string"'),
    "nullable": Deviation("GET", "/api/users/1", '/nickname: null is not of type "string"'),
    "too-long": Deviation("GET", "/api/users/1", "/username: "),
    "below-minimum": Deviation("GET", "/api/users/1", "/age: -1 is less than the minimum of 0"),
    "pattern": Deviation("GET", "/api/users/1", '/address/zip: "ABCDE" does not match'),
    "nested-type": Deviation("GET", "/api/orders/o-1", '/items/0/qty: "two" is not of type "integer"'),
    "array-item-shape": Deviation("GET", "/api/orders/o-1", '/items/1: "sku-2" is not of type "object"'),
    "header-type": Deviation("GET", "/api/users", 'header X-Total-Count: "many" is not of type "integer"'),
    "text-pattern": Deviation("GET", "/api/status", '/: "Down!" does not match'),
    "xml-type": Deviation("GET", "/api/report", '/count: "lots" is not of type "integer"'),
    "form-type": Deviation("POST", "/api/login", '/expires: "soon" is not of type "integer"'),
    "body-on-bodiless": Deviation("DELETE", "/api/users/1", "a body was sent, but 202 declares no content"),
}

NAMES = ["ada", "grace", "linus", "barbara", "ken", "dennis", "margaret", "alan"]


def user(uid: int) -> dict[str, Any]:
    name = NAMES[uid % len(NAMES)]
    return {
        "id": uid,
        "username": f"{name}_{uid}",
        "email": f"{name}{uid}@example.com",
        "role": ("admin", "member", "guest")[uid % 3],
        "age": 20 + uid % 50,
        "nickname": name.title(),
        "tags": ["early", "vip"][: uid % 3],
        "address": {"street": f"{uid} Main Street", "zip": f"{10000 + uid:05d}"},
    }


def order(oid: str) -> dict[str, Any]:
    """An order that differs by id (its uuid, total, currency and items), as a real backend's would."""
    n = int(hashlib.sha256(oid.encode()).hexdigest()[:8], 16)
    return {
        "id": f"5f0c6d2e-8a43-4c1b-9a57-{n % 10**12:012d}",
        "total": round(n % 100_000 / 100, 2),
        "currency": ("EUR", "USD")[n % 2],
        "created": "2025-01-01T10:00:00Z",
        "note": None if n % 3 else f"order {oid}",
        "items": [{"sku": "sku-1", "qty": 2}, {"sku": "sku-2", "qty": 1}] + [{"sku": oid, "qty": n % 9 + 1}] * (n % 3),
    }


def json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(value), status, headers, media_type="application/json")


USER_BREAKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "wrong-type": lambda u: u.update(id="one"),
    "missing-required": lambda u: u.pop("email"),
    "enum": lambda u: u.update(role="superuser"),
    "format": lambda u: u.update(email="not-an-email"),
    "nullable": lambda u: u.update(nickname=None),
    "too-long": lambda u: u.update(username="a_username_far_too_long_for_it"),
    "below-minimum": lambda u: u.update(age=-1),
    "pattern": lambda u: u["address"].update(zip="ABCDE"),
}


async def delay(request: Request) -> None:
    seconds = request.headers.get("x-delay")
    if seconds:
        await asyncio.sleep(float(seconds))


async def list_users(request: Request) -> Response:
    await delay(request)
    deviate = request.headers.get("x-deviate", "")
    page, size = int(request.query_params.get("page", "1")), int(request.query_params.get("per_page", "5"))
    users = [user(i) for i in range((page - 1) * size + 1, page * size + 1)]
    headers = {"X-Total-Count": str(len(users))}
    if deviate == "array-item-type":
        users[3]["username"] = 5
    elif deviate == "missing-header":
        headers = {}
    elif deviate == "header-type":
        headers = {"X-Total-Count": "many"}
    return json(users, headers=headers)


CREATED = itertools.count(100)  # each create gets the next id: the same request twice, two different answers


async def create_user(request: Request) -> Response:
    sent = orjson.loads(await request.body() or b"{}")
    uid = next(CREATED)
    made = {**user(uid), **{k: v for k, v in sent.items() if k in ("username", "email", "role")}}
    return json(made, 201, {"Location": f"/api/users/{uid}"})


async def get_user(request: Request) -> Response:
    await delay(request)
    deviate = request.headers.get("x-deviate", "")
    uid = int(request.path_params["id"])
    if deviate == "unavailable":
        return json({"message": "down for maintenance"}, 503)
    if deviate == "undeclared-status":
        return json({"message": "I'm a teapot"}, 418)
    if deviate == "undeclared-media":
        return Response("<h1>user</h1>", 200, media_type="text/html")
    if uid >= 1000:
        return json({"message": f"no user {uid}"}, 404)
    body = user(uid)
    if deviate in USER_BREAKS:
        USER_BREAKS[deviate](body)
    return json(body)


async def delete_user(request: Request) -> Response:
    if request.headers.get("x-deviate") == "body-on-bodiless":
        return Response(b"queued", 202, media_type="text/plain")
    return Response(status_code=202)


async def get_order(request: Request) -> Response:
    deviate = request.headers.get("x-deviate", "")
    body = order(request.path_params["id"])
    if deviate == "additional-property":
        body["discount"] = 5
    elif deviate == "nested-type":
        body["items"][0]["qty"] = "two"
    elif deviate == "array-item-shape":
        body["items"][1] = "sku-2"
    if "gzip" in request.headers.get("accept-encoding", ""):  # as a real API behind a gzipping front end
        headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Response(gzip.compress(orjson.dumps(body)), headers=headers, media_type="application/json")
    return json(body)


async def get_status(request: Request) -> Response:
    text = "Down!" if request.headers.get("x-deviate") == "text-pattern" else "operational"
    return Response(text, media_type="text/plain")


async def get_report(request: Request) -> Response:
    count = "lots" if request.headers.get("x-deviate") == "xml-type" else "7"
    return Response(f"<report><title>weekly</title><count>{count}</count></report>", media_type="application/xml")


async def login(request: Request) -> Response:
    expires = "soon" if request.headers.get("x-deviate") == "form-type" else "3600"
    return Response(f"token=abc123&expires={expires}", media_type="application/x-www-form-urlencoded")


async def echo(request: Request) -> Response:
    await delay(request)
    digest, size = hashlib.sha256(), 0
    async for chunk in request.stream():
        digest.update(chunk)
        size += len(chunk)
    scope = request.scope
    return json(
        {
            "method": request.method,
            "raw_path": scope.get("raw_path", b"").decode("latin-1"),
            "query": scope.get("query_string", b"").decode("latin-1"),
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
            "size": size,
            "sha256": digest.hexdigest(),
        },
        headers={
            "Connection": "keep-alive, X-Hop",
            "X-Hop": "hop-by-hop",
            "Keep-Alive": "timeout=5",
            "Proxy-Authenticate": "Basic",
            "X-End-To-End": "kept",
        },
    )


async def download(request: Request) -> Response:
    size = int(request.query_params.get("size", "1024"))
    chunk = b"x" * 65536

    async def body() -> AsyncIterator[bytes]:
        left = size
        while left > 0:
            yield chunk[: min(left, len(chunk))]
            left -= len(chunk)

    return StreamingResponse(body(), media_type="application/octet-stream", headers={"Content-Length": str(size)})


async def undocumented(request: Request) -> Response:
    return json({"hidden": True})


app = Starlette(
    routes=[
        Route("/api/users", list_users, methods=["GET"]),
        Route("/api/users", create_user, methods=["POST"]),
        Route("/api/users/{id:int}", get_user, methods=["GET"]),
        Route("/api/users/{id:int}", delete_user, methods=["DELETE"]),
        Route("/api/orders/{id}", get_order, methods=["GET"]),
        Route("/api/status", get_status, methods=["GET"]),
        Route("/api/report", get_report, methods=["GET"]),
        Route("/api/login", login, methods=["POST"]),
        Route("/api/echo", echo, methods=["GET", "POST"]),
        Route("/api/download", download, methods=["GET"]),
        Route("/api/undocumented", undocumented, methods=["GET"]),
    ]
)


class BackendProcess:
    """This backend as a real process (`python -m tests.backend_app PORT`) on 127.0.0.1."""

    def __init__(self, log: Path, port: int | None = None) -> None:
        if port is None:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
        self.port, self.log = port, log
        self.url = f"http://127.0.0.1:{port}"
        root = Path(__file__).resolve().parent.parent
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "VIRTUAL_ENV")}
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.backend_app", str(port)],
                cwd=root,
                env={**env, "PYTHONPATH": str(root)},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"backend exited: {log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"backend not listening after 20 s: {log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@contextmanager
def running(log: Path, port: int | None = None) -> Iterator[BackendProcess]:
    backend = BackendProcess(log, port)
    try:
        yield backend
    finally:
        backend.stop()


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
