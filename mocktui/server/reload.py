"""Hot reload: when the spec (or any file it references), rules or hooks change, serve the new version.

Files are polled (no inotify dependency; a second is fast enough for a person editing). The new
spec is parsed and compiled in a worker thread while the old one keeps serving, then swapped in
at once; a broken edit keeps the last good version and says why, in the log and the notices.
A reload runs the same checks as start-up (`load_checked`): what start-up would refuse, a reload keeps out.
"""

from __future__ import annotations

import asyncio
import os

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.decision import ScenarioError
from mocktui.engine.spec.errors import SpecError
from mocktui.engine.spec.model import Spec
from mocktui.engine.spec.structure import load_checked

POLL_S = 1.0


class Reloader:
    def __init__(
        self,
        engine: MockEngine,
        spec_path: str,
        interval: float = POLL_S,
    ) -> None:
        """Watches `spec_path` (and what it references) and the engine's rules and hooks files."""
        self.engine = engine
        self.spec_path = spec_path
        files = engine.recipe.scenarios
        self.extra = [os.path.abspath(p) for p in (files.rules, files.hooks) if p] if files else []
        self.interval = interval
        self._seen = self._stamps()

    def _spec_files(self) -> list[str]:
        return sorted(self.engine.spec.schemas.loader.docs) or [os.path.abspath(self.spec_path)]

    def _stamps(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for path in [*self._spec_files(), *self.extra]:
            try:
                out[path] = os.stat(path).st_mtime_ns
            except OSError:
                out[path] = -1
        return out

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.check()

    async def check(self) -> bool:
        """Reload what changed since the last look; True when the spec was swapped."""
        stamps = self._stamps()
        changed = [p for p, stamp in stamps.items() if self._seen.get(p) != stamp]
        if not changed:
            return False
        self._seen = stamps
        events = self.engine.events
        if any(p in self.extra for p in changed):
            try:
                self.engine.reload_scenarios()
                events.notice("info", f"reloaded {', '.join(os.path.basename(p) for p in changed if p in self.extra)}")
            except Exception as exc:  # noqa: BLE001 - a broken rules/hooks edit keeps the last good version
                events.notice("error", f"kept the previous rules/hooks: {exc}")
        if not any(p not in self.extra for p in changed):
            return False
        try:
            spec = await asyncio.to_thread(self.load)
            fresh = await asyncio.to_thread(self.engine.prepare, spec)
        except (SpecError, ScenarioError) as exc:
            events.notice("error", _kept(exc))
            return False
        self.engine.swap(fresh)
        self.swapped()
        self._seen = self._stamps()  # the new spec may reference other files
        events.notice("info", f"reloaded {os.path.basename(self.spec_path)}: {len(spec.operations)} operations")
        return True

    def load(self) -> Spec:
        """The spec read again and checked as start-up checks it (several specs: mounted, and clear of the others)."""
        return load_checked(self.spec_path)

    def swapped(self) -> None:
        """Called after a new spec went in (the dispatcher of several specs learns its routes)."""

    def reload_now(self) -> str:
        """Spec, rules and hooks read again at once (the admin API's reload); raises nothing."""
        self._seen = self._stamps()
        try:
            spec = self.load()
            self.engine.swap(self.engine.prepare(spec))
        except (SpecError, ScenarioError) as exc:
            text = _kept(exc)
            self.engine.events.notice("error", text)
            return text
        self.swapped()
        self._seen = self._stamps()
        text = f"reloaded {os.path.basename(self.spec_path)}: {len(spec.operations)} operations"
        self.engine.events.notice("info", text)
        return text


def _kept(exc: SpecError | ScenarioError) -> str:
    lines = "; ".join(p.format() if hasattr(p, "format") else str(p) for p in exc.problems[:5])
    what = "spec" if isinstance(exc, SpecError) else "spec: its scenarios do not fit it"
    return f"kept the last good {what}: {len(exc.problems)} problem(s): {lines}"
