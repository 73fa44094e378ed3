"""Workers of one supervisor on one host, without Redis: the supervisor is the hub.

The supervisor holds the document and the counters; each worker keeps one Unix socket to it
(messages are JSON lines) and its own journal ring. A journal read asks every worker for its ring
on that ordered socket and merges them, so the events of every request a client has seen answered
are in it; the hub reads no event it is not asked for. Only while someone follows the journal
(the event stream, the control room's log, a recorder) do workers send their events as they
happen, in `E<id> {...}` lines gathered for a few milliseconds. That JSON is made once, in the
worker: the hub hands it to stream followers untouched (one write per batch) and decodes it only
for a listener that reads events (the control room's log, a recorder).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson

from mocktui.cluster.follow import Item, from_line, to_line
from mocktui.cluster.plane import SLOTS, Document, Plane, SoloPlane, Stamp, adopt, document, merged, ring
from mocktui.engine.events import Notice, RequestEvent
from mocktui.engine.outbox import Fire, outbox_of
from mocktui.engine.pipeline import MockEngine

EVENT = b"E"  # a line that is one request event (`E<id> {...}`), sent only while someone follows
READ_SIZE = 1 << 16
LINGER_S = 0.005  # how long a worker gathers followed events before writing them
LINE_LIMIT = 1 << 28  # bytes of one message: a journal read carries up to 10,000 events with their bodies
ASK_S = 5.0  # how long the hub waits for a worker that does not answer (a hung one: a dead one hangs up)
WATCH_S = 0.05  # how often the hub looks whether anyone here listens (the control room, a recorder)
BEAT_S = 1.0  # how often a worker tells the hub how many requests it has served
CALL_S = 10.0

Reply = dict[str, Any]


def _line(message: dict[str, Any]) -> bytes:
    return orjson.dumps(message) + b"\n"


async def _lines(reader: asyncio.StreamReader) -> AsyncIterator[list[bytes]]:
    """The complete lines of each read, in order. A ring's answer spans many reads: one growing buffer,
    not a copy per read; many small lines come in one read: handled together."""
    buffer = bytearray()
    while chunk := await reader.read(READ_SIZE):
        buffer += chunk
        if b"\n" not in chunk:
            continue
        end = buffer.rindex(b"\n")
        lines = bytes(buffer[:end]).split(b"\n")
        del buffer[: end + 1]
        yield lines


def _in_loop(loop: asyncio.AbstractEventLoop | None) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


class HubServer(SoloPlane):
    """The supervisor's plane: the cluster's document and counters, and its workers' journals on demand."""

    shared = True

    def __init__(self, path: str, member: str | None = None) -> None:
        super().__init__(member)
        self.path = path
        self._workers: dict[asyncio.StreamWriter, dict[str, Any]] = {}
        self._turns = itertools.count()  # which worker delivers the next webhook fired here
        self._asks: dict[int, tuple[set[asyncio.StreamWriter], asyncio.Future[None], list[Reply]]] = {}
        self._tokens = itertools.count(1)
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._shipping = False  # whether workers send their events as they happen

    async def start(self, engine: MockEngine) -> None:
        await super().start(engine)
        self._loop = asyncio.get_running_loop()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self._server = await asyncio.start_unix_server(self._accept, path=self.path, limit=LINE_LIMIT)
        self._ship_if_heard()  # a recorder, a control room: workers send from their first request
        self._keep(asyncio.create_task(self._watch(), name="mocktui-hub-watch"))

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

    def _keep(self, task: asyncio.Task[Any]) -> None:
        self._connections.add(task)
        task.add_done_callback(self._connections.discard)

    def publish(self, doc: Document) -> int:
        version = super().publish(doc)
        self._broadcast({"op": "doc", "version": version, "doc": doc})
        return version

    def members(self) -> list[dict[str, Any]]:
        return [dict(info) for info in self._workers.values()]

    def hand_over(self, intent: dict[str, Any]) -> bool:
        """One worker (in turn) delivers what the control room fired."""
        live = [w for w in self._workers if not w.is_closing()]
        if not live:
            return False
        writer = live[next(self._turns) % len(live)]
        line = _line({"op": "fire", "fire": intent})
        if self._loop is None or _in_loop(self._loop):
            writer.write(line)
        else:
            self._loop.call_soon_threadsafe(writer.write, line)
        return True

    # -- the journal: the workers' rings, gathered when read ------------------------------------

    def journal(self) -> list[RequestEvent]:
        """Every worker's ring, merged. In this process's loop (the control room) it cannot wait for
        the workers: there it is the copy they send while the room listens."""
        if self._loop is None or _in_loop(self._loop):
            return list(self._engine.events)
        return asyncio.run_coroutine_threadsafe(self._kept(), self._loop).result(CALL_S)

    async def _kept(self) -> list[RequestEvent]:
        return [RequestEvent.from_dict(event) for event in await self._gathered()]

    async def _gathered(self) -> list[dict[str, Any]]:
        return merged([reply.get("events", []) for reply in await self._ask_all({"op": "gather"})])

    def clear_journal(self) -> None:
        self._engine.events.clear()
        if self._loop is None or _in_loop(self._loop):
            self._broadcast({"op": "clear"})
        else:
            asyncio.run_coroutine_threadsafe(self._ask_all({"op": "clear"}), self._loop).result(CALL_S)

    async def _following(self, on: bool) -> None:
        """A follower here: every worker sends its events from the moment it answers (none is missed)."""
        if on:
            self._shipping = True
            await self._ask_all({"op": "ship", "on": True})
        else:
            self._ship_if_heard()

    def _ship_if_heard(self) -> None:
        """Workers send their events as they happen exactly while someone here hears them (and only to the
        plane that carries the journal: with several specs, the others' workers would not send anyway)."""
        wanted = self.journals and (bool(self._followers) or self._engine.events.listening)
        if wanted != self._shipping:
            self._shipping = wanted
            self._broadcast({"op": "ship", "on": wanted})

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_S)
            self._ship_if_heard()

    def _journal(self, line: bytes) -> None:
        """A worker's event (`E<id> json`), sent because someone here follows: its JSON handed on untouched to
        stream followers, decoded only for listeners that read events (the control room's log, a recorder)."""
        space = line.find(b" ")
        item = Item("request", int(line[1:space]), raw=line[space + 1 :])
        for put in self._followers:
            put(item)
        events = self._engine.events
        if events.listening:
            events.publish(item.event)

    def _hear(self, put: Callable[[Item], None]) -> Callable[[], None]:
        """The hub's requests are its workers': `_journal` hands them to followers as they come."""
        return lambda: None

    # -- the connections --------------------------------------------------------------------------

    def _broadcast(self, message: dict[str, Any]) -> None:
        data = _line(message)
        for writer in list(self._workers):
            if not writer.is_closing():
                writer.write(data)

    async def _ask_all(self, message: dict[str, Any]) -> list[Reply]:
        """`message` to every connected worker; their answers (on the same ordered socket as their
        events, so what they sent before is in), or as many as came within `ASK_S` (a dying worker)."""
        waiting = {w for w in self._workers if not w.is_closing()}
        if not waiting:
            return []
        token = next(self._tokens)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        replies: list[Reply] = []
        self._asks[token] = (waiting, done, replies)
        data = _line({**message, "token": token})
        for writer in waiting:
            writer.write(data)
        try:
            await asyncio.wait_for(done, ASK_S)
        except TimeoutError:
            pass
        finally:
            del self._asks[token]
        return replies

    def _answered(self, message: Reply, writer: asyncio.StreamWriter) -> None:
        found = self._asks.get(int(message.get("token", 0)))
        if found is not None:
            waiting, done, replies = found
            if writer in waiting:
                replies.append(message)
            waiting.discard(writer)
            if not waiting and not done.done():
                done.set_result(None)

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
            for waiting, done, _ in self._asks.values():
                waiting.discard(writer)
                if not waiting and not done.done():
                    done.set_result(None)
            writer.close()
            if task is not None:
                self._connections.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async for lines in _lines(reader):
            for line in lines:
                if line.startswith(EVENT):
                    self._journal(line)
                elif await self._handle(orjson.loads(line), writer):
                    return

    async def _handle(self, message: dict[str, Any], writer: asyncio.StreamWriter) -> bool:
        """One message that is not an event; True when the connection now belongs to a stream follower."""
        op = message["op"]
        if op == "ack":
            self._answered(message, writer)
        elif op == "beat":
            info = self._workers.get(writer)
            if info is not None:
                info["requests"] = int(message["requests"])
        elif op == "notice":
            self._engine.events.notice(message["level"], message["text"])
        elif op == "hello":
            if message.get("role") != "sync":
                self._hello(message, writer)
        elif op == "follow":
            await self._feed(writer, message.get("after"))
            return True
        elif op == "incr":  # on the request path: answered at once, in order
            value = self.incr(str(message["key"]), int(message.get("by", 1)), message.get("ttl"))
            writer.write(_line({"rid": message.get("rid", 0), "value": value}))
        elif op == "drop":
            self.drop(str(message["key"]))
            writer.write(_line({"rid": message.get("rid", 0), "value": 0}))
        else:  # a read waits for every worker's answer, this one's too: its answer must still be read meanwhile
            self._keep(asyncio.create_task(self._reply(op, message, writer)))
        return False

    def _hello(self, message: dict[str, Any], writer: asyncio.StreamWriter) -> None:
        """A worker joins: the document, its slot (no live worker has it) and whether to send events."""
        taken = {info["slot"] for info in self._workers.values()}
        slot = next(n for n in range(SLOTS) if n not in taken)
        self._workers[writer] = {
            "worker": str(message["name"]), "pid": message.get("pid"), "host": message.get("host"),
            "since": time.time(), "requests": 0, "slot": slot,
        }  # fmt: skip
        doc = document(self._engine)
        writer.write(_line({"op": "doc", "version": self.version, "doc": doc, "slot": slot, "ship": self._shipping}))

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
            return {"events": await self._gathered()}
        if op == "clear":
            engine.events.clear()
            await self._ask_all({"op": "clear"})
        elif op == "reset":
            self.reset_counters()
        elif op == "members":
            return {"members": self.members()}
        return {}

    async def _feed(self, writer: asyncio.StreamWriter, after: int | None) -> None:
        """A follower in a worker (a stream client there): each batch in one write, events' JSON as it came."""
        async for batch in self._follow_here(after):
            writer.write(b"".join([to_line(item) for item in batch]))
            await writer.drain()


