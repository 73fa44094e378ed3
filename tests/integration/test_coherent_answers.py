"""Over a real socket: stateless answers agree with their request (path ids, sent bodies, Location, pages)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mocktui.engine.steer.controls import Controls

from ..helpers import SPECS, LiveServer, serve, validation_errors


@pytest.fixture(scope="module", params=[False, True], ids=["static", "dynamic"])
def petstore(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    with serve(SPECS / "petstore.yaml", controls=Controls(dynamic=request.param), faker_seed=11) as live:
        yield live


def pet_schema(live: LiveServer) -> object:
    return live.engine.spec.bundle({"$ref": "#/$defs/Pet"})


def test_an_item_answers_the_id_in_its_path(petstore: LiveServer) -> None:
    for pet_id in (42, 43, 9001):
        pet = httpx.get(f"{petstore.url}/pets/{pet_id}").json()
        assert pet["id"] == pet_id and validation_errors(pet_schema(petstore), pet) == []


def test_a_created_pet_is_the_one_sent_and_its_location_points_at_it(petstore: LiveServer) -> None:
    r = httpx.post(f"{petstore.url}/pets", json={"name": "Rex", "tag": "dog"})
    pet = r.json()
    assert r.status_code == 201 and (pet["name"], pet["tag"]) == ("Rex", "dog")
    assert r.headers["location"] == f"/pets/{pet['id']}"
    assert validation_errors(pet_schema(petstore), pet) == []


def test_a_list_follows_limit_and_its_declared_default(petstore: LiveServer) -> None:
    three = httpx.get(f"{petstore.url}/pets", params={"limit": 3})
    assert len(three.json()) == 3 and int(three.headers["x-total-count"]) >= 3
    assert len(httpx.get(f"{petstore.url}/pets").json()) == 20  # limit's declared default


def test_static_records_are_stable_per_path_and_differ_between_paths() -> None:
    with serve(SPECS / "shop.yaml", faker_seed=2) as live:
        base = f"{live.url}/api/v1"
        assert httpx.get(f"{base}/orders/7").json() == httpx.get(f"{base}/orders/7").json()
        seven, eight = httpx.get(f"{base}/orders/7").json(), httpx.get(f"{base}/orders/8").json()
        assert (seven["id"], eight["id"]) == (7, 8)


def test_location_keeps_the_spec_base_path() -> None:
    user = {"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace", "password": "correct horse"}
    with serve(SPECS / "shop.yaml", controls=Controls(dynamic=True), faker_seed=2) as live:
        r = httpx.post(f"{live.url}/api/v1/users", json=user)
        body = r.json()
        assert r.status_code == 201 and (body["email"], body["firstName"]) == ("ada@example.com", "Ada")
        assert "password" not in body
        assert r.headers["location"] == f"/api/v1/users/{body['id']}"
