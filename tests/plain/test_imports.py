"""Every module imports on a plain install: runtime code needs only runtime dependencies."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import mocktui

MODULES = sorted(m.name for m in pkgutil.walk_packages(mocktui.__path__, "mocktui.") if m.name != "mocktui.__main__")


def test_the_package_has_its_modules() -> None:
    assert len(MODULES) > 80 and "mocktui.runtime" in MODULES and "mocktui.ui.room" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports(module: str) -> None:
    importlib.import_module(module)
