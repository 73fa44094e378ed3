"""Why a mock cannot start: one line to show, and the exit code."""

from __future__ import annotations


class StartError(Exception):
    """The mock cannot start; the message is the one line to show (exit code `code`)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code
