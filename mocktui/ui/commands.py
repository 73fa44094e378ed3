"""Provides the command palette's mocktui commands: every action of the app by name (ctrl+p)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from textual.app import App


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    action: str  # an action string, run with `app.run_action`
    help: str
    key: str = ""


COMMANDS: tuple[Command, ...] = (
    Command("Show requests", "pane('requests')", "the live request log", "1"),
    Command("Show routes", "pane('routes')", "operations, hit counts, overrides", "2"),
    Command("Show controls", "pane('controls')", "delay, errors, rate limit, offline, scenarios", "3"),
    Command("Show store", "pane('store')", "collections and records (stateful mode)", "4"),
    Command("Show log", "pane('log')", "server and library log lines", "5"),
    Command("Toggle errors", "toggle_errors", "a 50% error rate, or back to the previous rate", "e"),
    Command("Toggle delay", "toggle_delay", "200-800 ms of latency, or back to the previous delay", "d"),
    Command("Toggle offline", "toggle_offline", "every route answers 503", "o"),
    Command("Toggle rate limit", "toggle_rate_limit", "the rate limit on or off", "l"),
    Command("Reset failure modes", "calm", "no errors, no delay, online, no rate limit", ""),
    Command("Clear all overrides", "clear_overrides", "every route answers as the spec says", ""),
    Command("Filter: server errors", "set_filter('status:5xx')", "show only 5xx requests", ""),
    Command("Filter: client errors", "set_filter('status:4xx')", "show only 4xx requests", ""),
    Command("Filter: writes", "set_filter('method:POST,PUT,PATCH,DELETE')", "show only writes", ""),
    Command("Clear filter", "set_filter('')", "show every request", ""),
    Command("Toggle follow", "toggle_follow", "follow new requests, or pause", "f"),
    Command("Clear request log", "clear_log", "forget the requests shown", "ctrl+l"),
    Command("Copy last request as curl", "copy_last_curl", "a curl command replaying the latest request", ""),
    Command("Reset store to seed", "reset_store", "replace every record with seeded data", "R"),
    Command("Toggle dark/light theme", "toggle_theme", "switch between the dark and the light theme", "t"),
    Command("Help: keys", "help", "every key, by pane", "?"),
    Command("Quit", "quit", "stop the mock and leave", "q"),
)


class MocktuiCommands(Provider):
    """Every mocktui action, searchable by name."""

    def _run(self, app: App[object], action: str) -> None:
        app.call_later(app.run_action, action)

    async def discover(self) -> Hits:
        for command in COMMANDS:
            key = f"  [{command.key}]" if command.key else ""
            yield DiscoveryHit(command.name, partial(self._run, self.app, command.action), help=command.help + key)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in COMMANDS:
            score = matcher.match(command.name) or matcher.match(command.help) / 2  # names first
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.name),
                    partial(self._run, self.app, command.action),
                    help=command.help + (f"  [{command.key}]" if command.key else ""),
                )
