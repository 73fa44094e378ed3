"""What a record is (a person, a company, a product, a pet) and the values that follow from it.

A Pet's `name` is not a person's name, and a Merchant's is a company's: the kind of a record is
read at compile time from the `$ref` name it is compiled under, else the property it sits under,
else the path's resource (`kind_of`). The precomputed lists the kinds need that Faker lacks (pet
names, product names) and the image URLs of avatar-like fields are made here too, once per pool.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from mocktui.engine.data.pools import normalise, singular

PERSON, COMPANY, PRODUCT, PET = "person", "company", "product", "pet"
KINDS = (PERSON, COMPANY, PRODUCT, PET)

_WORDS: dict[str, str] = {
    **dict.fromkeys(("pet", "dog", "cat", "animal", "puppy", "kitten", "horse"), PET),
    **dict.fromkeys(
        "company organisation organization org merchant vendor store shop supplier brand business employer "
        "manufacturer publisher retailer seller partner agency".split(),
        COMPANY,
    ),
    **dict.fromkeys(("product", "item", "merchandise"), PRODUCT),
    **dict.fromkeys(
        "person people user customer author employee contact owner member buyer client assignee reporter creator "
        "recipient sender manager staff student teacher patient driver passenger guest subscriber profile player "
        "artist".split(),
        PERSON,
    ),
}
# Words that say how a schema carries a record, not what it is: skipped when reading a name.
_CARRIERS = frozenset(
    "input create created update updated patch request response dto model data info details detail summary list "
    "page paged collection array result results new full public private read write base entity resource object "
    "schema record view body payload v1 v2 v3 all short extended".split()
)
ENVELOPES = frozenset(
    "data items results records entries content values list hits elements objects rows nodes node edges payload "
    "result collection docs resources embedded".split()
)
_SPLIT = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def words(name: str) -> list[str]:
    """`OrderItemDTO` -> [order, item, dto]; `created_at` -> [created, at]."""
    return [w.lower() for w in _SPLIT.findall(name)]


def kind_of(name: str) -> str:
    """The kind a schema, property or path resource name says, or "": read from its last meaningful word."""
    if name in KINDS:
        return name
    for word in reversed(words(name)):
        if word in _CARRIERS:
            continue
        return _WORDS.get(word) or _WORDS.get(singular(word), "")
    return ""


MONEY_WORDS = frozenset("price amount total subtotal cost fee fees balance tax discount charge refund salary".split())


def is_money(name: str) -> bool:
    """`price`, `unit_price`, `totalAmount`, `shippingFee`: an amount of money, by its last word."""
    parts = words(name)
    return bool(parts) and (parts[-1] in MONEY_WORDS or normalise(name) in ("unitprice", "subtotal"))


def path_entity(path: str) -> str:
    """The resource a path serves: `/users/{id}/orders` -> orders, `/pets/{petId}` -> pets."""
    for segment in reversed(path.strip("/").split("/")):
        if segment and not segment.startswith("{"):
            return segment
    return ""


def name_provider(name: str, kind: str) -> str | None:
    """The pool for a name-like string property of a record of `kind`: `name` of a Pet, `merchant`, `storeName`."""
    key = normalise(name)
    if key == "name" and kind:
        return _BY_KIND[kind]
    if key in ("fullname", "displayname") and kind in ("", PERSON):
        return "name"
    parts = words(name)
    if len(parts) > 1 and parts[-1] == "name":
        word_kind = _WORDS.get(parts[-2], "") if parts[-2] not in ("user", "display", "full") else ""
    else:
        word_kind = _WORDS.get(parts[0], "") if len(parts) == 1 and parts[0] in _NAMED_BY_WORD else ""
    return _BY_KIND[word_kind] if word_kind else None


# String properties that hold the name of what they say (`merchant: "Franklin-Robinson Inc"`).
_NAMED_BY_WORD = frozenset(
    "merchant vendor supplier brand manufacturer publisher retailer company organisation organization employer "
    "seller pet product owner author customer assignee reporter creator employee manager buyer".split()
)
_BY_KIND = {PERSON: "name", COMPANY: "company", PRODUCT: "product_name", PET: "pet_name"}

# -- images ------------------------------------------------------------------------------------

_IMAGE_WORDS = frozenset(
    "avatar avatars photo photos picture pictures image images logo logos thumbnail thumbnails thumb icon icons "
    "banner banners headshot portrait cover img pic".split()
)
_URL_WORDS = frozenset("url urls uri uris src link href path".split())
_SIZES = {"avatar": (256, 256), "logo": (128, 128), "icon": (64, 64), "thumbnail": (150, 150), "thumb": (150, 150),
          "banner": (1200, 300), "cover": (1200, 400), "headshot": (256, 256), "portrait": (400, 600)}  # fmt: skip


@cache
def image_word(name: str) -> str | None:
    """The image word of an image-like property (`avatarUrl` -> avatar, `photo_urls` -> photo), or None."""
    parts = words(name)
    while len(parts) > 1 and parts[-1] in _URL_WORDS:
        parts = parts[:-1]
    if parts and parts[-1] in _IMAGE_WORDS:
        return parts[-1].rstrip("s") if parts[-1] not in ("images",) else "image"
    key = normalise(name)
    for suffix in ("", "urls", "url", "uri", "src", "s"):
        stem = key[: len(key) - len(suffix)] if suffix else key
        if key.endswith(suffix) and stem in _IMAGE_WORDS and stem not in ("img", "pic"):
            return stem.rstrip("s")
    return None


def image_template(word: str, max_len: int | None, token_len: int) -> str | None:
    """A URL template with `{t}` for the record's token: a placeholder-image host, within `max_len`."""
    w, h = _SIZES.get(word, (640, 480))
    if word in ("logo", "icon"):
        candidates = [f"https://placehold.co/{w}x{h}.png?text={{t}}", f"https://placehold.co/{w}x{h}.png"]
    else:
        candidates = [f"https://picsum.photos/seed/{{t}}/{w}/{h}", f"https://picsum.photos/{w}/{h}.jpg"]
    for template in candidates:
        length = len(template) - 3 + (token_len if "{t}" in template else 0)
        if max_len is None or length <= max_len:
            return template
    return None


