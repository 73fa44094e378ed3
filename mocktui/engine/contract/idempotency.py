"""`Idempotency-Key`, where an operation declares it: a repeated key gets the first answer again.

Clients retry payments and orders with the same key and expect one effect: the first answer (status,
headers, body) is kept per operation and key, replayed with `Idempotent-Replayed: true`; the same key
with another body is a client error, as Stripe and the IETF draft say. Bounded: the oldest keys go.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import replace

from mocktui.engine.contract.compiled import IDEMPOTENCY_KEY, CompiledOperation
from mocktui.engine.http import MockRequest, MockResponse

KEEP = 10_000  # keys remembered, across all operations


class Idempotency:
    """First answers by (operation, key), with a digest of the request body they answered."""

    def __init__(self, keep: int = KEEP) -> None:
        # (operation, key, client session) -> the first answer: sessions never replay each other's
        self._answers: OrderedDict[tuple[str, str, str | None], tuple[bytes, MockResponse]] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def replay(self, compiled: CompiledOperation, request: MockRequest) -> MockResponse | str | None:
        """The first answer again; a reason (str) when the key came with another body; None: answer anew."""
        key = request.headers.get(IDEMPOTENCY_KEY)
        if not key:
            return None
        with self._lock:
            kept = self._answers.get((compiled.op.id, key, request.session))
        if kept is None:
            return None
        digest, response = kept
        if digest != _digest(request.body):
            return f"Idempotency-Key {key!r} was first used with another request body"
        return replace(response, headers=[*response.headers, ("idempotent-replayed", "true")], delay_ms=0.0)

    def remember(self, compiled: CompiledOperation, request: MockRequest, response: MockResponse) -> None:
        """Keep a successful or client-error answer (a 5xx may be retried for real)."""
        key = request.headers.get(IDEMPOTENCY_KEY)
        if not key or response.status >= 500 or response.fault is not None:
            return
        kept = replace(response, headers=list(response.headers))
        with self._lock:
            self._answers[(compiled.op.id, key, request.session)] = (_digest(request.body), kept)
            while len(self._answers) > self._keep:
                self._answers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


def _digest(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).digest()
