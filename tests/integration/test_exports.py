"""Exports over real processes: the HAR export validates against HAR 1.2 and `--replay` answers every recorded
request with its recorded answer; the scenario export, loaded with `--scenarios`, answers a fresh mock's
requests as the session was answered, in order; `mocktui export` and the admin routes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jsonschema
import yaml

from mocktui.engine import har

from ..helpers import ROOT, SPECS
from .processes import child_env, mock_process

SHOP = str(SPECS / "shop.yaml")
API = "/api/v1"
HAR_SCHEMA = json.loads((ROOT / "tests" / "data" / "har-1.2.schema.json").read_text())


def steered_session(client: httpx.Client) -> list[tuple[str, str, Any]]:
    """CRUD on the shop with an override, a pinned error burst and a secret; the requests made, in order."""
    made: list[tuple[str, str, Any]] = []

    def call(method: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
        made.append((method, API + path, body))
        return client.request(method, API + path, json=body, headers=headers)

    user = call("POST", "/users", {"email": "ada@example.org", "firstName": "Ada", "lastName": "L"}).json()["id"]
    call("GET", f"/users/{user}", Authorization="Bearer s3cret-token")
    call("PATCH", f"/users/{user}", {"phone": "+44 20 7946 0001"})
    client.put("/__mocktui/overrides/getUser", json={"status": 404})
    call("GET", f"/users/{user}")
    client.delete("/__mocktui/overrides/getUser")
    client.patch("/__mocktui/controls", json={"faults": {"error_rate": 100, "mix": {"503": 1}}})
    call("GET", "/products?page=1")
    client.patch("/__mocktui/controls", json={"faults": {"error_rate": 0}})
    call("GET", f"/users/{user}")
    call("GET", f"/users/{user}")  # the same request twice: answered in order on replay
    call("DELETE", f"/users/{user}")
    call("GET", f"/users/{user}")
    return made


def test_har_export_validates_and_replay_answers_every_request_as_recorded(tmp_path: Path) -> None:
    with mock_process([SHOP, "--stateful", "--seed", "5"], tmp_path) as mock:
        with httpx.Client(base_url=mock.url) as client:
            made = steered_session(client)
            response = client.get("/__mocktui/export/har")
            filtered = client.get("/__mocktui/export/har", params={"status": "5xx"}).json()
    assert response.headers["content-disposition"] == 'attachment; filename="mocktui-session.har"'
    document = response.json()
    jsonschema.validate(document, HAR_SCHEMA)
    entries = document["log"]["entries"]
    assert [(e["request"]["method"], urlsplit(e["request"]["url"]).path) for e in entries] == [
        (m, p.split("?")[0]) for m, p, _ in made
    ]
    extensions = [e["_mocktui"] for e in entries]
    assert all(set(x) >= {"operation", "rule", "override", "fault", "tags", "session"} for x in extensions)
    assert extensions[3]["override"] == {"status": 404} and "override" in extensions[3]["tags"]
    assert extensions[4]["fault"] == {"kind": "error-rate", "status": 503}
    assert [x["fault"] for i, x in enumerate(extensions) if i != 4] == [None] * (len(entries) - 1)
    headers = {h["name"].lower(): h["value"] for h in entries[1]["request"]["headers"]}
    assert headers["authorization"] == har.REDACTED  # as recordings redact it
    assert entries[0]["response"]["content"]["text"].startswith("{")  # full bodies
    assert [e["response"]["status"] for e in filtered["log"]["entries"]] == [503]  # the /events filters

    recording = tmp_path / "session.har"
    recording.write_text(json.dumps(document))
    with mock_process([SHOP, "--replay", str(recording)], tmp_path) as replay:  # stateless: only the HAR answers
        with httpx.Client(base_url=replay.url) as client:
            for (method, path, body), item in zip(made, entries, strict=True):
                answer = client.request(method, path, json=body, headers={"Authorization": "Bearer other"})
                assert answer.status_code == item["response"]["status"], (method, path)
                assert answer.text == item["response"]["content"]["text"], (method, path)


def test_scenario_export_answers_a_fresh_mock_the_same_in_the_same_order(tmp_path: Path) -> None:
    with mock_process([SHOP, "--stateful", "--seed", "5"], tmp_path) as mock:
        with httpx.Client(base_url=mock.url) as client:
            made = steered_session(client)
            events = client.get("/__mocktui/events", params={"limit": 1000}).json()
            rules = client.get("/__mocktui/export/scenario").text
    assert isinstance(yaml.safe_load(rules), list)
    file = tmp_path / "session.rules.yaml"
    file.write_text(rules)
    with mock_process([SHOP, "--scenarios", str(file)], tmp_path) as fresh:  # stateless: the rules answer
        with httpx.Client(base_url=fresh.url) as client:
            answers = [client.request(m, p, json=b) for m, p, b in made]
    assert [(a.status_code, a.text) for a in answers] == [(e["status"], e["response_body"]) for e in events]


def test_export_command_writes_the_document_and_refuses_clearly(tmp_path: Path) -> None:
    out = tmp_path / "shop.postman.json"
    with mock_process([SHOP], tmp_path) as mock:
        httpx.get(mock.url + API + "/products")

        def export(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "mocktui", "export", *args], capture_output=True, text=True,
                                  env=child_env(), timeout=60)  # fmt: skip

        done = export(mock.url, "postman", "-o", str(out), "--path", "/api/v1/products*")
        printed = export(mock.url, "pytest")
        unknown = httpx.get(mock.url + "/__mocktui/export/excel")
        refused = export(mock.url, "excel")
    assert done.returncode == 0, done.stderr
    collection = json.loads(out.read_text())
    assert collection["info"]["schema"].endswith("/v2.1.0/collection.json")
    session = next(f for f in collection["item"] if f["name"] == "Session")
    assert [i["name"] for i in session["item"][1:]] == ["1. GET /api/v1/products"]
    assert printed.returncode == 0 and printed.stdout.startswith('"""The mocktui session of')
    assert unknown.status_code == 404 and "known: postman, har, pytest, scenario" in unknown.json()["detail"]
    assert refused.returncode == 2 and "invalid choice: 'excel'" in refused.stderr
    gone = subprocess.run([sys.executable, "-m", "mocktui", "export", "http://127.0.0.1:9", "har"],
                          capture_output=True, text=True, env=child_env(), timeout=60)  # fmt: skip
    assert gone.returncode == 1 and "cannot reach http://127.0.0.1:9" in gone.stderr
