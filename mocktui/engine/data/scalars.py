"""Compile scalar schemas (numbers, integers, strings) into generators.

The leaves of every schema: bounds, `multipleOf`, lengths, patterns and formats are worked out
once here, at compile time, and the closures returned draw values that honour them. String
values are realistic where the format, `x-faker` or the property name says what they are.
Split from `generate`, which compiles the containers (objects, arrays, choices, refs).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from mocktui.engine.data.context import Ctx, Gen
from mocktui.engine.data.entities import image_template, image_word, is_image_media, is_money, name_provider
from mocktui.engine.data.inline import inlinable
from mocktui.engine.data.iso import iso_codes
from mocktui.engine.data.pools import Pools, normalise, number_hint, pick, provider_for
from mocktui.engine.data.regex import compile_pattern, pattern_check
from mocktui.engine.data.values import FORMATS, LETTERS, between, password, picker

# createdAt, updated_at, deletedAt, lastLoginAt, timestamp: date-times even without a format.
_TIMESTAMP_NAME = re.compile(r"(?:[a-z0-9](?:At|_at)|^timestamp|Timestamp|_timestamp)$")
_ISO_KINDS = (("countrycode", "country"), ("country", "country"), ("currencycode", "currency"),
              ("currency", "currency"), ("languagecode", "language"), ("language", "language"),
              ("lang", "language"), ("locale", "language"))  # fmt: skip
_URL_FORMATS = (None, "uri", "url", "iri", "uri-reference", "iri-reference")


# -- numbers -----------------------------------------------------------------


def number_gen(schema: dict[str, Any], name: str, integer: bool) -> Gen:
    lo, hi, decimals = _number_range(schema, name, integer)
    excl_lo = not integer and "exclusiveMinimum" in schema and "minimum" not in schema
    excl_hi = not integer and "exclusiveMaximum" in schema and "maximum" not in schema

    def inside(value: float) -> bool:
        return bool((value > lo if excl_lo else value >= lo) and (value < hi if excl_hi else value <= hi))

    multiple = schema.get("multipleOf")
    if isinstance(multiple, (int, float)) and multiple > 0:
        return _multiple_gen(lo, hi, multiple, integer, inside)
    if integer:
        ilo, ihi = math.ceil(lo), math.floor(hi)
        if ilo > ihi:
            ihi = ilo
        if ihi - ilo + 1 < 2**52:
            return inlinable(lambda ctx: between(ctx.rng, ilo, ihi), "L + int(R() * W)", L=ilo, W=ihi - ilo + 1)
        return lambda ctx: between(ctx.rng, ilo, ihi)
    step = 10.0**-decimals

    span = hi - lo

    def gen_number(ctx: Ctx) -> float:
        for _ in range(8):
            value: float = round(lo + ctx.rng.random() * span, decimals)
            if value.is_integer() and decimals and inside(value + step):
                value = round(value + step, decimals)  # a whole number would also be an `integer`
            if inside(value):
                return value
        fallback = round(lo + step, decimals) if excl_lo and lo + step < hi else (lo + hi) / 2 if excl_lo else lo
        return float(fallback)

    return gen_number


def _number_range(schema: dict[str, Any], name: str, integer: bool) -> tuple[Any, Any, int]:
    """Bounds to draw from (exact ints for integers: int64 bounds exceed a float's precision)."""
    hint = number_hint(name)
    low, high, decimals = hint if hint else (1.0, 1000.0, 0 if integer else 2)
    lo = schema.get("minimum", schema.get("exclusiveMinimum"))
    hi = schema.get("maximum", schema.get("exclusiveMaximum"))
    excl_lo = "exclusiveMinimum" in schema and "minimum" not in schema
    excl_hi = "exclusiveMaximum" in schema and "maximum" not in schema
    lo = lo if isinstance(lo, (int, float)) and not isinstance(lo, bool) else None
    hi = hi if isinstance(hi, (int, float)) and not isinstance(hi, bool) else None
    if integer:
        if lo is not None:
            lo = math.floor(lo) + 1 if excl_lo else math.ceil(lo)
        if hi is not None:
            hi = math.ceil(hi) - 1 if excl_hi else math.floor(hi)
    fmt = schema.get("format")
    if fmt == "int32":
        lo = max(lo if lo is not None else -(2**31), -(2**31))
        hi = min(hi if hi is not None else 2**31 - 1, 2**31 - 1)
    if lo is None and hi is None:
        lo, hi = low, high
    elif lo is None:
        assert hi is not None
        lo = min(low, hi - (1 if integer else 0.5)) if low <= hi else hi - (high - low)
    elif hi is None:
        hi = max(high, lo + 1) if high >= lo else lo + (high - low)
    else:
        # Prefer the realistic window when it fits inside the declared bounds.
        if low >= lo and high <= hi:
            lo, hi = low, high
    if integer:
        return math.ceil(lo), math.floor(hi), decimals
    return float(lo), float(hi), decimals


def _multiple_gen(lo: float, hi: float, multiple: float, integer: bool, inside: Callable[[float], bool]) -> Gen:
    k_lo, k_hi = math.ceil(lo / multiple), math.floor(hi / multiple)
    if not inside(k_lo * multiple):
        k_lo += 1
    if not inside(k_hi * multiple):
        k_hi -= 1
    if k_lo > k_hi:
        k_hi = k_lo
    decimals = max(0, -math.floor(math.log10(multiple))) + 2 if multiple < 1 else 0

    def ok(value: float) -> bool:
        if not inside(value):
            return False
        if isinstance(multiple, int) and isinstance(value, int):
            return value % multiple == 0
        q = value / multiple
        return int(q) == q

    def gen(ctx: Ctx) -> Any:
        for _ in range(12):
            k = between(ctx.rng, k_lo, k_hi)
            value: Any = round(k * multiple, decimals)
            if integer or float(value).is_integer():
                value = int(value)
            if ok(value):
                return value
        return int(k_lo * multiple) if float(k_lo * multiple).is_integer() else 0

    return gen


# -- strings -----------------------------------------------------------------


def string_gen(schema: dict[str, Any], name: str, pools: Pools, owner: str = "") -> Gen:
    """Strings honouring the schema; realistic where the format, `x-faker`, the name or the kind of
    record they belong to (`owner`: a pet's name is a pet name) says what they are."""
    fmt = schema.get("format")
    min_len = int(schema.get("minLength") or 0)
    max_len = schema.get("maxLength")
    max_len = int(max_len) if isinstance(max_len, (int, float)) else None
    base = _realistic_string(schema, name, fmt if isinstance(fmt, str) else None, max_len, pools, owner)
    pattern = schema.get("pattern")
    pgen = compile_pattern(pattern, min_len) if isinstance(pattern, str) else None
    if pgen is None:
        base = base or _words(pools)
        return base if not min_len and max_len is None else _fit_length(base, min_len, max_len)
    check = pattern_check(str(pattern))

    def fits(value: str) -> bool:
        return min_len <= len(value) <= (max_len if max_len is not None else len(value)) and check(value)

    def gen_patterned(ctx: Ctx) -> str:
        # A realistic value (x-faker, format, name) when it happens to match; else one built from the regex.
        if base is not None:
            for _ in range(3):
                value = str(base(ctx))
                if fits(value):
                    return value
        value = pgen(ctx.rng)
        for _ in range(24):
            if fits(value):
                break
            value = pgen(ctx.rng)
        return value

    return gen_patterned


def _realistic_string(
    schema: dict[str, Any], name: str, fmt: str | None, max_len: int | None, pools: Pools, owner: str = ""
) -> Gen | None:
    """Values from the format, `x-faker`, or what the property name suggests."""
    if fmt in _URL_FORMATS and (image_word(name) or is_image_media(schema)):
        images = image_pool(image_word(name) or "image", max_len, pools)
        if images is not None:
            return picker(images)
    codes = iso_pool(schema, name)
    if codes is not None:
        return picker(codes)
    if (fmt is None and is_money(name)) or fmt == "decimal":
        return _money_string(name)
    if fmt is not None:
        base = _format(fmt, max_len, pools)
        if base is not None:
            return base
    faker = schema.get("x-faker")
    if isinstance(faker, str) and pools.has(faker):
        return lambda ctx: str(pools.pick(faker, ctx.rng))
    if not name:
        return None
    by_kind = name_provider(name, owner)
    if by_kind is not None and pools.has(by_kind):
        return picker([str(v) for v in pools.pool(by_kind) or []])
    if _TIMESTAMP_NAME.search(name):
        return FORMATS["date-time"]
    provider = provider_for(name)
    if provider == "password":
        return password
    if provider and pools.has(provider):
        pool = [str(v) for v in pools.pool(provider) or []]
        return picker(pool)
    return None


def image_pool(word: str, max_len: int | None, pools: Pools) -> list[str] | None:
    """Image URLs of placeholder hosts for an image-like field, one per precomputed token."""
    tokens = [str(t) for t in pools.pool("image_token") or []]
    template = image_template(word, max_len, len(tokens[0]) if tokens else 0)
    return [template.replace("{t}", t) for t in tokens] if template and tokens else None


@cache
def _iso_kind(name: str) -> str | None:
    """country, currency or language, when the name says one (asked per property at start-up: kept)."""
    key = normalise(name)
    return next((k for suffix, k in _ISO_KINDS if key.endswith(suffix)), None)


def iso_pool(schema: dict[str, Any], name: str) -> list[str] | None:
    """ISO codes for a two- or three-letter country, currency or language field, cased as the schema wants."""
    kind = _iso_kind(name)
    if kind is None:
        return None
    lo = schema.get("minLength")
    hi = schema.get("maxLength")
    pattern = schema.get("pattern")
    if not isinstance(pattern, str) and not (lo in (2, 3) or hi in (2, 3)):
        return None
    lengths = [n for n in (3, 2) if (lo is None or lo <= n) and (hi is None or n <= hi)]
    if hi is None and lo in (2, 3):
        lengths.sort(key=lambda n: n != lo)
    examples = schema.get("examples")
    example = schema.get("example", examples[0] if isinstance(examples, list) and examples else None)
    lower = example.islower() if isinstance(example, str) and example.isalpha() else kind == "language"
    check = pattern_check(pattern) if isinstance(pattern, str) else None
    for length in lengths:
        for low in (lower, not lower):
            codes = [c.lower() if low else c for c in iso_codes(kind, length)]
            if codes and (check is None or all(check(c) for c in codes)):
                return codes
            if check is None:
                break
    return None


def _money_string(name: str) -> Gen:
    low, high, _ = number_hint(name) or (1.0, 1000.0, 2)
    span = high - low

    def money(ctx: Ctx) -> str:
        return f"{low + ctx.rng.random() * span:.2f}"

    return money


def _words(pools: Pools) -> Gen:
    words = [str(w) for w in pools.pool("word") or ["lorem", "ipsum"]]
    return picker(words)


def _format(fmt: str, max_len: int | None, pools: Pools) -> Gen | None:
    fixed = FORMATS.get(fmt)
    if fixed is not None:
        return fixed
    provider = {
        "email": "email",
        "idn-email": "email",
        "uri": "url",
        "url": "url",
        "iri": "url",
        "uri-reference": "url",
        "iri-reference": "url",
        "hostname": "domain_name",
        "idn-hostname": "domain_name",
        "phone": "phone_number",
        "phone-number": "phone_number",
    }.get(fmt)
    if provider and pools.has(provider):
        pool = [str(v) for v in pools.pool(provider) or []]
        if fmt in ("uri", "url", "iri", "uri-reference", "iri-reference"):
            pool = [v.rstrip("/") + "/" for v in pool]
        if max_len is not None:  # cutting an email or a URL to length would break its format
            pool = [v for v in pool if len(v) <= max_len] or pool
        return picker(pool)
    return None


def _fit_length(base: Gen, min_len: int, max_len: int | None) -> Gen:
    def fit(ctx: Ctx) -> str:
        value = str(base(ctx))
        if len(value) < min_len:
            value += "".join(pick(ctx.rng, LETTERS) for _ in range(min_len - len(value)))
        if max_len is not None and len(value) > max_len:
            value = value[:max_len].rstrip() if max_len > 0 else ""
            if len(value) < min_len:
                value += "".join(pick(ctx.rng, LETTERS) for _ in range(min_len - len(value)))
        return value

    return fit
