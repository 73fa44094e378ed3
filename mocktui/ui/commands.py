"""Provides the command palette's mocktui commands: every action of the app by name (ctrl+p).

The commands are the rows of the actions table (`mocktui.ui.panes.VOCABULARY`) with the keys the
user's map gave them; the app hands them over (`Palette.palette_commands`), so this module holds no
list of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from mocktui.ui.keys import Action, display_key, effective_keys

if TYPE_CHECKING:
    from textual.app import App

__all__ = ["Command", "MocktuiCommands", "Palette", "palette"]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    action: str  # an action string, run with `app.run_action`
    help: str
    key: str = ""  # as shown: `?`, `ctrl+l`


@runtime_checkable
class Palette(Protocol):
    """An app whose palette lists mocktui commands."""

    def palette_commands(self) -> Sequence[Command]: ...


def palette(actions: Iterable[Action], keymap: Mapping[str, str]) -> tuple[Command, ...]:
    """A command per row of the actions table, with the key it has after the user's map."""
    return tuple(
        Command(row.name, row.action, row.help, display_key(key) if key else "")
        for row, key in effective_keys(actions, keymap).items()
    )


class MocktuiCommands(Provider):
    """Every mocktui action, searchable by name."""

    @property
    def commands(self) -> Sequence[Command]:
        app = self.app
        return app.palette_commands() if isinstance(app, Palette) else ()

    def _run(self, app: App[object], action: str) -> None:
        app.call_later(app.run_action, action)

    @staticmethod
    def _help(command: Command) -> str:
        return command.help + (f"  [{command.key}]" if command.key else "")

    async def discover(self) -> Hits:
        for command in self.commands:
            yield DiscoveryHit(command.name, partial(self._run, self.app, command.action), help=self._help(command))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands:
            score = matcher.match(command.name) or matcher.match(command.help) / 2  # names first
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.name),
                    partial(self._run, self.app, command.action),
                    help=self._help(command),
                )
