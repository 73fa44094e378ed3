"""What a scenario decides for one request, and the error that lists why scenarios cannot load."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mocktui.engine.http import MockResponse

if TYPE_CHECKING:
    pass


class ScenarioError(Exception):
    """The rules, hooks or pack names cannot be used; `problems` has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Decision:
    """How a scenario answers one request; None fields keep what the mock would do."""

    rule: str  # shown in the request log ("payments: declined card")
    status: int | None = None  # None: keep the mock's normal status
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None  # already encoded
    content_type: str | None = None
    example: str | None = None  # answer with this named spec example instead of a body
    delay_ms: float = 0.0
    fault: str | None = None  # reset | hang | truncate | drip | None
    # Changes the mock's normal response instead of replacing it (the variants pack).
    transform: Callable[[MockResponse], MockResponse] | None = None
    notes: list[str] = field(default_factory=list)  # what went wrong (a failing hook), for the log
