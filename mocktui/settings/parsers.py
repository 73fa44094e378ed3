"""Parsers for settings: a raw value (CLI or environment text, or a YAML value) -> a typed one.

Each raises ValueError with a message that reads well after "SOURCE: ".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from mocktui.engine.sessions import SessionSource
from mocktui.engine.steer.faults import fault_kind

LOG_LEVELS = ("debug", "info", "warning", "error")

def parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def parse_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError(f"expected a whole number, got {raw!r}")
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ValueError(f"expected a whole number, got {raw!r}") from None


def parse_count(raw: Any) -> int:
    number = parse_int(raw)
    if number < 0:
        raise ValueError(f"must not be negative, got {number}")
    return number


def parse_port(raw: Any) -> int:
    try:
        port = parse_int(raw)
    except ValueError:
        raise ValueError(f"invalid port {raw!r}: not a number") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"invalid port {port}: must be 0-65535")
    return port


def parse_number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError(f"expected a number, got {raw!r}")
    try:
        return float(str(raw).strip())
    except ValueError:
        raise ValueError(f"expected a number, got {raw!r}") from None


def parse_percent(raw: Any) -> float:
    number = parse_number(str(raw).rstrip("% ") if isinstance(raw, str) else raw)
    if not 0 <= number <= 100:
        raise ValueError(f"a percentage must be 0-100, got {raw!r}")
    return number


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.I)


def parse_size(raw: Any) -> int:
    match = _SIZE.match(str(raw))
    if match is None:
        raise ValueError(f"invalid size {raw!r}: use bytes or a number with k, M or G")
    return int(float(match.group(1)) * 1024 ** " kmg".index(match.group(2).lower() or " "))


def parse_delay(raw: Any) -> tuple[float, float]:
    """`250` or `100-300` (milliseconds)."""
    text = str(raw).strip().lower().removesuffix("ms")
    low, sep, high = text.partition("-")
    lo = parse_number(low)
    hi = parse_number(high) if sep else lo
    if lo < 0 or hi < lo:
        raise ValueError(f"expected MS or MIN-MAX with 0 <= MIN <= MAX, got {raw!r}")
    return lo, hi


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)?\s*(ms|s|m|h)?\s*$")


def parse_rate(raw: Any) -> tuple[int, float]:
    """`100/60s`, `10/s`, `1000/1h`: requests per window."""
    match = _RATE.match(str(raw).lower())
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"expected REQUESTS/WINDOW such as 100/60s or 10/s, got {raw!r}")
    amount = float(match.group(2) or 1)
    unit = {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600}[match.group(3)]
    return int(match.group(1)), amount * unit


def parse_weights(raw: Any, keys: Callable[[str], Any]) -> dict[Any, float]:
    """`503:50,500:50` (or a YAML mapping) -> {503: 50.0, 500: 50.0}."""
    items = raw.items() if isinstance(raw, Mapping) else (p.split(":", 1) for p in str(raw).split(",") if p.strip())
    out = {}
    for item in items:
        if len(item) != 2:
            raise ValueError(f"expected KEY:WEIGHT pairs separated by commas, got {raw!r}")
        key, weight = item
        out[keys(str(key).strip())] = parse_percent(weight)
    if not out:
        raise ValueError(f"expected KEY:WEIGHT pairs, got {raw!r}")
    return out


def parse_mix(raw: Any) -> dict[int, float]:
    def status(text: str) -> int:
        code = parse_int(text)
        if not 400 <= code <= 599:
            raise ValueError(f"injected statuses must be 400-599, got {code}")
        return code

    return parse_weights(raw, status)


def parse_chaos(raw: Any) -> dict[str, float]:
    return parse_weights(raw, fault_kind)


def parse_choice(*choices: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        text = str(raw).strip().lower()
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {raw!r}")
        return text

    return parse


def parse_text(raw: Any) -> str:
    return str(raw)


def parse_session_from(raw: Any) -> str:
    """`header:NAME`, `cookie:NAME` or `query:NAME`: where a client names its session."""
    return str(SessionSource.parse(str(raw)))


def parse_list(raw: Any) -> list[str]:
    if isinstance(raw, list):
        return [str(v) for v in raw]
    return [p.strip() for p in str(raw).split(",") if p.strip()]


def parse_keys(raw: Any) -> dict[str, str]:
    """`{offline: O, errors: E}`: control room keys by action id (the ids are checked by the UI)."""
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise ValueError(f"expected {{action: key}} such as {{offline: O}}, got {raw!r}")
    return {k: v.strip() for k, v in raw.items()}
