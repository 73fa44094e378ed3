"""Provides the UI's pure logic: request filters, counters, formatting, curl commands.

Nothing here imports Textual, so it is cheap to unit-test and to reuse.
"""

from __future__ import annotations

import fnmatch
import json
import shlex
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mocktui.engine.events import RequestEvent

Predicate = Callable[[RequestEvent], bool]

FILTER_HELP = "text  status:5xx  status:404  method:POST  path:/users*  op:getUser  tag:override  -status:2xx"
_SKIP_CURL_HEADERS = {"host", "content-length", "connection", "keep-alive", "transfer-encoding", "accept-encoding"}


@dataclass(frozen=True, slots=True)
class RequestFilter:
    """A parsed filter: every term must match (AND); `error` names terms that were not understood."""

    text: str = ""
    terms: tuple[Predicate, ...] = ()
    error: str = ""

    @property
    def active(self) -> bool:
        return bool(self.terms)

    def __call__(self, event: RequestEvent) -> bool:
        return all(term(event) for term in self.terms)

    @classmethod
    def parse(cls, text: str, base_path: str = "") -> RequestFilter:
        """Parse `status:5xx method:POST path:/users* free text` (a leading `-` or `!` negates a term).

        `path:` patterns match the path with or without the spec's `base_path` (`/users*` matches
        `/api/v1/users/1` when the base path is `/api/v1`).
        """
        terms: list[Predicate] = []
        errors: list[str] = []
        for token in text.split():
            negate = token[0] in "-!" and len(token) > 1
            body = token[1:] if negate else token
            try:
                term = _term(body, base_path)
            except ValueError as exc:
                errors.append(str(exc))
                continue
            terms.append(_negated(term) if negate else term)
        return cls(text, tuple(terms), "; ".join(errors))


def _negated(term: Predicate) -> Predicate:
    return lambda event: not term(event)


def _term(token: str, base_path: str) -> Predicate:
    key, sep, value = token.partition(":")
    key = key.lower()
    if not sep or key not in _KEYS or not value:
        needle = token.lower()
        return lambda e: needle in _haystack(e)
    if key in ("path", "p"):
        return _path(value, base_path)
    return _KEYS[key](value)


def _status(value: str) -> Predicate:
    wanted: list[Callable[[int], bool]] = []
    for part in value.lower().split(","):
        if len(part) == 3 and part[0] in "12345" and part[1:] == "xx":
            low = int(part[0]) * 100
            wanted.append(lambda s, low=low: low <= s < low + 100)  # type: ignore[misc]
        elif part.isdigit() and len(part) == 3:
            code = int(part)
            wanted.append(lambda s, code=code: s == code)  # type: ignore[misc]
        elif part.startswith((">=", "<=")) and part[2:].isdigit():
            bound, above = int(part[2:]), part[0] == ">"
            wanted.append(lambda s, b=bound, a=above: s >= b if a else s <= b)  # type: ignore[misc]
        else:
            raise ValueError(f"status:{value}: use a code (404), a class (5xx) or a list (4xx,503)")
    return lambda e: any(test(e.status) for test in wanted)


def _method(value: str) -> Predicate:
    methods = {m.upper() for m in value.split(",") if m}
    return lambda e: e.method.upper() in methods


def _path(value: str, base_path: str = "") -> Predicate:
    def paths(event: RequestEvent) -> tuple[str, ...]:
        path = event.path
        if base_path and path.startswith(base_path):
            return path, path[len(base_path) :] or "/"
        return (path,)

    if any(c in value for c in "*?["):
        pattern = value if value.startswith(("*", "/")) else f"*{value}"
        return lambda e: any(fnmatch.fnmatchcase(p, pattern) for p in paths(e))
    if value.startswith("/"):
        return lambda e: any(p.startswith(value) for p in paths(e))
    return lambda e: value in e.path


def _operation(value: str) -> Predicate:
    needle = value.lower()
    return lambda e: e.operation is not None and needle in e.operation.lower()


def _tag(value: str) -> Predicate:
    needle = value.lower()
    return lambda e: any(needle in t.lower() for t in e.tags)


_KEYS: dict[str, Callable[[str], Predicate]] = {
    "status": _status,
    "s": _status,
    "method": _method,
    "m": _method,
    "path": _path,
    "p": _path,
    "op": _operation,
    "operation": _operation,
    "tag": _tag,
    "t": _tag,
}


