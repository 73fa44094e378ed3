"""`mocktui init` writes a project that runs and files that work as written (the compose file references
only files that exist, Redis is healthy before the mock starts, the image installs the mocktui that
wrote it, a spec already there is used and nothing is overwritten); a bad environment variable exits 2."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest
import yaml

from mocktui.settings.table import SETTINGS

from ..helpers import ROOT, SPECS

PETSTORE = str(ROOT / "specs" / "petstore.yaml")


def test_cli_exits_2_naming_the_variable(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mocktui", PETSTORE, "--headless"],
        capture_output=True,
        text=True,
        env={**os.environ, "RATE_LIMIT_WINDOW": "soon"},
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "mocktui: $RATE_LIMIT_WINDOW: expected a number, got 'soon'"


def test_init_writes_a_project_that_runs(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    made = subprocess.run([sys.executable, "-m", "mocktui", "init", str(project)], capture_output=True, text=True,
                          timeout=30, check=False)  # fmt: skip
    assert made.returncode == 0
    names = {p.name for p in project.iterdir()}
    assert {"mocktui.yaml", "scenarios.yaml", "hooks.py", ".env.example", "Dockerfile", "docker-compose.yml"} <= names
    example = (project / ".env.example").read_text()
    assert all(f"# {s.env}=" in example for s in SETTINGS if s.env)  # every variable is documented
    assert "redis" in (project / "docker-compose.yml").read_text()
    again = subprocess.run([sys.executable, "-m", "mocktui", "init", str(project)], capture_output=True, text=True,
                           timeout=30, check=False)  # fmt: skip
    assert again.returncode == 0 and f"kept {project / 'hooks.py'}" in again.stdout  # nothing overwritten
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "mocktui", "--headless", "--port", str(port)], cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        for _ in range(100):
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/users", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert r.status_code == 200 and isinstance(r.json(), list)  # the spec named in mocktui.yaml
    finally:
        proc.terminate()
        proc.wait(10)


# -- the files init writes work as written --


def init(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mocktui", "init", *args], capture_output=True, text=True, timeout=60)


def test_compose_and_dockerfile_reference_files_that_exist(tmp_path: Path) -> None:
    assert init(str(tmp_path)).returncode == 0
    compose = yaml.safe_load((tmp_path / "docker-compose.yml").read_text())
    mock, redis = compose["services"]["mock"], compose["services"]["redis"]
    assert (tmp_path / mock["build"] / "Dockerfile").is_file()
    assert all((tmp_path / name).is_file() for name in mock["env_file"])
    assert (tmp_path / mock["command"][1]).is_file()  # the spec it serves
    assert mock["depends_on"] == {"redis": {"condition": "service_healthy"}}
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert mock["deploy"]["replicas"] == 3 and mock["environment"]["STORE"].startswith("redis://redis:")
    assert "/__mocktui/health" in " ".join(mock["healthcheck"]["test"])
    balancer = compose["services"]["balancer"]
    assert balancer["depends_on"] == {"mock": {"condition": "service_healthy"}} and balancer["ports"] == ["3000:3000"]
    config = (tmp_path / balancer["volumes"][0].split(":")[0]).read_text()
    assert "option httpchk GET /__mocktui/health" in config
    assert "server-template mock 3 mock:3000 check" in config
    tokens = [line for line in (tmp_path / ".env").read_text().splitlines() if line.startswith("ADMIN_TOKEN=")]
    assert len(tokens) == 1 and len(tokens[0]) > len("ADMIN_TOKEN=") + 16  # one token every replica shares
    assert "ADMIN_TOKEN=" not in (tmp_path / ".env.example").read_text().replace("# ADMIN_TOKEN=", "")
    dockerfile = (tmp_path / "Dockerfile").read_text().splitlines()
    copies = [line.split()[1] for line in dockerfile if line.startswith("COPY")]
    assert copies and all((tmp_path / source).exists() for source in copies)
    assert ".env" in (tmp_path / ".dockerignore").read_text().split()  # secrets stay out of the image


def test_the_image_installs_the_mocktui_that_wrote_it(tmp_path: Path) -> None:
    assert init(str(tmp_path)).returncode == 0
    source = tmp_path / "mocktui-src"
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(wheels),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("mocktui-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        meta = next(archive.read(n).decode() for n in names if n.endswith("METADATA"))
        entry = next(archive.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert {"mocktui/cli.py", "mocktui/runtime/core.py", "mocktui/engine/pipeline.py"} <= names
    assert "Requires-Dist: fastapi" in meta and "Requires-Dist: pytest" not in meta
    assert "mocktui = mocktui.cli:main" in entry


def test_init_uses_a_spec_that_is_there_and_overwrites_nothing(tmp_path: Path) -> None:
    shutil.copy(SPECS / "shop.yaml", tmp_path / "api.yaml")
    (tmp_path / "hooks.py").write_text("# mine\n")
    done = init(str(tmp_path))
    assert done.returncode == 0 and f"kept {tmp_path / 'hooks.py'}" in done.stdout
    assert (tmp_path / "hooks.py").read_text() == "# mine\n"
    assert not (tmp_path / "openapi.yaml").exists()
    assert yaml.safe_load((tmp_path / "mocktui.yaml").read_text())["spec"] == "api.yaml"
    assert yaml.safe_load((tmp_path / "docker-compose.yml").read_text())["services"]["mock"]["command"][1] == "api.yaml"
    again = init(str(tmp_path), "--force")
    assert again.returncode == 0 and (tmp_path / "api.yaml").read_text() == (SPECS / "shop.yaml").read_text()


def test_init_refuses_a_named_spec_that_is_not_there(tmp_path: Path) -> None:
    done = init(str(tmp_path), "--spec", "nope.yaml")
    assert done.returncode == 2 and done.stderr.strip() == f"mocktui init: --spec nope.yaml: no such file in {tmp_path}"


@pytest.mark.skipif(shutil.which("docker") is None, reason="needs a Docker engine")
def test_docker_builds_the_image(tmp_path: Path) -> None:
    assert init(str(tmp_path)).returncode == 0
    probe = subprocess.run(["docker", "info"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip("docker client without an engine")
    built = subprocess.run(["docker", "build", "-q", str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr


def test_haproxy_accepts_the_balancer_config(tmp_path: Path) -> None:
    """The config is HAProxy's to judge (.ci/run installs Debian's haproxy)."""
    haproxy = shutil.which("haproxy")
    if haproxy is None and os.environ.get("CI") != "true":
        pytest.skip("haproxy is not installed here (CI installs it)")
    assert haproxy is not None, "CI must install haproxy"
    assert init(str(tmp_path)).returncode == 0
    checked = subprocess.run([haproxy, "-c", "-f", str(tmp_path / "haproxy.cfg")], capture_output=True, text=True)
    assert checked.returncode == 0 and "valid" in checked.stdout + checked.stderr, checked.stderr
