"""The spec model: one shape for Swagger 2.0, OpenAPI 3.0 and 3.1.

Plain data, read from a file by `read.load_spec`; its schemas are already plain JSON Schema, so
everything that uses the model is dialect-free. Kept apart from the reading so that the many
modules that only look at operations do not import how a spec is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mocktui.engine.spec.errors import Problem
from mocktui.engine.spec.schema import SchemaSet
from mocktui.engine.spec.serialisation import Encoding

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
NO_EXAMPLE = object()  # a media type or parameter without an example (None is an example)


@dataclass(slots=True)
class MediaType:
    name: str
    schema: Any = None  # converted JSON Schema, or None when the spec gives none
    example: Any = NO_EXAMPLE
    examples: dict[str, Any] = field(default_factory=dict)
    # Where each example sits ("" = the single `example`), as (file, JSON pointer), for reports.
    origins: dict[str, tuple[str, str]] = field(default_factory=dict)
    encoding: dict[str, Encoding] = field(default_factory=dict)  # form fields by name

    @property
    def has_example(self) -> bool:
        return self.example is not NO_EXAMPLE


@dataclass(slots=True)
class Header:
    name: str
    schema: Any
    required: bool = False


@dataclass(slots=True)
class Response:
    key: str  # "200", "2XX" or "default"
    description: str = ""
    content: dict[str, MediaType] = field(default_factory=dict)
    headers: dict[str, Header] = field(default_factory=dict)
    # Swagger 2.0: `produces` still names the Content-Type of a response declared without a body.
    bare_type: str | None = None


@dataclass(slots=True)
class Parameter:
    name: str
    location: str  # path | query | header | cookie
    required: bool
    schema: Any
    style: str | None = None
    explode: bool | None = None
    example: Any = NO_EXAMPLE
    allow_empty: bool | None = None  # `allowEmptyValue`; None: not said, the schema decides
    allow_reserved: bool = False
    media: str | None = None  # a parameter declared with `content`: its value is in this media type


@dataclass(slots=True)
class RequestBody:
    required: bool
    content: dict[str, MediaType]


@dataclass(slots=True)
class Operation:
    id: str
    method: str  # upper case
    path: str  # the template, without the base path
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    parameters: list[Parameter] = field(default_factory=list)
    body: RequestBody | None = None
    responses: dict[str, Response] = field(default_factory=dict)
    security: list[dict[str, list[str]]] | None = None
    pointer: str = ""
    resource_hint: Any = None  # `x-mocktui-resource` of the operation or its path item


@dataclass(slots=True)
class Hook:
    """A call the API makes: an operation's callback (to the URL its runtime expression names) or a
    3.1 webhook (to whoever subscribed). Its operation is the request the mock sends, and the
    responses it declares are what the receiver should answer."""

    name: str  # the callback's key (statusCallback) or the webhook's (newPet)
    kind: str  # callback | webhook
    operation: Operation  # method, request body, declared responses; path is the URL expression
    owner: str = ""  # a callback's triggering operation id
    url: str = ""  # a callback's runtime expression template: {$request.body#/callbackUrl}/events
    on: list[str] = field(default_factory=list)  # `x-mocktui-webhook: {on: orders.created}`

    @property
    def key(self) -> str:
        """What the admin API calls it: a webhook by name, a callback as operation.name."""
        return self.name if self.kind == "webhook" else f"{self.owner}.{self.name}"


@dataclass
class Spec:
    file: str
    version: str  # "2.0", "3.0" or "3.1"
    title: str
    api_version: str
    base_path: str
    operations: list[Operation]
    schemas: SchemaSet
    security_schemes: dict[str, Any]
    security: list[dict[str, list[str]]]
    warnings: list[Problem]
    named_schemas: int = 0
    hooks: list[Hook] = field(default_factory=list)  # callbacks, then webhooks

    def bundle(self, schema: Any) -> Any:
        return self.schemas.bundle(schema)
