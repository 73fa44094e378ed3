"""Read an XML request body into the JSON value its schema describes.

OpenAPI describes XML bodies with the same schema as JSON plus `xml` hints
(element names, attributes, wrapped arrays). Reading the XML the schema's way
lets one JSON-Schema validator check both. Elements the schema does not name
are ignored, as a lenient server would; DOCTYPEs are refused outright, which
rules out entity expansion attacks.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

Deref = Callable[[Any], Any]
Coerce = Callable[[str, list[str]], Any]
MAX_DEPTH = 64


class XMLBodyError(ValueError):
    pass


def read_xml(body: bytes, schema: Any, deref: Deref, coerce: Coerce) -> Any:
    if b"<!doctype" in body[:4096].lower() or b"<!entity" in body.lower():
        raise XMLBodyError("XML bodies with a DOCTYPE or entities are not accepted")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise XMLBodyError(f"malformed XML: {exc}") from None
    except (LookupError, ValueError) as exc:  # an encoding the declaration names but Python does not know
        raise XMLBodyError(f"malformed XML: {exc}") from None
    return _Reader(deref, coerce).value(root, schema, 0)


class _Reader:
    def __init__(self, deref: Deref, coerce: Coerce) -> None:
        self.deref = deref
        self.coerce = coerce

    def value(self, element: ET.Element, schema: Any, depth: int) -> Any:
        schema = self._flatten(schema)
        types = _types(schema)
        if depth > MAX_DEPTH:
            raise XMLBodyError(f"XML nested deeper than {MAX_DEPTH} elements")
        if "object" in types or "properties" in schema:
            if (element.text or "").strip() and not len(element):
                return element.text  # text where members belong: not an object, and validation will say so
            return self._object(element, schema, depth)
        if "array" in types:
            items = schema.get("items", {})
            return [self.value(child, items, depth + 1) for child in element]
        return self.coerce(element.text or "", types)

    def _object(self, element: ET.Element, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        attributes = {_local(k): v for k, v in element.attrib.items()}
        for name, sub in (schema.get("properties") or {}).items():
            body = self._flatten(sub)
            hints = body.get("xml") or {}
            tag = hints.get("name", name)
            if hints.get("attribute"):
                if tag in attributes:
                    out[name] = self.coerce(attributes[tag], _types(body))
                continue
            children = [c for c in element if _local(c.tag) == tag]
            if "array" in _types(body):
                items = self._flatten(body.get("items", {}))
                if hints.get("wrapped"):
                    if children:
                        item_tag = (items.get("xml") or {}).get("name", tag)
                        members = [c for c in children[0] if _local(c.tag) == item_tag] or list(children[0])
                        out[name] = [self.value(c, items, depth + 1) for c in members]
                elif children:
                    out[name] = [self.value(c, items, depth + 1) for c in children]
            elif children:
                out[name] = self.value(children[0], body, depth + 1)
        return out

    def _flatten(self, schema: Any) -> dict[str, Any]:
        """The schema's body with `allOf` parts merged, enough to find names and types."""
        schema = self.deref(schema)
        if not isinstance(schema, dict):
            return {}
        if "allOf" not in schema:
            return schema
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = self._flatten(part)
            merged.setdefault("properties", {}).update(part.get("properties") or {})
            for key, value in part.items():
                if key != "properties":
                    merged.setdefault(key, value)
        return merged


def _types(schema: dict[str, Any]) -> list[str]:
    t = schema.get("type")
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    return [t] if isinstance(t, str) else []


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
