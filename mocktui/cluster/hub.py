"""Workers of one supervisor on one host, without Redis: the supervisor is the hub.

The supervisor holds the document, the journal (its own engine's event stream, so the control
room that runs there sees every worker's requests) and the counters; each worker keeps one Unix
socket to it. Messages are JSON lines. A worker writes each request event on its socket before
the response's bytes leave, and a journal read first asks every worker to answer a `flush` on the
same ordered socket: once they have, every event of a request a client has seen is in the hub.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import os
import socket
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson

from mocktui.cluster.plane import Document, Item, Plane, SoloPlane, adopt, document
from mocktui.engine.events import Notice, RequestEvent
from mocktui.engine.pipeline import MockEngine

EVENT = b"E"  # a line that is one request event (`E{...}`): the hub keeps it without parsing it
JOURNAL_MAX = 10_000
READ_SIZE = 1 << 16
LINGER_S = 0.005  # how long a worker gathers events before writing them (a journal read flushes them first)
LINE_LIMIT = 1 << 28  # bytes of one message: a journal read carries up to 10,000 events with their bodies
BARRIER_S = 0.5  # how long a read waits for a worker that does not answer its flush (a dying one)
CALL_S = 10.0


def _line(message: dict[str, Any]) -> bytes:
    return orjson.dumps(message) + b"\n"


def _decoded(id: int, raw: bytes) -> RequestEvent:
    event = RequestEvent.from_dict(orjson.loads(raw))
    event.id = id  # numbered by the hub: one sequence for the whole cluster
    return event


class HubServer(SoloPlane):
    """The supervisor's plane: the cluster's document, journal and counters, served to its workers."""

    shared = True
    def __init__(self, path: str, member: str | None = None) -> None:
        super().__init__(member)
        self.path = path
        self._workers: dict[asyncio.StreamWriter, dict[str, Any]] = {}
        self._barriers: dict[int, tuple[set[asyncio.StreamWriter], asyncio.Future[None]]] = {}
        self._tokens = itertools.count(1)
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._ring: collections.deque[tuple[int, bytes]] = collections.deque(maxlen=JOURNAL_MAX)
        self._next_id = 1

    async def start(self, engine: MockEngine) -> None:
        await super().start(engine)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self._server = await asyncio.start_unix_server(self._accept, path=self.path, limit=LINE_LIMIT)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._workers):
                writer.close()
            for task in list(self._connections):
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def publish(self, doc: Document) -> int:
        version = super().publish(doc)
        self._broadcast({"op": "doc", "version": version, "doc": doc})
        return version

    def members(self) -> list[dict[str, Any]]:
        return [dict(info) for info in self._workers.values()]

    def journal(self) -> list[RequestEvent]:
        return [_decoded(id, raw) for id, raw in list(self._ring)]

    def _kept(self) -> list[RequestEvent]:
        return self.journal()

    def clear_journal(self) -> None:
        self._ring.clear()
        self._engine.events.clear()

    def _journal(self, raw: bytes, writer: asyncio.StreamWriter) -> None:
        """A worker's event: kept as its bytes, decoded only when read, or at once when this process
        has listeners (the control room, a stream follower)."""
        id = self._next_id
        self._next_id += 1
        self._ring.append((id, raw))
        info = self._workers.get(writer)
        if info is not None:
            info["requests"] += 1
        events = self._engine.events
        if events.listening:
            events.publish(_decoded(id, raw))

    def _broadcast(self, message: dict[str, Any]) -> None:
        data = _line(message)
        for writer in list(self._workers):
            if not writer.is_closing():
                writer.write(data)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._workers.pop(writer, None)
            for waiting, done in self._barriers.values():
                waiting.discard(writer)
                if not waiting and not done.done():
                    done.set_result(None)
            writer.close()
            if task is not None:
                self._connections.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        rest = b""
        while chunk := await reader.read(READ_SIZE):  # many lines per read: workers batch their events
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for line in lines:
                if line[:1] == EVENT:
                    self._journal(line[1:], writer)
                elif await self._handle(orjson.loads(line), writer):
                    return

    async def _handle(self, message: dict[str, Any], writer: asyncio.StreamWriter) -> bool:
        """One message that is not an event; True when the connection now belongs to a stream follower."""
        op = message["op"]
        if op == "ack":
            self._acked(message["token"], writer)
        elif op == "notice":
            self._engine.events.notice(message["level"], message["text"])
        elif op == "hello":
            if message.get("role") != "sync":
                self._workers[writer] = {
                    "worker": str(message["name"]), "pid": message.get("pid"), "host": message.get("host"),
                    "since": time.time(), "requests": 0,
                }  # fmt: skip
                writer.write(_line({"op": "doc", "version": self.version, "doc": document(self._engine)}))
        elif op == "follow":
            await self._feed(writer, message.get("after"))
            return True
        elif op == "incr":  # on the request path: answered at once, in order
            value = self.incr(str(message["key"]), int(message.get("by", 1)), message.get("ttl"))
            writer.write(_line({"rid": message.get("rid", 0), "value": value}))
        elif op == "drop":
            self.drop(str(message["key"]))
            writer.write(_line({"rid": message.get("rid", 0), "value": 0}))
        else:  # a read waits for every worker's flush, this one's too: its ack must still be read meanwhile
            task = asyncio.create_task(self._reply(op, message, writer))
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)
        return False

    async def _reply(self, op: str, message: dict[str, Any], writer: asyncio.StreamWriter) -> None:
        reply = await self._answer(op, message)
        if not writer.is_closing():
            writer.write(_line({"rid": message.get("rid", 0), **reply}))

    async def _answer(self, op: str, message: dict[str, Any]) -> dict[str, Any]:
        engine = self._engine
        if op == "set":
            doc = message["doc"]
            adopt(engine, doc)
            return {"version": self.publish(doc)}
        if op == "read":
            await self._barrier()
            return {"events": [e.to_dict() for e in self.journal()]}
        if op == "clear":
            self.clear_journal()
        elif op == "reset":
            self.reset_counters()
        elif op == "members":
            return {"members": self.members()}
        return {}

    async def _barrier(self) -> None:
        """Every connected worker answers a flush: their events written before it are journaled."""
        waiting = {w for w in self._workers if not w.is_closing()}
        if not waiting:
            return
        token = next(self._tokens)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._barriers[token] = (waiting, done)
        data = _line({"op": "flush", "token": token})
        for writer in waiting:
            writer.write(data)
        try:
            await asyncio.wait_for(done, BARRIER_S)
        except TimeoutError:
            pass
        finally:
            del self._barriers[token]

    def _acked(self, token: int, writer: asyncio.StreamWriter) -> None:
        found = self._barriers.get(token)
        if found is not None:
            waiting, done = found
            waiting.discard(writer)
            if not waiting and not done.done():
                done.set_result(None)

    async def _feed(self, writer: asyncio.StreamWriter, after: int | None) -> None:
        async for item in self._follow_here(after):
            writer.write(_line({"kind": item.kind, "id": item.id, "data": item.data}))
            await writer.drain()


class HubClient(Plane):
    """A worker's plane: the hub's document applied as it changes, its events shipped, reads asked for."""

    def __init__(self, path: str, member: str | None = None) -> None:
        super().__init__(member)
        self.path = path
        self._writer: asyncio.StreamWriter | None = None
        self._listener: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._rids = itertools.count(1)
        self._sync: socket.socket | None = None
        self._sync_file: Any = None
        self._sync_lock = threading.Lock()
        self._unsubscribe: list[Any] = []
        self._out: list[bytes] = []  # lines waiting for the end of this loop iteration: one write for many

    async def start(self, engine: MockEngine) -> None:
        await super().start(engine)
        self._loop = asyncio.get_running_loop()
        reader, self._writer = await asyncio.open_unix_connection(self.path, limit=LINE_LIMIT)
        self._send({"op": "hello", "name": self.member, "pid": os.getpid(), "host": socket.gethostname()})
        first = orjson.loads(await reader.readline())
        self._adopt(first)
        self._listener = asyncio.create_task(self._listen(reader), name="mocktui-hub-listen")
        self._unsubscribe = [engine.events.subscribe(self._ship), engine.events.subscribe_notices(self._ship_notice)]
        self._sync = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sync.connect(self.path)
        self._sync_file = self._sync.makefile("rwb")
        self._sync_file.write(_line({"op": "hello", "name": self.member, "role": "sync"}))
        self._sync_file.flush()

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            with contextlib.suppress(ValueError):
                unsubscribe()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._writer is not None:
            self._writer.close()
        if self._sync is not None:
            self._sync.close()

    def _send(self, message: dict[str, Any]) -> None:
        self._queue(_line(message))
        self._flush()

    def _queue(self, line: bytes) -> None:
        if not self._out and self._loop is not None:  # one write (and one wake-up of the hub) per batch
            self._loop.call_later(LINGER_S, self._flush)
        self._out.append(line)

    def _flush(self) -> None:
        """Everything queued, in order, in one write (events before an ack: the barrier relies on it)."""
        if self._out and self._writer is not None and not self._writer.is_closing():
            self._writer.write(b"".join(self._out))
        self._out.clear()

    def _ship(self, event: RequestEvent) -> None:
        event.worker = self.member
        self._queue(EVENT + orjson.dumps(event.to_dict()) + b"\n")

    def _ship_notice(self, notice: Notice) -> None:
        self._send({"op": "notice", "level": notice.level, "text": f"{self.member}: {notice.text}"})

    def _adopt(self, message: dict[str, Any]) -> None:
        version = int(message["version"])
        if version > self.version or self.version == 0:
            self.version = version
            adopt(self._engine, message["doc"])

    async def _listen(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            message = orjson.loads(line)
            op = message.get("op")
            if op == "doc":
                self._adopt(message)
            elif op == "flush":
                self._send({"op": "ack", "token": message["token"]})
            else:
                waiter = self._pending.pop(int(message.get("rid", 0)), None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(message)
        self._engine.events.notice("error", "lost the supervisor: this worker now steers alone")

    async def _call(self, message: dict[str, Any]) -> dict[str, Any]:
        rid = next(self._rids)
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = waiter
        self._send({**message, "rid": rid})
        return await asyncio.wait_for(waiter, CALL_S)

    def _run(self, message: dict[str, Any]) -> dict[str, Any]:
        """A request to the hub from a thread other than the loop's (the admin API's pool)."""
        loop = self._loop
        if loop is None:
            raise RuntimeError("the plane has not started")
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError("the hub is asked from a thread pool, never from the event loop")
        return asyncio.run_coroutine_threadsafe(self._call(message), loop).result(CALL_S)

    def publish(self, doc: Document) -> int:
        self.version = int(self._run({"op": "set", "doc": doc})["version"])
        return self.version

    def journal(self) -> list[RequestEvent]:
        return [RequestEvent.from_dict(e) for e in self._run({"op": "read"})["events"]]

    def clear_journal(self) -> None:
        self._run({"op": "clear"})

    def reset_counters(self) -> None:
        self._run({"op": "reset"})

    def members(self) -> list[dict[str, Any]]:
        members: list[dict[str, Any]] = self._run({"op": "members"})["members"]
        return members

    def incr(self, key: str, by: int = 1, ttl_s: float | None = None) -> int:
        """Blocking, on its own socket: the request path needs the value now (a few µs on one host)."""
        return self._ask({"op": "incr", "key": key, "by": by, "ttl": ttl_s})

    def drop(self, key: str) -> None:
        self._ask({"op": "drop", "key": key})

    def _ask(self, message: dict[str, Any]) -> int:
        with self._sync_lock:
            self._sync_file.write(_line(message))
            self._sync_file.flush()
            return int(orjson.loads(self._sync_file.readline())["value"])

    async def follow(self, after: int | None = None) -> AsyncIterator[Item]:
        reader, writer = await asyncio.open_unix_connection(self.path, limit=LINE_LIMIT)
        try:
            writer.write(_line({"op": "follow", "after": after}))
            while line := await reader.readline():
                message = orjson.loads(line)
                yield Item(message["kind"], int(message["id"]), message["data"])
        finally:
            writer.close()


__all__ = ["HubClient", "HubServer", "Plane"]
