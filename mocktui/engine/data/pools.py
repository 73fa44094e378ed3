"""Realistic values drawn from precomputed Faker pools.

Calling Faker per field per request caps a mock at a few hundred requests a
second, so each provider fills a pool once (seeded) and requests only pick
from it with the engine's own random source.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

from mocktui.engine.data.iso import iso_codes
from mocktui.engine.data.lists import PET_NAMES, product_names

POOL_SIZE = 256

# normalised property name -> Faker provider
_BY_NAME: dict[str, str] = {
    "firstname": "first_name",
    "givenname": "first_name",
    "forename": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "familyname": "last_name",
    "fullname": "name",
    "name": "name",
    "displayname": "name",
    "author": "name",
    "customername": "name",
    "username": "user_name",
    "login": "user_name",
    "handle": "user_name",
    "nickname": "user_name",
    "screenname": "user_name",
    "phone": "phone_number",
    "phonenumber": "phone_number",
    "mobile": "phone_number",
    "telephone": "phone_number",
    "tel": "phone_number",
    "fax": "phone_number",
    "city": "city",
    "town": "city",
    "country": "country",
    "countryname": "country",
    "countrycode": "iso_country",
    "street": "street_address",
    "streetaddress": "street_address",
    "address": "street_address",
    "address1": "street_address",
    "addressline1": "street_address",
    "line1": "street_address",
    "zip": "postcode",
    "zipcode": "postcode",
    "postalcode": "postcode",
    "postcode": "postcode",
    "state": "state",
    "province": "state",
    "region": "state",
    "company": "company",
    "companyname": "company",
    "organization": "company",
    "organisation": "company",
    "employer": "company",
    "currency": "iso_currency",
    "currencycode": "iso_currency",
    "description": "sentence",
    "bio": "sentence",
    "summary": "sentence",
    "comment": "sentence",
    "body": "paragraph",
    "text": "sentence",
    "message": "sentence",
    "content": "paragraph",
    "notes": "sentence",
    "note": "sentence",
    "about": "sentence",
    "details": "sentence",
    "reason": "sentence",
    "title": "catch_phrase",
    "headline": "catch_phrase",
    "subject": "catch_phrase",
    "label": "word",
    "productname": "product_name",
    "color": "color_name",
    "colour": "color_name",
    "ip": "ipv4",
    "ipaddress": "ipv4",
    "ipv4": "ipv4",
    "ipv6": "ipv6",
    "domain": "domain_name",
    "hostname": "domain_name",
    "host": "domain_name",
    "slug": "slug",
    "job": "job",
    "jobtitle": "job",
    "occupation": "job",
    "timezone": "timezone",
    "tz": "timezone",
    "filename": "file_name",
    "mimetype": "mime_type",
    "contenttype": "mime_type",
    "iban": "iban",
    "isbn": "isbn13",
    "tag": "word",
    "tags": "word",
    "category": "word",
    "keyword": "word",
    "keywords": "word",
    "status": "word",
    "type": "word",
    "kind": "word",
    "language": "language_name",
    "lang": "iso_language",
    "languagecode": "iso_language",
    "locale": "locale",
    "website": "url",
    "homepage": "url",
    "url": "url",
    "uri": "url",
    "link": "url",
    "href": "url",
    "avatar": "image_url",
    "avatarurl": "image_url",
    "image": "image_url",
    "imageurl": "image_url",
    "photo": "image_url",
    "photourl": "image_url",
    "picture": "image_url",
    "thumbnail": "image_url",
    "logo": "image_url",
    "icon": "image_url",
    "email": "email",
    "emailaddress": "email",
    "mail": "email",
    "password": "password",
    "secret": "password",
    "sku": "ean8",
}
_BY_SUFFIX: tuple[tuple[str, str], ...] = (
    ("email", "email"),
    ("url", "url"),
    ("uri", "url"),
    ("href", "url"),
    ("avatar", "image_url"),
    ("image", "image_url"),
    ("photo", "image_url"),
    ("firstname", "first_name"),
    ("lastname", "last_name"),
    ("username", "user_name"),
    ("phone", "phone_number"),
    ("city", "city"),
    ("country", "country"),
    ("street", "street_address"),
    ("zip", "postcode"),
    ("postalcode", "postcode"),
    ("company", "company"),
    ("currency", "iso_currency"),
    ("description", "sentence"),
    ("title", "catch_phrase"),
    ("name", "name"),
)

_NUMBER_HINTS: dict[str, tuple[float, float, int]] = {
    # name -> (low, high, decimals)
    "price": (1, 500, 2),
    "amount": (1, 1000, 2),
    "cost": (1, 500, 2),
    "total": (5, 2000, 2),
    "subtotal": (5, 2000, 2),
    "balance": (0, 10000, 2),
    "fee": (0, 50, 2),
    "tax": (0, 100, 2),
    "discount": (0, 50, 2),
    "unitprice": (1, 500, 2),
    "latitude": (-90, 90, 6),
    "lat": (-90, 90, 6),
    "longitude": (-180, 180, 6),
    "lng": (-180, 180, 6),
    "lon": (-180, 180, 6),
    "age": (18, 90, 0),
    "quantity": (1, 10, 0),
    "qty": (1, 10, 0),
    "count": (0, 100, 0),
    "stock": (0, 500, 0),
    "rating": (1, 5, 1),
    "score": (0, 100, 1),
    "year": (1990, 2030, 0),
    "percent": (0, 100, 1),
    "percentage": (0, 100, 1),
    "page": (1, 10, 0),
    "limit": (10, 100, 0),
    "size": (1, 100, 0),
    "weight": (1, 100, 2),
    "height": (1, 250, 0),
    "width": (1, 250, 0),
}


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def pick(rng: random.Random, seq: Sequence[Any]) -> Any:
    """`rng.choice` without its Python-level rejection sampling: generation's hot path."""
    return seq[int(rng.random() * len(seq))]


