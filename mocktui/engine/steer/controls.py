"""Live settings: the one object that the CLI, config file, admin API and TUI all change.

Every request reads it afresh, so a change applies to the very next request. Changes go
through `update` (a nested dict, as the admin API's PATCH body and the config file give
them), which checks every value and names the bad one; nothing is half-applied.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from mocktui.engine.steer.faults import FAULTS

DISTRIBUTIONS = ("uniform", "normal", "longtail")
MODES = ("mock", "proxy", "auto")  # answer from the spec; forward to --proxy; forward, the spec when it fails
CLIENT_KEYS = ("ip", "client-id", "api-key")
DEFAULT_MIX = {500: 25.0, 502: 25.0, 503: 25.0, 504: 25.0}  # the seed's failure mix


class ControlError(ValueError):
    """A value a control cannot take; the message names the control."""


@dataclass
class Delay:
    """Latency in milliseconds, drawn per request."""

    min_ms: float = 0.0
    max_ms: float = 0.0
    distribution: str = "uniform"  # uniform | normal | longtail

    @property
    def active(self) -> bool:
        return self.max_ms > 0


@dataclass
class Faults:
    """Injected failures: `error_rate` percent of requests get a status from `mix`; chaos per kind."""

    error_rate: float = 0.0  # percent
    mix: dict[int, float] = field(default_factory=lambda: dict(DEFAULT_MIX))  # status -> weight
    chaos: dict[str, float] = field(default_factory=dict)  # reset | hang | truncate | drip -> percent

    @property
    def active(self) -> bool:
        return self.error_rate > 0 or any(v > 0 for v in self.chaos.values())


@dataclass
class RateLimit:
    enabled: bool = False
    requests: int = 100
    window_s: float = 60.0
    key: str = "ip"  # ip | client-id | api-key


@dataclass
class Override:
    """Per-operation settings; None means "as the global controls say"."""

    status: int | None = None  # force a declared status
    example: str | None = None  # force a named example
    dynamic: bool | None = None
    delay: Delay | None = None  # added to the global delay
    error_rate: float | None = None  # replaces the global error rate
    chaos: dict[str, float] | None = None  # replaces the global chaos faults
    disabled: int | None = None  # 404 or 503: the route answers as if it were not there / down
    rate_limit: RateLimit | None = None  # replaces the global rate limit
    mode: str | None = None  # mock | proxy | auto: replaces the global mode for this operation

    def empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


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
    delay: Delay = field(default_factory=Delay)
    faults: Faults = field(default_factory=Faults)
    rate_limit: RateLimit = field(default_factory=RateLimit)
    offline: bool = False  # every mock route answers 503
    scenarios: bool = True  # scenario rules and packs apply
    packs: dict[str, bool] = field(default_factory=dict)  # built-in pack -> enabled
    overrides: dict[str, Override] = field(default_factory=dict)  # operation id -> override
    chaos_seed: int | None = None  # makes injected delays and faults reproducible
    mode: str = "mock"  # mock | proxy | auto (with --proxy): where answers come from

    def snapshot(self) -> dict[str, Any]:
        out = asdict(self)
        out["faults"]["mix"] = {str(k): v for k, v in self.faults.mix.items()}
        out["overrides"] = {op: _compact(asdict(o)) for op, o in self.overrides.items()}
        return out

    def update(self, changes: dict[str, Any]) -> None:
        """Apply nested changes, e.g. `{"delay": {"max_ms": 300}, "offline": true}`; all or nothing."""
        trial = copy.deepcopy(self)
        _apply(trial, changes, "")
        self.__dict__.update(trial.__dict__)

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Become exactly `snapshot` (another process's `snapshot()`): what a cluster's control plane sends."""
        fresh = Controls()
        fresh.update(snapshot)
        fresh.packs = dict(snapshot.get("packs", {}))
        self.__dict__.update(fresh.__dict__)

    def override(self, operation: str, changes: dict[str, Any] | None, *, replace: bool = False) -> Override | None:
        """Change one operation's override: merged into what it has, or (`replace`) instead of it.

        None or {} clears it; returns what is left of it. The new override is checked whole and
        swapped in with one assignment, so a request sees the old one or the new one, never a mix.
        """
        if not changes:
            self.overrides = {op: o for op, o in self.overrides.items() if op != operation}
            return None
        current = Override() if replace else copy.deepcopy(self.overrides.get(operation, Override()))
        _apply(current, changes, f"overrides.{operation}.")
        _check_override(current, f"overrides.{operation}.")
        if current.empty():
            self.overrides = {op: o for op, o in self.overrides.items() if op != operation}
            return None
        self.overrides = {**self.overrides, operation: current}
        return current


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


_NESTED = {"delay": Delay, "faults": Faults, "rate_limit": RateLimit}
_BOOLEANS = {
    "stateful", "dynamic", "validate_requests", "validate_responses", "security", "cors_credentials",
    "offline", "scenarios", "enabled",
}  # fmt: skip


