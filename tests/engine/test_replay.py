"""Replay: recorded answers for recorded requests (in order when recorded several times), the spec for the rest."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import orjson
import pytest

from mocktui.engine.events import RequestEvent
from mocktui.engine.har import HarError, entry, frame
from mocktui.engine.http import MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.replay import Replay
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Override

from ..helpers import SPECS

BASE = "/api/v1"


def event(method: str, path: str, query: str = "", body: bytes = b"", status: int = 200, answer: bytes = b"{}",
          headers: list[tuple[str, str]] | None = None) -> RequestEvent:  # fmt: skip
    return RequestEvent(
        time=1_700_000_000.0,
        client="",
        method=method,
        path=path,
        query=query,
        status=status,
        latency_ms=1.0,
        request_headers=[("host", "mock"), ("content-type", "application/json")],
        request_body=body,
        response_headers=headers or [("content-type", "application/json")],
        response_body=answer,
    )


def write_har(path: Path, *events: RequestEvent) -> str:
    head, tail = frame("test")
    path.write_bytes(head + b",".join(orjson.dumps(entry(e)) for e in events) + tail)
    return str(path)


def engine_with(*files: str) -> MockEngine:
    return MockEngine.build(load_spec(str(SPECS / "shop.yaml")), replay=Replay.load(files))


def ask(engine: MockEngine, method: str, path: str, query: str = "", body: bytes = b"", **headers: str) -> tuple:
    response = engine.handle(MockRequest(method, path, query, {"content-type": "application/json", **headers}, body))
    return response.status, response.body, response.tags, response.operation


def test_a_recorded_request_gets_the_recorded_status_headers_and_body(tmp_path: Path) -> None:
    recorded = event("GET", f"{BASE}/users/1", status=418, answer=b'{"teapot": true}',
                     headers=[("content-type", "application/json"), ("x-trace", "abc"), ("content-length", "99"),
                              ("connection", "close"), ("transfer-encoding", "chunked")])  # fmt: skip
    engine = engine_with(write_har(tmp_path / "a.har", recorded))
    response = engine.handle(MockRequest("GET", f"{BASE}/users/1"))
    assert (response.status, response.body) == (418, b'{"teapot": true}')
    assert response.tags == ("replayed",) and response.operation == "getUser"
    assert response.headers == [("content-type", "application/json"), ("x-trace", "abc")]  # no hop-by-hop, no length


def test_a_gzip_answer_replays_inflated_and_a_still_compressed_one_keeps_its_coding(tmp_path: Path) -> None:
    gzipped = [("content-type", "application/json"), ("content-encoding", "gzip")]
    inflated = event("GET", f"{BASE}/users/1", answer=gzip.compress(b'{"id": 1}'), headers=gzipped)
    har = write_har(tmp_path / "a.har", inflated)  # entry() keeps the body inflated, as HAR wants it
    raw = json.loads(Path(har).read_text())
    raw["log"]["entries"].append(json.loads(json.dumps(raw["log"]["entries"][0])))
    still = raw["log"]["entries"][1]  # as another tool may write it: the gzip bytes in base64
    still["request"]["url"] = "http://mock" + f"{BASE}/users/2"
    still["response"]["content"].update(text=base64.b64encode(gzip.compress(b'{"id": 2}')).decode(), encoding="base64")
    Path(har).write_text(json.dumps(raw))
    engine = engine_with(har)
    first = engine.handle(MockRequest("GET", f"{BASE}/users/1"))
    assert (first.body, first.headers) == (b'{"id": 1}', [("content-type", "application/json")])
    second = engine.handle(MockRequest("GET", f"{BASE}/users/2"))
    assert gzip.decompress(second.body) == b'{"id": 2}' and ("content-encoding", "gzip") in second.headers


def test_unrecorded_requests_get_the_spec_answer_not_a_404(tmp_path: Path) -> None:
    engine = engine_with(write_har(tmp_path / "a.har", event("GET", f"{BASE}/users/1", answer=b'{"id": 1}')))
    status, body, tags, operation = ask(engine, "GET", f"{BASE}/users/2")
    assert status == 200 and "replayed" not in tags and operation == "getUser"
    assert orjson.loads(body)["email"]  # the spec's example user, not the recorded one
    status, _, tags, _ = ask(engine, "GET", f"{BASE}/products", "page=3")
    assert status == 200 and "replayed" not in tags


def test_a_request_recorded_several_times_replays_in_order_then_the_last_again(tmp_path: Path) -> None:
    answers = [event("GET", f"{BASE}/orders/5", answer=f'{{"n": {n}}}'.encode()) for n in (1, 2, 3)]
    engine = engine_with(write_har(tmp_path / "a.har", *answers))
    bodies = [ask(engine, "GET", f"{BASE}/orders/5")[1] for _ in range(5)]
    assert bodies == [b'{"n": 1}', b'{"n": 2}', b'{"n": 3}', b'{"n": 3}', b'{"n": 3}']
    engine.reset_counters()
    assert ask(engine, "GET", f"{BASE}/orders/5")[1] == b'{"n": 1}'


def test_sequences_are_counted_per_session(tmp_path: Path) -> None:
    answers = [event("GET", f"{BASE}/orders/5", answer=f'{{"n": {n}}}'.encode()) for n in (1, 2)]
    engine = engine_with(write_har(tmp_path / "a.har", *answers))
    assert ask(engine, "GET", f"{BASE}/orders/5", **{"x-mocktui-session": "a"})[1] == b'{"n": 1}'
    assert ask(engine, "GET", f"{BASE}/orders/5", **{"x-mocktui-session": "b"})[1] == b'{"n": 1}'
    assert ask(engine, "GET", f"{BASE}/orders/5", **{"x-mocktui-session": "a"})[1] == b'{"n": 2}'


def test_query_order_and_json_layout_do_not_matter_but_values_and_bodies_do(tmp_path: Path) -> None:
    listed = event("GET", f"{BASE}/products", "page=2&per_page=5", answer=b'["listed"]')
    created = event("POST", f"{BASE}/users", body=b'{"email": "a@b.co", "firstName": "A"}', status=201,
                    answer=b'{"created": "a"}')  # fmt: skip
    engine = engine_with(write_har(tmp_path / "a.har", listed, created))
    assert ask(engine, "GET", f"{BASE}/products", "per_page=5&page=2")[1] == b'["listed"]'
    assert "replayed" not in ask(engine, "GET", f"{BASE}/products", "per_page=5&page=3")[2]
    assert ask(engine, "POST", f"{BASE}/users", body=b'{"firstName":"A","email":"a@b.co"}')[:2] == (
        201,
        b'{"created": "a"}',
    )
    other = ask(engine, "POST", f"{BASE}/users", body=b'{"firstName":"B","email":"a@b.co"}')
    assert "replayed" not in other[2]


def test_secret_fields_do_not_tell_requests_apart(tmp_path: Path) -> None:
    """The recording redacted the password and the token; the live request still carries them."""
    login = event("POST", f"{BASE}/users", "access_token=recorded", body=b'{"email": "a@b.co", "password": "one"}',
                  status=201, answer=b'{"ok": 1}')  # fmt: skip
    engine = engine_with(write_har(tmp_path / "a.har", login))
    status, body, tags, _ = ask(engine, "POST", f"{BASE}/users", "access_token=live",
                                body=b'{"email": "a@b.co", "password": "two"}')  # fmt: skip
    assert (status, body, tags) == (201, b'{"ok": 1}', ("replayed",))


def test_several_files_are_read_in_order(tmp_path: Path) -> None:
    first = write_har(tmp_path / "1.har", event("GET", f"{BASE}/orders/1", answer=b'"one"'))
    second = write_har(tmp_path / "2.har", event("GET", f"{BASE}/orders/1", answer=b'"two"'),
                       event("GET", "/not/in/the/spec", status=202, answer=b'"unknown"'))  # fmt: skip
    engine = engine_with(first, second)
    assert [ask(engine, "GET", f"{BASE}/orders/1")[1] for _ in range(2)] == [b'"one"', b'"two"']
    assert ask(engine, "GET", "/not/in/the/spec")[:2] == (202, b'"unknown"')  # recorded, though the spec lacks it


def test_a_forced_override_wins_over_the_recording(tmp_path: Path) -> None:
    engine = engine_with(write_har(tmp_path / "a.har", event("GET", f"{BASE}/users/1", answer=b'{"id": 1}')))
    engine.controls.overrides["getUser"] = Override(status=404)
    status, _, tags, _ = ask(engine, "GET", f"{BASE}/users/1")
    assert status == 404 and "replayed" not in tags


def test_a_bad_file_names_itself_and_the_reason(tmp_path: Path) -> None:
    good = write_har(tmp_path / "good.har", event("GET", f"{BASE}/users/1"))
    bad = tmp_path / "bad.har"
    bad.write_text('{"log": {"entries": [{"request": {"method": "GET"}}]}}')
    with pytest.raises(HarError, match=r"bad\.har: entry 1: request\.url missing"):
        Replay.load([good, str(bad)])
    with pytest.raises(HarError, match=r"missing\.har: No such file"):
        Replay.load([str(tmp_path / "missing.har")])