def singular(name: str) -> str:
    """users -> user, categories -> category, addresses -> address: for item hints and messages."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("sses", "xes", "ches", "shes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def provider_for(name: str) -> str | None:
    """The Faker provider a property name suggests, if any."""
    key = normalise(name)
    if not key:
        return None
    if key in _BY_NAME:
        return _BY_NAME[key]
    for suffix, provider in _BY_SUFFIX:
        if key.endswith(suffix) and len(key) > len(suffix):
            return provider
    return None


def number_hint(name: str) -> tuple[float, float, int] | None:
    key = normalise(name)
    if key in _NUMBER_HINTS:
        return _NUMBER_HINTS[key]
    for hint, value in _NUMBER_HINTS.items():
        if (len(hint) > 3 or hint in ("fee", "tax")) and key.endswith(hint):
            return value
    return None


# Pools made without Faker: lists Faker lacks or gets wrong (its currencies include GGP, TVD...).
_BUILTIN: dict[str, Callable[[int | None], list[Any]]] = {
    "pet_name": lambda seed: list(PET_NAMES),
    "product_name": lambda seed: product_names(seed, POOL_SIZE),
    "iso_country": lambda seed: iso_codes("country", 2),
    "iso_currency": lambda seed: iso_codes("currency", 3),
    "iso_language": lambda seed: [c.lower() for c in iso_codes("language", 2)],
    "image_token": lambda seed: [f"{n:08x}" for n in random.Random(f"{seed}:image").choices(range(2**32), k=POOL_SIZE)],
}


class Pools:
    """Lazily filled, seeded pools of Faker values, one per provider."""

    def __init__(self, seed: int | None = None, locale: str = "en_US") -> None:
        self.seed = seed
        self.locale = locale
        self._faker: Any = None
        self._pools: dict[str, list[Any]] = {}
        self._lock = threading.Lock()  # reloads compile in worker threads: one fill at a time on the one Faker

    @classmethod
    def shared(cls, seed: int | None = None) -> Pools:
        """The process's pools for `seed`, filled once for every spec it serves and every reload: a pool
        depends on nothing but the seed and its provider (31 specs in one process fill them once, not 31 times)."""
        return _SHARED.setdefault(seed, cls(seed))

    def has(self, provider: str) -> bool:
        return self.pool(provider) is not None

    def pool(self, provider: str) -> list[Any] | None:
        if provider not in self._pools:
            with self._lock:
                if provider not in self._pools:
                    self._pools[provider] = self._fill(provider)
        return self._pools[provider] or None

    def _fill(self, provider: str) -> list[Any]:
        if provider in _BUILTIN:
            return _BUILTIN[provider](self.seed)
        if self._faker is None:
            from faker import Faker  # imported on first need: it is slow to import

            self._faker = Faker(self.locale)
        fn = getattr(self._faker, provider, None)
        if not callable(fn) or provider.startswith("_"):
            return []
        # Each provider gets its own seed so pools don't depend on fill order.
        self._faker.seed_instance(f"{self.seed}:{provider}")
        try:
            values = [fn() for _ in range(POOL_SIZE)]
        except Exception:  # noqa: BLE001 - a provider that needs arguments is unusable here
            return []
        return [v for v in values if isinstance(v, (str, int, float, bool))] or []

    def pick(self, provider: str, rng: random.Random) -> Any:
        pool = self.pool(provider)
        return pick(rng, pool) if pool else None


_SHARED: dict[int | None, Pools] = {}
