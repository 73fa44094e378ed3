"""Readable spec problems: file, location and reason, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or suspicious) in a spec, located for a human."""

    file: str
    pointer: str
    reason: str
    line: int | None = None
    severity: str = "error"  # "error" | "warning"

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        pointer = self.pointer or "#"
        return f"{where}: {self.severity}: at {pointer}: {self.reason}"


@dataclass
class SpecError(Exception):
    """Raised when a spec cannot be served; carries every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.format() for p in self.problems)
