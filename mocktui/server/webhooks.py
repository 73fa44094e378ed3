"""The deliverer: sends what the outbox is told to fire (callbacks, webhooks) over HTTP.

Triggers reach it two ways. Intents (`Fire`) come from the outbox: the admin API, schedules. And it
listens to the journal: a 2xx answer of an operation with callbacks fires them (their URL read from
that exchange), a scenario's `then: {webhook: ...}` left a "fire webhook NAME" note on its event, a
stateful create/update/delete answer fires the webhooks mapped to that store event. So the engine
never does I/O and never waits: the listener only queues.

Delivery is asynchronous and never delays the mock's answers: one bounded queue and one task per
target URL (so each subscription sees its deliveries in order), an optional delay, retries with
exponential backoff on connection errors, timeouts and 5xx, HMAC signatures with `--webhook-secret`.
Every attempt is a journal event tagged `webhook` or `callback` (and `failed` when it gave up).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mocktui.engine.contract.callbacks import Catalogue, CompiledHook, body_values, exchange_values
from mocktui.engine.events import RequestEvent
from mocktui.engine.outbox import NO_BODY, Fire, Outbox, delivery_of, outbox_of
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.expressions import MISSING, Exchange, parse_body

if TYPE_CHECKING:
    import httpx

QUEUE_MAX = 10_000  # deliveries waiting per target; more are dropped (and journaled as failed)
NOTE = re.compile(r"^fire webhook (\S+)(?: after (\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))? ms)?$")
ROLE_EVENTS = {"create": "created", "update": "updated", "replace": "updated", "delete": "deleted"}
log = logging.getLogger("mocktui.webhooks")


@dataclass(slots=True)
class _Delivery:
    hook: CompiledHook
    url: str
    body: bytes
    due: float  # loop time it may go out
    trigger: int
    source: str


class Deliverer:
    """Sends hooks for one engine; `start` in the serving loop, `stop` closes its client and tasks."""

    def __init__(
        self,
        engine: MockEngine,
        *,
        secret: str | None = None,
        retries: int = 3,
        store_map: Mapping[str, list[str]] | None = None,
        schedules: Mapping[str, float] | None = None,
        delays: Mapping[str, tuple[float, float]] | None = None,
        claim: Callable[[str, float], bool] | None = None,
        member: str = "",
        timeout: float = 5.0,
        backoff: float = 0.5,
        spec: str | None = None,
    ) -> None:
        self.engine = engine
        self.spec = spec  # several specs in one instance: the name its deliveries are journalled under
        self.outbox: Outbox = outbox_of(engine)
        self.secret = secret.encode() if secret else None
        self.retries = retries
        self.store_map = {k: list(v) for k, v in (store_map or {}).items()}
        self.schedules = dict(schedules or {})
        self.delays = dict(delays or {})  # ms by webhook name (mocktui.yaml `delay:`), when a firing gives none
        self.claim = claim  # (key, ttl s) -> won: one process of a cluster fires each scheduled round
        self.member = member  # this process's name in a cluster: only its own requests trigger here
        self.timeout = timeout
        self.backoff = backoff  # seconds before the first retry; doubled each time
        self.rng = random.Random()
        self._catalogue: Catalogue | None = None
        self._contract: Any = None
        self._store_hooks: dict[str, list[CompiledHook]] = {}
        self._queues: dict[str, asyncio.Queue[_Delivery]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._client: httpx.AsyncClient | None = None  # made by `_http`: at start when the spec has hooks
        self._stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None  # the delivery loop, in `_runner`
        self._serving: asyncio.AbstractEventLoop | None = None
        self._runner = threading.Thread()
        self._thread = 0
        self._ids = itertools.count(1)
        self._undo: list[Any] = []
        self._pending = 0  # intents handed over and deliveries queued, not yet done (`idle` waits for 0)
        self._pending_lock = threading.Lock()  # changed from the serving loop, the admin pool and the delivery loop
        self._catalogue = self._compile()  # at start-up, like the operations

    def _compile(self) -> Catalogue:
        self._contract = contract = self.engine.contract
        catalogue = Catalogue(contract)
        state = self.engine.state
        self._store_hooks = catalogue.store_events(state.resources if state is not None else {}, self.store_map)
        return catalogue

    @property
    def catalogue(self) -> Catalogue:
        """The hooks of the spec served now (compiled again after a reload swapped the contract)."""
        if self._catalogue is None or self._contract is not self.engine.contract:
            self._catalogue = self._compile()
        return self._catalogue

    async def start(self) -> None:
        """Deliveries run on a loop of their own, in a thread: a slow or dead receiver, its retries and
        the payloads they generate never take turns from the loop that answers the mock's requests."""
        self._serving = asyncio.get_running_loop()
        self._stopped = False
        ready = threading.Event()
        self._runner = threading.Thread(target=self._run, args=(ready,), name="mocktui-webhooks", daemon=True)
        self._runner.start()
        ready.wait(10)
        self._undo = [self.outbox.attach(self._fire), self.engine.events.subscribe(self._heard)]

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop, self._thread = loop, threading.get_ident()
        if self.engine.spec.hooks:
            self._http()  # ready before the first firing (importing httpx takes ~0.1 s)
        for key, every in self.schedules.items():
            self._tasks.append(loop.create_task(self._every(key, every), name=f"mocktui-webhook-every-{key}"))
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def stop(self) -> None:
        for undo in self._undo:
            undo()
        self._undo = []
        loop = self._loop
        if loop is None:
            return
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._shutdown(), loop))
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(self._runner.join, 10)
        self._loop = None

    async def _shutdown(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks, self._queues = [], {}
        self._stopped = True
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _on_serving_loop(self, call: Any, *args: Any) -> None:
        """The journal and notices belong to the serving loop (its listeners are not thread-safe)."""
        serving = self._serving
        if serving is not None and not serving.is_closed():
            serving.call_soon_threadsafe(call, *args)

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until every queued delivery went out (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._pending and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)  # the last attempts' journal events, handed to this loop, land

    # -- triggers ------------------------------------------------------------------------------

    def _heard(self, event: RequestEvent) -> None:
        """A journal event: its callbacks, a scenario's webhook note, its store event. Only queues."""
        if (event.worker and event.worker != self.member) or event.operation is None:
            return
        tags = event.tags
        if "webhook" in tags or "callback" in tags:
            return
        for note in event.notes:
            found = NOTE.match(note)
            if found is not None:
                delay = _delay(found.group(2), found.group(3))
                self._fire(Fire(found.group(1), "scenario", delay_ms=delay, trigger=event.id))
        if not 200 <= event.status < 300:
            return
        catalogue = self.catalogue
        owned = catalogue.by_owner.get(event.operation)
        if owned:
            exchange = _exchange(self.engine, event)
            for hook in owned:
                self._fire(Fire(hook.hook.key, "exchange", trigger=event.id, exchange=exchange))
        if "stateful" in tags and self._store_hooks:
            self._store_event(event)

    def _store_event(self, event: RequestEvent) -> None:
        state = self.engine.state
        binding = state.bindings.get(event.operation or "") if state is not None else None
        action = ROLE_EVENTS.get(binding.role) if binding is not None else None
        if binding is None or action is None:
            return
        hooks = self._store_hooks.get(f"{binding.resource.name}.{action}")
        if not hooks:
            return
        ctype = dict((k.lower(), v) for k, v in event.response_headers).get("content-type", "")
        record = parse_body(event.response_body, ctype)
        values = body_values(event.response_body, ctype)
        for hook in hooks:  # the stored record itself when it is what the webhook sends, else fields of it
            body = record if record is not MISSING and hook.fits(record) else NO_BODY
            self._fire(Fire(hook.hook.key, "store", body=body, trigger=event.id, values=values))

    async def _every(self, key: str, seconds: float) -> None:
        """Round n fires at n * `seconds` on the wall clock: every process of a cluster wakes for the same
        round, and the one that claims it fires (so `every: 30s` under `--workers 4` sends once)."""
        while True:
            round_ = int(time.time() // seconds) + 1
            await asyncio.sleep(max(0.0, round_ * seconds - time.time()))
            claim = self.claim
            if claim is None or await asyncio.to_thread(claim, f"webhook-every:{key}:{round_}", seconds * 2 + 60):
                self._fire(Fire(key, "schedule"))

    # -- queueing ------------------------------------------------------------------------------

    def _fire(self, intent: Fire) -> None:
        loop = self._loop
        if loop is None:
            return
        if threading.get_ident() != self._thread:  # the serving loop or the admin API's pool: to the delivery loop
            self._count(1)  # counted now: `idle` must not see 0 while the intent is on its way
            loop.call_soon_threadsafe(self._handed, intent)
            return
        hook = self.catalogue.hooks.get(intent.key)
        if hook is None:
            self._on_serving_loop(
                self.engine.events.notice, "warning", f"webhook {intent.key!r} is not in the spec; nothing sent"
            )
            return
        targets = list(intent.targets)
        if not targets and hook.hook.kind == "webhook":
            targets = list(self.outbox.subscriptions.get(hook.hook.key, ()))
        elif not targets and hook.url is not None and intent.exchange is not None:
            url = hook.url.render(intent.exchange)
            if url is None or not _is_url(url):
                why = f"its URL {hook.hook.url} names nothing usable in this exchange ({url!r})"
                self._journal(hook, url or hook.hook.url, intent.trigger, 0, 0.0, ("failed",), [why], b"", [], b"")
                return
            targets = [url]
        if not targets:
            return
        values = intent.values or (exchange_values(intent.exchange) if intent.exchange is not None else {})
        given = MISSING if intent.body is NO_BODY else intent.body
        body = hook.payload(self.rng, values, given)
        delay = 0.0
        planned = intent.delay_ms if intent.delay_ms is not None else self.delays.get(hook.hook.name)
        if planned is not None:
            low, high = planned
            delay = (low if low == high else self.rng.uniform(low, high)) / 1000
        loop = self._loop
        assert loop is not None
        due = loop.time() + delay
        for url in targets:
            self._queue(_Delivery(hook, url, body, due, intent.trigger, intent.source))

    def _handed(self, intent: Fire) -> None:
        try:
            self._fire(intent)
        finally:
            self._count(-1)

    def _count(self, change: int) -> None:
        with self._pending_lock:
            self._pending += change

    def _queue(self, delivery: _Delivery) -> None:
        queue = self._queues.get(delivery.url)
        if queue is None:
            queue = self._queues[delivery.url] = asyncio.Queue(QUEUE_MAX)
            self._tasks.append(asyncio.create_task(self._drain(queue), name="mocktui-webhook-target"))
        try:
            queue.put_nowait(delivery)
            self._count(1)
        except asyncio.QueueFull:
            note = f"dropped: {QUEUE_MAX} deliveries already wait for this receiver"
            self._journal(delivery.hook, delivery.url, delivery.trigger, 0, 0.0, ("failed",), [note],
                          delivery.body, [], b"")  # fmt: skip

    async def _drain(self, queue: asyncio.Queue[_Delivery]) -> None:
        """One target's deliveries, one after another: the order they were fired in."""
        while True:
            delivery = await queue.get()
            try:
                wait = delivery.due - asyncio.get_running_loop().time()
                if wait > 0:
                    await asyncio.sleep(wait)
                await self._deliver(delivery)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a bug here must not stop this receiver's queue
                log.exception("webhook delivery to %s failed", delivery.url)
            finally:
                self._count(-1)
                queue.task_done()

    # -- sending -------------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        """The delivery client: httpx (~18 MB, ~0.1 s to import) is loaded by mocks whose spec declares a
        callback or webhook, at start; by others only if a reload brings one and it is fired."""
        if self._client is None:
            import httpx

            limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
            self._client = httpx.AsyncClient(timeout=self.timeout, limits=limits)
        return self._client

    async def _deliver(self, delivery: _Delivery) -> None:
        if self._stopped:
            return
        import httpx

        client = self._http()
        hook = delivery.hook
        headers = self._headers(delivery)
        total = self.retries + 1
        for attempt in range(1, total + 1):
            started = time.perf_counter()
            status, answer_headers, answer, error = 0, [], b"", ""
            try:
                resp = await client.request(hook.method, delivery.url, content=delivery.body, headers=headers)
                status, answer_headers, answer = resp.status_code, list(resp.headers.items()), resp.content
            except httpx.TimeoutException:
                error = f"no answer within {self.timeout:g} s"
            except httpx.HTTPError as exc:
                error = f"unreachable: {type(exc).__name__}: {exc}"[:300]
            latency = (time.perf_counter() - started) * 1000
            retry = (status == 0 or status >= 500) and attempt < total
            ok = 200 <= status < 300
            notes = [f"trigger {delivery.trigger}", f"attempt {attempt} of {total}", f"source {delivery.source}"]
            if error:
                notes.append(error)
            elif status:
                notes.extend(hook.drift(status, {k.lower(): v for k, v in answer_headers}, answer))
            tags = () if ok else (("retry",) if retry else ("failed",))
            self._journal(hook, delivery.url, delivery.trigger, status, latency, tags, notes, delivery.body,
                          [(k, v) for k, v in headers.items()], answer, answer_headers)  # fmt: skip
            if not retry:
                return
            await asyncio.sleep(self.backoff * 2 ** (attempt - 1))

    def _headers(self, delivery: _Delivery) -> dict[str, str]:
        headers = {"user-agent": "mocktui-webhooks", "x-mocktui-hook": delivery.hook.hook.key,
                   "x-mocktui-delivery": str(next(self._ids))}  # fmt: skip
        if delivery.hook.content_type and delivery.body:
            headers["content-type"] = delivery.hook.content_type
        if self.secret is not None:
            headers["x-mocktui-timestamp"] = str(int(time.time()))
            headers["x-mocktui-signature"] = "sha256=" + sign(self.secret, delivery.body)
        return headers

    def _journal(
        self,
        hook: CompiledHook,
        url: str,
        trigger: int,
        status: int,
        latency: float,
        tags: tuple[str, ...],
        notes: list[str],
        body: bytes,
        headers: list[tuple[str, str]],
        answer: bytes,
        answer_headers: list[tuple[str, str]] | None = None,
    ) -> None:
        """One attempt (or a delivery refused before any), as the journal event `delivery_of` reads back."""
        if not notes or not notes[0].startswith("trigger "):
            notes = [f"trigger {trigger}", *notes]
        event = RequestEvent(time=time.time(), client="mocktui", method=hook.method, path=url, query="", status=status,
                             latency_ms=latency, operation=hook.hook.key, request_headers=headers, request_body=body,
                             response_headers=answer_headers or [], response_body=answer,
                             tags=(hook.hook.kind, *tags), notes=tuple(notes), spec=self.spec)  # fmt: skip
        self._on_serving_loop(self._recorded, event)

    def _recorded(self, event: RequestEvent) -> None:
        self.outbox.record(delivery_of(event))
        self.engine.events.publish(event)


def sign(secret: bytes, body: bytes) -> str:
    """The hex HMAC-SHA256 of `body`: what `X-Mocktui-Signature: sha256=...` carries."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def _exchange(engine: MockEngine, event: RequestEvent) -> Exchange:
    headers = {k.lower(): v for k, v in event.request_headers}
    _, params, _ = engine.match(event.method, event.path)
    host = headers.get("host", "localhost")
    url = f"http://{host}{event.path}" + (f"?{event.query}" if event.query else "")
    return Exchange(url=url, method=event.method, status=event.status, path=params, query=event.query,
                    headers=headers, body=event.request_body,
                    response_headers={k.lower(): v for k, v in event.response_headers},
                    response_body=event.response_body)  # fmt: skip


def _delay(low: str | None, high: str | None) -> tuple[float, float] | None:
    if low is None:
        return None
    return float(low), float(high if high is not None else low)


def _is_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
