"""Provides `Slider`: a one-line numeric slider (Textual has none).

Keyboard: left/right step, shift+left/shift+right big step, home/end to the ends.
Mouse: click or drag anywhere on the track. A `Slider.Changed` message is posted when the
user moves it; setting `value` from code posts nothing, so syncing from a model never loops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


def _plain(value: float) -> str:
    return f"{value:g}"


class Slider(Widget, can_focus=True):
    """A horizontal slider over [minimum, maximum] in steps of `step`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "step(-1)", "Less", show=False, tooltip="a slider one step down"),
        Binding("right", "step(1)", "More", show=False, tooltip="a slider one step up"),
        Binding("shift+left", "step(-10)", "Much less", show=False, tooltip="a slider a big step down"),
        Binding("shift+right", "step(10)", "Much more", show=False, tooltip="a slider a big step up"),
        Binding("home", "to_end(0)", "Minimum", show=False, tooltip="a slider to its minimum"),
        Binding("end", "to_end(1)", "Maximum", show=False, tooltip="a slider to its maximum"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"slider--track", "slider--fill", "slider--knob", "slider--value"}

    DEFAULT_CSS = """
    Slider {
        height: 1;
        width: 1fr;
        min-width: 16;
        & > .slider--track { color: $foreground 25%; }
        & > .slider--fill { color: $primary; }
        & > .slider--knob { color: $foreground; text-style: bold; }
        & > .slider--value { color: $foreground; }
        &:focus > .slider--fill { color: $accent; }
        &:focus > .slider--knob { color: $accent; }
        &:focus > .slider--value { text-style: bold; }
        &:disabled > .slider--fill { color: $foreground 40%; }
    }
    """

    value: reactive[float] = reactive(0.0)

    class Changed(Message):
        """The user moved the slider."""

        def __init__(self, slider: Slider, value: float) -> None:
            super().__init__()
            self.slider = slider
            self.value = value

        @property
        def control(self) -> Slider:
            return self.slider

    def __init__(
        self,
        value: float = 0.0,
        *,
        minimum: float = 0.0,
        maximum: float = 100.0,
        step: float = 1.0,
        big_step: float | None = None,
        format: Callable[[float], str] = _plain,
        value_width: int = 8,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.minimum = minimum
        self.maximum = maximum
        self.step = step
        self.big_step = big_step if big_step is not None else step * 10
        self.format = format
        self.value_width = value_width
        self.set_reactive(Slider.value, self.validate_value(value))

    def validate_value(self, value: float) -> float:
        value = min(max(float(value), self.minimum), self.maximum)
        steps = round((value - self.minimum) / self.step)
        return round(min(self.minimum + steps * self.step, self.maximum), 6)

    def move_to(self, value: float) -> None:
        """Set the value as the user would: posts `Changed` when it changes."""
        old = self.value
        self.value = value
        if self.value != old:
            self.post_message(self.Changed(self, self.value))

    def action_step(self, direction: int) -> None:
        size = self.big_step if abs(direction) > 1 else self.step
        self.move_to(self.value + (size if direction > 0 else -size))

    def action_to_end(self, end: int) -> None:
        self.move_to(self.maximum if end else self.minimum)

    @property
    def _track_width(self) -> int:
        return max(self.content_size.width - self.value_width - 1, 3)

    def _value_at(self, x: int) -> float:
        fraction = min(max(x, 0), self._track_width - 1) / max(self._track_width - 1, 1)
        return self.minimum + fraction * (self.maximum - self.minimum)

    def render(self) -> Text:
        width = self._track_width
        span = self.maximum - self.minimum
        fraction = (self.value - self.minimum) / span if span else 0.0
        knob = round(fraction * (width - 1))
        text = Text(no_wrap=True, overflow="crop")
        text.append("━" * knob, self.get_component_rich_style("slider--fill"))
        text.append("●", self.get_component_rich_style("slider--knob"))
        text.append("─" * (width - knob - 1), self.get_component_rich_style("slider--track"))
        label = self.format(self.value)[: self.value_width].rjust(self.value_width)
        text.append(" " + label, self.get_component_rich_style("slider--value"))
        return text

    async def _on_mouse_down(self, event: events.MouseDown) -> None:
        event.stop()
        self.focus()
        self.capture_mouse()
        self.move_to(self._value_at(event.x - self.gutter.left))

    async def _on_mouse_move(self, event: events.MouseMove) -> None:
        if self.app.mouse_captured is self and event.button:
            self.move_to(self._value_at(event.x - self.gutter.left))

    async def _on_mouse_up(self, event: events.MouseUp) -> None:
        if self.app.mouse_captured is self:
            self.release_mouse()

    async def _on_click(self, event: events.Click) -> None:
        event.stop()
