"""Record what a real backend said through `--proxy`, stop the backend, `--replay`: the issue 13 contract.

500 proxied exchanges with tests/backend_app.py as a process (its answers vary by id, page and call, so
an identical replay cannot be the spec's own answer), secrets sent in headers, the query and JSON bodies;
then the backend is gone and `--replay` (no `--proxy`) must give every recorded status and body back, in
order for requests recorded several times, the spec must answer 200 requests never recorded (each valid
against the spec), and the recording must hold none of the secrets sent. Orders come gzipped (httpx asks
for it): the recording holds them inflated, and replay answers them identically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import yaml
from openapi_schema_validator import OAS30Validator

from ..backend_app import running
from ..helpers import ROOT
from .processes import mock_process
from .test_record import Request, entries, send

SPEC = ROOT / "tests" / "data" / "backend.yaml"
SECRETS = {
    "bearer": "sk-bearer-3c8d",
    "cookie": "ck-sid-e41f",
    "key": "ak-hdr-9b07",
    "auth-token": "at-hdr-52aa",
    "query": "tk-query-d6e3",
    "password": "pw-body-0f19",
    "deep": "ak-deep-77b2",
    "deeper": "cs-deeper-c35e",
}
HEADERS = {
    "authorization": f"Bearer {SECRETS['bearer']}",
    "cookie": f"sid={SECRETS['cookie']}; theme=dark",
    "x-api-key": SECRETS["key"],
    "x-auth-token": SECRETS["auth-token"],
}


def requests_500() -> list[Request]:
    """Pages, users, creates (each body sent ten times: ten ids), orders, deletes and declared 404s."""
    out: list[Request] = []
    for i in range(100):
        page = {"page": str(i % 7 + 1), "per_page": str(i % 4 + 2), "access_token": SECRETS["query"]}
        out.append(("GET", "/api/users", {"params": page, "headers": HEADERS}))
        out.append(("GET", f"/api/users/{i % 40 + 1}", {"headers": HEADERS}))
        profile = {"api_key": SECRETS["deep"], "keys": [{"client_secret": SECRETS["deeper"]}]}
        made = {"id": 0, "username": f"new_{i % 10}", "email": f"new{i % 10}@example.com", "role": "member",
                "password": SECRETS["password"], "profile": profile}  # fmt: skip
        out.append(("POST", "/api/users", {"json": made, "headers": HEADERS}))
        out.append(("GET", f"/api/orders/o-{i % 30}", {}))
        out.append(("DELETE", f"/api/users/{i}", {}) if i % 2 else ("GET", f"/api/users/{1000 + i}", {}))
    return out


def never_recorded() -> list[str]:
    """200 GETs the recording has no answer for: other users, orders and pages."""
    users = [f"/api/users/{n}" for n in range(200, 300)]
    orders = [f"/api/orders/fresh-{n}" for n in range(50)]
    pages = [f"/api/users?page={n}&per_page=3" for n in range(50, 100)]
    return users + orders + pages


def spec_errors(path: str, body: Any) -> list[str]:
    """What is wrong with `body` as the 200 answer of GET `path`, by an OpenAPI 3.0 validator of its own."""
    spec = yaml.safe_load(SPEC.read_text())
    name = "Order" if path.startswith("/api/orders/") else "User"
    schema: dict[str, Any] = {"$ref": f"#/components/schemas/{name}"}
    if "?" in path:
        schema = {"type": "array", "items": schema}
    validator = OAS30Validator({**schema, "components": spec["components"]},
                               format_checker=OAS30Validator.FORMAT_CHECKER)  # fmt: skip
    return [f"{path}: {error.message}" for error in validator.iter_errors(body)]


def test_record_500_proxied_stop_the_backend_replay_them_all(tmp_path: Path) -> None:
    har = tmp_path / "backend.har"
    wanted = requests_500()
    with running(tmp_path / "backend.log") as backend:
        with mock_process([str(SPEC), "--proxy", backend.url, "--record", str(har)], tmp_path) as mock:
            with httpx.Client(base_url=mock.url, timeout=10) as client:
                seen = [send(client, request) for request in wanted]
            assert mock.stop() == 0
    assert backend.proc.poll() is not None  # stopped: whatever answers next, it is not the backend

    assert {status for status, _ in seen} == {200, 201, 202, 404}
    created = [orjson.loads(body)["id"] for (method, _, _), (_, body) in zip(wanted, seen, strict=True)
               if method == "POST"]  # fmt: skip
    assert len(set(created)) == 100  # the same create sent ten times got ten different answers
    assert len({body for _, body in seen}) > 200  # varied answers: identical means something
    recorded = entries(har)
    assert len(recorded) == 500 and all("proxied" in e["_mocktui"]["tags"] for e in recorded)
    assert [e["_mocktui"]["notes"] for e in recorded if e["_mocktui"]["notes"]] == []  # a conforming backend
    text = har.read_text()
    assert [name for name, secret in SECRETS.items() if secret in text] == []
    orders = [e["response"]["content"] for e in recorded if "/api/orders/" in e["request"]["url"]]
    assert len(orders) == 100 and all("compression" in c and orjson.loads(c["text"])["items"] for c in orders)

    with mock_process([str(SPEC), "--replay", str(har)], tmp_path) as replaying:
        with httpx.Client(base_url=replaying.url, timeout=10) as client:
            again = [send(client, request) for request in wanted]
            differ = [(wanted[i][:2], seen[i], again[i]) for i in range(500) if seen[i] != again[i]]
            assert len(differ) == 0, differ[:3]
            fresh = {path: client.get(path) for path in never_recorded()}
        assert {path: r.status_code for path, r in fresh.items() if r.status_code != 200} == {}
        assert [error for path, r in fresh.items() for error in spec_errors(path, r.json())] == []
        events: list[dict[str, Any]] = httpx.get(f"{replaying.url}/__mocktui/events", params={"limit": 700}).json()
    assert len(events) == 700
    assert all("replayed" in e["tags"] for e in events[:500])
    assert not any("replayed" in e["tags"] for e in events[500:])
