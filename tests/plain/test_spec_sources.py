"""A spec from a URL (with relative refs fetched beside it) or from standard input, as Prism and
Mockoon users give them: `mocktui https://host/openapi.yaml`, `cat api.yaml | mocktui -`."""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mocktui.engine.spec.errors import SpecError
from mocktui.engine.spec.read import load_spec

from ..paths import ROOT, SPECS
from .test_bad_invocations import free_port

ROOT_SPEC = """openapi: 3.0.3
info: {title: Split, version: "1"}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "schemas/thing.yaml"}
"""
THING = """type: object
required: [id, name]
properties:
  id: {type: integer, example: 7}
  name: {type: string, example: lamp}
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "api.yaml").write_text(ROOT_SPEC)
    (tmp_path / "schemas" / "thing.yaml").write_text(THING)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_spec_by_url_resolves_its_relative_refs_over_http(site: str) -> None:
    spec = load_spec(f"{site}/api.yaml")
    assert spec.title == "Split" and [op.id for op in spec.operations] == ["getThing"]
    with pytest.raises(SpecError, match="cannot fetch: HTTP 404"):
        load_spec(f"{site}/missing.yaml")


def test_validate_and_serve_a_spec_by_url(site: str) -> None:
    run = [sys.executable, "-m", "mocktui"]
    checked = subprocess.run([*run, "validate", f"{site}/api.yaml"], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and f"ok: {site}/api.yaml (OpenAPI 3.0, 'Split'" in checked.stdout
    missing = subprocess.run([*run, "validate", f"{site}/nope.yaml"], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and f"{site}/nope.yaml: error: at #: cannot fetch: HTTP 404" in missing.stderr
    port = free_port()
    proc = subprocess.Popen([*run, f"{site}/api.yaml", "--headless", "-p", str(port)], cwd=ROOT)
    try:
        for _ in range(100):
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/things/7", timeout=1).json() == {"id": 7, "name": "lamp"}
                break
            except httpx.HTTPError:
                threading.Event().wait(0.1)
        else:
            pytest.fail("the mock did not answer")
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_spec_on_standard_input() -> None:
    text = (SPECS / "petstore.yaml").read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "mocktui", "validate", "-"], input=text, capture_output=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 0 and "ok: <stdin> (OpenAPI 3.0, 'Petstore'" in done.stdout.decode()
    broken = subprocess.run(
        [sys.executable, "-m", "mocktui", "validate", "-"], input=b"openapi: [", capture_output=True, timeout=60
    )
    assert broken.returncode == 2 and broken.stderr.decode().startswith("<stdin>:")
