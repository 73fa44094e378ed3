"""The control room's export key (`x`): a 60-request session steered from the keyboard (CRUD on the shop,
three overrides toggled in the Routes pane, an error burst, a latency change) exported to pytest passes 60
of 60 against a fresh mock, and fails naming the property whose type changed in the spec."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from textual.pilot import Pilot
from textual.widgets import Select

from mocktui.ui.app import MocktuiApp
from mocktui.ui.export import export_shown
from mocktui.ui.remote import RemoteBackend

from ..helpers import ROOT, SPECS, LiveServer
from ..integration.processes import child_env, mock_process
from .harness import API, edit_override, flushed, running, shop_engine, wait_for

FRESH = ["--stateful", "--seed", "5", "--faker-seed", "7"]  # what the harness's engine is


async def toggle_override(app: MocktuiApp, pilot: Pilot[int], operation: str, field: str, value: str) -> None:
    editor = await edit_override(app, pilot, operation)
    editor.query_one(f"#{field}", Select).value = value
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert operation in app.controls["overrides"]


async def clear_override(app: MocktuiApp, pilot: Pilot[int], operation: str) -> None:
    await pilot.press("x")  # the Routes pane still has the route highlighted
    await pilot.pause()
    assert operation not in app.controls["overrides"]


async def session(app: MocktuiApp, pilot: Pilot[int], client: httpx.AsyncClient) -> int:
    """The demo: returns how many requests it made."""
    made = 0

    async def call(method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        nonlocal made
        made += 1
        return await client.request(method, API + path, json=body, params=params or None)

    def person(n: int) -> dict[str, str]:
        return {"email": f"user{n}@example.com", "firstName": f"First{n}", "lastName": "Tester"}

    def product(n: int) -> dict[str, Any]:
        return {"name": f"Gadget {n}", "sku": f"EXP-{1000 + n}", "price": 10 + n, "currency": "EUR", "stock": 5}

    await call("GET", "/users", page=1)
    users = [(await call("POST", "/users", person(n))).json()["id"] for n in range(3)]
    for user in users:
        await call("GET", f"/users/{user}")
    await call("PATCH", f"/users/{users[0]}", {"phone": "+44 20 7946 0001"})
    products = [(await call("POST", "/products", product(n))).json()["id"] for n in range(2)]
    for item in products:
        await call("GET", f"/products/{item}")
    await toggle_override(app, pilot, "getProduct", "status", "404")  # override 1
    for _ in range(2):
        assert (await call("GET", f"/products/{products[0]}")).status_code == 404
    await clear_override(app, pilot, "getProduct")
    await call("GET", f"/products/{products[0]}")
    order = await call("POST", "/orders", {"userId": users[0], "items": [{"productId": products[0], "quantity": 2}]})
    order_id = order.json()["id"]
    await call("GET", f"/orders/{order_id}")
    await toggle_override(app, pilot, "getOrder", "disabled", "503")  # override 2
    for _ in range(2):
        assert (await call("GET", f"/orders/{order_id}")).status_code == 503
    await clear_override(app, pilot, "getOrder")
    await call("GET", f"/orders/{order_id}")
    await toggle_override(app, pilot, "getUser", "status", "404")  # override 3
    assert (await call("GET", f"/users/{users[1]}")).status_code == 404
    await clear_override(app, pilot, "getUser")
    await call("GET", f"/users/{users[1]}")
    await pilot.press("e")  # an error burst: 50 %
    await pilot.pause()
    statuses = [(await call("GET", "/products", page=1)).status_code for _ in range(6)]
    statuses += [(await call("GET", f"/users/{users[2]}")).status_code for _ in range(2)]
    await pilot.press("e")
    await pilot.pause()
    assert any(s >= 500 for s in statuses) or all(s == 200 for s in statuses)
    await pilot.press("d")  # latency: 200-800 ms
    await pilot.pause()
    for _ in range(3):
        await call("GET", "/orders")
    await pilot.press("d")
    await pilot.pause()
    await call("PATCH", f"/orders/{order_id}", {"status": "paid"})
    await call("PUT", f"/products/{products[1]}", product(7))
    await call("PATCH", f"/products/{products[1]}", {"stock": 7})
    await call("GET", f"/users/{users[0]}/orders")
    await call("DELETE", f"/orders/{order_id}")
    await call("GET", f"/orders/{order_id}")
    await call("DELETE", f"/products/{products[1]}")
    await call("GET", f"/products/{products[1]}")
    fourth = (await call("POST", "/users", person(4))).json()["id"]
    await call("PUT", f"/users/{fourth}", person(5))
    await call("DELETE", f"/users/{fourth}")
    await call("GET", f"/users/{fourth}")
    await call("GET", "/products", page=1, per_page=5)
    await call("GET", f"/products/{products[0]}")
    second = await call("POST", "/orders", {"userId": users[1], "items": [{"productId": products[0], "quantity": 1}]})
    await call("GET", f"/orders/{second.json()['id']}")
    await call("PATCH", f"/orders/{second.json()['id']}", {"status": "paid"})
    await call("GET", f"/users/{users[1]}/orders")
    await call("GET", "/orders")
    await call("DELETE", f"/users/{users[2]}")
    await call("GET", f"/users/{users[2]}")
    await call("GET", "/users")
    third = (await call("POST", "/products", product(9))).json()["id"]
    await call("PATCH", f"/products/{third}", {"price": 99})
    await call("GET", f"/products/{third}")
    await call("DELETE", f"/products/{third}")
    await call("GET", f"/products/{third}")
    return made


def run_pytest(test_file: Path, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--rootdir",
         str(test_file.parent), str(test_file)],
        capture_output=True, text=True, timeout=300, cwd=test_file.parent,
        env=child_env({"MOCKTUI_URL": url, **env}),
    )  # fmt: skip


async def test_a_steered_session_exported_to_pytest_passes_against_a_fresh_mock(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    async with running(shop_engine(stateful=True, seed_count=5), size=(120, 40)) as (app, pilot, client):
        app.export_dir = exports
        made = await session(app, pilot, client)
        assert made == 60
        await flushed(pilot, app)
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("x")
        await wait_for(lambda: (exports / "test_mocktui_session.py").exists(), pilot, timeout=10)
    written = sorted(p.name for p in exports.iterdir())
    assert written == ["mocktui-session.har", "mocktui-session.rules.yaml", "mocktui.postman_collection.json",
                       "test_mocktui_session.py"]  # fmt: skip
    test_file = tmp_path / "replay" / "test_mocktui_session.py"
    test_file.parent.mkdir()
    test_file.write_bytes((exports / "test_mocktui_session.py").read_bytes())
    source = test_file.read_text()
    assert len(re.findall(r"^    def test_", source, re.M)) == 60
    assert source.count("        steered()\n") >= 5  # the overrides and the faults are marked for --target real
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--config", str(ROOT / "pyproject.toml"), str(test_file)],
        capture_output=True,
        text=True,
    )  # the project's rules: E, F, I, B, UP, W

    assert lint.returncode == 0, lint.stdout

    with mock_process([str(SPECS / "shop.yaml"), *FRESH], tmp_path) as mock:
        result = run_pytest(test_file, mock.url)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "60 passed" in result.stdout, result.stdout[-2000:]

    steered = source.count("        steered()\n")  # the same file against a "real backend": no steering, those skipped
    with mock_process([str(SPECS / "shop.yaml"), *FRESH], tmp_path) as backend:
        result = run_pytest(test_file, backend.url, MOCKTUI_TARGET="real")
        controls = httpx.get(backend.url + "/__mocktui/controls").json()
    assert f"{60 - steered} passed, {steered} skipped" in result.stdout, result.stdout[-3000:]
    assert controls["overrides"] == {} and controls["faults"]["error_rate"] == 0  # no admin call was made

    changed = tmp_path / "shop.yaml"  # one property of one schema changes type
    text = (SPECS / "shop.yaml").read_text()
    before = 'createdAt: {type: string, format: date-time, readOnly: true, example: "2025-01-15T09:30:00Z"}'
    assert text.count(before) == 1
    changed.write_text(text.replace(before, "createdAt: {type: integer, readOnly: true, example: 1736933400}"))
    with mock_process([str(changed), *FRESH], tmp_path) as mock:
        result = run_pytest(test_file, mock.url)
    assert result.returncode == 1, result.stdout[-4000:]
    broken = re.findall(r"^E +(/\S*): .* is not of type '(\w+)'$", result.stdout, re.M)  # the schema check's lines
    assert broken and all(where.endswith("/createdAt") and kind == "string" for where, kind in broken), broken
    assert re.search(r"\d+ failed, \d+ passed", result.stdout), result.stdout[-2000:]


async def test_the_export_over_the_admin_api_is_the_one_made_locally(tmp_path: Path) -> None:
    """`mocktui attach`'s backend exports through `POST /__mocktui/export/{format}` (the shown ids): the same
    documents the local backend writes; a refusal is a notice, not a crash."""
    engine = shop_engine(stateful=False)
    server = LiveServer(engine)
    server.start()
    remote = RemoteBackend(server.url)
    try:
        await remote.start()
        async with httpx.AsyncClient(base_url=server.url) as client:
            for path in ("/users/1", "/products/1", "/users/2"):
                await client.get(API + path)
        ids = [e.id for e in engine.events if e.path.startswith(API + "/users")]
        text, severity = await export_shown(remote, ids, tmp_path / "remote")
        assert severity == "information" and text.startswith("2 requests shown -> ")
        har = json.loads((tmp_path / "remote" / "mocktui-session.har").read_text())
        assert [e["request"]["url"].rsplit("/", 2)[-2:] for e in har["log"]["entries"]] == [
            ["users", "1"],
            ["users", "2"],
        ]
        name, everything = await remote.export("pytest")
        assert name == "test_mocktui_session.py" and everything.count(b"    def test_") == 3
        blocked = tmp_path / "a-file"
        blocked.write_text("")
        text, severity = await export_shown(remote, None, blocked / "inside")
        assert severity == "error" and text.startswith("export failed: ")
    finally:
        await remote.stop()
        server.stop()
