"""Two worker processes share one rate limit through Redis."""

from __future__ import annotations

import time

import httpx

from ..helpers import SPECS

PETSTORE = SPECS / "petstore.yaml"


def test_rate_limit_is_shared_by_processes_through_redis() -> None:
    import os
    import socket
    import subprocess
    import sys

    from ..engine.stores.test_stores import REDIS_URL, require_redis

    require_redis()
    import redis

    url = REDIS_URL.rsplit("/", 1)[0] + "/13"
    redis.Redis.from_url(url).flushdb()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "mocktui", str(PETSTORE), "--headless", "--port", str(port), "--workers", "2",
               "--store", url, "--rate-limit", "6/60s", "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ})
    try:
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/__mocktui/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        # A fresh connection per request, so that both workers answer some of them.
        responses = [httpx.get(f"http://127.0.0.1:{port}/pets", headers={"Connection": "close"}) for _ in range(10)]
    finally:
        proc.terminate()
        proc.wait(10)
    assert [r.status_code for r in responses] == [200] * 6 + [429] * 4
    assert [r.headers["x-ratelimit-remaining"] for r in responses[:6]] == ["5", "4", "3", "2", "1", "0"]
