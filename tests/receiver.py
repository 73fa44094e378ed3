"""A webhook receiver for tests, and the check a receiver built from the spec makes of each delivery.

`Receiver` is a raw ASGI app (served by `ServerRunner` on 127.0.0.1) that keeps every request and
answers scripted statuses. `delivery_errors` is what a receiver written from the same spec would
accept: the hook's method, one of its declared content types and a body valid against its schema
(with the `jsonschema` package, not mocktui's own validator), or no body when none is declared.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson

from mocktui.engine.spec.model import Hook, Spec
from mocktui.server.runner import ServerRunner, bind

from .helpers import validation_errors

CORPUS_HOOKS = [
    "openai.json", "museum.yaml", "petstore-v31.yaml", "redocly-cafe/openapi.yaml", "train-travel/openapi.yaml",
    "webhook-example.yaml", "tictactoe.yaml", "callback-example.yaml",
]  # fmt: skip
CORPUS_HOOK_COUNT = 23  # openai.json 15, tictactoe 2 (a callback, a webhook without a body), the others 1 each
OWN_NOTES = ("trigger ", "attempt ", "source ")  # the notes of a delivery the receiver's answer did not break


@dataclass
class Receiver:
    """A raw ASGI receiver: keeps each request; answers the scripted statuses, then `status`."""

    script: list[int] = field(default_factory=list)
    got: list[dict[str, Any]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    status: int = 200

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                while (await receive())["type"] != "lifespan.shutdown":
                    await send({"type": "lifespan.startup.complete"})
                await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.times.append(time.perf_counter())
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.got.append({"method": scope["method"], "path": scope["path"], "headers": headers, "body": body})
        status = self.script.pop(0) if self.script else self.status
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def declared_success(hook: Hook) -> int:
    """The status a receiver following the spec answers: the hook's first declared 2xx (200 if none)."""
    codes = [key for key in hook.operation.responses if key[:1] == "2"]
    return int(codes[0].replace("X", "0")) if codes else 200


def delivery_errors(spec: Spec, hook: Hook, got: dict[str, Any]) -> list[str]:
    """Why a receiver built from `spec` would refuse `got` as a delivery of `hook` (empty: it accepts it)."""
    if got["method"] != hook.operation.method:
        return [f"method {got['method']}, declared {hook.operation.method}"]
    body = hook.operation.body
    if body is None or not body.content:
        return [f"a body of {len(got['body'])} bytes where none is declared"] if got["body"] else []
    ctype = got["headers"].get("content-type", "").split(";")[0].strip().lower()
    media = body.content.get(ctype)
    if media is None:
        return [f"content-type {ctype!r}, declared {', '.join(body.content)}"]
    if media.schema is None:
        return []
    try:
        value = orjson.loads(got["body"])
    except orjson.JSONDecodeError as exc:
        return [f"{ctype} body is not JSON: {exc}"]
    return validation_errors(spec.bundle(media.schema), value)


def drift_notes(events: list[dict[str, Any]]) -> list[str]:
    """The notes of delivery events that say the receiver's answer broke the spec."""
    return [n for e in events for n in e["notes"] if not n.startswith(OWN_NOTES)]


@contextmanager
def serving(receiver: Receiver) -> Iterator[str]:
    """`receiver` on 127.0.0.1 in a loop of its own (for mocks in other processes): its URL."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runner = ServerRunner(receiver, bind("127.0.0.1", 0))
    asyncio.run_coroutine_threadsafe(runner.start(), loop).result(10)
    try:
        yield f"http://127.0.0.1:{runner.port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
