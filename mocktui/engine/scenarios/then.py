"""`then:` answers compiled: status, headers, bodies and templates, examples, delays, faults."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from mocktui.engine.contract.media import encode, is_json
from mocktui.engine.data.templates import Template
from mocktui.engine.http import header_value, status_of
from mocktui.engine.scenarios.conditions import Site, canon, unknown_keys
from mocktui.engine.scenarios.decision import Decision
from mocktui.engine.scenarios.view import MISSING, RequestView
from mocktui.engine.spec.model import Operation
from mocktui.engine.steer.faults import FAULTS

if TYPE_CHECKING:
    from mocktui.engine.contract.responder import Responder

    pass


THEN_KEYS = ("status", "headers", "body", "template", "example", "content_type", "delay", "fault", "webhook")
_TOKEN_CHARS = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*(ms|s)?\s*$")


# -- responders ----------------------------------------------------------------------------


@dataclass
class Then:
    status: int | None = None
    headers: list[tuple[str, Template]] = field(default_factory=list)
    body: Any = MISSING  # JSON with Templates for templated strings, or a Template for a text body
    template: Template | None = None
    example: str | None = None
    content_type: str | None = None
    delay: tuple[float, float] | None = None
    fault: str | None = None
    dynamic: bool | None = None  # whether any part reads the request (known after the first use)
    webhook: str | None = None  # fire this webhook: a note on the event the server's deliverer acts on
    webhook_delay: tuple[float, float] | None = None

    def decide(self, name: str, view: RequestView, rng: random.Random, count: int = 0) -> Decision:
        if self.dynamic is None:
            self.dynamic = self._needs_scope()
        scope = view.scope(rng, count) if self.dynamic else None
        notes: list[str] = []  # templates that failed while rendering, for the request log
        headers = [
            (n, header_value(t.render(scope, notes=notes) if scope is not None else t.source)) for n, t in self.headers
        ]
        body: bytes | None = None
        ctype = self.content_type
        if isinstance(self.body, Template):  # a text body
            assert scope is not None or not self.body.dynamic
            text = self.body.render(scope, notes=notes) if scope is not None else self.body.source
            body, ctype = text.encode(), ctype or "text/plain; charset=utf-8"
        elif self.body is not MISSING:
            value = _render_tree(self.body, scope, notes) if scope is not None else self.body
            ctype = ctype or "application/json"
            body = orjson.dumps(value) if is_json(ctype) else encode(value, ctype.split(";")[0].strip(), rng)
        elif self.template is not None:
            wanted = ctype or "application/json"
            text = self.template.render(scope or {}, json_escape=is_json(wanted), notes=notes)
            if ctype is None and not _is_json_text(text):
                wanted = "text/plain; charset=utf-8"
            body, ctype = text.encode(), wanted
        delay = 0.0
        if self.delay is not None:
            low, high = self.delay
            delay = low if low == high else rng.uniform(low, high)
        if self.webhook is not None:
            notes.append(webhook_note(self.webhook, self.webhook_delay))
        return Decision(
            rule=name,
            status=self.status,
            headers=headers,
            body=body,
            content_type=ctype if body is not None else None,
            example=self.example,
            delay_ms=delay,
            fault=self.fault,
            notes=notes,
        )

    def _needs_scope(self) -> bool:
        return (
            any(t.dynamic for _, t in self.headers)
            or self.template is not None
            or (isinstance(self.body, Template) and self.body.dynamic)
            or _has_template(self.body)
        )


def webhook_note(name: str, delay: tuple[float, float] | None) -> str:
    """The intent a scenario leaves on its event: `fire webhook NAME[ after LOW[-HIGH] ms]`."""
    if delay is None:
        return f"fire webhook {name}"
    low, high = delay
    return f"fire webhook {name} after {low:g} ms" if low == high else f"fire webhook {name} after {low:g}-{high:g} ms"


def _webhook(site: Site, contract: Responder, values: dict[str, Any], out: Then, path: tuple[Any, ...]) -> None:
    """`webhook: NAME` (with `delay:` beside it, that is the webhook's delay) or `webhook: {name, delay}`."""
    value: Any = values["webhook"]
    delay: Any = None
    if isinstance(value, dict):
        value, delay = value.get("name"), value.get("delay")
    elif "delay" in values:
        delay, out.delay = values["delay"], None
    known = [h.key for h in contract.spec.hooks if h.kind == "webhook"]
    if not isinstance(value, str) or value not in known:
        site.error((*path, "webhook"), f"unknown webhook {value!r}; known: {', '.join(known) or 'none'}")
        return
    out.webhook = value
    if delay is not None:
        out.webhook_delay = _delay(site, delay, (*path, "webhook", "delay"))


def _has_template(value: Any) -> bool:
    if isinstance(value, Template):
        return value.dynamic
    if isinstance(value, dict):
        return any(_has_template(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_template(v) for v in value)
    return False


def _render_tree(value: Any, scope: Mapping[str, Any], notes: list[str]) -> Any:
    if isinstance(value, Template):
        return value.value(scope, notes)
    if isinstance(value, dict):
        return {k: _render_tree(v, scope, notes) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_tree(v, scope, notes) for v in value]
    return value


def _is_json_text(text: str) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def _compile_tree(site: Site, value: Any, path: tuple[Any, ...], contract: Responder) -> Any:
    """A JSON body whose strings may be templates (those with `{{` or `{%`)."""
    if isinstance(value, str):
        if "{{" not in value and "{%" not in value:
            return value
        template = site.template(path, value)
        if template is not None:
            _check_template(site, template, path, contract)
        return template if template is not None else value
    if isinstance(value, dict):
        return {str(k): _compile_tree(site, v, (*path, k), contract) for k, v in value.items()}
    if isinstance(value, list):
        return [_compile_tree(site, v, (*path, i), contract) for i, v in enumerate(value)]
    return value


def _check_template(site: Site, template: Template, path: tuple[Any, ...], contract: Responder) -> None:
    """Names that only the running mock could reject, checked now: Faker providers."""
    for root, steps in template.paths:
        if root == "faker":
            provider = steps[0] if steps else None
            if not isinstance(provider, str):
                site.error(path, "template: faker needs a provider, e.g. {{ faker.email }}")
            elif provider.startswith("_") or not contract.generator.pools.has(provider):
                site.error(path, f"template: unknown Faker provider {provider!r}")
        elif root == "store" and not (steps and isinstance(steps[0], str)):
            site.error(path, "template: store needs a collection, e.g. {{ store.users[path.id] }}")


def _status(site: Site, value: Any, path: tuple[Any, ...]) -> int | None:
    number = int(value) if isinstance(value, str) and value.isdigit() else value
    if isinstance(number, bool) or not isinstance(number, int) or not 100 <= number <= 599:
        site.error(path, f"bad status {value!r}: expected an HTTP status 100-599")
        return None
    return number


def _delay(site: Site, value: Any, path: tuple[Any, ...]) -> tuple[float, float] | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value), float(value)
    match = _DELAY.match(value) if isinstance(value, str) else None
    if match is None:
        site.error(path, f'expected milliseconds (250) or a range ("100-300"), got {value!r}')
        return None
    scale = 1000.0 if match.group(3) == "s" else 1.0
    low = float(match.group(1)) * scale
    high = float(match.group(2)) * scale if match.group(2) else low
    if low > high:
        site.error(path, f"the range {value!r} ends below its start")
        return None
    return low, high


def compile_then(
    site: Site, contract: Responder, then: Any, ops: list[Operation] | None, path: tuple[Any, ...] = ("then",)
) -> Then | None:
    """Compile a `then` mapping; `ops` are the operations the rule can answer (None: unknown)."""
    if not isinstance(then, dict) or not then:
        site.error(path, f"expected a mapping with any of {', '.join(THEN_KEYS)}, got {then!r}")
        return None
    before = len(site.problems)
    out = Then()
    values = dict(then)
    if "content-type" in values and "content_type" not in values:
        values["content_type"] = values.pop("content-type")
    unknown_keys(site, values, THEN_KEYS, path)
    if "status" in values:
        out.status = _status(site, values["status"], (*path, "status"))
    headers = values.get("headers")
    if headers is not None:
        if not isinstance(headers, dict):
            site.error((*path, "headers"), f"expected a mapping of header names to values, got {headers!r}")
        else:
            for name, value in headers.items():
                where = (*path, "headers", name)
                if not isinstance(name, str) or not _TOKEN_CHARS.match(name):
                    site.error(where, f"bad header name {name!r}")
                    continue
                text = canon(value) if not isinstance(value, str) else value
                if "\r" in text or "\n" in text:
                    site.error(where, "a header value cannot hold a line break")
                    continue
                template = site.template(where, text)
                if template is not None:
                    _check_template(site, template, where, contract)
                    out.headers.append((name, template))
    given = [key for key in ("body", "template", "example") if key in values]
    if len(given) > 1:
        site.error((*path, given[1]), f"{' and '.join(given)} exclude each other; give one")
    if "body" in values:
        body = values["body"]
        if isinstance(body, str):
            template = site.template((*path, "body"), body)
            if template is not None:
                _check_template(site, template, (*path, "body"), contract)
                out.body = template
        else:
            out.body = _compile_tree(site, body, (*path, "body"), contract)
    if "template" in values:
        if not isinstance(values["template"], str):
            site.error((*path, "template"), f"expected template text, got {values['template']!r}")
        else:
            template = site.template((*path, "template"), values["template"])
            if template is not None:
                _check_template(site, template, (*path, "template"), contract)
                out.template = template
    if "content_type" in values:
        ctype = values["content_type"]
        if not isinstance(ctype, str) or "/" not in ctype:
            site.error((*path, "content_type"), f"expected a media type such as application/json, got {ctype!r}")
        else:
            out.content_type = ctype
    if "delay" in values:
        out.delay = _delay(site, values["delay"], (*path, "delay"))
    if "webhook" in values:
        _webhook(site, contract, values, out, path)
    if "fault" in values:
        if values["fault"] not in FAULTS:
            site.error((*path, "fault"), f"unknown fault {values['fault']!r}; known: {', '.join(FAULTS)}")
        else:
            out.fault = str(values["fault"])
    if "example" in values:
        name = values["example"]
        if not isinstance(name, str):
            site.error((*path, "example"), f"expected an example name, got {name!r}")
        elif ops is not None:
            status = _example_status(site, ops, name, out.status, (*path, "example"))
            if status is not None:
                out.example, out.status = name, out.status or status
        else:
            out.example = name
    return out if len(site.problems) == before else None


def _example_status(
    site: Site, ops: list[Operation], name: str, status: int | None, path: tuple[Any, ...]
) -> int | None:
    """The status whose response holds example `name` in one of `ops`, or an error."""
    if not ops:
        site.error(path, f"example {name!r}: no operation of the spec matches this rule; name one in when.operation")
        return None
    found: list[int] = []
    known: set[str] = set()
    for op in ops:
        for key, resp in op.responses.items():
            code = status_of(key)
            if status is not None and not (key == str(status) or key == f"{str(status)[0]}XX" or key == "default"):
                continue
            for media in resp.content.values():
                known.update(media.examples)
                if name in media.examples:
                    found.append(code)
    if not found:
        which = ops[0].id if len(ops) == 1 else f"{len(ops)} matching operations"
        at = f" for status {status}" if status is not None else ""
        listed = ", ".join(sorted(known)) or "none"
        site.error(path, f"example {name!r} is not in the spec for {which}{at}; known: {listed}")
        return None
    success = sorted(c for c in found if 200 <= c < 300)
    return status or (success[0] if success else found[0])
