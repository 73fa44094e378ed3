"""Write a synthetic spec the size of GitHub's REST description: ~10 MB, 1,200 operations.

GitHub's own file is not in the corpus (no network here), so this one copies its shape: many
resources, each with list/create/get/update/delete, long descriptions, shared component schemas
with nested objects and refs between resources. Usage: python bench/bigspec.py OUT.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

RESOURCES = 240  # x 5 operations = 1,200
PROSE = (
    "This endpoint is part of a large, realistic API description. It explains pagination, rate "
    "limits, conditional requests and the permissions a token needs, the way real descriptions do. "
) * 30


def build(resources: int = RESOURCES) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for i in range(resources):
        name = f"Resource{i}"
        owner = f"Resource{(i * 7) % resources}"
        schemas[name] = {
            "type": "object",
            "description": PROSE,
            "required": ["id", "name", "created_at"],
            "properties": {
                "id": {"type": "integer", "minimum": 1, "description": PROSE[:300]},
                "node_id": {"type": "string"},
                "name": {"type": "string", "maxLength": 100},
                "url": {"type": "string", "format": "uri"},
                "html_url": {"type": "string", "format": "uri"},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
                "state": {"type": "string", "enum": ["open", "closed", "merged", "draft"]},
                "labels": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
                "owner": {"$ref": f"#/components/schemas/{owner}Summary"},
                "settings": {
                    "type": "object",
                    "properties": {f"flag_{k}": {"type": "boolean", "description": PROSE[:200]} for k in range(12)},
                },
            },
        }
        schemas[f"{name}Summary"] = {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "integer"}, "login": {"type": "string"}, "email": {"type": "string"}},
        }
        ref = {"$ref": f"#/components/schemas/{name}"}
        item = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
        paging = [
            {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        ]
        ok = {"description": PROSE[:400], "content": {"application/json": {"schema": ref}}}
        missing = {"description": "Resource not found"}
        paths[f"/things{i}"] = {
            "get": {
                "operationId": f"list{name}",
                "description": PROSE,
                "parameters": paging,
                "responses": {
                    "200": {
                        "description": "list",
                        "content": {"application/json": {"schema": {"type": "array", "items": ref}}},
                    }
                },
            },
            "post": {
                "operationId": f"create{name}",
                "description": PROSE,
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
                "responses": {"201": ok, "422": {"description": "invalid"}},
            },
        }
        paths[f"/things{i}/{{id}}"] = {
            "parameters": [item],
            "get": {"operationId": f"get{name}", "description": PROSE, "responses": {"200": ok, "404": missing}},
            "patch": {
                "operationId": f"update{name}",
                "description": PROSE,
                "requestBody": {"content": {"application/json": {"schema": ref}}},
                "responses": {"200": ok, "404": missing},
            },
            "delete": {
                "operationId": f"delete{name}",
                "description": PROSE,
                "responses": {"204": {"description": "gone"}, "404": missing},
            },
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Synthetic large API", "version": "1.0.0"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


if __name__ == "__main__":
    with open(sys.argv[1], "w") as fh:
        json.dump(build(), fh, indent=1)