def _apply(target: Any, changes: dict[str, Any], where: str) -> None:
    if not isinstance(changes, dict):
        raise ControlError(f"{where.rstrip('.') or 'controls'}: expected an object, got {changes!r}")
    known = {f.name: f for f in fields(target)}
    for key, value in changes.items():
        name = f"{where}{key}"
        if key not in known:
            raise ControlError(f"{name}: unknown control; known: {', '.join(known)}")
        if key == "overrides" and isinstance(target, Controls):
            if not isinstance(value, dict):
                raise ControlError(f"{name}: expected {{operation: {{...}}}}")
            for op, change in value.items():
                target.override(str(op), change)
            continue
        if value is None and isinstance(target, Override):
            setattr(target, key, None)  # back to what the global controls say
            continue
        if key in _NESTED:
            current = getattr(target, key)
            nested = copy.deepcopy(current) if current is not None else _NESTED[key]()
            _apply(nested, value, f"{name}.")
            setattr(target, key, nested)
            continue
        setattr(target, key, _coerce(name, key, value, getattr(target, key)))
    _check(target, where)


def _coerce(name: str, key: str, value: Any, current: Any) -> Any:
    """The value in the control's own type, or ControlError naming it."""
    if key == "mix":
        if not isinstance(value, dict) or not value:
            raise ControlError(f"{name}: expected {{status: weight}}, e.g. {{503: 50, 500: 50}}")
        try:
            mix = {int(k): float(v) for k, v in value.items()}
        except (TypeError, ValueError):
            raise ControlError(f"{name}: statuses and weights must be numbers") from None
        if any(not 400 <= k <= 599 or v < 0 for k, v in mix.items()) or not sum(mix.values()):
            raise ControlError(f"{name}: statuses must be 400-599 and weights positive")
        return mix
    if key == "chaos":
        if not isinstance(value, dict) or any(k not in FAULTS for k in value):
            raise ControlError(f"{name}: expected {{kind: percent}} with kinds {', '.join(FAULTS)}")
        return {k: _percent(f"{name}.{k}", v) for k, v in value.items()}
    if key == "packs":
        if not isinstance(value, dict) or not all(isinstance(v, bool) for v in value.values()):
            raise ControlError(f"{name}: expected {{pack: true|false}}")
        return {**current, **value} if isinstance(current, dict) else dict(value)
    if value is None:
        if current is None or key in ("api_key", "chaos_seed"):
            return None
        raise ControlError(f"{name}: must not be null")
    if key in _BOOLEANS:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            return value.lower() in ("true", "1", "yes", "on")
        raise ControlError(f"{name}: expected true or false, got {value!r}")
    if key in ("error_rate",):
        return _percent(name, value)
    if key in ("min_ms", "max_ms", "window_s"):
        number = _number(name, value)
        if number < 0:
            raise ControlError(f"{name}: must not be negative")
        return number
    if key in ("requests", "max_body", "status", "disabled", "chaos_seed"):
        number = _number(name, value)
        if number != int(number) or number < 0:
            raise ControlError(f"{name}: expected a whole number, got {value!r}")
        return int(number)
    if key == "distribution" and value not in DISTRIBUTIONS:
        raise ControlError(f"{name}: expected one of {', '.join(DISTRIBUTIONS)}, got {value!r}")
    if key == "mode" and value not in MODES:
        raise ControlError(f"{name}: expected one of {', '.join(MODES)}, got {value!r}")
    if key == "key" and value not in CLIENT_KEYS:
        raise ControlError(f"{name}: expected one of {', '.join(CLIENT_KEYS)}, got {value!r}")
    if not isinstance(value, str):
        raise ControlError(f"{name}: expected text, got {value!r}")
    return value


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ControlError(f"{name}: expected a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ControlError(f"{name}: expected a number, got {value!r}") from None


def _percent(name: str, value: Any) -> float:
    number = _number(name, value)
    if not 0 <= number <= 100:
        raise ControlError(f"{name}: a percentage must be 0-100, got {value!r}")
    return number


def _check(target: Any, where: str) -> None:
    if isinstance(target, Delay) and target.min_ms > target.max_ms:
        raise ControlError(f"{where}min_ms: {target.min_ms:g} is above max_ms {target.max_ms:g}")
    if isinstance(target, RateLimit) and (target.requests < 1 or target.window_s <= 0):
        raise ControlError(f"{where}rate_limit: needs at least 1 request per a positive window")


def _check_override(target: Override, where: str) -> None:
    if target.disabled not in (None, 404, 503):
        raise ControlError(f"{where}disabled: 404 (not there) or 503 (down), got {target.disabled!r}")
    if target.status is not None and not 100 <= target.status <= 599:
        raise ControlError(f"{where}status: an HTTP status, got {target.status!r}")
