"""Provides the controls pane: global delay, error rate, rate limit, offline, scenario packs, request checks.

The pane never changes settings itself: it posts `ControlsPane.Change` with a nested change
(as `Controls.update` takes it) and shows whatever snapshot the app hands back to `sync`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Label, Select

from mocktui.ui.slider import Slider

DISTRIBUTIONS = ("uniform", "normal", "longtail")
_BOOL_SWITCHES = {
    "offline": ("offline",),
    "rl-enabled": ("rate_limit", "enabled"),
    "scenarios": ("scenarios",),
    "validate-requests": ("validate_requests",),
    "validate-responses": ("validate_responses",),
    "security": ("security",),
    "dynamic": ("dynamic",),
}


def _ms(value: float) -> str:
    return f"{value:g} ms"


def _pct(value: float) -> str:
    return f"{value:g} %"


def _nested(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    change: Any = value
    for key in reversed(path):
        change = {key: change}
    result: dict[str, Any] = change
    return result


def _get(snapshot: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = snapshot
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


class ControlsPane(VerticalScroll):
    """Sliders and toggles over the global controls."""

    DEFAULT_CSS = """
    ControlsPane { height: 1fr; padding: 0 1; }
    ControlsPane #controls-hint { color: $text-muted; height: 1; margin-bottom: 1; }
    ControlsPane .row { height: 1; margin-bottom: 1; }
    ControlsPane .row.tight { margin-bottom: 0; }
    ControlsPane .name { width: 12; text-style: bold; }
    ControlsPane .sub { width: 10; color: $text-muted; }
    ControlsPane Checkbox { margin-right: 2; }
    ControlsPane Select { width: 24; }
    ControlsPane #packs { height: 1; width: 1fr; }
    ControlsPane #packs Label { color: $text-muted; }
    """

    class Change(Message):
        """The user asked for `changes` (a nested dict for `Controls.update`)."""

        def __init__(self, changes: dict[str, Any]) -> None:
            super().__init__()
            self.changes = changes

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snapshot: dict[str, Any] = {}
        self._packs: tuple[str, ...] | None = None  # the pack names shown

    def compose(self) -> ComposeResult:
        yield Label("←/→ adjust · shift ×10 · click or drag · space toggles · e d o l flip modes", id="controls-hint")
        with Horizontal(classes="row tight"):
            yield Label("Delay", classes="name")
            yield Label("min", classes="sub")
            yield Slider(0, maximum=5000, step=10, big_step=250, format=_ms, id="delay-min")
        with Horizontal(classes="row tight"):
            yield Label("", classes="name")
            yield Label("max", classes="sub")
            yield Slider(0, maximum=5000, step=10, big_step=250, format=_ms, id="delay-max")
        with Horizontal(classes="row"):
            yield Label("", classes="name")
            yield Label("shape", classes="sub")
            yield Select(
                [(name, name) for name in DISTRIBUTIONS],
                value="uniform",
                allow_blank=False,
                compact=True,
                id="distribution",
            )
        with Horizontal(classes="row"):
            yield Label("Errors", classes="name")
            yield Label("rate", classes="sub")
            yield Slider(0, maximum=100, step=1, big_step=10, format=_pct, id="error-rate")
        with Horizontal(classes="row tight"):
            yield Label("Rate limit", classes="name")
            yield Checkbox("on", compact=True, id="rl-enabled")
        with Horizontal(classes="row tight"):
            yield Label("", classes="name")
            yield Label("requests", classes="sub")
            yield Slider(100, minimum=1, maximum=1000, step=1, big_step=50, format=lambda v: f"{v:g}", id="rl-requests")
        with Horizontal(classes="row"):
            yield Label("", classes="name")
            yield Label("per", classes="sub")
            yield Slider(60, minimum=1, maximum=600, step=1, big_step=30, format=lambda v: f"{v:g} s", id="rl-window")
        with Horizontal(classes="row"):
            yield Label("Offline", classes="name")
            yield Checkbox("every route answers 503", compact=True, id="offline")
        with Horizontal(classes="row"):
            yield Label("Scenarios", classes="name")
            yield Checkbox("on", compact=True, id="scenarios")
            yield Horizontal(id="packs")
        with Horizontal(classes="row"):
            yield Label("Requests", classes="name")
            yield Checkbox("validate", compact=True, id="validate-requests")
            yield Checkbox("security", compact=True, id="security")
            yield Checkbox("dynamic", compact=True, id="dynamic")
            yield Checkbox("check responses", compact=True, id="validate-responses")

    def focus_main(self) -> None:
        self.query_one("#delay-min", Slider).focus()

    # -- from the model ------------------------------------------------------

    def sync(self, snapshot: Mapping[str, Any]) -> None:
        """Show `snapshot` (a `Controls.snapshot()`), posting no messages."""
        self.snapshot = dict(snapshot)
        delay = snapshot.get("delay") or {}
        faults = snapshot.get("faults") or {}
        limit = snapshot.get("rate_limit") or {}
        self.query_one("#delay-min", Slider).value = float(delay.get("min_ms") or 0)
        self.query_one("#delay-max", Slider).value = float(delay.get("max_ms") or 0)
        self.query_one("#error-rate", Slider).value = float(faults.get("error_rate") or 0)
        self.query_one("#rl-requests", Slider).value = float(limit.get("requests") or 1)
        self.query_one("#rl-window", Slider).value = float(limit.get("window_s") or 1)
        select: Select[str] = self.query_one("#distribution", Select)
        distribution = str(delay.get("distribution") or "uniform")
        if select.value != distribution and distribution in DISTRIBUTIONS:
            with select.prevent(Select.Changed):
                select.value = distribution
        for switch_id, path in _BOOL_SWITCHES.items():
            self._set_box(self.query_one(f"#{switch_id}", Checkbox), bool(_get(snapshot, path)))
        self._sync_packs(snapshot.get("packs") or {})

    @staticmethod
    def _set_box(box: Checkbox, value: bool) -> None:
        if box.value != value:
            with box.prevent(Checkbox.Changed):
                box.value = value

    def _sync_packs(self, packs: Mapping[str, bool]) -> None:
        names = tuple(sorted(packs))
        container = self.query_one("#packs", Horizontal)
        if not container.is_mounted:
            return
        if names != self._packs:
            self._packs = names
            container.remove_children()
            if names:
                container.mount_all(
                    Checkbox(name, bool(packs[name]), compact=True, name=name, classes="pack") for name in names
                )
            else:
                container.mount(Label("no scenario packs"))
            return
        for box in container.query(Checkbox):
            self._set_box(box, bool(packs.get(box.name or "")))

    # -- from the user ---------------------------------------------------------

    @on(Slider.Changed)
    def _slider(self, message: Slider.Changed) -> None:
        message.stop()
        if not self.snapshot:
            return
        value = message.value
        slider_id = message.slider.id
        if slider_id == "delay-min":
            other = self.query_one("#delay-max", Slider)
            change: dict[str, Any] = {"min_ms": value}
            if value > other.value:
                other.value = value
                change["max_ms"] = value
            self.post_message(self.Change({"delay": change}))
        elif slider_id == "delay-max":
            other = self.query_one("#delay-min", Slider)
            change = {"max_ms": value}
            if value < other.value:
                other.value = value
                change["min_ms"] = value
            self.post_message(self.Change({"delay": change}))
        elif slider_id == "error-rate":
            self.post_message(self.Change({"faults": {"error_rate": value}}))
        elif slider_id == "rl-requests":
            self.post_message(self.Change({"rate_limit": {"requests": int(value)}}))
        elif slider_id == "rl-window":
            self.post_message(self.Change({"rate_limit": {"window_s": value}}))

    @on(Checkbox.Changed)
    def _checkbox(self, message: Checkbox.Changed) -> None:
        message.stop()
        if not self.snapshot:
            return  # not showing any controls yet
        box = message.checkbox
        if box.has_class("pack"):
            self.post_message(self.Change({"packs": {box.name or "": message.value}}))
        elif box.id in _BOOL_SWITCHES:
            self.post_message(self.Change(_nested(_BOOL_SWITCHES[box.id], message.value)))

    @on(Select.Changed, "#distribution")
    def _distribution(self, message: Select.Changed) -> None:
        message.stop()
        current = (self.snapshot.get("delay") or {}).get("distribution")
        if self.snapshot and isinstance(message.value, str) and message.value != current:
            self.post_message(self.Change({"delay": {"distribution": message.value}}))
