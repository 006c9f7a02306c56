"""Files the APIs serve to signed-in people (minutes, reports), passed through to the browser."""

from __future__ import annotations

from fastapi.responses import Response

from .api import Api

PASSED_HEADERS = ("content-type", "content-disposition")


async def pass_through(api: Api, path: str, **params: str) -> Response:
    upstream = await api.request("GET", path, params=params)
    headers = {k: v for k, v in upstream.headers.items() if k.lower() in PASSED_HEADERS}
    return Response(upstream.content, status_code=200, headers=headers)
