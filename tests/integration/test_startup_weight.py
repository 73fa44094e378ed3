"""A mock that only serves does not load what only some features need (each ~10-20 MB and ~0.1-0.2 s of
start-up): redis-py without a Redis, httpx without a webhook to send, openapi-spec-validator and jsonschema
without `mocktui validate` or an export. A real process, its imports listed by Python itself."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from ..helpers import SPECS
from .processes import mock_process

OPTIONAL = {"redis", "httpx", "openapi_spec_validator", "jsonschema_path", "jsonschema", "requests"}
IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", re.MULTILINE)


def test_a_mock_that_serves_and_is_steered_loads_none_of_the_optional_heavy_packages(tmp_path: Path) -> None:
    args = [str(SPECS / "petstore.yaml"), "--stateful"]
    with mock_process(args, tmp_path, env={"PYTHONPROFILEIMPORTTIME": "1"}) as mock:
        with httpx.Client(base_url=mock.url, timeout=10) as client:
            assert client.get("/pets").status_code == 200
            assert client.post("/pets", json={"name": "Rex"}).status_code == 201
            assert client.post("/pets", json={"name": 7}).status_code in (400, 422)
            assert client.patch("/__mocktui/controls", json={"faults": {"error_rate": 0}}).status_code == 200
            assert client.get("/__mocktui/events").status_code == 200
        mock.stop()
        imported = {name.split(".")[0] for name in IMPORTED.findall(mock.log.read_text())}
    assert "mocktui" in imported and "uvicorn" in imported  # the listing is real
    assert imported & OPTIONAL == set()
