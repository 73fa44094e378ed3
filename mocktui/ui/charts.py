"""Provides the traffic strip over the request log: a req/s sparkline and a status-class bar, both over the last minute.

It draws what `mocktui.ui.traffic.Traffic` counted, when the app hands it over (at most twice a
second), and only repaints when a figure changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label, Sparkline

from mocktui.ui.traffic import CLASSES

MIN_BAR = 10  # cells the status bar keeps for itself before its figures lose their labels


def share_text(count: int, total: int) -> str:
    """A class's share of `total` as a short percentage: `92%`, `<1%`, `0%`."""
    if not count:
        return "0%"
    share = 100 * count / total
    return "<1%" if share < 1 else f"{share:.0f}%"


def bar_cells(counts: Sequence[int], width: int) -> list[int]:
    """`width` cells split between `counts` by share (largest remainders), any non-zero count at least one."""
    total = sum(counts)
    if not total or width <= 0:
        return [0] * len(counts)
    exact = [width * c / total for c in counts]
    cells = [max(int(x), 1 if c else 0) for x, c in zip(exact, counts, strict=True)]
    while sum(cells) > width:  # the minimum of one cell overshot: take from the widest
        cells[cells.index(max(cells))] -= 1
    order = sorted(range(len(counts)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in order:
        if sum(cells) >= width:
            break
        if counts[i]:
            cells[i] += 1
    return cells


class StatusBar(Widget):
    """The share of 2xx, 3xx (when any), 4xx and 5xx answers over the last minute, as a coloured bar and figures."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status-bar--2xx",
        "status-bar--3xx",
        "status-bar--4xx",
        "status-bar--5xx",
        "status-bar--muted",
    }

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        width: 1fr;
        padding: 0 1 0 1;
        & > .status-bar--2xx { color: $success; }
        & > .status-bar--3xx { color: $secondary; }
        & > .status-bar--4xx { color: $warning; }
        & > .status-bar--5xx { color: $error; }
        & > .status-bar--muted { color: $text-muted; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.counts: tuple[int, ...] = (0, 0, 0, 0)

    def show(self, counts: tuple[int, ...]) -> None:
        if counts != self.counts:
            self.counts = counts
            self.refresh()

    def render(self) -> Text:
        style = self.get_component_rich_style
        total = sum(self.counts)
        if not total:
            return Text("no requests in the last minute", style("status-bar--muted"), no_wrap=True)
        width = self.content_size.width
        every = [(name, count) for name, count in zip(CLASSES, self.counts, strict=True) if name != "3xx" or count]
        shown, figures = every, self._figures(every, total, labels=True)
        if width - len(figures) < MIN_BAR:  # narrower: the classes with answers only, then bare figures
            shown = [(name, count) for name, count in every if count]
            figures = self._figures(shown, total, labels=True)
            if width - len(figures) < MIN_BAR:
                figures = self._figures(shown, total, labels=False)
        text = Text(no_wrap=True, overflow="crop")
        for (name, _), cells in zip(shown, bar_cells([c for _, c in shown], width - len(figures)), strict=True):
            text.append("█" * cells, style(f"status-bar--{name}"))
        return text + figures

    def _figures(self, shown: list[tuple[str, int]], total: int, labels: bool) -> Text:
        style = self.get_component_rich_style
        text = Text(no_wrap=True)
        for name, count in shown:
            text.append(f" {name} " if labels else " ", style("status-bar--muted"))
            text.append(share_text(count, total), style(f"status-bar--{name}"))
        return text


class TrafficStrip(Horizontal):
    """req/s per second over the last minute (a sparkline, its peak) and the status-class bar."""

    DEFAULT_CSS = """
    TrafficStrip { height: 1; }
    TrafficStrip > .traffic-label { width: auto; color: $text-muted; padding: 0 1; }
    TrafficStrip > Sparkline { width: 1fr; }
    TrafficStrip > Sparkline > .sparkline--min-color { color: $success 40%; }
    TrafficStrip > Sparkline > .sparkline--max-color { color: $success; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sparkline = Sparkline([], id="rate-sparkline")
        self.peak = Label("", id="rate-peak", classes="traffic-label")
        self.bar = StatusBar(id="status-bar")

    def compose(self) -> ComposeResult:
        yield Label("req/s", classes="traffic-label")
        yield self.sparkline
        yield self.peak
        yield self.bar

    def show(self, per_second: list[int], classes: tuple[int, ...]) -> None:
        if per_second != self.sparkline.data:
            self.sparkline.data = per_second
            self.peak.update(f"max {max(per_second, default=0)}")
        self.bar.show(classes)
