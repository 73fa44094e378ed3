"""`mocktui validate` checks the whole structure: every finding one readable line (capped), exit 2, no
traceback; what the mock never reads only warns. Real processes, as a user types them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..paths import ROOT

HEAD = 'openapi: 3.0.3\ninfo: {title: X, version: "1"}\npaths: {}\ncomponents:\n  schemas:\n'


def validate(spec: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mocktui", "validate", str(spec)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_many_structural_errors_are_listed_one_per_line_and_capped(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(HEAD + "".join(f"    S{i}: {{type: object, readOnly: {i}}}\n" for i in range(60)))
    done = validate(spec)
    lines = done.stderr.splitlines()
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert lines[0] == f"{spec}:6: error: at #/components/schemas/S0/readOnly: readOnly must be a boolean, got 0"
    assert len(lines) == 52
    assert lines[-2:] == ["... and 10 more", f"mocktui: {spec}: 60 errors; not served"]


def test_a_quirk_the_mock_does_not_read_is_a_warning_and_the_spec_passes(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(HEAD.replace('version: "1"', "version: 1.0") + "    S: {type: object}\n")
    done = validate(spec)
    assert done.returncode == 0, done.stderr
    assert f"{spec}:2: warning: at #/info/version: version must be a string, got 1.0" in done.stdout.splitlines()
    assert ", 1 warnings," in done.stdout
