"""The decorator API of hooks files: `from mocktui.hooks import on`."""

from mocktui.engine.scenarios.decision import Decision
from mocktui.engine.scenarios.hooks import HookRequest, on

__all__ = ["Decision", "HookRequest", "on"]
