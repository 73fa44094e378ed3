"""Provides the request log: a virtual list over a bounded ring of events, with follow mode and a filter.

Above it, the traffic strip (`mocktui.ui.charts`): req/s and status classes over the last minute.

`RequestList` is a Line-API widget: it renders only the rows on screen (each row cached by
event id and width), so a burst of requests costs a deque append each, and one refresh per
flush. The ring keeps the last `history` events; the list shows the ones the filter matches.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from time import time as wall_clock
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, Label

from mocktui.engine.events import RequestEvent
from mocktui.ui.charts import TrafficStrip
from mocktui.ui.keys import action
from mocktui.ui.model import FILTER_HELP, RequestFilter, clock_time, latency_text, status_class


@dataclass(frozen=True, slots=True)
class Display:
    """How volatile values are shown. Tests and screenshots freeze them to get stable pictures."""

    time: Callable[[float], str] = clock_time
    latency: Callable[[float], str] = latency_text
    rate: float | None = None  # a fixed req/s figure instead of the live one
    url: str | None = None  # shown instead of the real listening URL
    blink: bool = True  # text cursors blink
    now: Callable[[], float] = wall_clock  # the clock the traffic charts count the last minute by


def columns(width: int) -> list[tuple[str, int]]:
    """Column titles and widths of the request list for a given total width."""
    fixed = [("time", 8), ("method", 6), ("status", 6), ("latency", 7)]
    rest = width - sum(w for _, w in fixed) - 6  # one space between columns
    operation = max(min(rest // 3, 22), 8)
    tags = max(min(rest // 5, 18), 0) if width >= 100 else 0
    path = max(rest - operation - tags - (1 if tags else 0), 8)
    layout = [fixed[0], fixed[1], ("path", path), fixed[2], fixed[3], ("operation", operation)]
    if tags:
        layout.append(("tags", tags))
    return layout


def _fit(text: str, width: int, right: bool = False) -> str:
    if len(text) > width:
        return text[: max(width - 1, 0)] + "…" if width > 1 else text[:width]
    return text.rjust(width) if right else text.ljust(width)


class ColumnHeader(Widget):
    """The titles above the request list, laid out for the list's width."""

    DEFAULT_CSS = """
    ColumnHeader { height: 1; color: $text-muted; text-style: bold; padding: 0 0 0 1; }
    """

    def __init__(self, width: Callable[[], int]) -> None:
        super().__init__()
        self.list_width = width

    def render(self) -> str:
        parts = [_fit(name, width, right=name in ("status", "latency")) for name, width in columns(self.list_width())]
        return " ".join(parts)


