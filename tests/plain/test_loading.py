"""A slow spec load says it is still reading, on stderr; a quick one says nothing."""

from __future__ import annotations

import pytest

from mocktui.cli import load_telling
from mocktui.engine.spec.errors import SpecError

from ..paths import SPECS


def test_a_slow_load_ticks_and_a_quick_one_is_silent(capsys: pytest.CaptureFixture[str]) -> None:
    spec = load_telling(str(SPECS / "shop.yaml"), every=0.0005)
    assert spec.title == "Shop"
    ticks = capsys.readouterr().err.splitlines()
    assert ticks and all(t.startswith(f"mocktui: reading {SPECS / 'shop.yaml'}... ") for t in ticks)
    load_telling(str(SPECS / "petstore.yaml"))
    assert capsys.readouterr().err == ""


def test_a_broken_spec_still_raises_its_problems() -> None:
    with pytest.raises(SpecError):
        load_telling(str(SPECS / "broken.yaml"))
