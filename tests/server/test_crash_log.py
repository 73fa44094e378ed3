"""An engine crash's traceback reaches where people read logs: the control room's Log pane, and the
headless mock's stderr (text and JSON log formats alike, with stdout left to request lines and notices)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mocktui.engine.http import MockRequest, MockResponse

from ..helpers import ROOT, SPECS
from ..ui.harness import API, flushed, running, shop_engine

CRASHING = """import sys
from mocktui import cli
from mocktui.engine.pipeline import MockEngine

real = MockEngine.handle


def exploding_reader(self, request):
    if request.path.endswith("/13"):
        raise KeyError("boom")
    return real(self, request)


MockEngine.handle = exploding_reader
sys.exit(cli.main(sys.argv[1:]))
"""


async def test_the_traceback_is_in_the_log_pane(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = shop_engine(stateful=False)
    async with running(engine, size=(200, 50)) as (app, pilot, client):  # wide: no wrapped lines
        real = engine.handle

        def exploding_reader(request: MockRequest) -> MockResponse:
            if request.path.endswith("/13"):
                raise KeyError("boom")
            return real(request)

        monkeypatch.setattr(engine, "handle", exploding_reader)
        crashed = await client.get(f"{API}/users/13")
        assert crashed.status_code == 500
        await flushed(pilot, app)
        await pilot.press("5")  # the pane renders what it holds once shown
        await pilot.pause()
        # The pane wraps long lines at spaces (where depends on the checkout's path): read it as text.
        lines = " ".join(" ".join(str(line.text) for line in app.log_pane.lines).split())
        assert "mocktui.server: mocktui could not answer GET /api/v1/users/13" in lines
        assert "Traceback (most recent call last)" in lines
        assert "in exploding_reader" in lines and "KeyError: 'boom'" in lines


def _headless(tmp_path: Path, *args: str) -> tuple[str, str]:
    """Run a headless mock whose engine crashes on /pets/13, request it, stop it: (stdout, stderr)."""
    (tmp_path / "crashing.py").write_text(CRASHING)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(tmp_path / "crashing.py"), str(SPECS / "petstore.yaml"), "--headless", "-p", "0"]
    proc = subprocess.Popen([*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        url = ""
        deadline = time.monotonic() + 20
        while not url and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if "http://127.0.0.1:" in line:
                url = "http://127.0.0.1:" + line.split("http://127.0.0.1:", 1)[1].split()[0].strip('",')
        assert url, "the mock did not say where it listens"
        assert httpx.get(url + "/pets/13").status_code == 500
        assert httpx.get(url + "/pets/1").status_code == 200  # still serving
        time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    return out, err


def test_headless_prints_the_traceback_on_stderr(tmp_path: Path) -> None:
    out, err = _headless(tmp_path)
    assert "mocktui could not answer GET /pets/13" in err and "Traceback (most recent call last)" in err
    assert "in exploding_reader" in err and "KeyError: 'boom'" in err
    assert "mocktui: error: GET /pets/13: KeyError: 'boom'" in out and "Traceback" not in out


def test_headless_json_logs_stay_json_with_the_traceback_beside_them(tmp_path: Path) -> None:
    out, err = _headless(tmp_path, "--log-format", "json")
    events = [json.loads(line) for line in out.splitlines() if line.strip()]  # every stdout line is JSON
    assert {"event": "notice", "level": "error", "text": "GET /pets/13: KeyError: 'boom'"}.items() <= next(
        e for e in events if e["event"] == "notice"
    ).items()
    assert "Traceback (most recent call last)" in err and "KeyError: 'boom'" in err
