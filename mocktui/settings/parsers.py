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


def parse_url(raw: Any) -> str:
    """An http:// or https:// URL with a host (the backend behind --proxy)."""
    text = str(raw).strip()
    scheme, _, rest = text.partition("://")
    if scheme.lower() not in ("http", "https") or not rest.split("/", 1)[0]:
        raise ValueError(f"expected an http:// or https:// URL, got {raw!r}")
    return text


def parse_session_from(raw: Any) -> str:
    """`header:NAME`, `cookie:NAME` or `query:NAME`: where a client names its session."""
    return str(SessionSource.parse(str(raw)))


def parse_list(raw: Any) -> list[str]:
    if isinstance(raw, list):
        return [str(v) for v in raw]
    return [p.strip() for p in str(raw).split(",") if p.strip()]


def parse_mounts(raw: Any) -> dict[str, str]:
    """`/prefix=FILE` items (repeated --mount, or comma-separated in MOUNT), or in mocktui.yaml a
    mapping `{/prefix: FILE}`: where each spec is served. Returns {FILE: prefix}."""
    items = [f"{k}={v}" for k, v in raw.items()] if isinstance(raw, Mapping) else parse_list(raw)
    out: dict[str, str] = {}
    for item in items:
        prefix, sep, file = item.partition("=")
        if not sep or not prefix.startswith("/") or not file.strip():
            raise ValueError(f"expected /PREFIX=FILE such as /billing=billing.yaml, got {item!r}")
        out[file.strip()] = prefix.strip()
    return out


def parse_keys(raw: Any) -> dict[str, str]:
    """`{offline: O, errors: E}`: control room keys by action id (the ids are checked by the UI)."""
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise ValueError(f"expected {{action: key}} such as {{offline: O}}, got {raw!r}")
    return {k: v.strip() for k, v in raw.items()}


def parse_webhooks(raw: Any) -> dict[str, dict[str, Any]]:
    """Webhook subscriptions and triggers by webhook name: `NAME=URL` items (repeated --webhook, or
    comma-separated in WEBHOOKS), or in mocktui.yaml a mapping of names to a URL, a list of URLs, or
    `{url(s), every: 30s, on: orders.created, delay: 2s}`."""
    out: dict[str, dict[str, Any]] = {}

    def entry(name: str) -> dict[str, Any]:
        return out.setdefault(name, {"urls": [], "every": None, "on": [], "delay": None})

    if isinstance(raw, Mapping):
        for name, value in raw.items():
            item = entry(str(name))
            if isinstance(value, str):
                value = {"url": value}
            elif isinstance(value, list):
                value = {"urls": value}
            if not isinstance(value, Mapping):
                raise ValueError(f"webhook {name}: expected a URL or {{url, every, on, delay}}, got {value!r}")
            value = {("on" if k is True else k): v for k, v in value.items()}  # YAML 1.1 reads a bare `on` as true
            unknown = set(value) - {"url", "urls", "every", "on", "delay"}
            if unknown:
                raise ValueError(f"webhook {name}: unknown keys {', '.join(sorted(map(str, unknown)))}")
            urls = value.get("urls") or []
            urls = [value["url"], *urls] if "url" in value else list(urls)
            item["urls"] = [parse_url(u) for u in urls]
            if value.get("every") is not None:
                every = value["every"]
                low, _ = parse_duration(f"{every}s" if isinstance(every, (int, float)) else every)
                if low <= 0:
                    raise ValueError(f"webhook {name}: every must be above 0, got {every!r}")
                item["every"] = low / 1000
            on = value.get("on")
            item["on"] = [on] if isinstance(on, str) else [str(v) for v in on or []]
            if value.get("delay") is not None:
                item["delay"] = parse_duration(value["delay"])
        return out
    for text in raw if isinstance(raw, list) else str(raw).split(","):
        name, eq, url = str(text).strip().partition("=")
        if not eq or not name.strip():
            raise ValueError(f"expected NAME=URL, got {text!r}")
        entry(name.strip())["urls"].append(parse_url(url.strip()))
    return out


def parse_retries(raw: Any) -> int:
    value = parse_int(raw)
    if value < 0:
        raise ValueError(f"expected 0 or more retries, got {raw!r}")
    return value


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*(ms|s|m)?\s*$")


def parse_duration(raw: Any) -> tuple[float, float]:
    """`2s`, `500ms`, `1-3s`, `1m` or a number of milliseconds: (low, high) in milliseconds."""
    found = _DURATION.match(str(raw))
    if found is None:
        raise ValueError(f"expected a duration such as 500ms, 2s or 1-3s, got {raw!r}")
    scale = {"s": 1000.0, "m": 60_000.0}.get(found.group(3) or "ms", 1.0)
    low = float(found.group(1)) * scale
    high = float(found.group(2)) * scale if found.group(2) else low
    if high < low:
        raise ValueError(f"the range {raw!r} ends below its start")
    return low, high
