"""The decorator API of hooks files: `from mocktui.hooks import on`."""

from mocktui.engine.scenarios.runner import Decision, HookRequest, on

__all__ = ["Decision", "HookRequest", "on"]