def _haystack(event: RequestEvent) -> str:
    query = f"?{event.query}" if event.query else ""
    return f"{event.method} {event.path}{query} {event.status} {event.operation or ''} {' '.join(event.tags)}".lower()


class Counters:
    """Totals by status class and a smoothed request rate; `add` is O(1)."""

    __slots__ = ("total", "client_errors", "server_errors", "window_s", "_clock", "_buckets")

    def __init__(self, clock: Callable[[], float] = time.monotonic, window_s: float = 2.0) -> None:
        self.total = 0
        self.client_errors = 0
        self.server_errors = 0
        self.window_s = window_s
        self._clock = clock
        self._buckets: deque[list[int]] = deque()  # [quarter second, count]

    def add(self, status: int, live: bool = True) -> None:
        """Count one request; `live=False` for history (counted in the totals, not in the rate)."""
        self.total += 1
        if status >= 500:
            self.server_errors += 1
        elif status >= 400:
            self.client_errors += 1
        if not live:
            return
        quarter = int(self._clock() * 4)
        if self._buckets and self._buckets[-1][0] == quarter:
            self._buckets[-1][1] += 1
        else:
            self._buckets.append([quarter, 1])

    def rate(self) -> float:
        """Requests per second over the last `window_s` seconds."""
        oldest = int(self._clock() * 4) - int(self.window_s * 4)
        while self._buckets and self._buckets[0][0] <= oldest:
            self._buckets.popleft()
        return sum(count for _, count in self._buckets) / self.window_s

    def reset(self) -> None:
        self.total = self.client_errors = self.server_errors = 0
        self._buckets.clear()


def status_class(status: int) -> str:
    """`2xx`, `3xx`, `4xx` or `5xx` (1xx and oddities count as 2xx/5xx by range)."""
    if status < 300:
        return "2xx"
    if status >= 500:
        return "5xx"
    return f"{status // 100}xx"


def clock_time(timestamp: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(timestamp))


def latency_text(ms: float) -> str:
    if ms < 10:
        return f"{ms:.1f}ms"
    if ms < 1000:
        return f"{ms:.0f}ms"
    return f"{ms / 1000:.2f}s"


def header_value(headers: list[tuple[str, str]], name: str) -> str:
    name = name.lower()
    return next((v for k, v in headers if k.lower() == name), "")


def pretty_body(body: bytes, content_type: str = "") -> tuple[str, str]:
    """The body as text to show and its lexer name (`json` or `text`); binary bodies are summarised."""
    if not body:
        return "", "text"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(body)} bytes of {content_type or 'binary data'}>", "text"
    if "json" in content_type or text.lstrip()[:1] in ("{", "["):
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False), "json"
        except ValueError:
            pass
    return text, "text"


def curl_command(event: RequestEvent, base_url: str) -> str:
    """A curl command that replays the request against `base_url` (the mock's root URL)."""
    query = f"?{event.query}" if event.query else ""
    parts = ["curl"]
    if event.method != "GET":
        parts += ["-X", event.method]
    parts.append(f"{base_url.rstrip('/')}{event.path}{query}")
    for name, value in event.request_headers:
        if name.lower() not in _SKIP_CURL_HEADERS:
            parts += ["-H", f"{name}: {value}"]
    if event.request_body:
        parts += ["--data-raw", event.request_body.decode("utf-8", "replace")]
    return " ".join(shlex.quote(part) for part in parts)


@dataclass(frozen=True, slots=True)
class Chip:
    """One failure-mode indicator of the header: its key, its labels (full and narrow) and whether it is on."""

    key: str
    label: str
    short: str
    active: bool


