"""`mocktui import FILE.har --into examples|state|rules`: each output served by a real mock, which answers with
what was recorded; volatile fields are listed and matched whatever their value."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ..engine.test_har import har_errors
from ..helpers import SPECS
from .processes import child_env, mock_process

SHOP = str(SPECS / "shop.yaml")
BASE = "/api/v1"


def recorded_session(client: httpx.Client, stamp: str) -> list[tuple[int, Any]]:
    """Creates (with a client timestamp: volatile), reads before and after a change, a list and a delete."""
    out = []
    for n in range(3):
        user = {"email": f"u{n}@example.com", "firstName": f"U{n}", "lastName": "L", "clientTime": stamp}
        out.append(client.post(f"{BASE}/users", json=user))
    out.append(client.get(f"{BASE}/users/6"))
    out.append(client.patch(f"{BASE}/users/6", json={"firstName": "Changed"}))
    out.append(client.get(f"{BASE}/users/6"))
    out.append(client.get(f"{BASE}/users", params={"page": "1", "per_page": "3"}))
    out.append(client.delete(f"{BASE}/users/2"))
    return [(r.status_code, r.json() if r.content else None) for r in out]


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[int, Any]]]:
    tmp = tmp_path_factory.mktemp("import")
    har = tmp / "shop.har"
    args = [SHOP, "--stateful", "--seed", "5", "--record-all", "--record", str(har)]
    with mock_process(args, tmp) as mock, httpx.Client(base_url=mock.url, timeout=10) as client:
        seen = recorded_session(client, "2025-03-01T10:00:00Z")
        assert mock.stop() == 0
    assert har_errors(json.loads(har.read_text())) == []
    return har, seen


def run_import(har: Path, into: str, out: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "mocktui", "import", str(har), "--into", into, "--spec", SHOP,
                           "-o", str(out)], cwd=out.parent, env=child_env(), capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_rules_replay_the_recorded_sequence(recording: tuple[Path, list[tuple[int, Any]]], tmp_path: Path) -> None:
    har, seen = recording
    out = tmp_path / "rules.yaml"
    printed = run_import(har, "rules", out)
    assert "volatile: createUser request /clientTime: timestamp" in printed
    assert f"wrote {out}" in printed
    text = out.read_text()
    assert "/clientTime:\n        exists: true" in text
    assert "# volatile, matched whatever their value: /clientTime" in text
    rules = yaml.safe_load(text)
    assert [r["when"].get("call") or r["when"].get("calls") for r in rules if r["when"]["path"] == f"{BASE}/users/6"
            and r["when"]["operation"] == "getUser"] == [1, {"after": 1}]  # fmt: skip
    with mock_process([SHOP, "--scenarios", str(out)], tmp_path) as mock:  # stateless: only the rules remember
        with httpx.Client(base_url=mock.url, timeout=10) as client:
            again = recorded_session(client, "2031-12-31T23:59:59Z")  # a fresh timestamp still matches
    assert again == seen


def test_examples_answer_each_request_with_its_latest_recorded_answer(
    recording: tuple[Path, list[tuple[int, Any]]], tmp_path: Path
) -> None:
    har, seen = recording
    out = tmp_path / "examples.yaml"
    run_import(har, "examples", out)
    rules = yaml.safe_load(out.read_text())
    assert len(rules) == 7  # 8 exchanges, GET /users/6 twice
    assert all("call" not in r["when"] and "calls" not in r["when"] for r in rules)
    assert {r["name"] for r in rules} >= {"getUser example 1", "createUser example 3"}
    with mock_process([SHOP, "--scenarios", str(out)], tmp_path) as mock:
        with httpx.Client(base_url=mock.url, timeout=10) as client:
            read = [client.get(f"{BASE}/users/6").json() for _ in range(2)]
            user = {"email": "u1@example.com", "firstName": "U1", "lastName": "L", "clientTime": "2040-01-01T00:00:00Z"}
            created = client.post(f"{BASE}/users", json=user)
    assert read == [seen[5][1], seen[5][1]]  # the latest answer, as often as asked
    assert (created.status_code, created.json()) == seen[1]


def test_state_seeds_the_store_with_the_records_as_the_recording_left_them(
    recording: tuple[Path, list[tuple[int, Any]]], tmp_path: Path
) -> None:
    har, seen = recording
    out = tmp_path / "state.json"
    run_import(har, "state", out)
    state = json.loads(out.read_text())
    users = {u["id"]: u for u in state["users"]}
    assert users[6] == seen[5][1]  # after the PATCH
    assert 2 not in users  # deleted in the recording
    assert {created["id"] for _, created in seen[:3]} <= set(users)
    with mock_process([SHOP, "--state", str(out)], tmp_path) as mock:
        with httpx.Client(base_url=mock.url, timeout=10) as client:
            assert client.get(f"{BASE}/users/6").json() == seen[5][1]
            assert client.get(f"{BASE}/users/2").status_code == 404
            assert client.get(f"{BASE}/users/{seen[1][1]['id']}").json() == seen[1][1]


def test_a_bad_har_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.har"
    bad.write_text("[]")
    done = subprocess.run([sys.executable, "-m", "mocktui", "import", str(bad), "--into", "rules", "--spec", SHOP],
                          cwd=tmp_path, env=child_env(), capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == f"mocktui import: {bad}: not a HAR file: no log.entries list"
