"""Provides the two-line status header: where the mock listens, what it serves, live counters, failure modes.

With several workers (or hosts) behind one journal it also says how many answered in the last
seconds; hovering it lists each with its req/s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from mocktui.ui.model import Chip
from mocktui.ui.traffic import Worker


@dataclass(frozen=True, slots=True)
class HeaderState:
    url: str = ""
    title: str = ""
    version: str = ""
    mode: str = "stateless"
    rate: float = 0.0
    total: int = 0
    client_errors: int = 0
    server_errors: int = 0
    chips: tuple[Chip, ...] = ()
    overrides: int = 0
    problem: str | None = None
    remote: bool = False
    workers: tuple[Worker, ...] = ()  # those that answered lately; none in a single process


class StatusHeader(Widget):
    """Line 1: title, version, URL, mode. Line 2: req/s, total, 4xx, 5xx and the failure-mode chips."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status-header--brand",
        "status-header--title",
        "status-header--url",
        "status-header--muted",
        "status-header--chip-on",
        "status-header--chip-off",
        "status-header--4xx",
        "status-header--5xx",
        "status-header--problem",
    }

    DEFAULT_CSS = """
    StatusHeader {
        height: 2;
        background: $panel;
        padding: 0 1;
        & > .status-header--brand { color: $accent; text-style: bold; }
        & > .status-header--title { text-style: bold; }
        & > .status-header--url { color: $primary; text-style: underline; }
        & > .status-header--muted { color: $text-muted; }
        & > .status-header--chip-on { color: $text; background: $error 70%; text-style: bold; }
        & > .status-header--chip-off { color: $text-muted; }
        & > .status-header--4xx { color: $warning; }
        & > .status-header--5xx { color: $error; }
        & > .status-header--problem { color: $text; background: $error; text-style: bold; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = HeaderState()

    def show(self, state: HeaderState) -> None:
        if state != self.state:
            if state.workers != self.state.workers:
                self.tooltip = fleet_text(state.workers) or None
            self.state = state
            self.refresh()

    def render(self) -> Text:
        s = self.state
        style = self.get_component_rich_style
        muted = style("status-header--muted")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("mocktui ", style("status-header--brand"))
        text.append(s.title or "…", style("status-header--title"))
        if s.version:
            text.append(f" {s.version}", muted)
        text.append("  ")
        text.append(s.url, style("status-header--url"))
        text.append(f"  {'attached · ' if s.remote else ''}{s.mode}", muted)
        if s.problem:
            text.append("  ")
            text.append(f" {s.problem} ", style("status-header--problem"))
        text.append("\n")
        narrow = self.content_size.width < 110
        if s.workers:
            workers, hosts = len(s.workers), len({w.host for w in s.workers})
            if narrow:
                text.append(f"{workers}w/{hosts}h ", muted)
            else:
                text.append(f"{_count(workers, 'worker')} · {_count(hosts, 'host')} · ", muted)
        text.append(f"{s.rate:.1f}" if s.workers else f"{s.rate:5.1f}", style("status-header--title"))
        text.append(" req/s  ", muted)
        text.append(f"{s.total}", style("status-header--title"))
        text.append(" total  ", muted)
        text.append(f"{s.client_errors}", style("status-header--4xx"))
        text.append(" 4xx  ", muted)
        text.append(f"{s.server_errors}", style("status-header--5xx"))
        text.append(" 5xx ", muted)
        for chip in s.chips:
            text.append(" ")
            if chip.active:
                label = chip.short if narrow else chip.label
                text.append(f"{chip.key}:{label}", style("status-header--chip-on"))
            else:
                text.append(f"{chip.key}:{chip.label}", style("status-header--chip-off"))
        if s.overrides:
            label = "ovr" if narrow else f"override{'s' if s.overrides != 1 else ''}"
            text.append(f" {s.overrides} {label}", style("status-header--4xx"))
        return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def fleet_text(workers: tuple[Worker, ...]) -> str:
    """One line per host, then its workers with their req/s (the header's tooltip)."""
    lines: list[str] = []
    for host in sorted({w.host for w in workers}):
        mine = [w for w in workers if w.host == host]
        lines.append(f"{host}: {sum(w.rate for w in mine):.1f} req/s")
        lines.extend(f"  {w.name}: {w.rate:.1f} req/s" for w in mine)
    return "\n".join(lines)
