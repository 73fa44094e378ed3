"""A `Prefer` naming an example or a status the operation lacks is a 400 listing what it has, on every path:
static, dynamic, stateful and through a scenario that passes the normal answer on."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.runner import ScenarioFiles
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.memory import MemoryStore

from ...helpers import SPECS

RULES = """- when: {operation: getPet}
  then: {headers: {X-Scenario: seen}}
- when: {operation: deletePet}
  then: {headers: {X-Scenario: seen}}
"""


def engine(mode: str, tmp_path: Path) -> MockEngine:
    spec = load_spec(str(SPECS / "petstore.yaml"))
    if mode == "stateful":
        built = MockEngine.build(spec, controls=Controls(stateful=True), store=MemoryStore(), seed_count=3)
        assert built.state is not None
        built.state.seed()
        return built
    if mode == "scenario":
        (tmp_path / "rules.yaml").write_text(RULES)
        files = ScenarioFiles(str(tmp_path / "rules.yaml"), None, ())
        return MockEngine.build(spec, controls=Controls(scenarios=True), scenarios=files)
    return MockEngine.build(spec, controls=Controls(dynamic=mode == "dynamic"))


def ask(mock: MockEngine, method: str, path: str, prefer: str) -> MockResponse:
    return mock.handle(MockRequest(method, path, headers={"prefer": prefer}))


@pytest.mark.parametrize("mode", ["static", "dynamic", "stateful", "scenario"])
def test_unknown_examples_and_statuses_are_refused_with_what_exists(mode: str, tmp_path: Path) -> None:
    mock = engine(mode, tmp_path)
    pet = "/pets/1"
    if mode == "stateful":
        pet = "/pets/" + str(orjson.loads(mock.handle(MockRequest("GET", "/pets")).body)[0]["id"])
    cases = [
        ("GET", pet, "example=zebra", "known: cat, dog"),
        ("GET", pet, "code=201", "declared: 200, 404"),
        ("GET", pet, "code=soon", "declared: 200, 404"),
        ("DELETE", pet, "example=cat", "known: none"),  # 204 has no body, so no examples
        ("DELETE", pet, "code=200", "declared: 204, 404"),
    ]
    for method, path, prefer, listed in cases:
        answer = ask(mock, method, path, prefer)
        assert answer.status == 400, (mode, method, prefer, answer.body)
        body = orjson.loads(answer.body)
        assert body["title"] == "Bad Prefer header" and listed in body["detail"], body
        if mode == "scenario":
            assert ("x-scenario", "seen") in [(k.lower(), v) for k, v in answer.headers]
    assert ask(mock, "GET", pet, "example=cat").status == 200  # what exists is still served
    assert ask(mock, "GET", pet, "code=404").status == 404
