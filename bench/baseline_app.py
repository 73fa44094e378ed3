"""Baseline: bare Starlette returning a fixed, pre-encoded ~1 KB JSON (POST reads the body first)."""

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY = orjson.dumps(
    [{"id": i, "name": f"pet-{i}", "tag": "dog", "status": "available", "owner": "x" * 180} for i in range(4)]
)


async def pets(request: Request) -> Response:
    return Response(BODY, media_type="application/json")


async def orders(request: Request) -> Response:
    await request.body()
    return Response(BODY, status_code=201, media_type="application/json")


app = Starlette(routes=[Route("/pets", pets), Route("/orders", orders, methods=["POST"])])
