"""Reading a spec into the model: Swagger 2.0, OpenAPI 3.0 and 3.1 into one shape.

`load_spec` reads a file (and the files it references), checks what the model needs, and
returns a `Spec` (see `model`) whose schemas are already plain JSON Schema. Swagger 2.0's `body`
and `formData` parameters become request bodies and `produces` media types here, so nothing
after this module knows the dialect.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from mocktui.engine.spec.errors import Problem, SpecError
from mocktui.engine.spec.hooks import callbacks_of, webhooks_of
from mocktui.engine.spec.loader import Loader, escape_pointer
from mocktui.engine.spec.model import (
    METHODS,
    NO_EXAMPLE,
    Header,
    Hook,
    MediaType,
    Operation,
    Parameter,
    RequestBody,
    Response,
    Spec,
)
from mocktui.engine.spec.schema import SchemaSet
from mocktui.engine.spec.serialisation import (
    encoding_of,
    json_type,
    markup_only,
    swagger_examples,
    swagger_field,
    swagger_style,
    swagger_types,
)

_STATUS = re.compile(r"^([1-5][0-9][0-9]|[1-5]XX|default)$")


def load_spec(path: str, loader: Loader | None = None) -> Spec:
    """Load and check a spec; raises `SpecError` listing every problem. `loader`: one that already read it."""
    loader = loader or Loader(path)
    root = loader.load(loader.root)
    if not isinstance(root, dict):
        raise SpecError([loader.problem(loader.root, "", "a spec must be a mapping at the top level")])
    return _Builder(loader, root).build()


class _Builder:
    def __init__(self, loader: Loader, root: dict[str, Any]) -> None:
        self.loader = loader
        self.root = root
        self.file = loader.root
        self.problems: list[Problem] = []
        self.version = self._version()
        self.schemas = SchemaSet(loader, self.version)
        self.hooks: list[Hook] = []  # callbacks as their operations are read; webhooks after

    def _version(self) -> str:
        swagger, openapi = self.root.get("swagger"), self.root.get("openapi")
        if str(swagger) == "2.0":
            return "2.0"
        if isinstance(openapi, str) and re.match(r"^3\.0(\.\d+)?", openapi):
            return "3.0"
        if isinstance(openapi, str) and re.match(r"^3\.1(\.\d+)?", openapi):
            return "3.1"
        found = f"openapi: {openapi!r}" if openapi is not None else f"swagger: {swagger!r}"
        if openapi is None and swagger is None:
            found = "neither 'openapi' nor 'swagger'"
        raise SpecError(
            [self.loader.problem(self.file, "", f"unsupported spec version ({found}); expected 2.0, 3.0.x or 3.1.x")]
        )

    def error(self, file: str, pointer: str, reason: str) -> None:
        self.problems.append(self.loader.problem(file, pointer, reason))

    def build(self) -> Spec:
        info: dict[str, Any] = self.root["info"] if isinstance(self.root.get("info"), dict) else {}
        if not isinstance(self.root.get("info"), dict):
            self.error(self.file, "", "missing 'info' object")
        paths = self.root.get("paths", {})
        if paths is None:
            paths = {}
        if not isinstance(paths, dict):
            self.error(self.file, "/paths", "'paths' must be a mapping")
            paths = {}
        if self.version != "3.1" and "paths" not in self.root:
            self.error(self.file, "", "missing 'paths' object")
        operations = self._operations(paths)
        self._unique_ids(operations)
        self.hooks.extend(webhooks_of(self, self.root.get("webhooks")) if self.version == "3.1" else [])
        components = self.root.get("components") or {}
        schemes = (
            self.root.get("securityDefinitions") or {}
            if self.version == "2.0"
            else (components.get("securitySchemes") or {} if isinstance(components, dict) else {})
        )
        named = self.root.get("definitions") if self.version == "2.0" else components.get("schemas")
        base_path = self._base_path()
        problems = self.problems + self.schemas.problems
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise SpecError(errors)
        return Spec(
            file=self.loader.display(self.file),
            version=self.version,
            title=str(info.get("title", "")),
            api_version=str(info.get("version", "")),
            base_path=base_path,
            operations=operations,
            schemas=self.schemas,
            security_schemes=schemes if isinstance(schemes, dict) else {},
            security=self.root.get("security") or [],
            warnings=[p for p in problems if p.severity != "error"],
            named_schemas=len(named) if isinstance(named, dict) else 0,
            hooks=self.hooks,
        )

    def _base_path(self) -> str:
        if self.version == "2.0":
            path = self.root.get("basePath") or ""
        else:
            servers = self.root.get("servers") or []
            if not isinstance(servers, list) or not all(isinstance(s, dict) and "url" in s for s in servers):
                self.error(self.file, "/servers", f"servers must be a list of {{url: ...}} objects, got {servers!r}")
                servers = []
            first = servers[0] if servers and isinstance(servers[0], dict) else {}
            url = str(first.get("url", ""))
            for name, var in (first.get("variables") or {}).items():
                if isinstance(var, dict):
                    url = url.replace("{" + name + "}", str(var.get("default", "")))
            path = urlsplit(url).path if "://" in url else url
        path = "/" + str(path).strip("/")
        return "" if path == "/" else path

    def deref(self, node: Any, file: str, pointer: str) -> tuple[Any, str, str]:
        if isinstance(node, dict) and "$ref" in node:
            try:
                return self.loader.resolve(node["$ref"], file, pointer + "/$ref")
            except SpecError as exc:
                self.problems.extend(exc.problems)
                return {}, file, pointer
        return node, file, pointer

    def _operations(self, paths: dict[str, Any]) -> list[Operation]:
        ops: list[Operation] = []
        for path, item in paths.items():
            ptr = "/paths/" + escape_pointer(str(path))
            if str(path).startswith("x-"):
                continue
            if not str(path).startswith("/"):
                self.error(self.file, ptr, f"path {path!r} must start with '/'")
                continue
            item, ifile, iptr = self.deref(item, self.file, ptr)
            if not isinstance(item, dict):
                self.error(ifile, iptr, "path item must be a mapping")
                continue
            shared = self._param_list(item.get("parameters"), ifile, iptr + "/parameters")
            for method in METHODS:
                raw = item.get(method)
                if raw is None:
                    continue
                optr = f"{iptr}/{method}"
                if not isinstance(raw, dict):
                    self.error(ifile, optr, "operation must be a mapping")
                    continue
                op = self._operation(str(path), method, raw, shared, ifile, optr)
                op.resource_hint = raw.get("x-mocktui-resource", item.get("x-mocktui-resource"))
                ops.append(op)
                if self.version != "2.0":
                    self.hooks.extend(callbacks_of(self, op, raw, ifile, optr))
        return ops

    def _operation(
        self,
        path: str,
        method: str,
        raw: dict[str, Any],
        shared: list[tuple[dict[str, Any], str, str]],
        file: str,
        ptr: str,
    ) -> Operation:
        own = self._param_list(raw.get("parameters"), file, ptr + "/parameters")
        merged: dict[tuple[str, str], tuple[dict[str, Any], str, str]] = {}
        for p in shared + own:
            merged[(str(p[0].get("name")), str(p[0].get("in")))] = p
        params: list[Parameter] = []
        body: RequestBody | None = None
        form: list[tuple[dict[str, Any], str, str]] = []
        for node, pfile, pptr in merged.values():
            where = node.get("in")
            if where == "body" and self.version == "2.0":
                body = self._swagger_body(node, raw, pfile, pptr)
            elif where == "formData" and self.version == "2.0":
                form.append((node, pfile, pptr))
            elif where in ("path", "query", "header", "cookie"):
                params.append(self._parameter(node, pfile, pptr))
            else:
                reason = "parameter has no 'in'" if where is None else f"parameter 'in' is {where!r}"
                self.error(pfile, pptr, f"{reason}; expected path, query, header or cookie")
        if form:
            body = self._swagger_form(form, raw)
        elif self.version != "2.0" and raw.get("requestBody") is not None:
            body = self._request_body(raw["requestBody"], file, ptr + "/requestBody")
        for name in re.findall(r"{([^}]+)}", path):
            if not any(p.location == "path" and p.name == name for p in params):
                self.problems.append(
                    self.loader.problem(
                        file, ptr, f"path parameter {{{name}}} is not declared; treated as a string", "warning"
                    )
                )
                params.append(Parameter(name, "path", True, {"type": "string"}))
        responses = self._responses(raw.get("responses"), raw, file, ptr + "/responses")
        op_id = raw.get("operationId")
        return Operation(
            id=str(op_id) if op_id else f"{method.upper()} {path}",
            method=method.upper(),
            path=path,
            summary=str(raw.get("summary") or ""),
            tags=[str(t) for t in raw.get("tags") or []],
            parameters=params,
            body=body,
            responses=responses,
            security=raw.get("security"),
            pointer=ptr,
        )

    def _param_list(self, value: Any, file: str, ptr: str) -> list[tuple[dict[str, Any], str, str]]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(file, ptr, "'parameters' must be a list")
            return []
        out = []
        for i, node in enumerate(value):
            node, nfile, nptr = self.deref(node, file, f"{ptr}/{i}")
            if not isinstance(node, dict) or "name" not in node:
                self.error(nfile, nptr, "parameter must be a mapping with a 'name'")
                continue
            out.append((node, nfile, nptr))
        return out

    def _parameter(self, node: dict[str, Any], file: str, ptr: str) -> Parameter:
        if "schema" in node:
            schema = self.schemas.convert(node["schema"], file, ptr + "/schema")
        elif isinstance(node.get("content"), dict) and node["content"]:
            mt_name, mt = next(iter(node["content"].items()))
            schema = self.schemas.convert(
                (mt or {}).get("schema", {}), file, f"{ptr}/content/{escape_pointer(mt_name)}/schema"
            )
        else:  # Swagger 2.0: the schema keywords sit on the parameter itself
            schema = self.schemas.convert(_inline_schema(node), file, ptr)
        explode = node.get("explode")
        if self.version == "2.0":  # one field per value only for `multi`; csv (the default) and the rest join
            explode = node.get("collectionFormat") == "multi"
        content = node.get("content")
        allow_empty = node.get("allowEmptyValue")
        return Parameter(
            name=str(node["name"]),
            location=str(node["in"]),
            required=bool(node.get("required", node.get("in") == "path")),
            schema=schema,
            style=node.get("style") or swagger_style(node.get("collectionFormat")),
            explode=explode,
            example=node.get("example", NO_EXAMPLE),
            allow_empty=allow_empty if isinstance(allow_empty, bool) else None,
            allow_reserved=node.get("allowReserved") is True,
            media=str(next(iter(content))) if "schema" not in node and isinstance(content, dict) and content else None,
        )

    def _request_body(self, node: Any, file: str, ptr: str) -> RequestBody | None:
        node, file, ptr = self.deref(node, file, ptr)
        if not isinstance(node, dict):
            self.error(file, ptr, "requestBody must be a mapping")
            return None
        if not isinstance(node.get("content"), dict) or not node["content"]:
            self.error(file, ptr, "requestBody needs `content`: a map of media types to their schemas")
            return None
        return RequestBody(
            bool(node.get("required", False)), self._content(node.get("content"), file, ptr + "/content")
        )

    def _swagger_body(self, node: dict[str, Any], op: dict[str, Any], file: str, ptr: str) -> RequestBody:
        schema = self.schemas.convert(node.get("schema", {}), file, ptr + "/schema")
        types = op.get("consumes") or self.root.get("consumes") or ["application/json"]
        return RequestBody(bool(node.get("required", False)), {t: MediaType(t, schema) for t in types})

    def _swagger_form(self, form: list[tuple[dict[str, Any], str, str]], op: dict[str, Any]) -> RequestBody:
        props: dict[str, Any] = {}
        required: list[str] = []
        for node, file, ptr in form:
            props[str(node["name"])] = self.schemas.convert(_inline_schema(node), file, ptr)
            if node.get("required"):
                required.append(str(node["name"]))
        schema: dict[str, Any] = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
        has_file = any(node.get("type") == "file" for node, _, _ in form)
        declared = [t for t in (op.get("consumes") or self.root.get("consumes") or []) if "form" in t]
        types = declared or (["multipart/form-data"] if has_file else ["application/x-www-form-urlencoded"])
        encoding = {str(node["name"]): swagger_field(node) for node, _, _ in form}
        return RequestBody(bool(required), {t: MediaType(t, schema, encoding=dict(encoding)) for t in types})

    def _content(self, content: Any, file: str, ptr: str) -> dict[str, MediaType]:
        if content is None:
            return {}
        if not isinstance(content, dict):
            self.error(file, ptr, "'content' must be a mapping of media types")
            return {}
        out: dict[str, MediaType] = {}
        for name, mt in content.items():
            mptr = f"{ptr}/{escape_pointer(str(name))}"
            mt, mfile, mptr = self.deref(mt, file, mptr)
            mt = mt if isinstance(mt, dict) else {}
            schema = self.schemas.convert(mt["schema"], mfile, mptr + "/schema") if "schema" in mt else None
            media = MediaType(
                str(name), schema, mt.get("example", NO_EXAMPLE), origins={"": (mfile, mptr + "/example")}
            )
            for ex_name, ex in (mt.get("examples") or {}).items():
                ex, efile, eptr = self.deref(ex, mfile, f"{mptr}/examples/{escape_pointer(str(ex_name))}")
                if isinstance(ex, dict) and "value" in ex:
                    media.examples[str(ex_name)] = ex["value"]
                    media.origins[str(ex_name)] = (efile, eptr + "/value")
            media.encoding = encoding_of(mt.get("encoding"), str(name))
            out[str(name)] = media
        return out

    def _responses(self, value: Any, op: dict[str, Any], file: str, ptr: str) -> dict[str, Response]:
        if not isinstance(value, dict) or not value:
            self.error(file, ptr, "operation has no 'responses'")
            return {}
        out: dict[str, Response] = {}
        for key, node in value.items():
            key = str(key)
            rptr = f"{ptr}/{escape_pointer(key)}"
            if key.startswith("x-"):
                continue
            if not _STATUS.match(key.upper() if key != "default" else key):
                self.error(file, rptr, f"response key {key!r} is not a status code, an NXX range or 'default'")
                continue
            node, rfile, rptr = self.deref(node, file, rptr)
            if not isinstance(node, dict):
                self.error(rfile, rptr, "response must be a mapping")
                continue
            resp = Response(key.upper() if key != "default" else key, str(node.get("description") or ""))
            if self.version == "2.0":
                resp.content = self._swagger_content(node, op, rfile, rptr)
                produces = op.get("produces") or self.root.get("produces")
                if not resp.content and isinstance(produces, list) and produces:
                    resp.bare_type = str(produces[0])
            else:
                resp.content = self._content(node.get("content"), rfile, rptr + "/content")
            for media in resp.content.values():
                _literal_markup(media)
            for hname, hnode in (node.get("headers") or {}).items():
                hptr = f"{rptr}/headers/{escape_pointer(str(hname))}"
                hnode, hfile, hptr = self.deref(hnode, rfile, hptr)
                if not isinstance(hnode, dict) or str(hname).lower() == "content-type":
                    continue
                raw_schema = hnode.get("schema", _inline_schema(hnode) if self.version == "2.0" else {})
                resp.headers[str(hname)] = Header(
                    str(hname), self.schemas.convert(raw_schema, hfile, hptr + "/schema"), bool(hnode.get("required"))
                )
            out[resp.key] = resp
        return out

    def _swagger_content(self, node: dict[str, Any], op: dict[str, Any], file: str, ptr: str) -> dict[str, MediaType]:
        """`produces` (the operation's, else the spec's) and `examples` keyed by media type: what it can answer in."""
        examples = swagger_examples(node.get("examples"))
        types = swagger_types(op.get("produces") or self.root.get("produces"), examples, "schema" in node)
        schema = self.schemas.convert(node["schema"], file, ptr + "/schema") if "schema" in node else None
        out = {}
        for t in types:
            # A JSON dialect (application/vnd.api+json) without an example of its own shows the JSON one.
            key = t if t in examples else next((k for k in examples if json_type(t) and json_type(k)), None)
            media = MediaType(t, schema, origins={"": (file, f"{ptr}/examples/{escape_pointer(key or t)}")})
            if key is not None:
                media.example = examples[key]
            out[t] = media
        return out

    def _unique_ids(self, ops: list[Operation]) -> None:
        seen: dict[str, Operation] = {}
        for op in ops:
            if op.id in seen:
                self.problems.append(
                    self.loader.problem(self.file, op.pointer, f"duplicate operationId {op.id!r}", "warning")
                )
                op.id = f"{op.method} {op.path}"
            seen[op.id] = op


_INLINE_KEYS = (
    "type",
    "format",
    "items",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
    "x-nullable",
)


def _inline_schema(node: dict[str, Any]) -> dict[str, Any]:
    return {k: node[k] for k in _INLINE_KEYS if k in node}


def _literal_markup(media: MediaType) -> None:
    """An XML response whose examples are strings shows those documents: they are served as written, since
    the schema describes the value the markup stands for, and a string could never match it."""
    values = ([media.example] if media.has_example else []) + list(media.examples.values())
    if markup_only(media.name, values):
        media.schema = None
