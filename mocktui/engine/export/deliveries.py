"""Webhook and callback deliveries in the exports: requests the mock sent, not requests it answered.

Each attempt is a journal event tagged `webhook` or `callback` (`server/webhooks.py`) whose path is the
receiver's URL. The HAR carries every attempt as an entry of its own (`_mocktui.direction: outgoing`),
which replay and import leave out; the Postman collection re-sends each delivery's payload to
`{{webhookUrl}}` (a receiver team's replay). The pytest and scenario exports replay what clients asked,
so deliveries stay out of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from mocktui.engine import har
from mocktui.engine.events import EventQuery, RequestEvent
from mocktui.engine.outbox import SINK_PATH, delivery_of, is_delivery

OWN_NOTES = ("trigger", "attempt", "source")  # what the deliverer notes on every attempt
# Headers of the original delivery a replay does not resend: the HTTP client's own, the delivery's id
# (a receiver deduplicating on it would drop the replay) and a signature that was only good then.
NOT_REPLAYED = frozenset({"host", "user-agent", "content-length", "accept", "accept-encoding", "connection",
                          "x-mocktui-delivery", "x-mocktui-timestamp", "x-mocktui-signature"})  # fmt: skip
REPLAY_SINK = SINK_PATH + "replayed"  # where `{{webhookUrl}}` points until a receiver team sets it

SIGN_JS = """const secret = pm.collectionVariables.get('webhookSecret');
if (secret) {  // signed as mocktui signs (--webhook-secret): HMAC-SHA256 of the raw body
    const CryptoJS = require('crypto-js');
    const raw = pm.request.body && pm.request.body.raw ? pm.request.body.raw : '';
    pm.request.headers.upsert({ key: 'X-Mocktui-Timestamp', value: String(Math.floor(Date.now() / 1000)) });
    pm.request.headers.upsert({ key: 'X-Mocktui-Signature',
                                value: 'sha256=' + CryptoJS.HmacSHA256(raw, secret).toString(CryptoJS.enc.Hex) });
}"""


def chosen(journal: Iterable[RequestEvent], requests: list[RequestEvent], query: EventQuery,
           narrowed: bool) -> list[RequestEvent]:  # fmt: skip
    """The delivery attempts an export of `requests` carries: with no filter but `since`, all of them;
    narrowed to some requests (a filter, a limit, the control room's selection), those they triggered."""
    narrowed = narrowed or any((query.method, query.path, query.status, query.operation, query.session,
                                query.body is not None))  # fmt: skip
    ids = {e.id for e in requests}
    out = []
    for event in journal:
        if not is_delivery(event) or (query.since and event.time < query.since):
            continue
        if not narrowed or delivery_of(event)["trigger"] in ids:
            out.append(event)
    return out


@dataclass(frozen=True)
class Attempt:
    """One attempt as the journal noted it."""

    event: RequestEvent
    kind: str  # webhook | callback
    hook: str
    attempt: int  # 0: refused before any attempt (no URL, a full queue)
    attempts: int
    outcome: str  # delivered | retrying | failed
    trigger: int
    source: str
    error: str | None  # why no answer came (unreachable, a timeout), None when one did

    @property
    def delivery(self) -> str:
        """What ties the attempts of one delivery together: its `X-Mocktui-Delivery` id (per process)."""
        sent = next((v for k, v in self.event.request_headers if k.lower() == "x-mocktui-delivery"), "")
        return f"{self.event.worker}/{sent}" if sent else f"event {self.event.id}"


def attempt_of(event: RequestEvent) -> Attempt:
    said = delivery_of(event)
    mine = dict(n.split(" ", 1) for n in event.notes if n.split(" ", 1)[0] in OWN_NOTES and " " in n)
    total = mine.get("attempt", "").rpartition(" of ")[2]
    others = [n for n in event.notes if n.split(" ", 1)[0] not in OWN_NOTES]
    return Attempt(event, said["kind"], str(said["hook"]), said["attempt"], int(total) if total.isdigit() else 0,
                   said["outcome"], said["trigger"], mine.get("source", ""),
                   others[0] if event.status == 0 and others else None)  # fmt: skip


# -- HAR --------------------------------------------------------------------------------------------


def har_entry(event: RequestEvent, *, secrets: bool = False) -> dict[str, Any]:
    """The HAR entry of one attempt: the request the mock sent, the receiver's answer (status 0 and
    `_error` when none came), `_mocktui` naming it; secrets redacted as in the rest of the HAR."""
    url = urlsplit(event.path)
    headers = event.request_headers
    if not any(k.lower() == "host" for k, _ in headers):  # the HTTP client sent it; the journal leaves it out
        headers = [("host", url.netloc), *headers]
    sent = replace(event, path=url.path or "/", query=url.query, request_headers=headers)
    item = har.entry(sent, secrets=secrets, scheme=url.scheme or "http")
    found = attempt_of(event)
    item["_mocktui"].update(direction="outgoing", kind=found.kind, hook=found.hook, attempt=found.attempt,
                            attempts=found.attempts, outcome=found.outcome, trigger=found.trigger or None,
                            source=found.source or None, error=found.error)  # fmt: skip
    if found.error is not None:
        item["response"]["_error"] = found.error
    return item


# -- Postman ----------------------------------------------------------------------------------------


def postman_folder(attempts: list[RequestEvent], base_url: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The "Webhooks" folder (each delivery's payload once, to `{{webhookUrl}}`, checked for a 2xx) and
    its collection variables."""
    deliveries: dict[str, list[Attempt]] = {}
    for event in attempts:
        found = attempt_of(event)
        if found.attempt > 0:  # one refused before sending has no request to replay
            deliveries.setdefault(found.delivery, []).append(found)
    items = [_replay(n, tries) for n, tries in enumerate(deliveries.values(), 1)]
    folder = {
        "name": "Webhooks",
        "description": "The callbacks and webhooks the mock delivered in the session, each payload once, sent "
        "again to {{webhookUrl}} (set it to your receiver; by default the mock's own sink). With "
        "{{webhookSecret}} set, each is signed as `mocktui --webhook-secret` signs.",
        "item": items,
        "event": [{"listen": "prerequest", "script": {"type": "text/javascript", "exec": SIGN_JS.split("\n")}}],
    }
    variables = [{"key": "webhookUrl", "value": base_url + REPLAY_SINK}, {"key": "webhookSecret", "value": ""}]
    return folder, variables


def _replay(number: int, tries: list[Attempt]) -> dict[str, Any]:
    first, last = tries[0], tries[-1]
    event = first.event
    media = next((v for k, v in event.request_headers if k.lower() == "content-type"), "")
    headers = [{"key": k, "value": har.REDACTED if har.is_secret(k) else v}
               for k, v in event.request_headers if k.lower() not in NOT_REPLAYED]  # fmt: skip
    # The URL as a string: as an object, Postman adds a `/` to a URL with no path of its own.
    request: dict[str, Any] = {"method": event.method, "header": headers, "auth": {"type": "noauth"},
                               "url": "{{webhookUrl}}"}  # fmt: skip
    if event.request_body:
        raw = har.redact_body(event.request_body, media.lower()).decode("utf-8", "replace")
        request["body"] = {"mode": "raw", "raw": raw, **({"options": {"raw": {"language": "json"}}}
                                                           if "json" in media else {})}  # fmt: skip
    answer = f"status {last.event.status}" if last.error is None else last.error
    cause = f"after request {first.trigger}" if first.trigger else f"fired by {first.source or 'the mock'}"
    request["description"] = (f"{first.kind} {first.hook}, {cause}: sent to {event.path}; {last.outcome} after "
                              f"{len(tries)} attempt(s), the last answered {answer}.")  # fmt: skip
    test = [f"pm.test({json.dumps(f'the receiver accepts the {first.hook} {first.kind}')}, function () {{",
            "    pm.expect(pm.response.code, 'status').to.be.within(200, 299);",
            "});"]  # fmt: skip
    return {"name": f"{number}. {first.kind} {first.hook}"[:120], "request": request,
            "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": test}}]}  # fmt: skip
