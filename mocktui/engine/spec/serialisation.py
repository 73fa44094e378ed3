"""How values are written on the wire, as a spec declares it: parameter styles and form-field encodings.

Swagger 2.0 says it with `collectionFormat` and formData parameters, OpenAPI 3 with `style`/`explode`
and a request body's `encoding` map; both end up here in one shape, for the request reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Encoding:
    """How one form field is serialised: OAS 3 `encoding`, or a Swagger 2.0 formData parameter."""

    style: str | None = None  # form | spaceDelimited | pipeDelimited | tabDelimited | deepObject
    explode: bool | None = None
    allow_reserved: bool = False
    allow_empty: bool | None = None  # `allowEmptyValue`; None: not said, the schema decides
    content_type: str | None = None


def swagger_style(fmt: Any) -> str | None:
    """The OAS 3 style (tsv has none: `tabDelimited` is ours) of a Swagger 2.0 `collectionFormat`."""
    styles = {"csv": "form", "ssv": "spaceDelimited", "pipes": "pipeDelimited", "tsv": "tabDelimited", "multi": "form"}
    return styles.get(fmt) if isinstance(fmt, str) else None


def swagger_field(node: dict[str, Any]) -> Encoding:
    """A formData parameter's encoding: collectionFormat applies whatever the form's media type."""
    allow_empty = node.get("allowEmptyValue")
    return Encoding(
        style=swagger_style(node.get("collectionFormat")) or "form",
        explode=node.get("collectionFormat") == "multi",
        allow_empty=allow_empty if isinstance(allow_empty, bool) else None,
    )


def swagger_examples(node: Any) -> dict[str, Any]:
    """A Swagger 2.0 response's `examples`: values keyed by media type."""
    return {str(k): v for k, v in node.items() if "/" in str(k)} if isinstance(node, dict) else {}


def swagger_types(produces: Any, examples: dict[str, Any], has_schema: bool) -> list[str]:
    """The media types a Swagger 2.0 response can be answered in: what is produced (JSON when nothing
    is said), and every type an example is given for; without a schema, only those with an example."""
    declared = [str(t) for t in produces] if isinstance(produces, list) and produces else ["application/json"]
    extra = [t for t in examples if t not in declared]
    if has_schema:
        return declared + extra
    return [t for t in declared if t in examples] + extra


def encoding_of(node: Any, media: str) -> dict[str, Encoding]:
    """A form's `encoding` map; style, explode and allowReserved mean something only in a URL-encoded form."""
    if not isinstance(node, dict):
        return {}
    urlencoded = _base(media) == "application/x-www-form-urlencoded"
    out: dict[str, Encoding] = {}
    for name, enc in node.items():
        if not isinstance(enc, dict):
            continue
        ctype = enc.get("contentType")
        out[str(name)] = Encoding(
            style=str(enc["style"]) if urlencoded and isinstance(enc.get("style"), str) else None,
            explode=enc["explode"] if urlencoded and isinstance(enc.get("explode"), bool) else None,
            allow_reserved=urlencoded and enc.get("allowReserved") is True,
            content_type=str(ctype) if isinstance(ctype, str) else None,
        )
    return out


def json_type(media: str) -> bool:
    base = _base(media)
    return base in ("application/json", "text/json") or base.endswith("+json")


def markup_only(media: str, examples: list[Any]) -> bool:
    """Whether an XML media type's examples are all documents written out as strings."""
    return _base(media).endswith("xml") and bool(examples) and all(isinstance(v, str) for v in examples)


def _base(media: str) -> str:
    return media.split(";", 1)[0].strip().lower()
