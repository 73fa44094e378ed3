"""Media types: `Accept` negotiation and encoding of values into bodies."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import orjson

# A valid 1x1 PNG and a minimal JPEG, for image responses.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f"
    "141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100"
    "ffc4001f0000010501010101010100000000000000000102030405060708090a0bffda0008010100003f00d2cf20ffd9"
)


def parse_accept(header: str) -> list[tuple[str, float]]:
    """Media ranges of an Accept header, best first."""
    ranges = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
            ranges.append((media, q, specificity, -i))
    ranges.sort(key=lambda r: (r[1], r[2], r[3]), reverse=True)
    return [(m, q) for m, q, _, _ in ranges]


def _base(media: str) -> str:
    return media.split(";", 1)[0].strip().lower()


def _matches(wanted: str, declared: str) -> bool:
    if wanted == "*/*" or declared == "*/*":
        return True
    w_type, _, w_sub = wanted.partition("/")
    d_type, _, d_sub = declared.partition("/")
    if w_sub == "*" or d_sub == "*":
        return w_type == d_type
    # A structured-syntax suffix (RFC 6839): application/problem+json is JSON to a client asking for it.
    return wanted == declared or (w_type == d_type and d_sub.endswith("+" + w_sub) and w_sub in ("json", "xml"))


T = TypeVar("T")


def declared_for(declared: Mapping[str, T], base: str) -> T | None:
    """What a mapping of declared media types holds for `base`: exact, else a `*/*` or `type/*`."""
    found = declared.get(base)
    if found is not None:
        return found
    for name, entry in declared.items():
        if name == "*/*" or (name.endswith("/*") and base.startswith(name[:-1])):
            return entry
    return None


def negotiate(accept: str | None, declared: list[str]) -> str | None:
    """The declared media type to answer with, or None when nothing fits.

    JSON is preferred when the client accepts anything. A declared wildcard
    (`*/*`, `image/*`) is answered with the concrete type the client asked for.
    """
    if not declared:
        return None
    if not accept or accept.strip() in ("", "*/*"):
        return _preferred(declared)
    for wanted, _ in parse_accept(accept):
        candidates = [d for d in declared if _matches(wanted, _base(d))]
        if candidates:
            chosen = _preferred(candidates)
            if "*" in _base(chosen) and "*" not in wanted:
                return wanted
            return chosen
    return None


def _preferred(declared: list[str]) -> str:
    for d in declared:
        if is_json(d):
            return d
    return declared[0]


def is_json(media: str) -> bool:
    base = _base(media)
    return base in ("application/json", "*/*", "text/json") or base.endswith("+json")


def content_type_for(media: str) -> str:
    """The Content-Type header value for a declared media type."""
    base = _base(media)
    if base == "*/*":
        return "application/json"
    if base.endswith("/*"):
        return base[:-1] + ("png" if base.startswith("image") else "octet-stream")
    return media


def encode(value: Any, media: str, rng: random.Random | None = None) -> bytes:
    """Serialise a generated value for `media`."""
    base = _base(media)
    if is_json(base) or base.endswith("/*") and base.startswith("application"):
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    if base.endswith("xml"):
        # A spec's XML example is the document itself, written out as a string.
        return value.encode() if isinstance(value, str) and value.lstrip().startswith("<") else to_xml(value).encode()
    if base == "text/event-stream":
        items = value if isinstance(value, list) else [value]
        return b"".join(b"data: " + orjson.dumps(item) + b"\n\n" for item in items)
    if base == "application/x-www-form-urlencoded":
        if isinstance(value, dict):
            return urlencode({k: _text(v) for k, v in value.items()}).encode()
        return _text(value).encode()
    if base.startswith("text/"):
        return _text(value).encode()
    if base == "image/png" or base == "image/*":
        return _PNG
    if base in ("image/jpeg", "image/jpg"):
        return _JPEG
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return (rng or random).randbytes(64) if not isinstance(value, (dict, list)) else orjson.dumps(value)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    return orjson.dumps(value).decode()


def to_xml(value: Any, tag: str = "root") -> str:
    if isinstance(value, dict):
        inner = "".join(to_xml(v, str(k)) for k, v in value.items())
        return f"<{tag}>{inner}</{tag}>"
    if isinstance(value, list):
        return f"<{tag}>" + "".join(to_xml(v, "item") for v in value) + f"</{tag}>"
    return f"<{tag}>{escape(_text(value))}</{tag}>"
