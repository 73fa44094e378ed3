"""Every command and curl line of the README's shell blocks does what the README says, against a real
mock process (ports and file names moved aside so tests can run side by side)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from ..paths import ROOT
from .test_bad_invocations import free_port

README = (ROOT / "README.md").read_text(encoding="utf-8")
LINES = [
    line.split("  #")[0].strip()
    for block in re.findall(r"```(?:bash|sh)\n(.*?)```", README, re.S)
    for line in block.splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]
CURLS = [line for line in LINES if line.startswith("curl ")]
MOCKTUIS = [line for line in LINES if line.startswith("mocktui ")]


@contextmanager
def mock(args: list[str], cwd: Path = ROOT) -> Iterator[str]:
    """`mocktui ARGS` as a real process (no terminal: it serves headless); yields its URL."""
    port = free_port()
    args = [a for a in args if a != "--port" and not (a.isdigit() and len(a) == 4)]
    command = [sys.executable, "-m", "mocktui", *args, "--port", str(port)]
    proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            if proc.poll() is not None:
                pytest.fail(f"`mocktui {' '.join(args)}` exited: {proc.stderr.read() if proc.stderr else ''}")
            try:
                httpx.get(url + "/__mocktui/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(15)


def test_the_readme_has_commands() -> None:
    assert len(CURLS) >= 8 and len(MOCKTUIS) >= 5
    assert "pip install -e . && mocktui specs/petstore.yaml" in LINES  # the quick start, first line


def test_the_quick_start_serves_the_petstore() -> None:
    with mock(["specs/petstore.yaml"]) as url:
        assert httpx.get(url + "/pets").status_code == 200


@pytest.mark.parametrize("line", CURLS)
def test_each_curl_line(line: str) -> None:
    """Against the petstore, as the README's examples assume; admin calls answer 2xx."""
    with mock(["specs/petstore.yaml"]) as url:
        port = url.rsplit(":", 1)[1]
        command = line.replace("localhost:3000", f"127.0.0.1:{port}").replace("127.0.0.1:3000", f"127.0.0.1:{port}")
        done = subprocess.run([*shlex.split(command), "-s", "-o", "/dev/null", "-w", "%{http_code}"],
                              capture_output=True, text=True, timeout=30)  # fmt: skip
    assert done.returncode == 0, done.stderr
    status = int(done.stdout)
    wanted = 404 if "code=404" in line else 200
    assert status == wanted if "/__mocktui/" not in line else 200 <= status < 300


@pytest.mark.parametrize("line", MOCKTUIS)
def test_each_mocktui_line(line: str, tmp_path: Path) -> None:
    args = shlex.split(line)[1:]
    if args[0] == "validate":
        done = subprocess.run([sys.executable, "-m", "mocktui", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)  # fmt: skip
        assert done.returncode == (2 if "broken" in line else 0) and "Traceback" not in done.stderr
        return
    args = [str(tmp_path / a) if a.endswith(".db") else a for a in args]  # --persist shop.db: a scratch file
    for flag in ("--store", "--cluster"):  # the README's Redis is this machine's test Redis
        if flag in args and args[args.index(flag) + 1].startswith("redis://"):
            args[args.index(flag) + 1] = f"redis://127.0.0.1:6379/15?namespace=readme{uuid.uuid4().hex[:8]}"
    with mock([str(ROOT / a) if a.startswith("specs/") else a for a in args], cwd=tmp_path) as url:
        assert httpx.get(url + "/__mocktui/health").json()["status"] == "ok"
