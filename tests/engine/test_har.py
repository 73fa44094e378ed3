"""HAR 1.2 entries from journal events: the schema holds, secrets are redacted, files are read back."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from mocktui.engine.events import RequestEvent
from mocktui.engine.har import REDACTED, HarError, entry, frame, is_secret, read, request_body, response_body

from ..helpers import ROOT, validation_errors

SCHEMA = json.loads((ROOT / "tests" / "data" / "har-1.2.schema.json").read_text())
SECRETS = ("sekrit-bearer", "sekrit-cookie", "sekrit-key", "sekrit-query", "sekrit-deep", "sekrit-pass", "sekrit-set")


def har_errors(document: Any) -> list[str]:
    """Errors of a whole HAR document against tests/data/har-1.2.schema.json (formats asserted)."""
    return validation_errors(SCHEMA, document)


def archive(*entries: dict[str, Any]) -> dict[str, Any]:
    head, tail = frame("test")
    return dict(orjson.loads(head + b",".join(orjson.dumps(e) for e in entries) + tail))


def secret_event() -> RequestEvent:
    body = {"name": "rex", "owner": {"password": "sekrit-pass", "keys": [{"api_key": "sekrit-deep"}]}, "n": 1}
    return RequestEvent(
        time=1_700_000_000.5,
        client="127.0.0.1:5000",
        method="POST",
        path="/api/v1/users",
        query="limit=2&access_token=sekrit-query",
        status=201,
        latency_ms=250.0,
        operation="createUser",
        request_headers=[
            ("host", "127.0.0.1:3000"),
            ("authorization", "Bearer sekrit-bearer"),
            ("cookie", "sid=sekrit-cookie; theme=dark"),
            ("x-api-key", "sekrit-key"),
            ("content-type", "application/json"),
        ],
        request_body=orjson.dumps(body),
        response_headers=[("content-type", "application/json"), ("set-cookie", "sid=sekrit-set; Path=/")],
        response_body=b'{"id": 7, "token": "sekrit-deep"}',
        tags=("stateful",),
        session="s1",
    )


def test_an_event_is_a_har_entry_that_the_schema_accepts() -> None:
    item = entry(secret_event())
    assert har_errors(archive(item)) == []
    assert item["request"]["method"] == "POST"
    assert item["request"]["url"].startswith("http://127.0.0.1:3000/api/v1/users?limit=2&access_token=")
    assert item["request"]["postData"]["mimeType"] == "application/json"
    assert item["response"]["status"] == 201 and item["response"]["statusText"] == "Created"
    assert item["response"]["content"]["mimeType"] == "application/json"
    assert item["startedDateTime"] == "2023-11-14T22:13:20.250Z"  # the start: publish time minus latency
    assert item["time"] == 250.0
    assert item["_mocktui"]["operation"] == "createUser" and item["_mocktui"]["session"] == "s1"


def test_the_schema_refuses_what_har_does_not_allow() -> None:
    item = entry(secret_event())
    broken = json.loads(json.dumps(item))
    del broken["startedDateTime"]
    broken["request"]["url"] = "not a url"
    broken["timings"]["wait"] = -5
    broken["unknown"] = 1
    errors = har_errors(archive(broken))
    assert any("startedDateTime" in e for e in errors)
    assert any("request/url" in e for e in errors)
    assert any("timings/wait" in e for e in errors)
    assert any("unknown" in e for e in errors)


def test_secrets_are_redacted_in_headers_cookies_query_and_json_bodies_at_depth() -> None:
    text = json.dumps(entry(secret_event()))
    assert [s for s in SECRETS if s in text] == []
    item = entry(secret_event())
    headers = {h["name"]: h["value"] for h in item["request"]["headers"]}
    assert headers["authorization"] == headers["cookie"] == headers["x-api-key"] == REDACTED
    assert headers["host"] == "127.0.0.1:3000"
    body = json.loads(item["request"]["postData"]["text"])
    assert body == {"name": "rex", "owner": {"password": REDACTED, "keys": [{"api_key": REDACTED}]}, "n": 1}
    assert {q["name"]: q["value"] for q in item["request"]["queryString"]} == {"limit": "2", "access_token": REDACTED}
    assert json.loads(item["response"]["content"]["text"]) == {"id": 7, "token": REDACTED}


def test_record_secrets_keeps_every_secret() -> None:
    text = json.dumps(entry(secret_event(), secrets=True))
    assert [s for s in SECRETS if s not in text] == []


def test_form_bodies_are_redacted_and_bodies_without_secrets_keep_their_bytes() -> None:
    event = secret_event()
    event.request_headers = [("content-type", "application/x-www-form-urlencoded")]
    event.request_body = b"username=ada&password=sekrit-pass"
    event.response_body = b'{ "spaced" :  true }'
    item = entry(event)
    assert item["request"]["postData"]["text"] == "username=ada&password=%5Bredacted%5D"
    assert item["response"]["content"]["text"] == '{ "spaced" :  true }'


@pytest.mark.parametrize("name", ["Authorization", "X-Auth-Token", "client_secret", "refreshToken", "Set-Cookie",
                                  "PASSWORD", "x-api-key", "privateKey", "sessionId"])  # fmt: skip
def test_secret_looking_names(name: str) -> None:
    assert is_secret(name)


@pytest.mark.parametrize("name", ["author", "name", "email", "limit", "keyboard", "content-type"])
def test_ordinary_names_are_not_secrets(name: str) -> None:
    assert not is_secret(name)


def test_a_gzip_answer_is_kept_inflated_and_its_secrets_redacted() -> None:
    """A backend behind --proxy gzips its token answer: the recording holds it readable, the token redacted."""
    event = secret_event()
    event.response_headers = [("content-type", "application/json"), ("content-encoding", "gzip")]
    event.response_body = gzip.compress(b'{"id": 7, "access_token": "sekrit-deep"}')
    item = entry(event)
    content = item["response"]["content"]
    assert json.loads(content["text"]) == {"id": 7, "access_token": REDACTED} and "encoding" not in content
    assert content["size"] == 40 and content["compression"] == 40 - len(event.response_body)
    assert item["response"]["bodySize"] == len(event.response_body)  # what went over the wire
    assert {"name": "content-encoding", "value": "gzip"} in item["response"]["headers"]
    assert har_errors(archive(item)) == []


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_a_body_that_does_not_inflate_is_kept_as_it_came(coding: str) -> None:
    event = secret_event()
    event.response_headers = [("content-type", "application/json"), ("content-encoding", coding)]
    event.response_body = b"\x1f\x8b not gzip at all"
    content = entry(event)["response"]["content"]
    assert base64.b64decode(content["text"]) == event.response_body and "compression" not in content


def test_binary_bodies_are_base64_and_read_back_exactly(tmp_path: Path) -> None:
    event = secret_event()
    event.response_headers = [("content-type", "image/png")]
    event.response_body = bytes(range(256))
    item = entry(event)
    assert item["response"]["content"]["encoding"] == "base64"
    assert base64.b64decode(item["response"]["content"]["text"]) == bytes(range(256))
    path = tmp_path / "bin.har"
    path.write_bytes(orjson.dumps(archive(item)))
    (back,) = read(str(path))
    assert response_body(back) == bytes(range(256))
    assert orjson.loads(request_body(back))["name"] == "rex"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not JSON"),
        (b'{"log": {}}', "no log.entries"),
        (b'{"log": {"entries": [{"request": {"method": "GET"}, "response": {}}]}}', "entry 1: request.url"),
        (b'{"log": {"entries": [{"request": {"method": "GET", "url": "/x"}, "response": {}}]}}', "response.status"),
    ],
)
def test_a_bad_har_file_says_why(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.har"
    path.write_bytes(content)
    with pytest.raises(HarError, match=reason):
        read(str(path))
