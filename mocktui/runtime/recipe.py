"""What the settings make of an engine: its controls, store, scenarios, replay and the state it starts with."""

from __future__ import annotations

import json
import os
from typing import Any

from mocktui.engine.events import EventStream
from mocktui.engine.har import HarError
from mocktui.engine.pipeline import MockEngine, Recipe, build_stages
from mocktui.engine.replay import Replay
from mocktui.engine.scenarios.decision import ScenarioError
from mocktui.engine.scenarios.runner import ScenarioFiles
from mocktui.engine.sessions import Sessions, SessionSource
from mocktui.engine.spec.model import Spec
from mocktui.engine.stateful.seeding import Progress
from mocktui.engine.steer.behaviour import Behaviour, MemoryLimiter
from mocktui.engine.steer.controls import Controls, Delay, Faults, RateLimit
from mocktui.engine.stores.base import State, Store, StoreError
from mocktui.engine.stores.registry import open_store
from mocktui.runtime.errors import StartError
from mocktui.settings.resolve import ConfigError
from mocktui.settings.table import Settings


def build_engine(
    spec: Spec,
    settings: Settings,
    *,
    seed: bool = True,
    load: bool = True,
    progress: Progress | None = None,
    events: EventStream | None = None,
    scope: str | None = None,
    state: State | None = None,
) -> MockEngine:
    """The engine the settings describe: controls, store, stages, seeded or loaded state.

    `load=False`: the `--state` file is not loaded (a worker: its supervisor loaded it into the shared
    store once; loading it again, as a respawned worker would, would wipe the writes made since).

    `progress(collection, done, total)` hears how seeding goes (after every batch of records);
    `events`: a journal shared with other engines (several specs in one instance); `scope`: the spec's
    name there, keeping its records apart in a shared store; `state`: its part of the `--state` file.
    """
    controls = controls_from(settings)
    store = _open_store(settings, scope) if controls.stateful else None
    recipe = Recipe(
        faker_seed=settings.faker_seed,
        store=store,
        seed_count=settings.seed,
        seed_counts=dict(settings.seed_counts),
        scenarios=scenario_files(settings),
        replay=load_replay(settings),
    )
    limiter = (store.limiter() if store is not None else None) or MemoryLimiter()
    try:
        stages = build_stages(spec, controls, recipe)
    except ScenarioError as exc:
        raise StartError("scenarios:\n  " + "\n  ".join(exc.problems)) from None
    events = EventStream(body_max=settings.journal_body_max) if events is None else events
    sessions = Sessions(SessionSource.parse(settings.session_from))
    engine = MockEngine(stages, recipe=recipe, events=events, behaviour=Behaviour(controls, limiter), sessions=sessions)
    scenarios = engine.scenarios
    if scenarios is not None:  # the packs that fit this spec, on or off: the TUI and admin API switch them
        controls.packs = {name: scenarios.pack_enabled(name) for name, fits in scenarios.packs.items() if fits}
    if engine.state is not None and scope is None and settings.state and load:
        state = read_state(settings.state)
    if engine.state is not None and state is not None:
        engine.state.load(state)
    elif seed and engine.state is not None and not engine.state.store.collections() and (scope or not settings.state):
        engine.state.seed(progress)  # several specs: one the --state file leaves out is seeded
    return engine


def _open_store(settings: Settings, scope: str | None = None) -> Store:
    url = settings.store_url or "memory"
    try:
        return open_store(url, scope)
    except StoreError as exc:
        flag = "--persist" if settings.persist and not settings.store else "--store"
        raise StartError(f"{flag}: {exc}", code=1 if exc.environment else 2) from None


def load_replay(settings: Settings) -> Replay | None:
    """The --replay recordings, indexed; a bad file stops start-up naming it."""
    if not settings.replay:
        return None
    try:
        return Replay.load(settings.replay)
    except HarError as exc:
        raise StartError(f"--replay {exc}") from None


def scenario_files(settings: Settings) -> ScenarioFiles:
    """Rules file, hooks file and packs from --scenarios / SCENARIOS / ENABLE_SCENARIOS / --hooks.

    Every pack is attached either way (switched off unless asked for), so the TUI can turn it on.
    """
    given = settings.scenarios
    files = [item for item in given or () if item.endswith((".yaml", ".yml", ".json")) or os.path.isfile(item)]
    if len(files) > 1:
        raise StartError(f"--scenarios: one rules file at a time, got {', '.join(files)}")
    names = tuple(item for item in given or () if item not in files)
    every = settings.enable_scenarios or (given is not None and not given)  # `--scenarios` alone: every pack
    return ScenarioFiles(files[0] if files else None, settings.hooks, None if every else names)


def controls_from(settings: Settings) -> Controls:
    """The initial live settings; from here on the admin API and the TUI change them."""
    low, high = settings.delay or (settings.min_delay or 0.0, settings.max_delay or settings.min_delay or 0.0)
    if low > high:
        raise ConfigError(f"delay: MIN_DELAY {low:g} is above MAX_DELAY {high:g}")
    faults = Faults(error_rate=settings.error_rate, chaos=dict(settings.chaos or {}))
    if settings.error_mix:
        faults.mix = dict(settings.error_mix)
    requests, window = settings.rate_limit or (settings.rate_limit_requests, settings.rate_limit_window)
    limited = settings.rate_limit is not None or settings.enable_rate_limiting
    return Controls(
        stateful=settings.stateful_mode,
        dynamic=settings.dynamic,
        cors_origin=settings.cors_origin,
        cors_credentials=settings.cors_credentials,
        security=settings.security,
        validate_requests=settings.validate_requests,
        validate_responses=settings.validate_responses,
        api_key=settings.api_key,
        max_body=settings.max_body,
        delay=Delay(low, high, settings.delay_distribution),
        faults=faults,
        rate_limit=RateLimit(limited, requests, window, settings.rate_limit_key),
        chaos_seed=settings.chaos_seed,
        mode=("proxy" if settings.proxy_strict else "auto") if settings.proxy else "mock",
    )


def read_state_json(path: str) -> Any:
    """A `--state` file's JSON."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise StartError(f"--state {path}: {exc}") from None


def read_state(path: str) -> State:
    """A `--state` file: `{collection: [records...]}` as the admin API exports it."""
    state = read_state_json(path)
    if not isinstance(state, dict) or not all(isinstance(v, list) for v in state.values()):
        raise StartError(f"--state {path}: expected {{collection: [records...]}}")
    return state
