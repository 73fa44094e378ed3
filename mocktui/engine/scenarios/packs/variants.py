"""The variants pack: API versions, feature flags and A/B variants read from request headers."""

from __future__ import annotations

import datetime as dt
import email.utils
import random
from typing import TYPE_CHECKING, Any

import orjson

from mocktui.engine.contract.media import is_json
from mocktui.engine.data.generate import Ctx
from mocktui.engine.http import MockResponse
from mocktui.engine.scenarios.decision import Decision
from mocktui.engine.scenarios.packs.base import Pack, json_media
from mocktui.engine.scenarios.view import RequestView
from mocktui.engine.spec.model import Operation

if TYPE_CHECKING:
    from mocktui.engine.contract.responder import Responder


# -- variants -------------------------------------------------------------------------------


class VariantsPack(Pack):
    name = "variants"
    description = (
        "Headers: api-version: 1.0 answers the legacy format (Deprecation, Sunset), "
        "x-features echoed as X-Features-Enabled, x-variant: B gets its own stable body"
    )

    def attaches(self, op: Operation) -> bool:
        return True

    def answer(self, view: RequestView) -> Decision | None:
        headers = view.headers
        version = headers.get("api-version", headers.get("x-api-version", "")).strip().lower().lstrip("v")
        features = headers.get("x-features")
        variant = headers.get("x-variant", "").strip()
        legacy = version in ("1", "1.0", "1.0.0")
        if not (legacy or features is not None or variant):
            return None
        out: list[tuple[str, str]] = []
        parts: list[str] = []
        if legacy:
            sunset = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            sunset += dt.timedelta(days=180)
            out += [("Deprecation", "true"), ("Sunset", email.utils.format_datetime(sunset, usegmt=True))]
            parts.append("api-version 1.0")
        if features is not None:
            enabled = list(dict.fromkeys(f.strip() for f in features.split(",") if f.strip()))
            out.append(("X-Features-Enabled", ",".join(enabled)))
            parts.append("x-features")
        if variant:
            out.append(("X-Variant", variant[:64]))
            parts.append(f"x-variant {variant[:64]}")
        contract = self.contract
        vary = variant if variant and variant.upper() != "A" else None

        def transform(response: MockResponse) -> MockResponse:
            if not 200 <= response.status < 300 or not response.body:
                return response
            ctype = next((v for k, v in response.headers if k.lower() == "content-type"), "")
            if not is_json(ctype.split(";")[0].strip().lower()):
                return response
            try:
                value = orjson.loads(response.body)
            except orjson.JSONDecodeError:
                return response
            if vary is not None:
                value = _variation(contract, response, value, vary)
            if legacy:
                value = {"data": value, "version": "1.0"}
            response.body = orjson.dumps(value)
            return response

        return Decision(rule="variants: " + ", ".join(parts), headers=out, transform=transform)


def _variation(contract: Responder, response: MockResponse, value: Any, variant: str) -> Any:
    """A body of its own for a variant: generated from the schema under the variant's seed, else reordered."""
    compiled = contract.operations.get(response.operation or "")
    media = json_media(contract, compiled.op, response.status) if compiled is not None else None
    if media is not None:
        rng = random.Random(f"{contract.seed}:{response.operation}:{response.status}:variant:{variant}")
        generated = contract.generate(media.gen, Ctx(rng, examples=False))
        if generated is not None and contract.is_valid(media, generated):
            return generated
    return _reordered(value)


def _reordered(value: Any) -> Any:
    if isinstance(value, list):
        return [_reordered(v) for v in reversed(value)]
    if isinstance(value, dict):
        return {k: _reordered(value[k]) for k in reversed(list(value))}
    return value
