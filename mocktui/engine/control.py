"""Live settings: the one object that the CLI, admin API and TUI all change.

Every request reads it afresh, so a change applies to the very next request.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Controls:
    stateful: bool = False  # inferred resources answer from the store (needs one attached)
    dynamic: bool = False  # regenerate every response instead of serving stable examples
    validate_requests: bool = True  # refuse requests that break the operation's contract
    validate_responses: bool = False  # check every response against the spec; violations go to the events
    security: bool = True  # check the spec's security schemes
    api_key: str | None = None  # when set, every mock route requires `X-API-Key: <api_key>`
    cors_origin: str = "*"
    cors_credentials: bool = False
    max_body: int = 10 * 1024 * 1024  # request bodies above this many bytes get 413
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-operation settings

    def snapshot(self) -> dict[str, Any]:
        return asdict(self)
