"""`--record FILE.har`: the journal's exchanges appended to a HAR 1.2 file as they happen.

The file is valid HAR after every entry: it holds the log's head, the entries and the closing
bytes; each new entry is written over the closing bytes, followed by them again, in one `pwrite`.
An event is journalled before its response leaves, so a `kill -9` loses at most the exchange in
flight (the OS has every byte written; nothing waits in a Python buffer). One recorder per mock:
with `--workers N` it runs in the supervisor, whose journal hears every worker.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import orjson

from mocktui import __version__
from mocktui.engine.events import EventStream, RequestEvent
from mocktui.engine.har import entry, frame

Say = Callable[[str, str], None]  # (level, text)


class Recorder:
    """Appends each recorded exchange of `events` to `path` (truncated first)."""

    def __init__(self, path: str, events: EventStream, *, everything: bool = False, secrets: bool = False) -> None:
        self.path = path
        self.everything = everything  # --record-all: mocked exchanges too, not only proxied ones
        self.secrets = secrets
        self.count = 0
        self._say = events.notice
        self._lock = threading.Lock()
        head, self._tail = frame(__version__)
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)  # OSError: caller says
        self._end = self._write(head + self._tail, 0)
        self._unsubscribe = events.subscribe(self.record)

    def record(self, event: RequestEvent) -> None:
        if not self.everything and "proxied" not in event.tags:
            return
        data = orjson.dumps(entry(event, secrets=self.secrets))
        with self._lock:
            if self._fd is None:
                return
            at = self._end - len(self._tail)
            try:
                self._end = self._write((b"," if self.count else b"") + data + self._tail, at)
            except OSError as exc:  # a full disk: said once, the mock keeps serving
                self._say("error", f"--record {self.path}: stopped recording after {self.count} exchanges: {exc}")
                os.close(self._fd)
                self._fd = None
                return
            self.count += 1

    def _write(self, data: bytes, at: int) -> int:
        """`data` written at offset `at` (whole: a short write is continued); the new end of the file."""
        assert self._fd is not None
        view = memoryview(data)
        while view:
            done = os.pwrite(self._fd, view, at)
            view, at = view[done:], at + done
        return at

    def close(self) -> None:
        self._unsubscribe_once()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _unsubscribe_once(self) -> None:
        unsubscribe, self._unsubscribe = self._unsubscribe, lambda: None
        try:
            unsubscribe()
        except ValueError:
            pass
