"""Response self-check (--validate-responses) and example warnings in `mocktui validate`."""

from __future__ import annotations

import subprocess
import sys

import httpx

from mocktui.engine.steer.controls import Controls

from ..helpers import ROOT, serve

SPEC = ROOT / "tests" / "data" / "selfcheck.yaml"


def test_responses_breaking_the_spec_are_reported_in_events() -> None:
    with serve(SPEC, controls=Controls(validate_responses=True)) as server:
        good = httpx.get(server.url + "/things/1", headers={"Prefer": "example=good"})
        wrong = httpx.get(server.url + "/things/1", headers={"Prefer": "example=wrong"})
        refused = httpx.get(server.url + "/things/0")  # getThing declares no error status
        events = {e["id"]: e for e in httpx.get(server.url + "/__mocktui/events").json()}
    assert good.status_code == 200 and wrong.status_code == 200 and refused.status_code == 422
    first, second, third = (events[i] for i in sorted(events))
    assert first["notes"] == [] and "response-invalid" not in first["tags"]
    assert "response-invalid" in second["tags"]
    assert any(n.startswith("body /id:") and "integer" in n for n in second["notes"])
    assert any(n.startswith("body /name:") for n in second["notes"])
    assert third["notes"] == ["status 422 is not declared; declared: 200"]


def test_self_check_is_off_by_default_and_switchable_live() -> None:
    with serve(SPEC) as server:
        httpx.get(server.url + "/things/1", headers={"Prefer": "example=wrong"})
        httpx.patch(server.url + "/__mocktui/controls", json={"validate_responses": True})
        httpx.get(server.url + "/things/1", headers={"Prefer": "example=wrong"})
        first, second = httpx.get(server.url + "/__mocktui/events").json()
    assert first["notes"] == [] and second["notes"]


def test_validate_warns_about_examples_that_break_their_schema() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mocktui", "validate", str(SPEC)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    wrong = next(line for line in lines if "examples/wrong/value" in line)
    assert ":18: warning:" in wrong and '"one" is not of type "integer"' in wrong
    prop = next(line for line in lines if "/properties/name/example" in line)
    assert ":26: warning:" in prop and "12 is not of type" in prop
    assert not any("examples/good" in line for line in lines)
    assert lines[-1].startswith("ok: ") and "2 warnings" in lines[-1]
