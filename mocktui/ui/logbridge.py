"""Provides `LogBridge`: Python `logging` routed into the app instead of the terminal under it.

While installed, the bridge is the root logger's only handler; stream handlers that write to the
terminal are detached from every logger, and `logging.lastResort` is off. Records are queued
(O(1), thread-safe) and the app drains them on its refresh tick into the log pane.
"""

from __future__ import annotations

import logging
import sys
from collections import deque
from collections.abc import Callable
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widgets import RichLog

QUIET = ("httpx", "httpcore")  # a line per HTTP call (attach polls several times a second): warnings only
_TERMINAL = {id(s) for s in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__) if s is not None}


def _writes_to_terminal(handler: logging.Handler) -> bool:
    if isinstance(handler, logging.FileHandler) or not isinstance(handler, logging.StreamHandler):
        return False
    stream = getattr(handler, "stream", None)
    return stream is None or id(stream) in _TERMINAL or getattr(stream, "isatty", lambda: False)()


class LogBridge(logging.Handler):
    """A logging handler that keeps the last `maxlen` records for the app to show."""

    def __init__(self, level: int = logging.INFO, maxlen: int = 2000) -> None:
        super().__init__(level)
        self.records: deque[logging.LogRecord] = deque(maxlen=maxlen)
        self._saved: list[tuple[logging.Logger, list[logging.Handler]]] = []
        self._root_level = logging.WARNING
        self._levels: dict[str, int] = {}
        self._last_resort: logging.Handler | None = None
        self.installed = False

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def install(self) -> None:
        if self.installed:
            return
        root = logging.getLogger()
        loggers = [root] + [
            logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
        ]
        for logger in loggers:
            terminal = [h for h in logger.handlers if _writes_to_terminal(h)]
            if terminal:
                self._saved.append((logger, terminal))
                for handler in terminal:
                    logger.removeHandler(handler)
        self._root_level = root.level
        root.addHandler(self)
        if root.level > self.level or root.level == logging.NOTSET:
            root.setLevel(self.level)
        self._levels = {name: logging.getLogger(name).level for name in ("uvicorn", *QUIET)}
        logging.getLogger("uvicorn").setLevel(self.level)
        for name in QUIET:
            logging.getLogger(name).setLevel(max(self.level, logging.WARNING))
        self._last_resort = logging.lastResort
        logging.lastResort = None
        self.installed = True

    def uninstall(self) -> None:
        if not self.installed:
            return
        root = logging.getLogger()
        root.removeHandler(self)
        root.setLevel(self._root_level)
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)
        for logger, handlers in self._saved:
            for handler in handlers:
                logger.addHandler(handler)
        self._saved.clear()
        logging.lastResort = self._last_resort
        self.installed = False

    def drain(self) -> list[logging.LogRecord]:
        out: list[logging.LogRecord] = []
        while self.records:
            out.append(self.records.popleft())
        return out


class LogPane(RichLog):
    """Library and server log lines (uvicorn, asyncio, mocktui) that would otherwise hit the terminal."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"log-pane--muted", "log-pane--warning", "log-pane--error"}

    DEFAULT_CSS = """
    LogPane {
        & > .log-pane--muted { color: $text-muted; }
        & > .log-pane--warning { color: $warning; }
        & > .log-pane--error { color: $error; text-style: bold; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(max_lines=2000, wrap=True, markup=False, highlight=False, id=id)

    def add(self, record: logging.LogRecord, formatter: logging.Formatter, clock: Callable[[float], str]) -> None:
        muted = self.get_component_rich_style("log-pane--muted")
        style: Style | None
        if record.levelno >= logging.ERROR:
            style = self.get_component_rich_style("log-pane--error")
        elif record.levelno >= logging.WARNING:
            style = self.get_component_rich_style("log-pane--warning")
        else:
            style = muted if record.levelno < logging.INFO else None
        text = Text(f"{clock(record.created)} {record.levelname:<7} {record.name}: ", style=muted)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken log call must not break the UI
            message = str(record.msg)
        text.append(message, style=style or "")
        if record.exc_info:
            text.append("\n" + formatter.formatException(record.exc_info), style=muted)
        self.write(text)

    def focus_main(self) -> None:
        self.focus()
