"""Several specs in one instance, as a user runs it: real processes, real HTTP on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from ..helpers import SPECS, until
from .processes import child_env, mock_process

PETSTORE = str(SPECS / "petstore.yaml")
USERS = str(SPECS / "users.yaml")
SHOP = str(SPECS / "shop.yaml")


def _copy(source: str, target: Path) -> str:
    target.write_text(Path(source).read_text())
    return str(target)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mocktui", *args], cwd=cwd, env=child_env(), capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip


def test_each_spec_is_served_where_it_is_mounted_and_named_in_the_journal(tmp_path: Path) -> None:
    other = _copy(PETSTORE, tmp_path / "pets2.yaml")
    with mock_process([PETSTORE, USERS, SHOP, other, "--mount", f"/p2={other}"], tmp_path) as mock:
        assert httpx.get(mock.url + "/pets").status_code == 200
        assert httpx.get(mock.url + "/p2/pets/1").status_code == 200
        assert httpx.get(mock.url + "/api/v1/products").status_code == 200
        assert httpx.get(mock.url + "/users", headers={"authorization": "Bearer t"}).status_code == 200
        created = httpx.post(mock.url + "/p2/pets", json={"name": "Rex", "photoUrls": []})
        assert created.status_code == 201
        specs = httpx.get(mock.url + "/__mocktui/specs").json()
        assert [(s["name"], s["mount"]) for s in specs] == [
            ("petstore", "/"),
            ("users", "/"),
            ("shop", "/api/v1"),
            ("pets2", "/p2"),
        ]
        events = httpx.get(mock.url + "/__mocktui/events").json()
        assert [(e["spec"], e["path"]) for e in events] == [
            ("petstore", "/pets"), ("pets2", "/p2/pets/1"), ("shop", "/api/v1/products"), ("users", "/users"),
            ("pets2", "/p2/pets"),
        ]  # fmt: skip
        only = httpx.get(mock.url + "/__mocktui/events", params={"spec": "shop"}).json()
        assert [(e["spec"], e["path"]) for e in only] == [("shop", "/api/v1/products")]
        nowhere = httpx.get(mock.url + "/p3/pets")  # under no prefix: the root specs' 404
        assert nowhere.status_code == 404
        httpx.get(mock.url + "/users/a%0Ab%2Fc")  # chosen by the path as sent, as the engine matches it
        assert httpx.get(mock.url + "/__mocktui/events", params={"limit": 1}).json()[0]["spec"] == "users"
        page = httpx.get(mock.url + "/__mocktui/api-docs")  # the API docs: one page, a choice of every spec
        assert page.status_code == 200 and "/__mocktui/api-docs/openapi.json?spec=shop" in page.text
        shop = httpx.get(mock.url + "/__mocktui/api-docs/openapi.json", params={"spec": "shop"}).json()
        assert shop["info"]["title"] == "Shop"
        health = httpx.get(mock.url + "/__mocktui/health").json()
        assert health["operations"] == 7 + 4 + 18 + 7 and len(health["specs"]) == 4


def test_controls_and_overrides_are_kept_per_spec(tmp_path: Path) -> None:
    other = _copy(PETSTORE, tmp_path / "pets2.yaml")
    with mock_process([PETSTORE, other, "--mount", f"/p2={other}"], tmp_path) as mock:
        admin = mock.url + "/__mocktui"
        put = httpx.put(admin + "/overrides/getPet", params={"spec": "pets2"}, json={"status": 404})
        assert put.status_code == 200, put.text
        assert httpx.get(mock.url + "/p2/pets/1").status_code == 404
        assert httpx.get(mock.url + "/pets/1").status_code == 200
        assert httpx.get(admin + "/overrides", params={"spec": "petstore"}).json() == {}
        assert httpx.patch(admin + "/controls", params={"spec": "petstore"}, json={"offline": True}).status_code == 200
        assert httpx.get(mock.url + "/pets").status_code == 503
        assert httpx.get(mock.url + "/p2/pets").status_code == 200
        refused = httpx.get(admin + "/controls")  # several specs, none named
        assert refused.status_code == 400
        assert "?spec=NAME (petstore, pets2)" in refused.json()["detail"]
        unknown = httpx.get(admin + "/controls", params={"spec": "billing"})
        assert unknown.status_code == 404 and "petstore, pets2" in unknown.json()["detail"]


def test_stores_are_kept_per_spec(tmp_path: Path) -> None:
    with mock_process([USERS, SHOP, "--stateful", "--seed", "3"], tmp_path) as mock:
        admin = mock.url + "/__mocktui"
        auth = {"authorization": "Bearer t"}
        made = httpx.post(
            mock.url + "/users",
            headers=auth,
            json={"email": "grace.hopper.mocktui@example.org", "firstName": "Ada", "lastName": "Lovelace"},
        )
        assert made.status_code == 201, made.text
        users = httpx.get(admin + "/store/users", params={"spec": "users"}).json()
        shop = httpx.get(admin + "/store/users", params={"spec": "shop"}).json()
        assert "grace.hopper.mocktui@example.org" in [u.get("email") for u in users]
        assert "grace.hopper.mocktui@example.org" not in [u.get("email") for u in shop]
        assert len(shop) == 3 and len(users) == 4
        listed = httpx.get(mock.url + "/api/v1/users", params={"limit": 100}).json()
        assert "grace.hopper.mocktui@example.org" not in str(listed)
        assert httpx.post(admin + "/store/reset").status_code == 400  # needs a spec
        assert httpx.post(admin + "/store/reset", params={"spec": "users"}).status_code == 204
        assert len(httpx.get(admin + "/store/users", params={"spec": "users"}).json()) == 3


def test_routes_two_specs_both_serve_stop_start_up_naming_both_places(tmp_path: Path) -> None:
    other = _copy(PETSTORE, tmp_path / "pets2.yaml")
    started = _cli(PETSTORE, other, "--headless", "--port", "0", cwd=tmp_path)
    assert started.returncode == 2
    assert "Traceback" not in started.stderr
    first = started.stderr.splitlines()[0]
    assert first.startswith("pets2.yaml:10: error: at #/paths/~1pets/get: GET /pets (pets2) is also served by petstore")
    assert f"{PETSTORE}:10;" in first
    assert "routes served by two specs; not served" in started.stderr
    checked = _cli("validate", PETSTORE, other, cwd=tmp_path)
    assert checked.returncode == 2 and "Traceback" not in checked.stderr
    assert first in checked.stderr.splitlines()
    mounted = _cli("validate", PETSTORE, other, "--mount", f"/p2={other}", cwd=tmp_path)
    assert mounted.returncode == 0, mounted.stderr
    assert mounted.stdout.splitlines()[-1] == "ok: 2 specs, no route served twice: petstore at /, pets2 at /p2"


def test_templated_paths_that_collide_are_conflicts(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(
        "openapi: 3.0.3\ninfo: {title: Other, version: '1'}\npaths:\n  /pets/{name}:\n    get:\n"
        "      parameters: [{name: name, in: path, required: true, schema: {type: string}}]\n"
        "      responses: {'200': {description: ok}}\n"
    )
    checked = _cli("validate", PETSTORE, str(other), cwd=tmp_path)
    assert checked.returncode == 2
    assert "other.yaml:5: error: at #/paths/~1pets~1{name}/get: GET /pets/{name} (other) is also served by " \
           f"petstore: /pets/{{petId}} at {PETSTORE}:55;" in checked.stderr  # fmt: skip


def test_each_file_reloads_alone(tmp_path: Path) -> None:
    users = _copy(USERS, tmp_path / "users.yaml")
    with mock_process([PETSTORE, users], tmp_path) as mock:
        admin = mock.url + "/__mocktui"

        def summaries(spec: str) -> list[str]:
            return [op["summary"] for op in httpx.get(admin + "/operations", params={"spec": spec}).json()]

        before = summaries("petstore")
        assert httpx.patch(admin + "/controls", params={"spec": "petstore"}, json={"delay": {"max_ms": 1}}).is_success
        text = Path(USERS).read_text()
        assert "List users" in text
        picker = '{"name": "users", "url": "/__mocktui/api-docs/openapi.json?spec=users", "title": "%s"}'
        assert picker % "Users" in httpx.get(mock.url + "/__mocktui/api-docs").text
        Path(users).write_text(text.replace("List users", "List every user").replace("title: Users", "title: People"))
        until(lambda: "List every user" in summaries("users"), "users.yaml reloaded")
        assert summaries("petstore") == before
        assert picker % "People" in httpx.get(mock.url + "/__mocktui/api-docs").text  # the picker shows the new title
        assert httpx.get(admin + "/controls", params={"spec": "petstore"}).json()["delay"]["max_ms"] == 1
        Path(users).write_text(text.replace("List users", "Broken").replace("openapi: 3.1.0", "openapi: [3"))
        until(lambda: "kept the last good spec" in mock.output(), "the broken edit said so")
        assert "List every user" in summaries("users")
        assert httpx.get(mock.url + "/users/me", headers={"authorization": "Bearer t"}).status_code == 200
        assert httpx.get(mock.url + "/pets").status_code == 200
        clash = text.replace("/users/me:", "/pets:")  # a reload must not take another spec's route either
        Path(users).write_text(clash)
        until(lambda: "(users) is also served by petstore" in mock.output(), "the colliding edit was refused")
        assert httpx.get(mock.url + "/pets").json()[0]["name"]  # still petstore's answer
        assert httpx.get(mock.url + "/users/me", headers={"authorization": "Bearer t"}).status_code == 200


def test_attach_reaches_every_spec_through_the_admin_api(tmp_path: Path) -> None:
    import asyncio

    from mocktui.ui.remote import RemoteBackend

    other = _copy(PETSTORE, tmp_path / "pets2.yaml")
    with mock_process([PETSTORE, other, "--mount", f"/p2={other}"], tmp_path) as mock:

        async def steer() -> dict[str, object]:
            backend = RemoteBackend(mock.url)
            await backend.start()
            try:
                assert backend.info.specs == ["petstore", "pets2"]
                ids = [op.id for op in backend.info.operations]
                assert "petstore:getPet" in ids and "pets2:getPet" in ids
                assert next(op.path for op in backend.info.operations if op.id == "pets2:getPet") == "/p2/pets/{petId}"
                controls = await backend.put_override("pets2:getPet", {"status": 404})
                await backend.update_controls({"delay": {"min_ms": 1, "max_ms": 1}})
                return controls
            finally:
                await backend.stop()

        controls = asyncio.run(steer())
        assert controls["overrides"] == {"pets2:getPet": {"status": 404}}
        assert httpx.get(mock.url + "/p2/pets/1").status_code == 404
        assert httpx.get(mock.url + "/pets/1").status_code == 200
        for name in ("petstore", "pets2"):
            delay = httpx.get(mock.url + "/__mocktui/controls", params={"spec": name}).json()["delay"]
            assert delay["max_ms"] == 1


def test_one_spec_under_a_mount_keeps_it_across_a_reload(tmp_path: Path) -> None:
    users = _copy(USERS, tmp_path / "users.yaml")
    with mock_process([users, "--mount", f"/accounts={users}"], tmp_path) as mock:
        assert httpx.get(mock.url + "/__mocktui/spec").json()["base_path"] == "/accounts"
        created = httpx.post(mock.url + "/accounts/users", json={"email": "x@example.org", "firstName": "X",
                                                                  "lastName": "Y"})  # fmt: skip
        assert created.status_code == 201
        text = Path(USERS).read_text()
        Path(users).write_text(text.replace("List users", "List every user"))
        until(lambda: "reloaded users.yaml" in mock.output(), "users.yaml reloaded")
        assert httpx.get(mock.url + "/__mocktui/spec").json()["base_path"] == "/accounts"
        assert httpx.get(mock.url + "/__mocktui/specs").json()[0]["mount"] == "/accounts"