class HubClient(Plane):
    """A worker's plane: the hub's document applied as it changes, its ring handed over when the hub asks."""

    def __init__(self, path: str, member: str | None = None) -> None:
        super().__init__(member)
        self.path = path
        self._writer: asyncio.StreamWriter | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._rids = itertools.count(1)
        self._sync: socket.socket | None = None
        self._sync_file: Any = None
        self._sync_lock = threading.Lock()
        self._out: list[bytes] = []  # lines waiting for the end of this loop iteration: one write for many
        self._stamp = Stamp(self.member, 0)

    async def start(self, engine: MockEngine) -> None:
        await super().start(engine)
        self._loop = asyncio.get_running_loop()
        reader, self._writer = await asyncio.open_unix_connection(self.path, limit=LINE_LIMIT)
        self._send({"op": "hello", "name": self.member, "pid": os.getpid(), "host": socket.gethostname()})
        first = orjson.loads(await reader.readline())
        self._stamp = Stamp(self.member, int(first.get("slot", 0)))
        if self.journals:  # several specs: the first spec's plane numbers the one journal
            engine.events.stamp = self._stamp
        self._adopt(first)
        self._ship_events(bool(first.get("ship")))
        self._tasks = [
            asyncio.create_task(self._listen(reader), name="mocktui-hub-listen"),
            asyncio.create_task(self._beat(), name="mocktui-hub-beat"),
        ]
        self._sync = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sync.connect(self.path)
        self._sync_file = self._sync.makefile("rwb")
        self._sync_file.write(_line({"op": "hello", "name": self.member, "role": "sync"}))
        self._sync_file.flush()

    async def stop(self) -> None:
        self._ship_events(False)
        self._flush()  # the last events a follower (a recorder) is owed
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
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
        """Everything queued, in order, in one write (events before an answer: a read relies on it)."""
        if self._out and self._writer is not None and not self._writer.is_closing():
            self._writer.write(b"".join(self._out))
        self._out.clear()

    def _ship(self, event: RequestEvent) -> None:
        """Made JSON once, here: the hub and the stream clients pass these bytes on as they are."""
        self._queue(b"%s%d %s\n" % (EVENT, event.id, orjson.dumps(event.to_dict())))

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
            elif op in ("ship", "gather", "clear"):
                self._asked(op, message)
            elif op == "fire":  # the supervisor's control room fired a webhook: this worker delivers it
                outbox_of(self._engine).fire(Fire.from_message(message["fire"]))
            else:
                waiter = self._pending.pop(int(message.get("rid", 0)), None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(message)
        self._engine.events.notice("error", "lost the supervisor: this worker now steers alone")

    def _asked(self, op: str, message: dict[str, Any]) -> None:
        """The hub's question to every worker; answered (when it has a token) after what was queued."""
        answer: dict[str, Any] = {"op": "ack", "token": message.get("token", 0)}
        if op == "ship":
            self._ship_events(bool(message["on"]))
        elif op == "gather":
            answer["events"] = ring(self._engine.events)
        else:
            self._engine.events.clear()
        if "token" in message:
            self._send(answer)

    async def _beat(self) -> None:
        told = 0
        while True:
            await asyncio.sleep(BEAT_S)
            if self._stamp.count != told:
                told = self._stamp.count
                self._send({"op": "beat", "requests": told})

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
        if _in_loop(loop):
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

    async def follow(self, after: int | None = None) -> AsyncIterator[list[Item]]:
        reader, writer = await asyncio.open_unix_connection(self.path, limit=LINE_LIMIT)
        try:
            writer.write(_line({"op": "follow", "after": after}))
            async for lines in _lines(reader):
                yield [from_line(line) for line in lines]
        finally:
            writer.close()


__all__ = ["HubClient", "HubServer", "Plane"]
