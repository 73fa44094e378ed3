"""Webhook deliveries in the exports, over real processes and a real receiver: the HAR has each attempt
as an outgoing entry in time order (validating against HAR 1.2, secrets redacted) that `--replay` does not
answer; the Postman "Webhooks" folder re-sends each payload, signed, to `{{webhookUrl}}` under newman;
the pytest and scenario exports leave deliveries out."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jsonschema
import orjson

from mocktui.engine import har

from ..helpers import SPECS, until
from ..receiver import Receiver, serving
from .processes import free_port, mock_process
from .test_export_postman import run_newman
from .test_exports import HAR_SCHEMA

USERS = str(SPECS / "users.yaml")
ADA = {"email": "ada@example.org", "firstName": "Ada", "lastName": "Lovelace"}
SECRET = "s3cret"


def _attempts(client: httpx.Client) -> list[dict[str, Any]]:
    events = client.get("/__mocktui/events", params={"limit": 1000}).json()
    return [e for e in events if "webhook" in e["tags"]]


def _settled(client: httpx.Client, count: int) -> Callable[[], bool]:
    """`count` attempts journalled, none of them still to be retried."""
    return lambda: len(found := _attempts(client)) == count and "retry" not in found[-1]["tags"]


def test_har_export_has_each_attempt_in_time_order_and_replay_does_not_answer_them(tmp_path: Path) -> None:
    receiver = Receiver(script=[500])  # the first attempt fails, the retry is accepted
    dead = f"http://127.0.0.1:{free_port()}/gone"  # nothing listens: refused, retried, given up
    with serving(receiver) as target:
        args = [USERS, "--stateful", "--seed", "1", "--webhook-retries", "1", "--webhook-secret", SECRET,
                "--webhook", f"userCreated={target}/hooks/users"]  # fmt: skip
        with mock_process(args, tmp_path) as mock, httpx.Client(base_url=mock.url, timeout=10) as client:
            created = client.post("/users", json=ADA)
            assert created.status_code == 201
            until(_settled(client, 2), "the store event's webhook delivered on its second attempt")
            body = {**created.json(), "apiToken": "tok-123"}  # a secret in a payload fired by hand
            assert client.post("/__mocktui/webhooks/userCreated", json={"body": body, "url": dead}).is_success
            until(_settled(client, 4), "the hand-fired webhook given up")
            assert client.get("/users").status_code == 200
            document = client.get("/__mocktui/export/har").json()
            narrowed = client.get("/__mocktui/export/har", params={"operation": "createUser"}).json()
            pytest_file = client.get("/__mocktui/export/pytest").text
            scenario = client.get("/__mocktui/export/scenario").text
    jsonschema.validate(document, HAR_SCHEMA)
    entries = document["log"]["entries"]
    shape = [(e["_mocktui"]["direction"], e["request"]["method"], urlsplit(e["request"]["url"]).path,
              e["response"]["status"]) for e in entries]  # fmt: skip
    assert shape == [
        ("incoming", "POST", "/users", 201),
        ("outgoing", "POST", "/hooks/users", 500), ("outgoing", "POST", "/hooks/users", 200),
        ("outgoing", "POST", "/gone", 0), ("outgoing", "POST", "/gone", 0),
        ("incoming", "GET", "/users", 200),
    ]  # fmt: skip
    starts = [e["startedDateTime"] for e in entries]
    assert starts == sorted(starts)
    trigger = entries[0]["_mocktui"]["id"]
    named = [{k: e["_mocktui"][k] for k in ("kind", "hook", "attempt", "attempts", "outcome", "trigger", "source")}
             for e in entries[1:5]]  # fmt: skip
    assert named == [
        {"kind": "webhook", "hook": "userCreated", "attempt": 1, "attempts": 2, "outcome": "retrying",
         "trigger": trigger, "source": "store"},
        {"kind": "webhook", "hook": "userCreated", "attempt": 2, "attempts": 2, "outcome": "delivered",
         "trigger": trigger, "source": "store"},
        {"kind": "webhook", "hook": "userCreated", "attempt": 1, "attempts": 2, "outcome": "retrying",
         "trigger": None, "source": "admin"},
        {"kind": "webhook", "hook": "userCreated", "attempt": 2, "attempts": 2, "outcome": "failed",
         "trigger": None, "source": "admin"},
    ]  # fmt: skip
    assert entries[1]["request"]["url"] == f"{target}/hooks/users"
    assert json.loads(entries[2]["request"]["postData"]["text"]) == created.json()  # what the receiver got
    assert entries[2]["request"]["postData"]["text"].encode() == receiver.got[1]["body"]
    failure = entries[4]["_mocktui"]["error"]  # no answer: status 0 and why, as browsers write a failed request
    assert failure.startswith("unreachable: ConnectError") and entries[4]["response"]["_error"] == failure
    assert entries[2]["_mocktui"]["error"] is None and "_error" not in entries[2]["response"]
    assert json.loads(entries[4]["request"]["postData"]["text"])["apiToken"] == har.REDACTED
    signature = {h["name"].lower(): h["value"] for h in entries[1]["request"]["headers"]}["x-mocktui-signature"]
    assert signature == receiver.got[0]["headers"]["x-mocktui-signature"]  # not a secret: kept for checking
    # Narrowed to createUser: its request and the attempts it triggered, not the hand-fired ones.
    assert [e["request"]["url"] for e in narrowed["log"]["entries"]] == [
        mock.url + "/users", f"{target}/hooks/users", f"{target}/hooks/users",
    ]  # fmt: skip
    assert "/hooks/users" not in pytest_file and "/gone" not in pytest_file and "apiToken" not in pytest_file
    assert "/hooks/users" not in scenario and "/gone" not in scenario  # client requests only

    recording = tmp_path / "session.har"
    recording.write_text(json.dumps(document))
    with mock_process([USERS, "--replay", str(recording)], tmp_path) as replay:
        with httpx.Client(base_url=replay.url) as client:
            assert client.post("/users", json=ADA).status_code == 201  # answered as recorded
            for path in ("/hooks/users", "/gone"):  # a delivery is no route of the replay
                assert client.post(path, json=created.json()).status_code == 404
            sent = client.get("/__mocktui/events").json()
    assert ["replayed" in e["tags"] for e in sent] == [True, False, False]


def test_postman_webhooks_folder_resends_each_payload_signed_to_the_webhook_url(tmp_path: Path) -> None:
    first, replayed = Receiver(script=[503]), Receiver(status=204)
    with serving(first) as target, serving(replayed) as elsewhere:
        args = [USERS, "--webhook-retries", "1", "--webhook-secret", SECRET]
        with mock_process(args, tmp_path) as mock, httpx.Client(base_url=mock.url, timeout=10) as client:
            fire = {"url": f"{target}/in", "body": ADA}
            assert client.post("/__mocktui/webhooks/userCreated", json=fire).is_success
            until(_settled(client, 2), "delivered on the second attempt")
            collection = client.get("/__mocktui/export/postman").json()
            variables = {v["key"]: v["value"] for v in collection["variable"]}
            assert variables["webhookUrl"] == mock.url + "/__mocktui/sink/replayed" and variables["webhookSecret"] == ""
            folder = next(f for f in collection["item"] if f["name"] == "Webhooks")
            assert [i["name"] for i in folder["item"]] == ["1. webhook userCreated"]  # one delivery, two attempts
            for variable in collection["variable"]:  # the receiver team's settings
                variable["value"] = {"webhookUrl": elsewhere + "/replay", "webhookSecret": SECRET}.get(
                    variable["key"], variable["value"]
                )
            run = run_newman(collection, tmp_path, "webhooks")
    assert run["stats"]["assertions"]["failed"] == 0
    assert len(replayed.got) == 1
    got = replayed.got[0]
    assert got["method"] == "POST" and got["path"] == "/replay" and orjson.loads(got["body"]) == ADA
    assert got["headers"]["content-type"] == "application/json" and got["headers"]["x-mocktui-hook"] == "userCreated"
    expected = "sha256=" + hmac.new(SECRET.encode(), got["body"], hashlib.sha256).hexdigest()
    assert got["headers"]["x-mocktui-signature"] == expected


def test_a_delivery_of_one_spec_among_several_is_in_that_specs_journal_and_export(tmp_path: Path) -> None:
    receiver = Receiver()
    with serving(receiver) as target:
        args = [USERS, str(SPECS / "petstore.yaml"), "--stateful", "--seed", "1",
                "--webhook", f"userCreated={target}/hooks/users"]  # fmt: skip
        with mock_process(args, tmp_path) as mock, httpx.Client(base_url=mock.url, timeout=10) as client:
            specs = [s["name"] for s in client.get("/__mocktui/specs").json()]
            users = next(name for name in specs if "users" in name)
            assert client.post("/__mocktui/webhooks/userCreated", params={"spec": users}, json={}).is_success
            until(lambda: len(receiver.got) == 1, "the webhook delivered")
            until(lambda: len(_attempts(client)) == 1, "its attempt journalled")
            mine = client.get("/__mocktui/events", params={"spec": users}).json()
            others = [client.get("/__mocktui/events", params={"spec": name}).json() for name in specs if name != users]
            document = client.get("/__mocktui/export/har", params={"spec": users}).json()
    assert [e["spec"] for e in mine if "webhook" in e["tags"]] == [users]
    assert not any("webhook" in e["tags"] for journal in others for e in journal)
    outgoing = [e for e in document["log"]["entries"] if e["_mocktui"]["direction"] == "outgoing"]
    assert [urlsplit(e["request"]["url"]).path for e in outgoing] == ["/hooks/users"]
