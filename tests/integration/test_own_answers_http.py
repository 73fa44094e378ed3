"""Over a real socket: a corpus spec's declared 429 and 503 shapes carry what really happened.

Spotify declares `429: {error: {status, message}}` on every operation; Docker Engine declares
`503: ErrorResponse {message}` ("node is not part of a swarm") on its swarm operations.
"""

from __future__ import annotations

import httpx

from mocktui.engine.steer.controls import Controls

from ..helpers import CORPUS, serve, validation_errors


def test_spotify_rate_limit_answers_its_declared_error_object() -> None:
    with serve(CORPUS / "spotify.yaml", controls=Controls(security=False, validate_responses=True)) as live:
        controls = {"rate_limit": {"enabled": True, "requests": 2, "window_s": 60}}
        assert httpx.patch(f"{live.url}/__mocktui/controls", json=controls).status_code == 200
        album = f"{live.url}/v1/albums/4aawyAB9vmqN3uQ7FjRGTy"
        assert [httpx.get(album).status_code for _ in range(2)] == [200, 200]
        r = httpx.get(album)
        assert r.status_code == 429 and r.headers["content-type"] == "application/json"
        assert r.json() == {"error": {"status": 429, "message": "more than 2 requests in this window"}}
        assert r.headers["x-ratelimit-limit"] == "2" and r.headers["x-ratelimit-remaining"] == "0"
        assert int(r.headers["retry-after"]) >= 1
        (album_op,) = [op for op in live.engine.spec.operations if op.id == "get-an-album"]
        declared = album_op.responses["429"].content["application/json"].schema
        assert validation_errors(live.engine.spec.bundle(declared), r.json()) == []
        (event,) = httpx.get(f"{live.url}/__mocktui/events", params={"status": 429}).json()
        assert event["operation"] == "get-an-album" and event["tags"] == ["rate-limited"]  # not response-invalid


def test_docker_offline_answers_its_declared_503_message() -> None:
    with serve(CORPUS / "docker-engine.yaml") as live:
        assert httpx.patch(f"{live.url}/__mocktui/controls", json={"offline": True}).status_code == 200
        r = httpx.get(f"{live.url}/v1.33/configs")
        assert r.status_code == 503 and r.headers["content-type"] == "application/json"
        assert r.json() == {"message": "the mock is offline (toggle it in the TUI or admin API)"}
        assert r.headers["retry-after"] == "5"
        # An operation without a declared 503 keeps the generic problem+json.
        other = httpx.get(f"{live.url}/v1.33/containers/json")
        assert other.status_code == 503 and other.headers["content-type"] == "application/problem+json"
        assert other.json()["detail"] == "the mock is offline (toggle it in the TUI or admin API)"
