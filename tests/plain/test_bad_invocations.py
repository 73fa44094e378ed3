"""Bad input gets one readable line and exit code 2; an environment failure (port taken, Redis down)
one line and exit code 1; never a traceback. Real processes, as a user types them."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ..paths import ROOT, SPECS

PETSTORE = str(SPECS / "petstore.yaml")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mocktui", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["/nonexistent/api.yaml"], 2, "cannot read file"),
        (["specs"], 2, "Is a directory"),
        ([PETSTORE, "--headless", "--persist", "/nonexistent/x.db"], 2, "/nonexistent does not exist"),
        ([PETSTORE, "--headless", "--store", "bogus://x"], 2, "unknown store 'bogus://x'; use one of: memory"),
        (
            [PETSTORE, "--headless", "--store", "redis://127.0.0.1:1/0"],
            1,
            "cannot reach Redis at redis://127.0.0.1:1/0",
        ),
        ([PETSTORE, "--headless", "--host", "999.1.1.1"], 2, "--host 999.1.1.1: cannot listen there"),
        ([PETSTORE, "--headless", "--port", "99999"], 2, "--port: invalid port 99999"),
        ([PETSTORE, "--headless", "--headles"], 2, "unrecognized arguments: --headles"),
        ([PETSTORE, "--headless", "--workers", "2", "--stateful"], 2, "the memory store lives in one process"),
        (
            [PETSTORE, "--headless", "--workers", "2", "--cluster", "redis://127.0.0.1:1/0"],
            1,
            "cannot reach the cluster's Redis at redis://127.0.0.1:1/0",
        ),
        ([PETSTORE, "--headless", "--state", "/nonexistent.json"], 2, "--state /nonexistent.json"),
        ([PETSTORE, "--headless", "--scenarios", "nope.yaml"], 2, "cannot read the rules file"),
        ([PETSTORE, "--headless", "--delay", "fast"], 2, "--delay"),
        ([PETSTORE, "--headless", "--chaos", "melt:5"], 2, "chaos kinds are reset, hang, truncate, drip"),
    ],
)
def test_bad_invocation(args: list[str], code: int, says: str) -> None:
    port = [] if "--port" in args else ["--port", str(free_port())]  # what fails is the input, not a busy 3000
    done = run(*args, *port)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert says in done.stderr
    assert done.stderr.strip().splitlines()[0].startswith(("mocktui", "usage", "/", "specs")), done.stderr


def test_a_taken_port_is_an_environment_failure() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run(PETSTORE, "--headless", "--port", str(port))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"mocktui: port {port} is already in use on 127.0.0.1; try --port {port + 1}"


def test_attach_reads_keys_from_the_settings_file_and_refuses_a_bad_map(tmp_path: Path) -> None:
    (tmp_path / "mocktui.yaml").write_text("keys: {nope: X}\n")
    command = [sys.executable, "-m", "mocktui", "attach", "http://127.0.0.1:9"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("mocktui: keys: unknown action 'nope'; known: pane-requests")
