"""Plausibility rules over every record the mock generates: do the answers hang together?

Each rule looks at one generated record (any JSON object in an answer) or one exchange and says
whether it is plausible: emails follow the record's names, image fields hold image URLs, ISO codes
are real (checked against `pycountry`, ISO's own lists), ordered pairs are ordered, money has cents,
totals add up, path ids are echoed, a POST answers with what was sent, and a stateful `Location`
leads to a record. At least 99 % of the checks must pass; the misses are listed.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

import orjson
import pycountry
import pytest

from mocktui.engine.contract.media import is_json
from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.model import Operation
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.memory import MemoryStore

from .corpus import build_request
from .helpers import use_store
from .paths import CORPUS, SPECS

SPEC_PATHS = [SPECS / n for n in ("shop.yaml", "users.yaml", "payments.yaml", "petstore.yaml")] + [
    CORPUS / n
    for n in (
        "petstore-v3.yaml",
        "petstore-expanded.yaml",
        "petstore-v2.yaml",
        "museum.yaml",
        "train-travel/openapi.yaml",
        "redocly-cafe/openapi.yaml",
        "spotify.yaml",
        "twitter-v2api.yaml",
        "tictactoe.yaml",
        "xkcd.yaml",
        "zalando-v2.yaml",
        "netbox.yaml",
        "link-example.yaml",
        "api-with-examples.yaml",
    )
]
OPS_PER_SPEC = 80  # netbox has hundreds of operations; the first 80 of each method are plenty

COUNTRIES2 = {c.alpha_2 for c in pycountry.countries}
COUNTRIES3 = {c.alpha_3 for c in pycountry.countries}
CURRENCIES = {c.alpha_3 for c in pycountry.currencies}
LANGUAGES = {lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")}

Check = tuple[str, bool, str]  # rule, passed, what was seen

# -- rules over one record ---------------------------------------------------------------------

_EMAIL_KEYS = ("email", "emailAddress", "email_address")
_NAME_KEYS = ("firstName", "first_name", "givenName", "lastName", "last_name", "familyName", "fullName", "full_name")
_IMAGE_KEY = re.compile(r"(?i)^(avatar|photo|picture|image|logo|thumbnail|icon|banner)(_?url|_?uri|_?src)?$")
_IMAGE_URL = re.compile(r"(?i)(\.(png|jpe?g|gif|webp|svg|avif)(\?.*)?$)|placehold|picsum|dummyimage|gravatar|/avatar")
_ISO = {
    "country": ("countrycode", "country_code", "country"),
    "currency": ("currency", "currencycode", "currency_code"),
    "language": ("language", "languagecode", "language_code", "lang"),
}
_MONEY = {"price", "amount", "total", "subtotal", "cost", "fee", "balance", "tax", "unitprice", "unit_price"}
_PAIRS = [
    ("createdAt", "updatedAt"),
    ("created_at", "updated_at"),
    ("created", "updated"),
    ("startDate", "endDate"),
    ("start_date", "end_date"),
    ("startTime", "endTime"),
    ("start_time", "end_time"),
    ("issuedAt", "expiresAt"),
    ("issued_at", "expires_at"),
]


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z]+", text.lower()) if len(w) >= 2}


def email_follows_names(record: dict[str, Any]) -> Iterator[Check]:
    email = next((record[k] for k in _EMAIL_KEYS if isinstance(record.get(k), str)), None)
    names = [record[k] for k in _NAME_KEYS if isinstance(record.get(k), str)]
    if not names and isinstance(record.get("name"), str) and len(record["name"].split()) >= 2:
        names = [record["name"]]
    if email is None or not names or "@" not in email:
        return
    words = set().union(*(_words(n) for n in names))
    yield (
        "email follows names",
        bool(words & _words(email)) or any(w in email.lower() for w in words),
        (f"{names} <{email}>"),
    )


def images_are_images(record: dict[str, Any]) -> Iterator[Check]:
    for key, value in record.items():
        if _IMAGE_KEY.match(key) and isinstance(value, str) and value.startswith(("http://", "https://", "/")):
            yield "image field holds an image URL", bool(_IMAGE_URL.search(value)), f"{key}={value}"


def iso_codes_are_real(record: dict[str, Any]) -> Iterator[Check]:
    for key, value in record.items():
        if not isinstance(value, str) or not value.isalpha() or len(value) not in (2, 3):
            continue
        low = key.lower()
        if low in _ISO["country"]:
            known = COUNTRIES2 if len(value) == 2 else COUNTRIES3
            yield (
                "country is an ISO 3166 code",
                value.upper() in known and value in (value.upper(), value.lower()),
                (f"{key}={value}"),
            )
        elif low in _ISO["currency"] and len(value) == 3:
            yield "currency is an ISO 4217 code", value.upper() in CURRENCIES, f"{key}={value}"
        elif low in _ISO["language"] and len(value) == 2:
            yield "language is an ISO 639-1 code", value.lower() in LANGUAGES, f"{key}={value}"


def money_has_cents(record: dict[str, Any]) -> Iterator[Check]:
    for key, value in record.items():
        if key.lower() in _MONEY and isinstance(value, float):
            yield "money has two decimals", round(value, 2) == value, f"{key}={value}"


def pairs_are_ordered(record: dict[str, Any]) -> Iterator[Check]:
    pairs = list(_PAIRS)
    for key in record:
        if key.startswith("min") and len(key) > 3 and "max" + key[3:] in record:
            pairs.append((key, "max" + key[3:]))
    for first, second in pairs:
        a, b = record.get(first), record.get(second)
        comparable = (isinstance(a, str) and isinstance(b, str) and a[:4].isdigit() and b[:4].isdigit()) or (
            isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool)
        )
        if comparable:
            yield f"{first} <= {second}", a <= b, f"{first}={a} {second}={b}"  # type: ignore[operator]


def totals_add_up(record: dict[str, Any]) -> Iterator[Check]:
    lines = [v for v in record.values() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)]
    key = next((k for k in ("subtotal", "total", "totalAmount", "total_amount") if k in record), None)
    if key is None or len(lines) != 1 or not isinstance(record[key], (int, float)):
        return
    items = lines[0]
    price = next((p for p in ("unitPrice", "unit_price", "price", "amount") if all(p in i for i in items)), None)
    qty = next((q for q in ("quantity", "qty") if all(q in i for i in items)), None)
    if price is None or qty is None:
        return
    expected = sum(float(i[price]) * float(i[qty]) for i in items if isinstance(i[price], (int, float)))
    yield (
        "total is the sum of the lines",
        abs(expected - float(record[key])) < 0.011,
        f"{key}={record[key]} sum={expected}",
    )


def counts_agree(record: dict[str, Any]) -> Iterator[Check]:
    lists = [v for v in record.values() if isinstance(v, list)]
    if len(lists) != 1:
        return
    paged = any(k in record for k in ("next", "previous", "page", "offset", "cursor", "has_more", "hasMore"))
    for key in ("count", "size", "length"):
        if isinstance(record.get(key), int) and not isinstance(record[key], bool) and not paged:
            yield "count is the list's length", record[key] == len(lists[0]), f"{key}={record[key]} len={len(lists[0])}"
    for key in (*(("count",) if paged else ()), "total", "totalCount", "total_count", "totalItems", "total_items"):
        if isinstance(record.get(key), int) and not isinstance(record[key], bool):
            yield "a total covers the page", record[key] >= len(lists[0]), f"{key}={record[key]} len={len(lists[0])}"


RECORD_RULES: list[Callable[[dict[str, Any]], Iterator[Check]]] = [
    email_follows_names,
    images_are_images,
    iso_codes_are_real,
    money_has_cents,
    pairs_are_ordered,
    totals_add_up,
    counts_agree,
]


def records(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from records(child)
    elif isinstance(value, list):
        for child in value:
            yield from records(child)


def record_checks(body: Any) -> Iterator[Check]:
    for record in records(body):
        for rule in RECORD_RULES:
            yield from rule(record)


# -- rules over one exchange -------------------------------------------------------------------


def _send(engine: MockEngine, request: dict[str, Any]) -> MockResponse:
    headers = {k.lower(): v for k, v in request["headers"].items()}
    body = request.get("content", b"")
    headers["content-length"] = str(len(body))
    query = urlencode(request["params"])
    return engine.handle(
        MockRequest(request["method"].upper(), request["url"], query=query, headers=headers, body=body)
    )


def _json(response: MockResponse) -> Any:
    ctype = dict(response.headers).get("content-type", "")
    if not response.body or not is_json(ctype.split(";")[0]):
        return None
    try:
        return orjson.loads(response.body)
    except orjson.JSONDecodeError:
        return None


def _record_of(body: Any) -> dict[str, Any] | None:
    if isinstance(body, dict) and len(body) == 1 and isinstance(next(iter(body.values())), dict):
        return next(iter(body.values()))  # type: ignore[no-any-return]
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        return body["data"]  # type: ignore[no-any-return]
    return body if isinstance(body, dict) else None


def path_ids_echoed(op: Operation, request: dict[str, Any], body: Any) -> Iterator[Check]:
    record = _record_of(body)
    last = op.path.rstrip("/").rsplit("/", 1)[-1]
    if record is None or not (last.startswith("{") and last.endswith("}")):
        return
    name = last[1:-1]
    resource = op.path.rstrip("/").rsplit("/", 2)[-2].rstrip("s").lower() if op.path.count("/") >= 2 else ""
    field = (
        name
        if name in record
        else "id"
        if "id" in record and name.lower() in ("id", f"{resource}id", f"{resource}_id")
        else None
    )
    if field is None or isinstance(record[field], (dict, list)):
        return
    sent = urlsplit(request["url"]).path.rstrip("/").rsplit("/", 1)[-1]
    yield (
        "path id echoed",
        str(record[field]) == unquote(sent),
        f"{op.path} sent {sent}, answered {field}={record[field]}",
    )


def body_echoed(op: Operation, request: dict[str, Any], body: Any) -> Iterator[Check]:
    record = _record_of(body)
    if record is None or "content" not in request or not is_json(request["headers"].get("content-type", "")):
        return
    sent = orjson.loads(request["content"])
    if not isinstance(sent, dict):
        return
    for key, value in sent.items():
        if key in record and not isinstance(value, (dict, list)) and value is not None:
            got = record[key]
            # A reference sent as an id comes back as the object it names (`tenant: 7` -> `{id: 7, ...}`).
            same = got == value or (isinstance(got, dict) and value in (got.get("id"), got.get("value")))
            yield "POST answers with what was sent", same, f"{op.id}.{key}: sent {value!r}, got {got!r}"


def exchanges(path: Path, dynamic: bool) -> Iterator[Check]:
    engine = MockEngine.build(
        load_spec(str(path)), controls=Controls(security=False, dynamic=dynamic), faker_seed=11 if dynamic else 5
    )
    rng = random.Random(3)
    per_method: Counter[str] = Counter()
    for op in engine.spec.operations:
        method = op.method.lower()
        if method not in ("get", "post", "put", "patch") or per_method[method] >= OPS_PER_SPEC:
            continue
        per_method[method] += 1
        request = build_request(engine, op, rng)
        if not request.pop("valid"):
            continue
        response = _send(engine, request)
        if not 200 <= response.status < 300:
            continue
        body = _json(response)
        yield from record_checks(body)
        if method == "get":
            yield from path_ids_echoed(op, request, body)
        else:
            yield from body_echoed(op, request, body)


def stateful_checks() -> Iterator[Check]:
    """Seeded records of the shop, and each created record's `Location` read back."""
    engine = MockEngine.build(load_spec(str(SPECS / "shop.yaml")), controls=Controls(stateful=True), faker_seed=7)
    use_store(engine, MemoryStore(), seed_count=200).seed()
    rng = random.Random(9)
    for op in engine.spec.operations:
        request = build_request(engine, op, rng)
        if op.method.lower() == "get" and "{" not in op.path:
            request["params"] = [("limit", "100")]
            yield from record_checks(_json(_send(engine, request)))
        elif op.method.lower() == "post" and request.pop("valid"):
            created = _send(engine, request)
            location = dict(created.headers).get("location")
            yield "a 201 says where the record is", created.status != 201 or location is not None, f"{op.id}"
            if created.status == 201 and location:
                read = engine.handle(MockRequest("GET", urlsplit(location).path, headers={}))
                yield "Location leads to the record", read.status == 200, f"{op.id} -> {location}: {read.status}"
                yield from body_echoed(op, request, _json(created))


@pytest.mark.corpus
def test_generated_records_are_plausible() -> None:
    checks: list[Check] = []
    for path in SPEC_PATHS:
        for dynamic in (False, True):
            checks.extend(exchanges(path, dynamic))
    checks.extend(stateful_checks())
    misses = [f"{rule}: {seen}" for rule, ok, seen in checks if not ok]
    by_rule = Counter(rule for rule, _, _ in checks)
    assert len(checks) > 2000 and len(by_rule) >= 10, by_rule
    rate = 1 - len(misses) / len(checks)
    assert rate >= 0.99, f"{rate:.2%} of {len(checks)} checks pass; misses:\n" + "\n".join(misses[:60])
