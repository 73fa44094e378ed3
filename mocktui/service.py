"""The verbs: everything a user can do to a running mock, in one place.

The admin API (`server/admin.py`), the control room's local backend and, through the admin API,
`mocktui attach` are thin adapters over `MockService`, so an override, a store write or a reset
means the same thing whichever way it arrives. A refusal is a `ServiceError` with the HTTP status
that says it (404 unknown, 409 no store, 422 a bad value) and a message naming what was wrong.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

from mocktui import __version__
from mocktui.cluster.follow import Item
from mocktui.cluster.plane import Plane, SoloPlane, document
from mocktui.engine.changes import changes_of
from mocktui.engine.contract.compiled import response_for_code
from mocktui.engine.contract.validate import Violation
from mocktui.engine.events import EventQuery, RequestEvent
from mocktui.engine.export import deliveries
from mocktui.engine.export.formats import FORMATS, Export, build, sampler
from mocktui.engine.export.session import Session, answered
from mocktui.engine.outbox import (
    NO_BODY,
    SINK_PATH,
    SINK_TAG,
    Fire,
    Sink,
    delivery_of,
    is_delivery,
    outbox_of,
    sink_entry,
    sink_event,
)
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.mounts import spec_names
from mocktui.engine.stateful.crud import Stateful
from mocktui.engine.steer.controls import ControlError
from mocktui.engine.stores import session as session_store
from mocktui.engine.stores.base import Record, State

NEAR_MISSES = 3  # the closest requests a failed verify reports
RECENT_DELIVERIES = 20  # the attempts `webhooks()` lists per hook, newest last
NO_STORE = "no store: start the mock with --stateful (or --persist / --store)"


class ServiceError(Exception):
    """A verb refused: `status` is the HTTP status that says why, `detail` the words (or violations)."""

    def __init__(self, status: int, detail: str | list[dict[str, Any]]) -> None:
        super().__init__(detail if isinstance(detail, str) else "; ".join(str(d) for d in detail))
        self.status = status
        self.detail = detail


class MockService:
    """The verbs over one engine. `reload` re-reads the spec now (the composition root gives it);
    `plane` carries every change to the other processes of the mock and reads the shared journal."""

    def __init__(
        self,
        engine: MockEngine,
        reload: Callable[[], str] | None = None,
        plane: Plane | None = None,
        scope: str | None = None,
        journal: Plane | None = None,
    ) -> None:
        self.engine = engine
        self._reload = reload
        self.plane = plane or SoloPlane()
        self.scope = scope  # several specs share one journal: this spec's view of it (None: all of it)
        self.journal_plane = journal or self.plane  # several specs: the first spec's plane carries the journal
        if self.plane.engine is None:
            self.plane.engine = engine

    def _share(self) -> None:
        """Publish the steering document: returns once every process can read it."""
        self.plane.publish(document(self.engine))

    # -- the spec --------------------------------------------------------------------

    def spec(self) -> dict[str, Any]:
        spec = self.engine.spec
        return {
            "file": spec.file,
            "title": spec.title,
            "version": spec.api_version,
            "openapi": spec.version,
            "base_path": spec.base_path,
            "operations": len(spec.operations),
        }

    def describe(self) -> dict[str, Any]:
        """The spec as `GET /__mocktui/specs` lists it: its name (`?spec=NAME`) and where it is mounted."""
        spec = self.spec()
        return {"name": self.scope or spec_names([spec["file"]])[0], **spec, "mount": spec["base_path"] or "/"}

    def operations(self) -> list[dict[str, Any]]:
        out = []
        for compiled in self.engine.operations.values():
            op = compiled.op
            examples: list[str] = []
            for resp in compiled.responses.values():
                for media in resp.spec.content.values():
                    examples.extend(name for name in media.examples if name not in examples)
            out.append(
                {
                    "id": op.id,
                    "method": op.method,
                    "path": op.path,
                    "summary": op.summary,
                    "responses": list(compiled.responses),
                    "examples": examples,
                }
            )
        return out

    def reload(self) -> str:
        """Read the spec (and scenario files) again now; the answer says what was loaded."""
        if self._reload is None:
            raise ServiceError(409, "this mock was not started from a spec file it can reload")
        return self._reload()

    # -- controls and overrides ----------------------------------------------------------

    def controls(self) -> dict[str, Any]:
        return self.engine.controls.snapshot()

    def patch_controls(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Nested changes, e.g. `{"delay": {"max_ms": 300}}`: all or nothing."""
        before = self.engine.controls.snapshot()
        try:
            self.engine.controls.update(changes)
        except ControlError as exc:
            raise ServiceError(422, str(exc)) from None
        changes_of(self.engine).note("PATCH", "/__mocktui/controls", changes, before)
        self._share()
        return self.controls()

    def overrides(self) -> dict[str, Any]:
        overrides: dict[str, Any] = self.controls()["overrides"]
        return overrides

    def override(self, operation: str, session: str | None = None) -> dict[str, Any]:
        """The operation's override (`session`: the one made for that client session only)."""
        self._operation(operation)
        found = self.engine.sessions.overrides(session) if session is not None else self.overrides()
        current: dict[str, Any] = found.get(operation, {})
        return current

    def put_override(
        self, operation: str, override: dict[str, Any] | None, session: str | None = None
    ) -> dict[str, Any]:
        """Make `override` the operation's whole override ({} or None clears it); `session`: for its requests only."""
        return self._change_override(operation, override, replace=True, session=session)

    def patch_override(
        self, operation: str, changes: dict[str, Any] | None, session: str | None = None
    ) -> dict[str, Any]:
        """Merge `changes` into the operation's override (a null field goes back to the global controls)."""
        return self._change_override(operation, changes, replace=False, session=session)

    def delete_override(self, operation: str, session: str | None = None) -> None:
        self._change_override(operation, None, replace=True, session=session)

    def _change_override(
        self, operation: str, changes: dict[str, Any] | None, *, replace: bool, session: str | None = None
    ) -> dict[str, Any]:
        self._operation(operation)
        if changes:
            self._check_declared(operation, changes)
        before = self.engine.controls.snapshot()
        try:
            if session is not None:
                self.engine.sessions.set_override(session, operation, changes, replace=replace)
            else:
                self.engine.controls.override(operation, changes, replace=replace)
        except ControlError as exc:
            raise ServiceError(422, str(exc)) from None
        method = "DELETE" if changes is None else "PUT" if replace else "PATCH"
        changes_of(self.engine).note(method, f"/__mocktui/overrides/{operation}", changes, before, session)
        self._share()
        return self.override(operation, session)

    def _check_declared(self, operation: str, changes: dict[str, Any]) -> None:
        """A forced status or example must be one the operation declares: else every request would fail."""
        compiled = self.engine.operations[operation]
        status = changes.get("status")
        if isinstance(status, int) and not isinstance(status, bool):
            if response_for_code(compiled.responses, str(status)) is None:
                declared = ", ".join(compiled.responses)
                raise ServiceError(422, f"overrides.{operation}.status: {status} is not declared; declared: {declared}")
        example = changes.get("example")
        if isinstance(example, str):
            known = [n for r in compiled.responses.values() for m in r.media.values() for n in m.spec.examples]
            if example not in known:
                names = ", ".join(dict.fromkeys(known)) or "none"
                raise ServiceError(422, f"overrides.{operation}.example: no example {example!r}; known: {names}")

    def _operation(self, operation: str) -> None:
        if operation not in self.engine.operations:
            raise ServiceError(404, f"no operation {operation!r}; see /__mocktui/operations")

    # -- scenarios and packs ----------------------------------------------------------------

    def scenarios(self) -> dict[str, Any]:
        """Rules, hooks and packs in the order they are consulted, with hit counts."""
        found = self.engine.scenarios
        enabled = self.engine.controls.scenarios
        if found is None:
            return {"enabled": enabled, "packs": {}, "items": []}
        packs = {name: {"attached": on, "enabled": found.pack_enabled(name)} for name, on in found.packs.items()}
        return {"enabled": enabled, "packs": packs, "items": found.describe()}

    def switch_rule(self, rule: str, enabled: bool) -> dict[str, Any]:
        scenarios = self.engine.scenarios
        if scenarios is None or not scenarios.set_enabled(int(rule) if rule.isdigit() else rule, enabled):
            raise ServiceError(404, f"no rule {rule!r}")
        self._share()
        return {"rule": rule, "enabled": enabled}

    def switch_pack(self, pack: str, enabled: bool) -> dict[str, Any]:
        scenarios = self.engine.scenarios
        if scenarios is None or pack not in scenarios.packs:
            known = ", ".join(scenarios.packs) if scenarios is not None else "none"
            raise ServiceError(404, f"no pack {pack!r}; known: {known}")
        return self.patch_controls({"packs": {pack: enabled}})

    def reset_scenarios(self) -> None:
        """Forget rule call counts and pack memory (failed logins)."""
        if self.engine.scenarios is not None:
            self.engine.scenarios.reset()  # its counters are the cluster's when the engine is one of many

    # -- the cluster -------------------------------------------------------------------------

    def members(self) -> list[dict[str, Any]]:
        """The processes serving this mock (one, or its workers and the instances sharing its Redis)."""
        members: list[dict[str, Any]] = self.journal_plane.members()
        return members

    def follow(self, after: int | None = None) -> AsyncIterator[list[Item]]:
        """Request events after `after`, then live ones, notices and control changes (the SSE stream),
        in batches of what arrived together."""
        if self.scope is None:
            return self.journal_plane.follow(after)
        return self._follow_scope(after)

    async def _follow_scope(self, after: int | None) -> AsyncIterator[list[Item]]:
        async for batch in self.journal_plane.follow(after):
            if mine := [item for item in batch if item.kind != "request" or item.data.get("spec") == self.scope]:
                yield mine

    def _journal(self) -> list[RequestEvent]:
        """The journal as this service sees it: every event, or its spec's when it has a scope."""
        events = self.journal_plane.journal()
        return events if self.scope is None else [e for e in events if e.spec == self.scope]

    # -- the journal ------------------------------------------------------------------------

    def events(self, query: EventQuery, limit: int = 100) -> list[RequestEvent]:
        """The journal, newest last."""
        items = [e for e in self._journal() if query.matches(e)]
        return items[-max(limit, 0) :] if limit else []

    def verify(
        self,
        query: EventQuery,
        count: int | None = None,
        *,
        at_least: int | None = None,
        at_most: int | None = None,
    ) -> dict[str, Any]:
        """Was it called as expected? `count` exactly, or between `at_least` and `at_most`; none of
        them: at least once. When not, the near misses say which requests came closest and why not."""
        misses: list[tuple[list[str], RequestEvent]] = []
        matched = []
        for event in self._journal():
            why = query.why_not(event)
            if why:
                misses.append((why, event))
            else:
                matched.append(event)
        n = len(matched)
        if count is not None:
            ok = n == count
        elif at_least is not None or at_most is not None:
            ok = (at_least is None or n >= at_least) and (at_most is None or n <= at_most)
        else:
            ok = n > 0
        result: dict[str, Any] = {"ok": ok, "count": n, "expected": count, "ids": [e.id for e in matched]}
        if at_least is not None or at_most is not None:
            result["expected"] = {"at_least": at_least, "at_most": at_most}
        if not ok:
            closest = sorted(misses, key=lambda miss: (len(miss[0]), -miss[1].id))[:NEAR_MISSES]
            result["near_misses"] = [
                {"id": e.id, "method": e.method, "path": e.path, "status": e.status, "why": why} for why, e in closest
            ]
        return result

    def export(
        self, kind: str, query: EventQuery, base_url: str, limit: int = 0, ids: set[int] | None = None
    ) -> Export:
        """The spec and the journal (filtered as `events` filters it; `limit`: the newest only; `ids`: those
        events only, what the control room's filter shows) as one of `FORMATS` (postman, har, pytest, scenario)."""
        if kind not in FORMATS:
            raise ServiceError(404, f"no export {kind!r}; known: {', '.join(FORMATS)}")
        journal = self._journal()
        events = [e for e in journal if answered(e) and query.matches(e) and (ids is None or e.id in ids)]
        events = events[-limit:] if limit > 0 else events
        sent = deliveries.chosen(journal, events, query, narrowed=limit > 0 or ids is not None)
        log = changes_of(self.engine)
        session = Session(self.engine.spec, events, log.items(), log.base, self.controls(), base_url.rstrip("/"),
                          __version__, sampler(self.engine.contract.generator), sent)  # fmt: skip
        return build(kind, session)

    def drift(self) -> list[dict[str, Any]]:
        """What the backend behind `--proxy` did that the spec does not allow, by operation (most findings
        first): from the journal's events tagged `drift`, on every process of the mock."""
        by_operation: dict[str, dict[str, Any]] = {}
        for event in self._journal():
            if "drift" not in event.tags:
                continue
            name = event.operation or f"{event.method} {event.path} (unknown operation)"
            entry = by_operation.setdefault(
                name,
                {"operation": name, "exchanges": 0, "findings": 0, "notes": {}, "first_seen": event.time,
                 "last_seen": event.time, "last_event": event.id},
            )  # fmt: skip
            entry["exchanges"] += 1
            entry["findings"] += len(event.notes)
            entry["last_seen"], entry["last_event"] = event.time, event.id
            for note in event.notes:
                entry["notes"][note] = entry["notes"].get(note, 0) + 1
        out = sorted(by_operation.values(), key=lambda e: (-e["findings"], e["operation"]))
        for entry in out:
            entry["notes"] = [{"note": note, "count": count} for note, count in entry["notes"].items()]
        return out

    def unmatched(self, limit: int = 100) -> list[RequestEvent]:
        """Requests no operation of the spec matched (a client calling what the spec does not describe)."""
        items = [e for e in self._journal() if e.operation is None and e.status in (404, 405)]
        return items[-max(limit, 0) :] if limit else []

    def clear_events(self) -> None:
        """Forget the journal, and the control changes of that session (what exports replay)."""
        self.engine.events.clear()
        self.journal_plane.clear_journal()
        if changes_of(self.engine).items():
            changes_of(self.engine).clear()
            self._share()

    def reset(self, *, journal: bool = True, counters: bool = True, state: bool = False) -> None:
        """Journal, rate-limit counters and scenario call counts, and (when stateful) the store."""
        if journal:
            self.clear_events()
        if counters:
            self.engine.reset_counters()  # the cluster's counters too: the engine counts in them
        if state and self.engine.state is not None:
            self._state().seed()

    # -- client sessions ----------------------------------------------------------------------

    def session_of(self, headers: Mapping[str, str], query: str) -> str | None:
        """The session an admin call names, read as mock requests are (`--session-from`)."""
        return self.engine.sessions.source.pick(headers, query)

    def sessions(self) -> list[dict[str, Any]]:
        """Every session served or with records in the store, most recently seen first: requests seen
        (by every process of the mock: counted in its journal), records written (in the store), last
        seen, overrides."""
        sessions = self.engine.sessions
        out: dict[str, dict[str, Any]] = {}

        def entry(id: str) -> dict[str, Any]:
            return out.setdefault(id, {"id": id, "requests": 0, "records": 0, "last_seen": None, "overrides": []})

        if self.journal_plane.shared:
            for event in self._journal():
                if event.session is not None:
                    seen = entry(event.session)
                    seen["requests"] += 1
                    seen["last_seen"] = max(seen["last_seen"] or 0, event.time)
        else:
            for known in sessions.known():
                entry(known.id).update(requests=known.requests, last_seen=known.last_seen)
        if self.engine.state is not None and not self._seeding():
            for id, records in session_store.written(self.engine.state.store).items():
                entry(id)["records"] = records
        for id in sessions.with_overrides():
            entry(id)["overrides"] = sorted(sessions.overrides(id))
        return sorted(out.values(), key=lambda s: (-(s["last_seen"] or 0), s["id"]))

    def drop_session(self, id: str) -> dict[str, Any]:
        """Forget a session: its records (in the shared store), call counts and overrides; 404 if unknown."""
        records = session_store.drop(self._state().store, id) if self.engine.state is not None else 0
        forgot = self.engine.sessions.drop(id)
        scenarios = self.engine.scenarios
        counted = scenarios.forget_session(id) if scenarios is not None else False
        if not (records or forgot or counted):
            raise ServiceError(404, f"no session {id!r}; see /__mocktui/sessions")
        self._share()  # its overrides go on every process
        return {"id": id, "records": records}

    # -- the store --------------------------------------------------------------------------

    def store(self) -> dict[str, Any]:
        state = self._state()
        return {
            "kind": state.store.kind,
            "stateful": self.engine.controls.stateful,
            "collections": state.collections(),
            "resources": state.describe(),
        }

    def records(self, collection: str, offset: int = 0, limit: int = 100) -> list[Record]:
        return self._state().records(collection, offset, limit)

    def record(self, collection: str, id: str) -> Record:
        record = self._state().record(collection, id)
        if record is None:
            raise ServiceError(404, f"no record {id!r} in {collection!r}")
        return record

    def create_record(self, collection: str, record: Record) -> Record:
        """A new record (its id given or made); 422 with the schema's violations."""
        return self._save(collection, record, None)

    def replace_record(self, collection: str, id: str, record: Record) -> Record:
        return self._save(collection, record, id)

    def _save(self, collection: str, record: Record, id: str | None) -> Record:
        if not isinstance(record, dict):
            raise ServiceError(422, "a record is a JSON object")
        state = self._state()
        taken = state.conflicts(collection, record, id)
        if taken:  # every write path keeps unique fields unique, as the HTTP API does
            raise ServiceError(409, [v.to_dict() for v in taken])
        key, errors = state.save(collection, dict(record), id)
        _refuse(errors)
        return state.record(collection, key) or {}

    def delete_record(self, collection: str, id: str) -> None:
        if not self._state().remove(collection, id):
            raise ServiceError(404, f"no record {id!r} in {collection!r}")

    def reset_store(self) -> None:
        """Every record replaced by freshly seeded data."""
        self._state().seed()

    def export_store(self) -> State:
        return self._state().export()

    def import_store(self, state: State) -> None:
        if not isinstance(state, dict) or not all(isinstance(v, list) for v in state.values()):
            raise ServiceError(422, "expected {collection: [records...]}")
        self._state().load(state)

    def _seeding(self) -> bool:
        seeding = self.engine.seeding
        return seeding is not None and seeding.busy

    # -- callbacks and webhooks ----------------------------------------------------------------

    def webhooks(self) -> list[dict[str, Any]]:
        """Every callback and webhook of the spec, with its subscriptions and latest deliveries."""
        outbox = outbox_of(self.engine)
        made: Iterable[dict[str, Any]] = outbox.deliveries
        if self.plane.shared:  # every process's attempts: the cluster's journal, as the sink reads it
            made = [delivery_of(e) for e in self.journal_plane.journal() if is_delivery(e)]
        out = []
        for hook in self.engine.spec.hooks:
            recent = [d for d in made if d["hook"] == hook.key][-RECENT_DELIVERIES:]
            body = hook.operation.body
            out.append({"name": hook.key, "kind": hook.kind, "operation": hook.owner or None, "url": hook.url or None,
                        "method": hook.operation.method, "summary": hook.operation.summary,
                        "content_type": next(iter(body.content), None) if body is not None else None,
                        "subscriptions": outbox.subscriptions.get(hook.key, []), "on": hook.on,
                        "deliveries": recent})  # fmt: skip
        return out

    def subscribe_webhook(self, name: str, url: str) -> dict[str, Any]:
        """Send webhook `name` to `url` too (every process of the mock), from the next firing on."""
        self._hook(name, webhook=True)
        outbox_of(self.engine).subscribe(name, _checked_url(url))
        self._share()
        return {"name": name, "subscriptions": outbox_of(self.engine).subscriptions.get(name, [])}

    def unsubscribe_webhook(self, name: str, url: str) -> None:
        self._hook(name, webhook=True)
        if not outbox_of(self.engine).unsubscribe(name, url):
            raise ServiceError(404, f"{url!r} is not subscribed to webhook {name!r}")
        self._share()

    def fire_webhook(
        self, name: str, body: Any = NO_BODY, url: str | None = None, delay_ms: float = 0
    ) -> dict[str, Any]:
        """Send a webhook (to its subscribers, or `url`) or a callback (to `url`) now; `body` replaces the
        generated one. Delivery is asynchronous: the journal shows each attempt."""
        kind = self._hook(name)
        outbox = outbox_of(self.engine)
        targets = [_checked_url(url)] if url else list(outbox.subscriptions.get(name, []))
        if not targets:
            why = "no subscriptions; subscribe one or give a url" if kind == "webhook" else "a callback needs a url"
            raise ServiceError(422, f"{name}: nothing to send to: {why}")
        delay = (float(delay_ms), float(delay_ms)) if delay_ms else None
        intent = Fire(name, "admin", tuple(targets), body, delay_ms=delay)
        if outbox.delivering:
            outbox.fire(intent)
        elif not self.plane.hand_over(intent.to_message()):  # a supervisor: one of its workers delivers it
            raise ServiceError(409, "no process of this mock delivers webhooks right now (no worker is running)")
        return {"fired": name, "kind": kind, "targets": targets}

    def _hook(self, name: str, webhook: bool = False) -> str:
        hooks = {h.key: h.kind for h in self.engine.spec.hooks}
        if name not in hooks:
            raise ServiceError(404, f"no callback or webhook {name!r}; known: {', '.join(hooks) or 'none'}")
        if webhook and hooks[name] != "webhook":
            raise ServiceError(422, f"{name!r} is a callback: it goes where its URL expression says; give a url")
        return hooks[name]

    def sink(self, name: str) -> list[dict[str, Any]]:
        """What the built-in receiver `name` was sent, oldest first: from the journal, so whichever
        process of the mock received it."""
        path = SINK_PATH + name
        return [sink_entry(e) for e in self.journal_plane.journal() if e.path == path and SINK_TAG in e.tags]

    def sink_receive(self, name: str, method: str, headers: list[tuple[str, str]], body: bytes) -> Sink:
        """The built-in receiver got a request: journaled (in the serving loop); the sink says how to answer."""
        sink = outbox_of(self.engine).sink(name)
        self.engine.events.publish(sink_event(name, method, headers, body, sink.status))
        return sink

    def sink_behaviour(self, name: str, status: int | None = None, hang: bool | None = None) -> dict[str, Any]:
        sink = outbox_of(self.engine).sink(name)
        if status is not None:
            if not 200 <= status <= 599:
                raise ServiceError(422, f"status must be 200-599, got {status}")
            sink.status = status
        if hang is not None:
            sink.hang = hang
        self._share()  # every process's sink answers alike
        return {"status": sink.status, "hang": sink.hang}

    def _state(self) -> Stateful:
        if self.engine.state is None:
            raise ServiceError(409, NO_STORE)
        seeding = self.engine.seeding
        if seeding is not None and seeding.busy:  # the seeding thread writes it: no second writer, no half reads
            raise ServiceError(503, f"the store is being seeded ({seeding.line()}); try again when it is done")
        return self.engine.state


def _checked_url(url: str) -> str:
    scheme, _, rest = str(url).partition("://")
    if scheme.lower() not in ("http", "https") or not rest.split("/", 1)[0]:
        raise ServiceError(422, f"expected an http:// or https:// URL, got {url!r}")
    return str(url)


def _refuse(errors: list[Violation]) -> None:
    if errors:
        raise ServiceError(422, [e.to_dict() for e in errors])
