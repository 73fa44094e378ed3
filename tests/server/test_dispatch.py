"""The dispatcher of several specs: the longest mounted prefix whose routes match, compiled ahead."""

from __future__ import annotations

from pathlib import Path

from mocktui.engine.events import EventStream
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.mounts import mount
from mocktui.engine.spec.read import load_spec
from mocktui.server.app import MockApp
from mocktui.server.dispatch import Dispatcher, Mount, spec_param
from mocktui.service import MockService

GET = "    get:\n      responses: {'200': {description: ok}}\n"


def _mount(tmp_path: Path, name: str, paths: list[str], prefix: str | None = None) -> Mount:
    file = tmp_path / f"{name}.yaml"
    body = "".join(f"  {path}:\n{GET}" for path in paths)
    file.write_text(f"openapi: 3.0.3\ninfo: {{title: {name}, version: '1'}}\npaths:\n{body}")
    engine = MockEngine.build(mount(load_spec(str(file)), prefix))
    return Mount(name, str(file), engine, MockService(engine, scope=name), MockApp(engine, name=name))


def _admin(scope: object, receive: object, send: object) -> None:
    raise AssertionError("not an admin call")


def test_longest_prefix_then_the_routes_of_specs_sharing_one(tmp_path: Path) -> None:
    root = _mount(tmp_path, "root", ["/v1/other", "/health"])
    users = _mount(tmp_path, "users", ["/users/{id}"])
    v1 = _mount(tmp_path, "v1", ["/x"], "/v1")
    deep = _mount(tmp_path, "deep", ["/x"], "/v1/deep")
    dispatcher = Dispatcher([root, users, v1, deep], _admin, EventStream())  # type: ignore[arg-type]
    pick = dispatcher.pick
    assert pick("GET", "/v1/x") is v1
    assert pick("GET", "/v1/deep/x") is deep
    assert pick("GET", "/v1/other") is root  # the /v1 spec does not serve it: a shorter prefix does
    assert pick("GET", "/users/7") is users  # two specs at the root: their shared trie says whose route
    assert pick("DELETE", "/users/7") is users  # its path, another method: that spec answers 405
    assert pick("GET", "/v1/nothing") is v1  # nobody serves it: the longest prefix answers 404
    assert pick("GET", "/elsewhere") is root


def test_without_a_root_spec_a_path_under_no_prefix_is_nobodys(tmp_path: Path) -> None:
    a = _mount(tmp_path, "a", ["/x"], "/a")
    dispatcher = Dispatcher([a, _mount(tmp_path, "b", ["/x"], "/b")], _admin, EventStream())  # type: ignore[arg-type]
    assert dispatcher.pick("GET", "/a/x") is a and dispatcher.pick("GET", "/c/x") is None
    assert dispatcher.pick("GET", "/a") is a


def test_the_spec_an_admin_call_names() -> None:
    assert spec_param(b"limit=3&spec=users") == "users"
    assert spec_param(b"limit=3") is None
