"""The command line as a user runs it: real processes, real ports."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ..helpers import CORPUS, ROOT, serve

DATA = ROOT / "tests" / "data"
FEATURES = DATA / "features.yaml"


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mocktui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_validate_good_spec_prints_summary() -> None:
    result = run("validate", str(FEATURES))
    assert result.returncode == 0, result.stderr
    assert "7 operations" in result.stdout and "1 schemas" in result.stdout and "0 warnings" in result.stdout


def test_validate_reports_every_problem_with_file_line_and_pointer() -> None:
    result = run("validate", str(DATA / "broken.yaml"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert "tests/data/broken.yaml:7: error: at #/paths/~1pets/get/parameters/0" in lines[0]
    expected = [
        ("broken.yaml:10:", "#/paths/~1pets/get/responses/20O", "'20O' is not a status code"),
        (
            "broken.yaml:17:",
            "#/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
            "unresolvable $ref '#/components/schemas/Missing'",
        ),
        (
            "broken.yaml:25:",
            "#/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema/type",
            "unknown type 'strng'",
        ),
    ]
    for line_no, pointer, reason in expected:
        assert any(line_no in ln and pointer in ln and reason in ln for ln in lines), (pointer, lines)
    assert lines[-1].startswith("mocktui: ") and lines[-1].endswith("broken.yaml: 4 errors; not served")


def test_bad_yaml_and_missing_file_and_wrong_version() -> None:
    bad = run("validate", str(DATA / "bad-yaml.yaml"))
    assert bad.returncode == 2 and "bad-yaml.yaml:4: error" in bad.stderr and "invalid YAML" in bad.stderr
    missing = run("validate", "nope.yaml")
    assert missing.returncode == 2 and "cannot read file" in missing.stderr and "Traceback" not in missing.stderr
    version = run("validate", str(DATA / "features.yaml").replace("features", "../../pyproject"))
    assert version.returncode == 2 and "Traceback" not in version.stderr


def test_serving_a_broken_spec_exits_2_without_traceback() -> None:
    result = run(str(DATA / "broken.yaml"), "--headless", "--port", str(free_port()))
    assert result.returncode == 2 and "Traceback" not in result.stderr and "not served" in result.stderr


@pytest.mark.corpus
def test_validate_large_corpus_spec() -> None:
    result = run("validate", str(CORPUS / "stripe.yaml"), timeout=120)
    assert result.returncode == 0 and "468 operations" in result.stdout


def test_github_sized_spec_loads_and_serves(tmp_path: Path) -> None:
    """~10 MB and 1,200 operations, the size of GitHub's REST description (bench/bigspec.py)."""
    from bench.bigspec import build

    path = tmp_path / "big.json"
    path.write_text(json.dumps(build(), indent=1))
    assert path.stat().st_size > 9_000_000
    result = run("validate", str(path), timeout=120)
    assert result.returncode == 0 and "1200 operations" in result.stdout
    with serve(path) as server:
        listed = httpx.get(server.url + "/things239?per_page=5")
        missing = httpx.get(server.url + "/things17/3", headers={"Prefer": "code=404"})
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    assert missing.status_code == 404


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mocktui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def _wait_ready(url: str, proc: subprocess.Popen[str], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            httpx.get(url + "/__mocktui/health", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


def test_headless_serves_logs_and_stops_on_sigterm() -> None:
    port = free_port()
    proc = _start(str(FEATURES), "--headless", env={"PORT": str(port)})
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, proc)
        assert httpx.get(url + "/api/v1/users/me").json()["firstName"] == "Me"
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert f"on http://127.0.0.1:{port}/api/v1" in out
    assert "200 GET /api/v1/users/me" in out and "[getMe]" in out


def test_port_in_use_is_one_line_and_exit_1() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(str(FEATURES), "--headless", "--port", str(port))
    assert result.returncode == 1
    assert result.stderr.strip() == f"mocktui: port {port} is already in use on 127.0.0.1; try --port {port + 1}"


def test_invalid_port_values_exit_2() -> None:
    assert run(str(FEATURES), "--headless", "--port", "http").returncode == 2
    bad_env = run(str(FEATURES), "--headless", env={"PORT": "99999"})
    assert bad_env.returncode == 2 and "PORT" in bad_env.stderr


def test_log_level_warning_is_quiet() -> None:
    port = free_port()
    proc = _start(str(FEATURES), "--headless", "--port", str(port), "--log-level", "warning")
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, proc)
        httpx.get(url + "/api/v1/users/me")
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "GET /api/v1/users/me" not in out


def test_console_script_entry_point_exists() -> None:
    scripts = Path(sys.executable).parent
    assert (scripts / "mocktui").exists()


def test_api_key_guard_from_environment() -> None:
    port = free_port()
    proc = _start(str(FEATURES), "--headless", "--port", str(port), env={"API_KEY": "k1", "REQUIRE_AUTH": "true"})
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, proc)
        assert httpx.get(url + "/api/v1/users/me").status_code == 401
        assert httpx.get(url + "/api/v1/users/me", headers={"X-API-Key": "k1"}).status_code == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