def is_image_media(schema: dict[str, Any]) -> bool:
    """A string that names an image by `contentMediaType: image/*` (and is not the image's bytes)."""
    media = schema.get("contentMediaType")
    return isinstance(media, str) and media.startswith("image/") and "contentEncoding" not in schema


# -- which defs depend on the kind they are compiled under ---------------------------------------

_NAMED = frozenset(("name", "fullname", "displayname"))


def kind_sensitive(schema: Any, defs: dict[str, Any], seen: frozenset[str] = frozenset(), depth: int = 0) -> bool:
    """Whether values of `schema` change with the kind of record it is compiled for: it has a `name`
    (directly, or under an envelope such as `data` or `items`). Other defs are compiled once."""
    if not isinstance(schema, dict) or depth > 12:
        return False
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = ref.rsplit("/", 1)[-1]
        if kind_of(target) or target in seen:
            return False  # a def that names its own kind does not inherit one
        return kind_sensitive(defs.get(target), defs, seen | {target}, depth + 1)
    props = schema.get("properties")
    for pname, sub in (props if isinstance(props, dict) else {}).items():
        key = normalise(pname)
        if key in _NAMED or (key in ENVELOPES and kind_sensitive(sub, defs, seen, depth + 1)):
            return True
    parts = [schema.get("items"), *(schema.get("prefixItems") or [])]
    for keyword in ("allOf", "oneOf", "anyOf"):
        parts.extend(schema.get(keyword) or [])
    return any(kind_sensitive(p, defs, seen, depth + 1) for p in parts)