class RequestList(ScrollView, can_focus=True):
    """Requests, newest at the bottom; follows new ones until the user scrolls or moves up."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Details", show=False, tooltip="the request and response in full; copy as curl"),
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last (follow)", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "request-list--cursor",
        "request-list--2xx",
        "request-list--3xx",
        "request-list--4xx",
        "request-list--5xx",
        "request-list--method",
        "request-list--dim",
        "request-list--tag",
    }

    DEFAULT_CSS = """
    RequestList {
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
        padding: 0 0 0 1;
        & > .request-list--cursor { background: $surface-lighten-1; }
        &:focus > .request-list--cursor { background: $primary 45%; }
        & > .request-list--2xx { color: $success; }
        & > .request-list--3xx { color: $secondary; }
        & > .request-list--4xx { color: $warning; }
        & > .request-list--5xx { color: $error; text-style: bold; }
        & > .request-list--method { color: $accent; }
        & > .request-list--dim { color: $text-muted; }
        & > .request-list--tag { color: $warning; }
    }
    """

    cursor: reactive[int] = reactive(-1, repaint=False)
    following: reactive[bool] = reactive(True)

    class Selected(Message):
        """Enter (or a click on the chosen row) on a request."""

        def __init__(self, event: RequestEvent) -> None:
            super().__init__()
            self.event = event

    class FollowChanged(Message):
        def __init__(self, following: bool) -> None:
            super().__init__()
            self.following = following

    def __init__(self, display: Display, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.display_options = display
        self.rows: deque[RequestEvent] = deque()
        self.pending = 0  # rows added while paused
        self._cache: LRUCache[tuple[int, int], Strip] = LRUCache(1024)

    # -- data --------------------------------------------------------------

    def drop_oldest(self, event: RequestEvent) -> None:
        """`event` left the ring: drop it if it is the first row (the rows are a subsequence of the ring)."""
        if self.rows and self.rows[0] is event:
            self.rows.popleft()
            self._shifted(1)

    def append(self, batch: Iterable[RequestEvent]) -> None:
        added = 0
        for event in batch:
            self.rows.append(event)
            added += 1
        if not added:
            return
        self._resize()
        if self.following:
            self._go_last()
        else:
            self.pending += added
        self.refresh()

    def replace(self, rows: Iterable[RequestEvent]) -> None:
        self.rows = deque(rows)
        self.pending = 0
        self._resize()
        if self.following or not 0 <= self.cursor < len(self.rows):
            self._go_last()
        self.refresh()

    def _shifted(self, removed: int) -> None:
        if self.following:
            return
        self.cursor = max(self.cursor - removed, 0 if self.rows else -1)
        self.scroll_to(y=max(self.scroll_y - removed, 0), animate=False)

    def _resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows))

    def _go_last(self) -> None:
        self.cursor = len(self.rows) - 1
        self.scroll_to(y=max(len(self.rows) - self.scrollable_content_region.height, 0), animate=False)

    @property
    def selected(self) -> RequestEvent | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    # -- follow mode and the cursor ----------------------------------------

    def watch_following(self, following: bool) -> None:
        if following:
            self.pending = 0
            self._go_last()
        self.post_message(self.FollowChanged(following))
        self.refresh()

    def watch_cursor(self, old: int, new: int) -> None:
        height = self.scrollable_content_region.height
        if new >= 0 and height:
            if new < self.scroll_y:
                self.scroll_to(y=new, animate=False)
            elif new >= self.scroll_y + height:
                self.scroll_to(y=new - height + 1, animate=False)
        self.refresh()

    def move(self, row: int) -> None:
        if not self.rows:
            return
        row = min(max(row, 0), len(self.rows) - 1)
        self.cursor = row
        last = row == len(self.rows) - 1
        if last != self.following:
            self.following = last

    def action_cursor(self, delta: int) -> None:
        self.move(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move(self.cursor + direction * max(self.scrollable_content_region.height - 1, 1))

    def action_first(self) -> None:
        self.move(0)

    def action_last(self) -> None:
        self.move(len(self.rows) - 1)
        self.following = True

    def action_open(self) -> None:
        event = self.selected
        if event is not None:
            self.post_message(self.Selected(event))

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.following and self.max_scroll_y > 0:
            self.following = False

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if not self.following and self.scroll_y + 3 >= self.max_scroll_y:
            self.call_after_refresh(self._maybe_follow)

    def _maybe_follow(self) -> None:
        if self.scroll_y >= self.max_scroll_y:
            self.following = True

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_y) + event.y - self.gutter.top
        if 0 <= row < len(self.rows):
            if row == self.cursor and event.chain >= 1 and self.has_focus:
                self.action_open()
            self.move(row)

    # -- rendering ---------------------------------------------------------

    def on_resize(self) -> None:
        self._resize()
        self.screen.query(ColumnHeader).refresh()

    def notify_style_update(self) -> None:
        self._cache.clear()
        super().notify_style_update()

    def clear_cache(self) -> None:
        self._cache.clear()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, self.rich_style)
        event = self.rows[index]
        key = (event.id or id(event), width)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(event, width)
            self._cache[key] = strip
        if index == self.cursor:
            strip = strip.apply_style(self.get_component_rich_style("request-list--cursor"))
        return strip

    def _render_row(self, event: RequestEvent, width: int) -> Strip:
        base = self.rich_style
        dim = base + self.get_component_rich_style("request-list--dim")
        status_style = base + self.get_component_rich_style(f"request-list--{status_class(event.status)}")
        method_style = base + self.get_component_rich_style("request-list--method")
        tag_style = base + self.get_component_rich_style("request-list--tag")
        path = f"{event.path}?{event.query}" if event.query else event.path
        display = self.display_options
        cells: dict[str, tuple[str, Style, bool]] = {
            "time": (display.time(event.time), dim, False),
            "method": (event.method, method_style, False),
            "path": (path, base, False),
            "status": (str(event.status), status_style, True),
            "latency": (display.latency(event.latency_ms), dim, True),
            "operation": (event.operation or "-", dim, False),
            "tags": (",".join(event.tags), tag_style, False),
        }
        segments: list[Segment] = []
        for i, (name, size) in enumerate(columns(width)):
            text, style, right = cells[name]
            if i:
                segments.append(Segment(" ", base))
            segments.append(Segment(_fit(text, size, right), style))
        return Strip(segments).adjust_cell_length(width, base)


class RequestsPane(Vertical):
    """The filter bar, the column titles and the request list, over a ring of `history` events."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", tooltip="filter as you type: " + FILTER_HELP),
        action("follow").binding(),
        Binding("escape", "leave_filter", "Back to list", show=False, tooltip="from the filter back to the list"),
        action("clear-log").binding(),
        action("export").binding(),
    ]

    DEFAULT_CSS = """
    RequestsPane { height: 1fr; }
    RequestsPane #filter-bar { height: 1; }
    RequestsPane #filter { width: 1fr; border: none; height: 1; padding: 0 1; }
    RequestsPane #filter.-invalid { color: $error; }
    RequestsPane #follow-state { width: auto; padding: 0 1; color: $text-muted; }
    RequestsPane #follow-state.-paused { color: $warning; text-style: bold; }
    """

    def __init__(self, display: Display, history: int = 5000, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.display_options = display
        self.ring: deque[RequestEvent] = deque(maxlen=history)
        self.filter = RequestFilter()
        self.base_path = ""  # the spec's base path: `path:/users*` also matches `/api/v1/users/1`
        self.request_list = RequestList(display, id="request-list")
        self.filter_input = Input(placeholder=f"/ filter: {FILTER_HELP}", id="filter", compact=True)
        self.follow_label = Label("following", id="follow-state")
        self.traffic = TrafficStrip(id="traffic")

    def compose(self) -> ComposeResult:
        yield self.traffic
        with Horizontal(id="filter-bar"):
            yield self.filter_input
            yield self.follow_label
        view = self.request_list
        yield ColumnHeader(lambda: view.scrollable_content_region.width)
        yield view

    def on_mount(self) -> None:
        self.filter_input.cursor_blink = self.display_options.blink

    def add(self, batch: list[RequestEvent]) -> None:
        """New events (oldest first): into the ring, and into the list when the filter matches."""
        view = self.request_list
        ring = self.ring
        matched: list[RequestEvent] = []
        for event in batch:
            if len(ring) == ring.maxlen:
                evicted = ring[0]
                if matched and matched[0] is evicted:
                    matched.pop(0)
                else:
                    view.drop_oldest(evicted)
            ring.append(event)
            if self.filter(event):
                matched.append(event)
        view.append(matched)
        self._show_state()

    def clear(self) -> None:
        self.ring.clear()
        self.request_list.replace([])
        self._show_state()

    def set_filter(self, text: str) -> None:
        self.filter = RequestFilter.parse(text, self.base_path)
        rows = [e for e in self.ring if self.filter(e)] if self.filter.active else list(self.ring)
        self.request_list.replace(rows)
        field = self.filter_input
        field.set_class(bool(self.filter.error), "-invalid")
        field.tooltip = self.filter.error or None
        self._show_state()

    def _show_state(self) -> None:
        view = self.request_list
        label = self.follow_label
        shown = f"{len(view.rows)}/{len(self.ring)}" if self.filter.active else f"{len(self.ring)}"
        if self.filter.error:
            label.update(f"? {self.filter.error}")
        elif view.following:
            label.update(f"{shown} · following")
        else:
            label.update(f"{shown} · paused +{view.pending} · f")
        label.set_class(not view.following, "-paused")

    @on(Input.Changed, "#filter")
    def _filter_changed(self, message: Input.Changed) -> None:
        self.set_filter(message.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.request_list.focus()

    @on(RequestList.FollowChanged)
    def _follow_changed(self) -> None:
        self._show_state()

    def action_filter(self) -> None:
        self.filter_input.focus()

    def action_leave_filter(self) -> None:
        self.request_list.focus()

    def action_follow(self) -> None:
        view = self.request_list
        view.following = not view.following

    def action_clear(self) -> None:
        self.clear()

    async def action_export(self) -> None:
        await self.app.run_action("export_requests")

    def shown_ids(self) -> list[int] | None:
        """The ids of the requests the filter shows; None without a filter (every request)."""
        return [event.id for event in self.request_list.rows] if self.filter.active else None

    def focus_main(self) -> None:
        self.request_list.focus()
