"""The pipeline: one request through the stages, in a fixed order.

rate limit -> offline / disabled route -> scenarios -> injected failure -> replayed recording ->
contract checks -> stateful store -> contract answer -> delay and chaos. A request of a client session (`sessions.py`)
gets the session's view of the store, its overrides and its own counters. The stages are built from a spec by
`build_stages` (what the `Recipe` says: store, seeding, scenario files) and handed to `MockEngine`
at construction; a reload builds new stages aside and swaps them in with one assignment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import Any

from mocktui.engine.contract.compiled import CompiledOperation, response_for_code
from mocktui.engine.contract.idempotency import Idempotency
from mocktui.engine.contract.responder import Responder
from mocktui.engine.contract.validate import Violation
from mocktui.engine.events import EventStream
from mocktui.engine.http import MockRequest, MockResponse, parse_prefer, problem, query_prefer
from mocktui.engine.replay import Replay
from mocktui.engine.scenarios.answer import respond
from mocktui.engine.scenarios.decision import Decision
from mocktui.engine.scenarios.runner import ScenarioFiles, Scenarios
from mocktui.engine.sessions import Sessions
from mocktui.engine.spec.model import Spec
from mocktui.engine.stateful.crud import DEFAULT_SEED, Stateful
from mocktui.engine.stateful.seeding import SeedProgress
from mocktui.engine.steer.behaviour import Behaviour
from mocktui.engine.steer.controls import Controls, Override
from mocktui.engine.steer.counters import Counters, LocalCounters
from mocktui.engine.stores.base import Store


@dataclass(frozen=True)
class Recipe:
    """How stages are made from a spec: kept by the engine, so a reload makes them the same way."""

    faker_seed: int | None = None
    store: Store | None = None  # stateful mode needs one
    seed_count: int = DEFAULT_SEED
    seed_counts: Mapping[str, int] = field(default_factory=dict)
    scenarios: ScenarioFiles | None = None  # None: no scenario stage at all
    replay: Replay | None = None  # --replay: recorded answers, loaded once (a spec reload keeps them)


@dataclass(frozen=True)
class Stages:
    """Everything compiled from one spec; swapped as a whole, so a request never sees a mix."""

    contract: Responder
    state: Stateful | None = None
    scenarios: Scenarios | None = None


def build_stages(spec: Spec, controls: Controls, recipe: Recipe) -> Stages:
    """Compile `spec` into stages (safe in a worker thread while other stages serve); may raise
    `ScenarioError` when the scenario files do not fit the spec."""
    contract = Responder(spec, controls, recipe.faker_seed)
    state = None
    if recipe.store is not None:
        state = Stateful(contract, recipe.store, seed_count=recipe.seed_count, seed_counts=dict(recipe.seed_counts))
    scenarios = Scenarios.load(contract, state, recipe.scenarios) if recipe.scenarios is not None else None
    return Stages(contract, state, scenarios)


class MockEngine:
    """Answers requests through its stages; `controls` is read on every request."""

    def __init__(
        self,
        stages: Stages,
        *,
        recipe: Recipe | None = None,
        events: EventStream | None = None,
        behaviour: Behaviour | None = None,
        sessions: Sessions | None = None,
    ) -> None:
        self.stages = stages
        self.counters: Counters = LocalCounters()  # call counts, failed logins: a cluster's when `use_counters`
        if stages.scenarios is not None:
            stages.scenarios.use_counters(self.counters)
        self.controls = stages.contract.controls
        self.recipe = recipe or Recipe()
        self.events = events if events is not None else EventStream()  # an empty stream is falsy
        self.behaviour = behaviour or Behaviour(self.controls)
        self.idempotency = Idempotency()  # kept across reloads, like the journal
        self.seeding: SeedProgress | None = None  # a store being seeded in the background: 503 until done
        self.sessions = sessions or Sessions()

    @classmethod
    def build(
        cls,
        spec: Spec,
        *,
        controls: Controls | None = None,
        events: EventStream | None = None,
        behaviour: Behaviour | None = None,
        **recipe: Any,
    ) -> MockEngine:
        """Stages for `spec` as the recipe's fields (`store=`, `faker_seed=`, `scenarios=`...) say."""
        controls = controls or Controls()
        made = Recipe(**recipe)
        return cls(build_stages(spec, controls, made), recipe=made, events=events, behaviour=behaviour)

    # -- what the stages hold ---------------------------------------------------

    @property
    def contract(self) -> Responder:
        return self.stages.contract

    @property
    def spec(self) -> Spec:
        return self.stages.contract.spec

    @property
    def operations(self) -> dict[str, CompiledOperation]:
        return self.stages.contract.operations

    @property
    def state(self) -> Stateful | None:
        return self.stages.state

    @property
    def scenarios(self) -> Scenarios | None:
        return self.stages.scenarios

    # -- reloads ------------------------------------------------------------------

    def prepare(self, spec: Spec) -> Stages:
        """Stages for a new spec, made as this engine's were (run it in a worker thread)."""
        return build_stages(spec, self.controls, self.recipe)

    def swap(self, stages: Stages) -> None:
        """Serve `stages` from the next request on; in-flight requests keep what they hold."""
        if stages.scenarios is not None:
            stages.scenarios.use_counters(self.counters)
        self.stages = stages

    def use_counters(self, counters: Counters) -> None:
        """Count in `counters` (every process of a cluster counts in the same ones) from now on."""
        self.counters = counters
        if self.stages.scenarios is not None:
            self.stages.scenarios.use_counters(counters)

    def reload(self, spec: Spec) -> None:
        self.swap(self.prepare(spec))

    def reload_scenarios(self) -> None:
        """The scenario files read afresh (an edit); raises `ScenarioError` and keeps the old ones."""
        stages = self.stages
        if self.recipe.scenarios is not None:
            fresh = Scenarios.load(stages.contract, stages.state, self.recipe.scenarios)
            self.swap(replace(stages, scenarios=fresh))

    def reset_counters(self) -> None:
        """Forget per-client and per-rule counts (rate limits; scenario call counts)."""
        self.behaviour.limiter.reset()
        self.idempotency.clear()
        if self.stages.scenarios is not None:
            self.stages.scenarios.reset()
        if self.recipe.replay is not None:  # recorded sequences start again
            self.counters.reset()

    # -- requests -------------------------------------------------------------------

    def state_for(self, stages: Stages, request: MockRequest) -> Stateful | None:
        """The store as this request sees it: its session's copy-on-write view, or the mock's own."""
        if request.session is None or stages.state is None:
            return stages.state
        return self.sessions.state(request.session, stages.state)

    def match(self, method: str, path: str) -> tuple[CompiledOperation | None, dict[str, str], list[str]]:
        return self.stages.contract.match(method, path)

    def response_problems(self, response: MockResponse) -> list[str]:
        return self.stages.contract.response_problems(response)

    def handle(self, request: MockRequest) -> MockResponse:
        stages = self.stages  # one read: the whole request sees one version of the spec
        request.session = session = self.sessions.read(request)  # read once; the event names it too
        if session is not None:
            self.sessions.touch(session)
        response = self._handle(stages, request)
        if self.controls.validate_responses and response.operation is not None:
            notes = stages.contract.response_problems(response)
            if notes:
                response.notes = tuple(notes)
                response.tags = (*response.tags, "response-invalid")
        return response

    def _handle(self, stages: Stages, request: MockRequest) -> MockResponse:
        compiled, params, allowed = stages.contract.match(request.method, request.path)
        controls = self.controls
        override = controls.overrides.get(compiled.op.id) if compiled is not None and controls.overrides else None
        if request.session is not None and compiled is not None:  # the session's own override comes first
            override = self.sessions.override(request.session, compiled.op.id) or override
        op_id = compiled.op.id if compiled else None
        limit = self.behaviour.limit(override, op_id, request.client, request.headers, request.session)
        if limit is not None and not limit.allowed:
            detail = f"more than {limit.limit} requests in this window"
            response = self._own(stages, compiled, 429, "Too Many Requests", detail, ("rate-limited",))
        else:
            response = self._steered(stages, request, compiled, params, allowed, override)
        if limit is not None:
            response.headers.extend(limit.headers())
        if response.operation is not None or compiled is not None or response.delay_ms or response.fault:
            response.delay_ms += self.behaviour.delay_ms(override)
            chaotic = controls.faults.chaos or (override is not None and override.chaos)
            if chaotic and response.fault is None:
                response.fault = self.behaviour.chaos(override)
                if response.fault:
                    response.tags = (*response.tags, f"chaos:{response.fault}")
        return response

    def _steered(
        self,
        stages: Stages,
        request: MockRequest,
        compiled: CompiledOperation | None,
        params: dict[str, str],
        allowed: list[str],
        override: Override | None,
    ) -> MockResponse:
        """Offline, disabled routes, injected failures and forced answers, then the contract."""
        controls = self.controls
        seeding = self.seeding
        if seeding is not None and seeding.busy:  # a half-seeded store would answer 404s and shrinking lists
            detail = f"the store is being seeded ({seeding.line()}); try again in a second"
            response = self._own(stages, compiled, 503, "Service Unavailable", detail, ("seeding",))
            response.headers.append(("retry-after", "1"))
            return response
        if controls.offline:
            detail = "the mock is offline (toggle it in the TUI or admin API)"
            response = self._own(stages, compiled, 503, "Service Unavailable", detail, ("offline",))
            response.headers.append(("retry-after", "5"))
            return response
        if compiled is not None and override is not None and override.disabled:
            status = override.disabled
            title = "Not Found" if status == 404 else "Service Unavailable"
            response = self._own(stages, compiled, status, title, f"{compiled.op.id} is disabled", ("override",))
            response.operation = compiled.op.id
            return response
        if (
            stages.scenarios is not None
            and controls.scenarios
            and (not controls.api_key or request.headers.get("x-api-key") == controls.api_key)
        ):
            # Before the contract: a scenario is a deliberate answer (a declined card, a locked account).
            op = compiled.op if compiled is not None else None
            decision = stages.scenarios.decide(op, request, params, self.state_for(stages, request))
            if decision is not None:
                return self._scenario(stages, decision, request, compiled, params, allowed, override)
        if compiled is not None:
            injected = self.behaviour.injected_status(override)
            if injected is not None:
                return self._failure(stages.contract, compiled, request, injected)
        replay = self.recipe.replay
        if replay is not None and (override is None or (override.status is None and override.example is None)):
            replayed = replay.answer(request, self.counters)  # a deliberate answer too, but the spec's forced ones win
            if replayed is not None:
                replayed.operation = compiled.op.id if compiled is not None else replayed.operation
                return replayed
        response = self._contract(stages, request, compiled, params, allowed, override)
        if override is not None and compiled is not None:
            response.tags = (*response.tags, "override")
        return response

    def _scenario(
        self,
        stages: Stages,
        decision: Decision,
        request: MockRequest,
        compiled: CompiledOperation | None,
        params: dict[str, str],
        allowed: list[str],
        override: Override | None,
    ) -> MockResponse:
        """A scenario's answer: its own body, a declared status or example, or the normal answer changed."""

        def normal(prefer: dict[str, str]) -> MockResponse:
            if prefer and compiled is not None:
                return stages.contract.respond(compiled, request, prefer)
            return self._contract(stages, request, compiled, params, allowed, override)

        response = respond(decision, compiled.op if compiled is not None else None, normal)
        response.delay_ms, response.fault = decision.delay_ms, decision.fault
        response.scenario = decision.rule
        return response

    @staticmethod
    def _own(
        stages: Stages, compiled: CompiledOperation | None, status: int, title: str, detail: str, tags: tuple[str, ...]
    ) -> MockResponse:
        """The mock's own answer (rate limited, offline, seeding, disabled): in the operation's declared shape
        for `status` when it has one, saying `detail`; else problem+json."""
        if compiled is not None:
            declared = stages.contract.own_answer(compiled, status, title, detail, tags)
            if declared is not None:
                return declared
        response = problem(status, title, detail)
        response.tags = tags
        return response

    @staticmethod
    def _failure(contract: Responder, compiled: CompiledOperation, request: MockRequest, status: int) -> MockResponse:
        """An injected failure, in the shape the operation declares for that status if it does."""
        if response_for_code(compiled.responses, str(status)) is not None:
            response = contract.respond(compiled, request, {"code": str(status)})
        else:
            response = problem(status, HTTPStatus(status).phrase, "injected failure (error rate)")
            response.operation = compiled.op.id
        if status == 503:
            response.headers.append(("retry-after", "2"))
        response.tags = ("fault",)
        return response

    def _contract(
        self,
        stages: Stages,
        request: MockRequest,
        compiled: CompiledOperation | None,
        params: dict[str, str],
        allowed: list[str],
        override: Override | None,
    ) -> MockResponse:
        if compiled is None:
            if allowed:
                response = problem(
                    405,
                    "Method Not Allowed",
                    f"{request.method} is not declared for {request.path}",
                    allowed=allowed,
                )
                response.headers.append(("allow", ", ".join(allowed)))
                return response
            return problem(404, "Not Found", f"no operation of the spec matches {request.path}")
        contract = stages.contract
        refusal = contract.admit(compiled, request, params)
        if refusal is not None:
            return refusal
        if not compiled.idempotent:
            return self._answer(stages, request, compiled, params, override)
        kept = self.idempotency.replay(compiled, request)
        if isinstance(kept, str):
            return contract.reject(compiled, "invalid", [Violation("header", "/idempotency-key", kept)])
        if kept is not None:
            return kept
        response = self._answer(stages, request, compiled, params, override)
        self.idempotency.remember(compiled, request, response)
        return response

    def _answer(
        self,
        stages: Stages,
        request: MockRequest,
        compiled: CompiledOperation,
        params: dict[str, str],
        override: Override | None,
    ) -> MockResponse:
        """The contract's answer, or the store's: what the request asks for and the overrides force."""
        contract = stages.contract
        prefer = parse_prefer(request.headers.get("prefer", ""))
        if "__" in request.query:
            prefer.update(query_prefer(request.query))
        if override is not None:  # forced answers: as if the client had asked with Prefer
            if override.status is not None:
                prefer["code"] = str(override.status)
            if override.example is not None:
                prefer["example"] = override.example
            if override.dynamic is not None:
                prefer["dynamic"] = "true" if override.dynamic else "false"
        state = self.state_for(stages, request)
        if state is not None and self.controls.stateful and "code" not in prefer and "example" not in prefer:
            stored = state.handle(compiled, params, request)
            if stored is not None:
                return stored
        return contract.respond(compiled, request, prefer, params)
