"""The engine's own HTTP vocabulary: a request in, a response out, problem bodies, Prefer, header text.

A leaf module: every stage speaks it, none of them needs another to do so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

PROBLEM = "application/problem+json"


@dataclass(slots=True)
class MockRequest:
    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    client: str = ""
    session: str | None = None  # the client's session id, read once by the engine (engine/sessions.py)


@dataclass(slots=True)
class MockResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    operation: str | None = None
    tags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # where this response breaks the contract (--validate-responses)
    scenario: str | None = None  # the rule or pack case that decided this answer
    delay_ms: float = 0.0  # injected latency, waited out by the web layer before sending
    fault: str | None = None  # injected chaos the web layer acts out: reset | hang | truncate | drip


def problem(status: int, title: str, detail: str, **extra: Any) -> MockResponse:
    """An RFC 9457 problem response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return MockResponse(status, [("content-type", PROBLEM)], orjson.dumps(body))


def status_of(key: str, fallback: int = 200) -> int:
    if key.isdigit():
        return int(key)
    if key.endswith("XX"):
        return int(key[0]) * 100
    return fallback


def parse_prefer(header: str) -> dict[str, str]:
    """`Prefer: code=404, example=cat, dynamic=true` as a dict (Prism's words)."""
    out: dict[str, str] = {}
    if not header:
        return out
    for token in header.replace(";", ",").split(","):
        key, sep, value = token.strip().partition("=")
        if sep:
            out[key.strip().lower()] = value.strip().strip('"')
    return out


PREFER_PARAMS = ("__code", "__example", "__dynamic")  # ?__code=404: Prefer for clients that cannot set headers


def query_prefer(query: str) -> dict[str, str]:
    """`?__code=404&__example=cat&__dynamic=true` as the Prefer header's words (the last one given wins)."""
    return {key[2:]: value for key, value in parse_qsl(query, keep_blank_values=True) if key in PREFER_PARAMS}


def flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.lower() in ("true", "1", "yes", "on")


_UNSAFE_IN_HEADERS = re.compile(r"[^\x20-\x7e]")


def header_value(text: str, limit: int = 1000) -> str:
    """Text made safe for an HTTP header: printable ASCII only (a CR or LF would be a crash or worse)."""
    return _UNSAFE_IN_HEADERS.sub("?", text[:limit])


def header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(header_text(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}={header_text(v)}" for k, v in value.items())
    if value is None:
        return ""
    return str(value)
