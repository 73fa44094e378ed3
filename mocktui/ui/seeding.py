"""Provides `SeedingBar`: the control room's progress bar while a big store is seeded.

The control room starts before its store is full (`runtime.build` leaves a big seed for a thread
once the server listens), so the screen is never blank for the seconds seeding takes. The bar
reads the runtime's `SeedProgress`, which the seeding thread writes; the app polls it on its tick,
so the thread never touches a widget. A remote mock has no progress to show: it was seeded where
it runs.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from mocktui.engine.stateful.seeding import SeedProgress
from mocktui.ui.backend import Backend
from mocktui.ui.local import LocalBackend

__all__ = ["SeedingBar", "seeding_of"]


def seeding_of(backend: Backend) -> SeedProgress | None:
    """The background seed of a local mock that is still running, or None."""
    seeding = backend.runtime.seeding if isinstance(backend, LocalBackend) else None
    return seeding if seeding is not None and seeding.busy else None


class SeedingBar(Horizontal):
    """`Seeding the store  ━━━━━━━╸━━━━━  45%  orders 12,500/100,000`, hidden when there is nothing to seed."""

    DEFAULT_CSS = """
    SeedingBar { height: 1; padding: 0 1; background: $boost; display: none; }
    SeedingBar.-seeding { display: block; }
    SeedingBar > #seeding-title { width: auto; color: $warning; text-style: bold; padding: 0 2 0 0; }
    SeedingBar > ProgressBar { width: auto; }
    SeedingBar > #seeding-where { width: 1fr; color: $text-muted; padding: 0 0 0 2; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.seeding: SeedProgress | None = None

    def compose(self) -> ComposeResult:
        yield Label("Seeding the store", id="seeding-title")
        yield ProgressBar(total=None, show_eta=False, id="seeding-bar")
        yield Label("", id="seeding-where")

    @property
    def active(self) -> bool:
        return self.has_class("-seeding")

    def follow(self, seeding: SeedProgress) -> None:
        """Show `seeding` until it ends (`show` is called on every tick)."""
        self.seeding = seeding
        self.add_class("-seeding")
        self.show()

    def show(self) -> bool:
        """Draw where seeding is; False (and the bar hidden) once it ended."""
        seeding = self.seeding
        if seeding is None or not seeding.busy:
            self.seeding = None
            self.remove_class("-seeding")
            return False
        self.query_one(ProgressBar).update(total=max(seeding.records, 1), progress=seeding.seeded)
        self.query_one("#seeding-where", Label).update(f"{seeding.collection} {seeding.done:,}/{seeding.total:,}")
        return True
