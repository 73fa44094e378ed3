"""Scenarios: rules, hooks and built-in packs that decide how to answer a request.

`Scenarios.load(contract, state, files)` reads and checks everything once;
`decide(op, request, params)` then answers "does a scenario take this request, and how?" with
a `Decision`, or None to let the mock answer as usual. Nothing here knows HTTP frameworks: the
caller turns a `Decision` into bytes (`respond` below builds the `MockResponse`; delays and
faults are the server's to carry out).

Order: the rules file first (in file order), then hooks (in definition order), then the enabled
packs (payments, auth, variants). The first that takes the request decides.

**Rules file** (YAML): a list of rules, or `{rules: [...]}`::

    - name: first order fails, then works      # optional; "rule N" otherwise
      when:
        method: POST                  # or [GET, POST]
        path: /orders*                # glob: * any characters, ? one, {id} one segment (captured)
        operation: createOrder        # operationId (or a list)
        query: {status: pending}      # equality, or {regex|gt|gte|lt|lte|in|not_in|exists|eq|ne|contains: ...}
        headers: {x-env: staging}     # case-insensitive names
        cookies: {session: abc}
        body: {/amount: {gt: 10000}, $.card.number: "4000000000000002"}   # JSON pointer or $.a.b[0]
        call: 1                       # the n-th request that meets the other conditions (or [1, 3])
        calls: {every: 3}             # or {after: 2} / {first: 2}
      then:
        status: 500
        headers: {Retry-After: "2"}   # values may be templates
        body: {error: try again}      # JSON (strings in it may be templates), or a string
        template: '{"id": "{{ uuid }}"}'   # see templates.py
        example: declined             # a named example of the operation's response
        content_type: application/json
        delay: 250                    # ms, or "100-300"
        fault: reset                  # reset | hang | truncate | drip
      enabled: true

A list as a condition value means `in`. Values compare as text, so `amount: 12` matches the
JSON number 12 and the string "12". A condition on a missing value fails, except `exists: false`
and `ne`. `call`/`calls` count, per rule, every request that meets the rule's other conditions,
whether or not an earlier rule took it, so `call: 1` and `call: 2` in two rules mean the first
and the second such request. A request of a client session (`request.session`) counts in that
session's own counts, so `call: 1` fires once per session.

**Hooks file** (Python): functions decorated with `on`; each gets a `HookRequest` and returns
None (pass), a dict with the keys of `then`, or a `Decision`::

    from mocktui.hooks import on

    @on("POST", "/orders")            # or @on(operation="createOrder"), or @on() for every request
    def big_orders(request):
        if request.json.get("total", 0) > 1000:
            return {"status": 402, "body": {"error": "limit"}}

A hook that raises does not stop the server: the request gets a 500 naming the error in
`X-Mocktui-Hook-Error`, and the error is logged and kept in `Scenarios.hook_errors`.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import traceback
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from mocktui.engine.http import MockRequest, header_value
from mocktui.engine.scenarios.conditions import Site, suggest
from mocktui.engine.scenarios.decision import Decision, ScenarioError
from mocktui.engine.scenarios.hooks import Hook, HookRequest, line_in, load_hooks
from mocktui.engine.scenarios.packs import BUILTIN
from mocktui.engine.scenarios.rules import Rule, load_rules
from mocktui.engine.scenarios.then import Then, compile_then
from mocktui.engine.scenarios.view import RequestView
from mocktui.engine.spec.model import Operation
from mocktui.engine.steer.counters import Counters, LocalCounters

if TYPE_CHECKING:
    from mocktui.engine.contract.responder import Responder
    from mocktui.engine.scenarios.packs.base import Pack
    from mocktui.engine.stateful.crud import Stateful


log = logging.getLogger("mocktui.scenarios")

HOOK_ERROR_HEADER = "X-Mocktui-Hook-Error"


@dataclass(frozen=True)
class ScenarioFiles:
    """Where scenarios come from: a rules file, a hooks file, and the packs enabled from the start."""

    rules: str | None = None
    hooks: str | None = None
    packs: tuple[str, ...] | None = ()  # None: every pack; () none (each can still be switched on)


class Scenarios:
    """The rules, hooks and packs of one mock; `decide` is called per request."""

    def __init__(self, contract: Responder, state: Stateful | None = None) -> None:
        self.contract = contract
        self.state = state
        self.rules: list[Rule] = []
        self.hooks: list[Hook] = []
        self.files = ScenarioFiles()
        self.all_packs: list[Pack] = []
        self.default_packs: set[str] = set()  # enabled unless `controls.packs` says otherwise
        self.hook_errors: deque[dict[str, Any]] = deque(maxlen=100)
        self.rng = random.Random(f"{contract.seed}:scenarios")
        self._lock = threading.Lock()
        self.counters: Counters = LocalCounters()  # the cluster's, when the engine is one of many processes

    def use_counters(self, counters: Counters) -> None:
        """Count calls and failed logins in `counters` (the engine's: shared by every process of a cluster)."""
        self.counters = counters
        for pack in self.all_packs:
            pack.counters = counters

    @classmethod
    def load(cls, contract: Responder, state: Stateful | None, files: ScenarioFiles) -> Scenarios:
        """Read and check everything; raises `ScenarioError` listing every problem.

        Every built-in pack is attached, enabled or not, so `controls.packs` can switch any on later.
        """
        self = cls(contract, state)
        self.files = files
        problems: list[str] = []
        if files.rules is not None:
            self.rules = load_rules(files.rules, contract, problems)
        if files.hooks is not None:
            self.hooks = load_hooks(files.hooks, contract, problems)
        self.all_packs = [pack_class(contract) for pack_class in BUILTIN]
        self.use_counters(self.counters)
        names = [p.name for p in self.all_packs]
        wanted = names if files.packs is None or "all" in files.packs else files.packs
        for name in wanted:
            if name not in names:
                problems.append(f"packs: unknown pack {name!r}{suggest(name, names)}; known: {', '.join(names)}")
        self.default_packs = {n for n in wanted if n in names}
        if problems:
            raise ScenarioError(problems)
        return self

    @property
    def packs(self) -> dict[str, bool]:
        """Every built-in pack -> whether it attaches to some operation of this spec."""
        return {pack.name: bool(pack.operations) for pack in self.all_packs}

    def pack_enabled(self, name: str) -> bool:
        """`controls.packs[name]` when set, else whether `load` enabled it."""
        return self.contract.controls.packs.get(name, name in self.default_packs)

    def decide(
        self, op: Operation | None, request: MockRequest, params: dict[str, str], state: Stateful | None = None
    ) -> Decision | None:
        """The first scenario that takes this request, or None. Reads `contract.controls` every call.

        `state`: the store as this request sees it (its session's view); the mock's own by default.
        """
        if not self.contract.controls.scenarios:
            return None
        view = RequestView(self.contract, state or self.state, op, request, params)
        decision: Decision | None = None
        for rule in self.rules:
            if not rule.enabled or (decision is not None and rule.when.call is None):
                continue
            view.captures = {}
            if not rule.when.matches(view):
                continue
            count = 0
            if rule.when.call is not None:
                count = self._count(rule, request.session)
                if not rule.when.call(count):
                    continue
            if decision is None:
                rule.hits += 1
                decision = self._answer(rule.name, rule.then, view, count)
        if decision is not None:
            return decision
        for hook in self.hooks:
            view.captures = {}
            if hook.when.matches(view):
                decision = self._run_hook(hook, view)
                if decision is not None:
                    hook.hits += 1
                    return decision
        for pack in self.all_packs:
            if pack.operations and self.pack_enabled(pack.name):
                decision = pack.decide(view)
                if decision is not None:
                    return decision
        return None

    def _count(self, rule: Rule, session: str | None) -> int:
        """Count a request that meets `rule`: in the rule's own count, or in the session's."""
        count = self.counters.incr(_call_key(rule.index, session))
        if session is None:
            rule.count = count
        return count

    def session_calls(self, session: str) -> dict[int, int]:
        """Rule index -> requests of `session` that met it."""
        counts = {rule.index: self.counters.incr(_call_key(rule.index, session), 0) for rule in self.rules}
        return {index: count for index, count in counts.items() if count}

    def forget_session(self, session: str) -> bool:
        counted = bool(self.session_calls(session))
        for rule in self.rules:
            self.counters.drop(_call_key(rule.index, session))
        return counted

    def _answer(self, name: str, then: Then, view: RequestView, count: int) -> Decision:
        try:
            return then.decide(name, view, self.rng, count)
        except Exception as exc:  # noqa: BLE001 - a store that fails must not stop the server
            log.exception("scenario %r failed", name)
            return _failure(name, exc, f"scenario {name!r} failed")

    def _run_hook(self, hook: Hook, view: RequestView) -> Decision | None:
        request = HookRequest(
            method=view.method,
            path=view.request.path,
            path_params={**view.captures, **view.params},
            query=view.query,
            headers=view.headers,
            cookies=view.cookies,
            json=view.body if view.body is not None else {},
            body=view.request.body,
            operation=view.op.id if view.op is not None else None,
            store=view.state,
        )
        name = f"hook {hook.name}"
        try:
            result = hook.fn(request)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's code must not stop the server
            return self._hook_failed(hook, exc)
        if result is None:
            return None
        if isinstance(result, Decision):
            result.rule = result.rule or name
            return result
        if isinstance(result, int) and not isinstance(result, bool):
            result = {"status": result}
        if not isinstance(result, dict):
            return self._hook_failed(hook, TypeError(f"returned {type(result).__name__}; expected None or a dict"))
        problems: list[str] = []
        ops = [view.op] if view.op is not None else []
        then = compile_then(Site(hook.source, name, 0, problems), self.contract, result, ops, ("return",))
        if then is None:
            reason = problems[0].split(f"{name}: ", 1)[-1] if problems else "cannot be used"
            return self._hook_failed(hook, ValueError(f"returned a bad answer: {reason}"))
        return self._answer(name, then, view, hook.hits + 1)

    def _hook_failed(self, hook: Hook, exc: BaseException) -> Decision:
        hook.errors += 1
        line = line_in(self.files.hooks or "", exc) if exc.__traceback__ is not None else None
        where = f"{self.files.hooks}:{line}" if line else hook.source
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        note = f"hook {hook.name} failed at {where}: {last}"
        log.warning("%s\n%s", note, "".join(traceback.format_exception(exc)).rstrip())
        self.hook_errors.append({"hook": hook.name, "where": where, "error": last, "time": _now_iso()})
        return _failure(f"hook {hook.name}", exc, note)

    def describe(self) -> list[dict[str, Any]]:
        """The rules, hooks and packs, in the order they are consulted (admin API, TUI)."""
        out: list[dict[str, Any]] = []
        for rule in self.rules:
            out.append(
                {
                    "kind": "rule",
                    "index": rule.index,
                    "name": rule.name,
                    "source": rule.source,
                    "enabled": rule.enabled,
                    "when": rule.raw.get("when") or {},
                    "then": rule.raw.get("then") or {},
                    "calls": rule.count,
                    "hits": rule.hits,
                }
            )
        for hook in self.hooks:
            out.append(
                {
                    "kind": "hook",
                    "name": hook.name,
                    "source": hook.source,
                    "enabled": True,
                    "when": hook.spec,
                    "hits": hook.hits,
                    "errors": hook.errors,
                }
            )
        for pack in self.all_packs:
            out.append(
                {
                    "kind": "pack",
                    "name": pack.name,
                    "description": pack.description,
                    "attached": bool(pack.operations),
                    "enabled": self.pack_enabled(pack.name),
                    "operations": list(pack.operations),
                    "hits": pack.hits,
                }
            )
        return out

    def set_enabled(self, rule: int | str, enabled: bool) -> bool:
        """Switch a rule (by its 1-based index or name) on or off; False when there is no such rule."""
        found = [r for r in self.rules if r.index == rule or r.name == rule]
        for r in found:
            r.enabled = enabled
        return bool(found)

    def reset(self) -> None:
        """Forget call counters and pack state (failed logins)."""
        with self._lock:
            for rule in self.rules:
                rule.count = 0
            self.counters.reset()
            for pack in self.all_packs:
                pack.reset()


def _call_key(index: int, session: str | None) -> str:
    return f"call:{index}" if session is None else f"call:{index}:{session}"


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _failure(name: str, exc: BaseException, note: str) -> Decision:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    body = {"type": "about:blank", "title": "Scenario error", "status": 500, "detail": note}
    return Decision(
        rule=name,
        status=500,
        headers=[(HOOK_ERROR_HEADER, header_value(last))],
        body=orjson.dumps(body),
        content_type="application/problem+json",
        notes=[note],
    )
