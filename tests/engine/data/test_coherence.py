"""Records coherent within themselves: identities, images, names by kind, ISO codes, money, ordered pairs,
totals and counts. Every value is also checked against its schema by the independent `jsonschema` validator
(`Sampler.valid`), so a fix-up that broke a schema fails here too."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pycountry

from mocktui.engine.data.coherence import plan_for
from mocktui.engine.data.generate import Ctx, Gen, Generator
from mocktui.engine.data.iso import iso_codes
from mocktui.engine.data.lists import PET_NAMES
from mocktui.engine.data.pools import Pools
from mocktui.engine.http import MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.memory import MemoryStore

from ...helpers import ROOT, SPECS, use_store, validation_errors
from .support import FORMATS, V30, V31, gen_for, obj, ref, spec_doc

COUNTRIES2 = {c.alpha_2 for c in pycountry.countries}
COUNTRIES3 = {c.alpha_3 for c in pycountry.countries}
CURRENCIES = {c.alpha_3 for c in pycountry.currencies}
LANGUAGES = {lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")}
IMAGE_URL = re.compile(r"^https://(picsum\.photos/|placehold\.co/)\S+$|\.(png|jpe?g)$")


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


# -- identity: emails, usernames and display names follow the record's names -----------------------------------


USER = obj(
    {
        "id": {"type": "integer", "minimum": 1},
        "firstName": {"type": "string", "maxLength": 40},
        "lastName": {"type": "string", "maxLength": 40},
        "displayName": {"type": "string"},
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "username": {"type": "string", "pattern": "^[a-z0-9._]{3,40}$"},
    },
    required=["id", "firstName", "lastName", "displayName", "email", "username"],
)


def test_email_username_and_display_name_follow_the_names() -> None:
    users = gen_for(USER).valid(200)
    for user in users:
        first, last = _ascii(user["firstName"]), _ascii(user["lastName"])
        local, _, domain = user["email"].partition("@")
        assert first in local or last in local, user
        assert domain.endswith(("example.com", "example.org", "example.net", "example.co.uk")), user
        assert last in user["username"] or first in user["username"], user
        assert user["displayName"] == f"{user['firstName']} {user['lastName']}"
    assert len({u["email"].partition("@")[0].replace(_ascii(u["firstName"]), "F") for u in users}) > 5  # variety


def test_email_follows_a_full_name_and_a_company_name() -> None:
    contact = obj(
        {"name": {"type": "string"}, "email": {"type": "string", "format": "email"}}, required=["name", "email"]
    )
    for value in gen_for(contact).valid(100):
        words = {_ascii(w) for w in value["name"].split()} - {""}
        assert any(w in value["email"] for w in words), value
    components = {"Merchant": contact}
    for value in gen_for(ref("Merchant"), components=components).valid(100):
        words = {_ascii(w) for w in re.split(r"[\s,-]+", value["name"])} - {"", "and", "inc", "llc", "ltd", "group"}
        assert value["email"].split("@")[0] in ("info", "contact", "hello", "sales", "support", "office"), value
        assert any(w in value["email"] for w in words), value


def test_derived_values_that_do_not_fit_the_schema_are_not_written() -> None:
    schema = obj(
        {
            "firstName": {"type": "string"},
            "lastName": {"type": "string"},
            "email": {"type": "string", "format": "email", "maxLength": 22},  # most derived addresses are longer
            "login": {"type": "string", "pattern": "^user[0-9]{4}$"},
        },
        required=["firstName", "lastName", "email", "login"],
    )
    values = gen_for(schema).valid(100)
    assert all(len(v["email"]) <= 22 and re.fullmatch(r"user[0-9]{4}", v["login"]) for v in values)


# -- images ------------------------------------------------------------------------------------------------------


def test_image_fields_hold_image_urls_stable_per_record() -> None:
    schema = obj(
        {
            "id": {"type": "integer", "minimum": 1, "maximum": 5},
            "avatar": {"type": "string"},
            "avatarUrl": {"type": "string", "format": "uri", "maxLength": 80},
            "logo": {"type": "string", "format": "uri"},
            "thumbnail_url": {"type": "string", "maxLength": 40},
            "photoUrls": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "picture": {"type": "string", "contentMediaType": "image/png"},
        },
        required=["id", "avatar", "avatarUrl", "logo", "thumbnail_url", "photoUrls", "picture"],
    )
    values = gen_for(schema, V31).valid(200)
    by_id: dict[int, set[str]] = {}
    for value in values:
        urls = [value[k] for k in ("avatar", "avatarUrl", "logo", "thumbnail_url", "picture")] + value["photoUrls"]
        assert all(IMAGE_URL.search(u) for u in urls), value
        assert str(value["id"]) in value["avatar"] and len(value["thumbnail_url"]) <= 40
        by_id.setdefault(value["id"], set()).add(value["avatar"])
    assert all(len(avatars) == 1 for avatars in by_id.values()), by_id  # the same record, the same picture


# -- names by the kind of record ---------------------------------------------------------------------------------


def test_names_follow_the_kind_of_record() -> None:
    named = obj({"name": {"type": "string"}}, required=["name"])
    components = {"Pet": named, "Organisation": named, "Product": named, "Employee": named, "Category": named}
    schema = obj(
        {
            "pet": ref("Pet"),
            "org": ref("Organisation"),
            "product": ref("Product"),
            "employee": ref("Employee"),
            "owner": named,  # no def: the property says what it is
            "merchant": {"type": "string"},
            "petName": {"type": "string"},
        },
        required=["pet", "org", "product", "employee", "owner", "merchant", "petName"],
    )
    pools = Pools(1)
    companies = set(pools.pool("company") or [])
    products = set(pools.pool("product_name") or [])
    people = set(pools.pool("name") or [])
    for value in gen_for(schema, components=components, pools=pools).valid(100):
        assert value["pet"]["name"] in PET_NAMES and value["petName"] in PET_NAMES
        assert value["org"]["name"] in companies and value["merchant"] in companies
        assert value["product"]["name"] in products
        assert value["employee"]["name"] in people and value["owner"]["name"] in people


def test_petstore_pets_have_pet_names_and_inline_bodies_follow_the_path() -> None:
    controls = Controls(dynamic=True, security=False)
    engine = MockEngine.build(load_spec(str(SPECS / "petstore.yaml")), controls=controls, faker_seed=3)
    names = []
    for _ in range(20):
        body = orjson.loads(engine.handle(MockRequest("GET", "/pets")).body)
        names += [pet["name"] for pet in body]
    assert names and all(n in PET_NAMES for n in names), names


def test_inline_bodies_take_the_kind_of_their_path(tmp_path: Path) -> None:
    doc = spec_doc(obj({"name": {"type": "string"}}, required=["name"]), V30, None)
    doc["paths"] = {"/me/company": doc["paths"].pop("/x")}  # an inline object, no $ref to say what it is
    (tmp_path / "spec.json").write_text(json.dumps(doc))
    spec = load_spec(str(tmp_path / "spec.json"))
    engine = MockEngine.build(spec, controls=Controls(dynamic=True, security=False), faker_seed=2)
    companies = set(Pools(2).pool("company") or [])
    names = {orjson.loads(engine.handle(MockRequest("GET", "/me/company")).body)["name"] for _ in range(30)}
    assert len(names) > 10 and names <= companies, names


# -- ISO codes ---------------------------------------------------------------------------------------------------


def test_short_country_currency_and_language_fields_are_iso_codes() -> None:
    schema = obj(
        {
            "country": {"type": "string", "maxLength": 2},
            "countryCode": {"type": "string", "pattern": "^[A-Z]{2}$"},
            "originCountry": {"type": "string", "minLength": 3, "maxLength": 3},
            "billingCountry": {"type": "string", "maxLength": 2, "example": "gb"},
            "currency": {"type": "string", "maxLength": 3},
            "lang": {"type": "string", "pattern": "^[a-z]{2}$"},
            "language": {"type": "string", "minLength": 2, "maxLength": 2},
            "locale": {"type": "string", "maxLength": 2},
        },
        required=["country", "countryCode", "originCountry", "billingCountry", "currency", "lang", "language"]
        + ["locale"],
    )
    for v in gen_for(schema).valid(200):
        assert v["country"] in COUNTRIES2 and v["countryCode"] in COUNTRIES2, v
        assert v["originCountry"] in COUNTRIES3, v
        assert v["billingCountry"].upper() in COUNTRIES2 and v["billingCountry"].islower(), v  # cased as the example
        assert v["currency"] in CURRENCIES, v
        assert all(v[k] in LANGUAGES for k in ("lang", "language", "locale")), v


def test_iso_lists_are_iso() -> None:
    assert set(iso_codes("country", 2)) <= COUNTRIES2 and set(iso_codes("country", 3)) <= COUNTRIES3
    assert set(iso_codes("currency", 3)) <= CURRENCIES
    assert {c.lower() for c in iso_codes("language", 2)} <= LANGUAGES


# -- money -------------------------------------------------------------------------------------------------------


def test_money_has_two_decimals() -> None:
    schema = obj(
        {
            "price": {"type": "number", "minimum": 0},
            "shippingFee": {"type": "number"},
            "amount": {"type": "string", "format": "decimal"},
            "balance": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "discount": {"type": "number", "multipleOf": 0.5, "minimum": 0, "maximum": 20},
        },
        required=["price", "shippingFee", "amount", "balance", "total", "discount"],
    )
    values = gen_for(schema).valid(200)
    for v in values:
        assert round(v["price"], 2) == v["price"] and round(v["shippingFee"], 2) == v["shippingFee"], v
        assert re.fullmatch(r"\d+\.\d\d", v["amount"]) and re.fullmatch(r"\d+\.\d\d", v["balance"]), v
        assert isinstance(v["total"], int) and float(v["discount"] * 2).is_integer(), v
    assert sum(1 for v in values if not float(v["price"] * 10).is_integer()) > 100  # cents, not whole tenths


# -- ordered pairs -----------------------------------------------------------------------------------------------


def test_ordered_pairs_stay_ordered() -> None:
    stamp = {"type": "string", "format": "date-time"}
    day = {"type": "string", "format": "date"}
    schema = obj(
        {
            "createdAt": stamp,
            "updatedAt": stamp,
            "created_at": {"type": "string"},
            "modified_at": {"type": "string"},
            "startDate": day,
            "endDate": day,
            "issuedAt": stamp,
            "expiresAt": stamp,
            "from": day,
            "to": day,
            "minPrice": {"type": "number", "minimum": 0, "maximum": 100},
            "maxPrice": {"type": "number", "minimum": 50, "maximum": 1000},  # a swap must still fit both
            "min_age": {"type": "integer"},
            "max_age": {"type": "integer"},
        },
        required=["createdAt", "updatedAt", "created_at", "modified_at", "startDate", "endDate", "issuedAt"]
        + ["expiresAt", "from", "to", "minPrice", "maxPrice", "min_age", "max_age"],
    )
    pairs = [("createdAt", "updatedAt"), ("created_at", "modified_at"), ("startDate", "endDate")]
    pairs += [("issuedAt", "expiresAt"), ("from", "to"), ("min_age", "max_age")]
    for v in gen_for(schema).valid(300):
        assert all(v[a] <= v[b] for a, b in pairs), v
        assert v["minPrice"] <= v["maxPrice"] or v["minPrice"] < 50, v  # swapped only where both stay valid


# -- totals and counts -------------------------------------------------------------------------------------------


CART = obj(
    {
        "lines": {
            "type": "array",
            "minItems": 1,
            "items": obj(
                {
                    "unit_price": {"type": "number", "minimum": 0},
                    "qty": {"type": "integer", "minimum": 1, "maximum": 9},
                },
                required=["unit_price", "qty"],
            ),
        },
        "subtotal": {"type": "number", "minimum": 0},
        "tax": {"type": "number", "minimum": 0, "maximum": 50},
        "total": {"type": "number", "minimum": 0},
        "currency": {"type": "string", "enum": ["EUR"]},
    },
    required=["lines", "subtotal", "tax", "total", "currency"],
)


def test_totals_are_the_sum_of_the_line_items() -> None:
    for cart in gen_for(CART).valid(200):
        lines = sum(line["unit_price"] * line["qty"] for line in cart["lines"])
        assert abs(cart["subtotal"] - lines) < 0.005 and round(cart["subtotal"], 2) == cart["subtotal"], cart
        assert abs(cart["total"] - (cart["subtotal"] + cart["tax"])) < 0.011, cart


def test_a_count_beside_the_only_list_is_its_length() -> None:
    page = obj(
        {
            "data": {"type": "array", "items": {"type": "string"}},
            "count": {"type": "integer", "minimum": 0},
            "size": {"type": "integer"},
        },
        required=["data", "count", "size"],
    )
    for value in gen_for(page).valid(100):
        assert value["count"] == len(value["data"]) == value["size"], value
    two_lists = obj(
        {"a": {"type": "array", "items": {"type": "integer"}}, "b": {"type": "array", "items": {"type": "integer"}},
         "count": {"type": "integer", "minimum": 50, "maximum": 60}},
        required=["a", "b", "count"],
    )  # fmt: skip
    assert all(50 <= v["count"] <= 60 for v in gen_for(two_lists).valid(50))  # ambiguous: left alone


# -- the real specs: valid, coherent, reproducible, and seeded orders add up -------------------------------------


def _shop_sampler(name: str, faker_seed: int = 1) -> tuple[Gen, Any]:
    spec = load_spec(str(SPECS / "shop.yaml"))
    op = next(o for o in spec.operations if o.id == name)
    schema = op.responses["200"].content["application/json"].schema
    gen = Generator(spec.schemas.defs, Pools(faker_seed), spec.schemas.bundle).compile(schema)
    validator = jsonschema.Draft202012Validator(spec.schemas.bundle(schema), format_checker=FORMATS)
    return gen, validator


def _draw(gen: Gen, n: int, seed: int) -> list[Any]:
    rng = random.Random(seed)
    return [gen(Ctx(rng, examples=False)) for _ in range(n)]


def test_shop_records_are_valid_coherent_and_reproducible() -> None:
    gen, validator = _shop_sampler("listUserOrders", faker_seed=4)
    pages = _draw(gen, 60, seed=2)
    assert [e.message for p in pages for e in validator.iter_errors(p)][:3] == []
    orders = [o for p in pages for o in p["items"]]
    assert len(orders) > 30
    for page in pages:
        assert page["total"] == len(page["items"])
    for order in orders:
        assert abs(order["total"] - sum(i["unitPrice"] * i["quantity"] for i in order["items"])) < 0.005, order
    assert pages == _draw(_shop_sampler("listUserOrders", faker_seed=4)[0], 60, seed=2)  # same seeds, same data
    assert pages != _draw(gen, 60, seed=3)
    users_gen, users_validator = _shop_sampler("listUsers")
    users = [u for page in _draw(users_gen, 40, seed=1) for u in page]
    assert [e.message for u in users for e in users_validator.iter_errors([u])][:3] == []
    assert all(_ascii(u["lastName"]) in u["email"] or _ascii(u["firstName"]) in u["email"] for u in users)


def test_two_hundred_seeded_orders_add_up() -> None:
    def seeded(faker_seed: int) -> dict[str, list[dict[str, Any]]]:
        spec = load_spec(str(SPECS / "shop.yaml"))
        engine = MockEngine.build(spec, controls=Controls(stateful=True), faker_seed=faker_seed)
        state = use_store(engine, MemoryStore(), seed_counts={"orders": 200}, seed_count=30)
        state.seed()
        return state.export()

    state = seeded(7)
    orders = state["orders"]
    assert len(orders) == 200
    wrong = [o for o in orders if abs(o["total"] - sum(i["unitPrice"] * i["quantity"] for i in o["items"])) >= 0.005]
    assert wrong == []
    spec = load_spec(str(SPECS / "shop.yaml"))
    op = next(o for o in spec.operations if o.id == "getOrder")
    bundle = spec.bundle(op.responses["200"].content["application/json"].schema)
    assert [e for o in orders for e in validation_errors(bundle, o)][:3] == []
    users = state["users"]
    assert sum(_ascii(u["lastName"]) in u["email"] for u in users) >= len(users) - 1  # the example user keeps its own
    assert state == seeded(7)


def test_objects_without_relations_get_no_plan() -> None:
    spec = load_spec(str(ROOT / "bench" / "petstore-bench.yaml"))
    generator = Generator(spec.schemas.defs, Pools(1), spec.schemas.bundle)
    pet = spec.schemas.defs["Pet"]
    assert plan_for(list(pet["properties"].items()), "pet", generator) is None
    order = spec.schemas.defs["Order"]
    assert plan_for(list(order["properties"].items()), "", generator) is None  # no total: nothing to agree on
    assert plan_for(list(CART["properties"].items()), "", generator) is not None


def test_kinds_are_counted_across_a_list() -> None:
    # An array of inline objects under /pets-like names: the items' kind comes from the array's name.
    pet = obj({"name": {"type": "string"}}, required=["name"])
    schema = obj({"pets": {"type": "array", "minItems": 3, "items": pet}}, required=["pets"])
    names = Counter(p["name"] for v in gen_for(schema, V30).valid(50) for p in v["pets"])
    assert set(names) <= set(PET_NAMES) and len(names) > 10
