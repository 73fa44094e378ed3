"""Several specs in one instance with what they share: one SQLite file, one Redis, one `--state` file, one
`--proxy` backend. Real processes, real HTTP on 127.0.0.1, the real Redis."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mocktui.engine.stores.redis import RedisStore

from ..backend_app import BackendProcess, running
from ..engine.stores.test_stores import REDIS_URL, require_redis
from ..helpers import ROOT, SPECS
from .processes import child_env, mock_process

USERS = str(SPECS / "users.yaml")
SHOP = str(SPECS / "shop.yaml")
BACKEND = str(ROOT / "tests" / "data" / "backend.yaml")
ADA = {"email": "ada.several@example.org", "firstName": "Ada", "lastName": "Lovelace"}


def store(url: str, spec: str, collection: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}/__mocktui/store/{collection}", params={"spec": spec, "limit": 100}, timeout=10)
    response.raise_for_status()
    records: list[dict[str, Any]] = response.json()
    return records


def emails(url: str, spec: str) -> list[str]:
    return [str(user.get("email")) for user in store(url, spec, "users")]


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_each_specs_records_are_kept_apart_in_one_store_and_outlive_a_restart(kind: str, tmp_path: Path) -> None:
    if kind == "redis":
        require_redis()
        namespace = f"several{uuid.uuid4().hex[:10]}"
        given = ["--store", f"{REDIS_URL}?namespace={namespace}"]
    else:
        given = ["--persist", str(tmp_path / "both.db")]
    args = [USERS, SHOP, *given, "--stateful", "--seed", "3"]
    try:
        with mock_process(args, tmp_path) as first:
            assert httpx.post(first.url + "/users", json=ADA, timeout=10).status_code == 201  # the users spec's
            assert ADA["email"] in emails(first.url, "users") and len(emails(first.url, "users")) == 4
            assert ADA["email"] not in emails(first.url, "shop") and len(emails(first.url, "shop")) == 3
            products = store(first.url, "shop", "products")
            gone = httpx.delete(f"{first.url}/api/v1/products/{products[0]['id']}", timeout=10)
            assert gone.status_code == 204
            reset = httpx.post(first.url + "/__mocktui/store/reset", params={"spec": "users"}, timeout=10)
            assert reset.status_code == 204  # the users spec's records only
            assert ADA["email"] not in emails(first.url, "users") and len(store(first.url, "shop", "products")) == 2
            assert httpx.post(first.url + "/users", json=ADA, timeout=10).status_code == 201
        with mock_process(args, tmp_path) as second:  # kept, and not seeded again
            assert ADA["email"] in emails(second.url, "users") and len(emails(second.url, "users")) == 4
            assert len(store(second.url, "shop", "products")) == 2 and len(emails(second.url, "shop")) == 3
        if kind == "sqlite":  # one file, each spec's collections under its name
            with sqlite3.connect(tmp_path / "both.db") as db:
                names = {name for (name,) in db.execute("SELECT collection FROM sizes WHERE n > 0")}
            assert {"users/users", "shop/users", "shop/products"} <= names
        else:  # one Redis, each spec under a namespace of its own
            for spec in ("users", "shop"):
                namespaced = RedisStore(f"{REDIS_URL}?namespace={namespace}:{spec}")
                try:
                    assert namespaced.count("users") == (4 if spec == "users" else 3)
                finally:
                    namespaced.close()
    finally:
        if kind == "redis":
            for spec in ("users", "shop"):
                namespaced = RedisStore(f"{REDIS_URL}?namespace={namespace}:{spec}")
                namespaced.clear()
                namespaced.close()


def test_a_state_file_keyed_by_spec_loads_each_and_seeds_the_one_it_leaves_out(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    record = {"id": "5f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f", **ADA, "createdAt": "2024-01-01T00:00:00Z"}
    state.write_text(json.dumps({"users": {"users": [record]}}))
    with mock_process([USERS, SHOP, "--stateful", "--seed", "2", "--state", str(state)], tmp_path) as mock:
        assert emails(mock.url, "users") == [ADA["email"]]
        assert httpx.get(f"{mock.url}/users/{record['id']}", timeout=10).json()["email"] == ADA["email"]
        assert len(store(mock.url, "shop", "products")) == 2  # not in the file: seeded


def test_a_state_file_naming_no_such_spec_stops_start_up_naming_the_choices(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"billing": {"users": []}}))
    args = [USERS, SHOP, "--stateful", "--state", str(state), "--headless", "--port", "0"]
    done = subprocess.run([sys.executable, "-m", "mocktui", *args], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env=child_env())  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"--state {state}: no spec 'billing'" in done.stderr and "spec one of users, shop" in done.stderr


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[BackendProcess]:
    with running(tmp_path / "backend.log") as process:
        yield process


def test_proxy_forwards_every_specs_operations_each_checked_against_its_own_spec(
    backend: BackendProcess, tmp_path: Path
) -> None:
    with mock_process([BACKEND, USERS, "--proxy", backend.url, "--proxy-timeout", "2"], tmp_path) as mock:
        conforming = httpx.get(mock.url + "/api/users/3", timeout=10)
        assert conforming.status_code == 200
        broken = httpx.get(mock.url + "/api/users/1", headers={"X-Deviate": "wrong-type"}, timeout=10)
        assert broken.status_code == 200 and broken.json()["id"] == "one"  # the backend's answer, passed on
        other = httpx.get(mock.url + "/users/1", timeout=10)  # the users spec's: the backend has no such route
        assert other.status_code < 500
        events = httpx.get(mock.url + "/__mocktui/events", params={"limit": 3}, timeout=10).json()
        first, second, third = events
        assert (first["spec"], first["tags"], first["notes"]) == ("backend", ["proxied"], [])
        assert second["spec"] == "backend" and "drift" in second["tags"]
        assert any('/id: "one" is not of type "integer"' in note for note in second["notes"])
        assert third["spec"] == "users" and "proxied" in third["tags"]  # forwarded too, checked against users.yaml
        drift = httpx.get(mock.url + "/__mocktui/drift", params={"spec": "backend"}, timeout=10).json()
        assert [entry["operation"] for entry in drift] == ["getUser"]