def failure_chips(controls: Mapping[str, Any], keys: Mapping[str, str]) -> list[Chip]:
    """The four demo failure modes (errors, delay, offline, rate limit) as shown in the header.

    `keys` are the shown keys by action id (`errors`, `delay`, `offline`, `rate-limit`), as the
    user's key map left them.
    """
    faults = controls.get("faults") or {}
    delay = controls.get("delay") or {}
    limit = controls.get("rate_limit") or {}
    rate = float(faults.get("error_rate") or 0)
    chaos = any(float(v) > 0 for v in (faults.get("chaos") or {}).values())
    errors = f"errors {rate:g}%" if rate else "errors"
    if chaos:
        errors += "+chaos"
    max_ms = float(delay.get("max_ms") or 0)
    min_ms = float(delay.get("min_ms") or 0)
    window = float(limit.get("window_s") or 0)
    enabled = bool(limit.get("enabled"))
    err_short = ("err" + (f" {rate:g}%" if rate else "")) + ("+c" if chaos else "")
    span = f"{min_ms:g}-{max_ms:g}ms"
    per = f"{limit.get('requests')}/{window:g}s"
    return [
        Chip(keys.get("errors", ""), errors, err_short, bool(rate) or chaos),
        Chip(keys.get("delay", ""), f"delay {span}" if max_ms else "delay", span if max_ms else "delay", max_ms > 0),
        Chip(keys.get("offline", ""), "offline", "offline", bool(controls.get("offline"))),
        Chip(keys.get("rate-limit", ""), f"limit {per}" if enabled else "limit", per if enabled else "limit", enabled),
    ]


def override_summary(override: Mapping[str, Any] | None) -> str:
    """A short description of an operation's override, e.g. `→404 +200ms err 30%`."""
    if not override:
        return ""
    parts: list[str] = []
    if override.get("disabled"):
        parts.append("off 404" if override["disabled"] == 404 else "down 503")
    if override.get("status") is not None:
        parts.append(f"→{override['status']}")
    if override.get("example") is not None:
        parts.append(f"ex:{override['example']}")
    if override.get("dynamic") is not None:
        parts.append("dynamic" if override["dynamic"] else "static")
    delay = override.get("delay")
    if isinstance(delay, Mapping) and delay.get("max_ms"):
        parts.append(f"+{float(delay['max_ms']):g}ms")
    if override.get("error_rate") is not None:
        parts.append(f"err {float(override['error_rate']):g}%")
    if override.get("rate_limit"):
        parts.append("limit")
    return " ".join(parts)


@dataclass(slots=True)
class RouteStats:
    """Hits and the last status of one operation, as seen by the UI."""

    hits: int = 0
    last_status: int = 0


DEMO_ERROR_RATE = 50.0
DEMO_DELAY = (200.0, 800.0)
CALM: dict[str, Any] = {
    "faults": {"error_rate": 0, "chaos": {}},
    "delay": {"min_ms": 0, "max_ms": 0},
    "offline": False,
    "rate_limit": {"enabled": False},
}  # every failure mode off


@dataclass(slots=True)
class Toggles:
    """What the errors and delay keys restore: the values before the demo failure mode was switched on."""

    errors: float | None = None
    delay: tuple[float, float] | None = None

    def errors_change(self, controls: Mapping[str, Any]) -> dict[str, Any]:
        """A 50% error rate, or back to the rate before it; the change for `Controls.update`."""
        rate = float((controls.get("faults") or {}).get("error_rate") or 0)
        if rate == DEMO_ERROR_RATE:
            target, self.errors = self.errors or 0.0, None
        else:
            target, self.errors = DEMO_ERROR_RATE, rate
        return {"faults": {"error_rate": target}}

    def delay_change(self, controls: Mapping[str, Any]) -> dict[str, Any]:
        """200-800 ms of latency, or back to the delay before it."""
        delay = controls.get("delay") or {}
        current = (float(delay.get("min_ms") or 0), float(delay.get("max_ms") or 0))
        if current == DEMO_DELAY:
            target, self.delay = self.delay or (0.0, 0.0), None
        else:
            target, self.delay = DEMO_DELAY, current
        return {"delay": {"min_ms": target[0], "max_ms": target[1]}}


def record_columns(records: list[dict[str, Any]], id_field: str, limit: int = 5) -> list[str]:
    """The id field then the first few scalar fields of the records, for the store table."""
    columns = [id_field]
    for record in records[:20]:
        for key, value in record.items():
            if key not in columns and (value is None or isinstance(value, (str, int, float, bool))):
                columns.append(key)
                if len(columns) >= limit:
                    return columns
    return columns


def cell_text(value: Any, width: int = 24) -> str:
    text = "" if value is None else json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= width else text[: width - 1] + "…"
