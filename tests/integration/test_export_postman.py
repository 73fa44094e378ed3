"""newman (npm, installed by .ci/run into .ci/node_modules) runs the exported Postman collection of each
bundled spec and of ten corpus specs against a running mock with 0 failed assertions: first the request
per operation, then, exported again, the Session folder replaying what that run did."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..helpers import CORPUS, ROOT, SPECS, missing
from .processes import mock_process

BUNDLED = ["petstore.yaml", "users.yaml", "shop.yaml", "payments.yaml"]
CORPUS_SPECS = [  # Swagger 2.0, OpenAPI 3.0 and 3.1; API keys, basic, bearer, OAuth2; multipart; callbacks; webhooks
    "petstore-v2.yaml", "petstore-expanded.yaml", "museum.yaml", "httpbin.yaml", "spotify.yaml", "tictactoe.yaml",
    "callback-example.yaml", "azure-media-encoding-v2.yaml", "zalando-v2.yaml", "train-travel/openapi.yaml",
]  # fmt: skip


def newman() -> str:
    found = ROOT / ".ci" / "node_modules" / ".bin" / "newman"
    if found.exists():
        return str(found)
    on_path = shutil.which("newman")
    if on_path is None:
        missing("newman is not installed: npm ci --prefix .ci (what .ci/run does)")
    return str(on_path)


def run_newman(collection: dict[str, Any], tmp_path: Path, name: str) -> dict[str, Any]:
    source, report = tmp_path / f"{name}.postman.json", tmp_path / f"{name}.report.json"
    source.write_text(json.dumps(collection))
    done = subprocess.run([newman(), "run", str(source), "--reporters", "cli,json", "--reporter-json-export",
                           str(report), "--disable-unicode", "--timeout-request", "20000"],
                          capture_output=True, text=True, timeout=240)  # fmt: skip
    assert report.exists(), done.stdout[-3000:] + done.stderr[-2000:]
    run: dict[str, Any] = json.loads(report.read_text())["run"]
    failures = [f"{f['source'].get('name')}: {f['error'].get('message', '')[:300]}" for f in run["failures"]]
    assert not failures and done.returncode == 0, "\n".join(failures[:20]) + done.stdout[-2000:]
    return run


def exported_runs(spec: str, tmp_path: Path) -> None:
    with mock_process([spec], tmp_path) as mock:
        first = httpx.get(mock.url + "/__mocktui/export/postman", timeout=60).json()
        run = run_newman(first, tmp_path, "operations")
        operations = sum(len(f["item"]) for f in first["item"] if f["name"] != "Session")
        assert run["stats"]["assertions"]["total"] >= operations > 0
        second = httpx.get(mock.url + "/__mocktui/export/postman", timeout=60).json()
        session = next(f for f in second["item"] if f["name"] == "Session")
        assert len(session["item"]) == run["stats"]["requests"]["total"]  # every request (the first run's
        # Session folder made one, to the admin API: not journalled; now its place is the steering item)
        replayed = run_newman(second, tmp_path, "session")
    assert replayed["stats"]["assertions"]["failed"] == 0
    assert replayed["stats"]["assertions"]["total"] > run["stats"]["assertions"]["total"]


@pytest.mark.parametrize("name", BUNDLED)
def test_newman_passes_the_collection_of_a_bundled_spec(name: str, tmp_path: Path) -> None:
    exported_runs(str(SPECS / name), tmp_path)


@pytest.mark.corpus
@pytest.mark.parametrize("name", CORPUS_SPECS)
def test_newman_passes_the_collection_of_a_corpus_spec(name: str, tmp_path: Path) -> None:
    exported_runs(str(CORPUS / name), tmp_path)


def test_newman_replays_a_steered_session(tmp_path: Path) -> None:
    """Overrides and an error burst in the session: each request is steered as it was, faults pinned."""
    with mock_process([str(SPECS / "shop.yaml")], tmp_path) as mock:
        with httpx.Client(base_url=mock.url) as client:
            client.put("/__mocktui/overrides/getProduct", json={"status": 404})
            client.get("/api/v1/products/1")
            client.delete("/__mocktui/overrides/getProduct")
            client.patch("/__mocktui/controls", json={"faults": {"error_rate": 50}})
            statuses = [client.get("/api/v1/products/1").status_code for _ in range(8)]
            client.patch("/__mocktui/controls", json={"faults": {"error_rate": 0}, "offline": True})
            client.get("/api/v1/users")
            client.patch("/__mocktui/controls", json={"offline": False})
            collection = client.get("/__mocktui/export/postman").json()
            run = run_newman(collection, tmp_path, "steered")
    assert run["stats"]["assertions"]["failed"] == 0
    session = next(f for f in collection["item"] if f["name"] == "Session")["item"]
    wanted = [404, *statuses, 503]
    assert [int(i["name"].split(". ")[0]) for i in session[1:]] == list(range(1, 11))
    assert ["status " + str(s) in " ".join(i["event"][1]["script"]["exec"]) for i, s in zip(session[1:], wanted,
            strict=True)] == [True] * 10  # fmt: skip
