"""The journal as one HAR 1.2 document: each exchange with its full bodies (as the journal kept them),
secrets redacted as recordings redact them (`engine/har.py`), and a `_mocktui` extension saying why it
was answered so: operation, rule, the override in force, the fault injected, tags, session. The webhook
and callback deliveries the mock sent are entries too, in time order (`deliveries.py`)."""

from __future__ import annotations

import heapq
from typing import Any

from mocktui.engine import har
from mocktui.engine.events import RequestEvent
from mocktui.engine.export import deliveries
from mocktui.engine.export.session import Session


def document(session: Session, *, secrets: bool = False) -> dict[str, Any]:
    """The requests answered and the deliveries sent, merged by start (the requests in journal order)."""
    incoming = [entry(session, event, secrets=secrets) for event in session.events]
    outgoing = [deliveries.har_entry(event, secrets=secrets) for event in session.deliveries]
    entries = list(heapq.merge(incoming, outgoing, key=lambda item: str(item["startedDateTime"])))
    creator = {"name": "mocktui", "version": session.version or "0"}
    return {"log": {"version": "1.2", "creator": creator, "pages": [], "entries": entries}}


def entry(session: Session, event: RequestEvent, *, secrets: bool = False) -> dict[str, Any]:
    item = har.entry(event, secrets=secrets, scheme=session.base_url.split("://", 1)[0] or "http")
    controls = session.controls_at(event.time)
    override = controls.snapshot()["overrides"].get(event.operation or "") if "override" in event.tags else None
    item["_mocktui"].update(direction="incoming", rule=event.scenario, override=override, fault=fault(event))
    return item


def fault(event: RequestEvent) -> dict[str, Any] | None:
    """The failure injected into this exchange: an error-rate status, or a chaos fault on the wire."""
    chaos = next((tag.split(":", 1)[1] for tag in event.tags if tag.startswith("chaos:")), None)
    if chaos is not None:
        return {"kind": "chaos", "fault": chaos}
    if "fault" in event.tags:
        return {"kind": "error-rate", "status": event.status}
    return None
