"""Shell completion comes from the parser itself (shtab): every flag is offered, nothing to keep in sync."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mocktui.settings.table import SETTINGS


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_offers_every_flag(shell: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mocktui", "--print-completion", shell], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stderr == ""
    flags = [s.flag for s in SETTINGS if s.flag]
    assert flags and all(flag in done.stdout for flag in flags)


def test_a_reader_that_leaves_early_is_no_error() -> None:
    piped = subprocess.run(
        f"{sys.executable} -m mocktui --print-completion bash | head -1", shell=True, capture_output=True, text=True
    )
    assert piped.returncode == 0 and "Traceback" not in piped.stderr
