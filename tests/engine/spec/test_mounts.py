"""Several specs in one instance: names, prefixes and the routes two specs would both serve."""

from __future__ import annotations

from pathlib import Path

from mocktui.engine.spec.mounts import Mounted, conflicts, mount, mount_of, mount_prefix, route_key, spec_names
from mocktui.engine.spec.read import load_spec

from ...helpers import SPECS


def _spec(tmp_path: Path, name: str, paths: str, servers: str = "") -> Path:
    file = tmp_path / f"{name}.yaml"
    file.write_text(f"openapi: 3.0.3\ninfo: {{title: {name}, version: '1'}}\n{servers}paths:\n{paths}")
    return file


def test_names_are_the_file_stems_made_unique() -> None:
    assert spec_names(["a/users.yaml", "b/users.yaml", "billing.json", "greenbutton/openapi.yaml"]) == [
        "users", "users-2", "billing", "greenbutton"
    ]  # fmt: skip


def test_prefixes_and_mounts() -> None:
    assert [mount_prefix(p) for p in ("/billing/", "billing", "/", "/a/b")] == ["/billing", "/billing", "", "/a/b"]
    assert mount_of(str(SPECS / "users.yaml"), {str(SPECS / "users.yaml"): "/u"}) == "/u"
    assert mount_of(str(SPECS / "shop.yaml"), {str(SPECS / "users.yaml"): "/u"}) is None
    spec = load_spec(str(SPECS / "shop.yaml"))
    assert mount(spec, None).base_path == "/api/v1"
    assert mount(spec, "/shop/").base_path == "/shop"


def test_template_names_do_not_matter_for_a_route() -> None:
    assert route_key("get", "/v1", "/users/{id}") == route_key("GET", "", "/v1/users/{name}") == ("GET", "/v1/users/{}")
    assert route_key("GET", "", "/users/me") != route_key("GET", "", "/users/{id}")


def test_conflicts_name_both_places_and_mounting_clears_them(tmp_path: Path) -> None:
    get = "    get:\n      responses: {'200': {description: ok}}\n"
    a = load_spec(str(_spec(tmp_path, "a", f"  /v1/users/{{id}}:\n{get}  /things:\n{get}")))
    b = load_spec(str(_spec(tmp_path, "b", f"  /users/{{name}}:\n{get}  /other:\n{get}", "servers: [{url: /v1}]\n")))
    found = conflicts([Mounted("a", a), Mounted("b", b)])
    assert len(found) == 1
    assert (found[0].file, found[0].line, found[0].pointer) == (b.file, 6, "#/paths/~1users~1{name}/get")
    reason = f"GET /v1/users/{{name}} (b) is also served by a: /v1/users/{{id}} at {a.file}:5;"
    assert found[0].reason.startswith(reason)
    assert conflicts([Mounted("a", a), Mounted("b", mount(b, "/b"))]) == []
    post = "    post:\n      responses: {'200': {description: ok}}\n"
    c = load_spec(str(_spec(tmp_path, "c", f"  /things:\n{post}")))  # another method of the same path: no conflict
    assert conflicts([Mounted("a", a), Mounted("c", c)]) == []
