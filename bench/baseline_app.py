"""Baseline: bare Starlette returning a fixed, pre-encoded ~1 KB JSON."""

import orjson
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = orjson.dumps(
    [{"id": i, "name": f"pet-{i}", "tag": "dog", "status": "available", "owner": "x" * 180} for i in range(4)]
)


async def pets(request: object) -> Response:
    return Response(BODY, media_type="application/json")


app = Starlette(routes=[Route("/pets", pets)])
