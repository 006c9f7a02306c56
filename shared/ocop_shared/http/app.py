"""Builds the FastAPI app that hosts one service (kafka mode) or all of them (embedded)."""


import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.types import ASGIApp

from ..auth import Principal, Role, issue_token
from ..observability import metrics, tracing
from ..runtime import ServiceRuntime
from ..settings import Settings
from ..storage.filesystem import FilesystemObjectStore, download_signature_valid
from ..storage.port import ObjectNotFound
from .cached import CachedGet, CachedGetMiddleware
from .middleware import BodyLimitMiddleware, CorrelationMiddleware
from .problems import Forbidden, NotFound, Text, Unprocessable, install_problem_handlers


class DevTokenRequest(BaseModel):
    subject: str = Field(min_length=1, max_length=100)
    name: str = ""
    roles: list[Role] = Field(min_length=1)
    entity_ids: list[str] = Field(default_factory=list)
    commune_code: str | None = None
    showroom_id: str | None = None


class DevToken(BaseModel):
    access_token: str
    token_type: str = "bearer"


async def _check(name: str, probe: Any) -> tuple[str, str | None]:
    try:
        await asyncio.wait_for(probe(), timeout=3)
        return name, None
    except Exception as error:
        return name, f"{type(error).__name__}: {error}"[:300]


class _Platform(FastAPI):
    """FastAPI with the cached GETs answered in front of its whole middleware stack."""

    def __init__(self, *, cached_gets: Sequence[CachedGet], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cached_gets = list(cached_gets)

    def build_middleware_stack(self) -> ASGIApp:
        return CachedGetMiddleware(super().build_middleware_stack(), self.cached_gets)


def build_app(runtimes: Sequence[ServiceRuntime], settings: Settings, *, title: str) -> FastAPI:
    transports = {id(rt.transport): rt.transport for rt in runtimes}.values()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for transport in transports:
            await transport.open()
        started: list[ServiceRuntime] = []
        try:
            for runtime in runtimes:
                await runtime.start()
                started.append(runtime)
            yield
        finally:
            for runtime in reversed(started):
                await runtime.stop()
            for transport in transports:
                await transport.close()

    tracing.configure(title, settings.otlp_endpoint)
    app = _Platform(
        cached_gets=[g for rt in runtimes for g in rt.cached_gets],
        title=title,
        version="0.1.0",
        lifespan=lifespan,
        # CorrelationMiddleware already makes the request's server span and latency histogram;
        # FastAPI's own telemetry would add a second server span and three more spans per
        # request (dependencies, endpoint, serialisation), most of a small request's cost.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        description="OCOP An Giang — Chương trình Mỗi xã một sản phẩm. "
        "Errors are RFC 9457 problem+json; send Accept-Language: en for English messages.",
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes + 1024 * 1024)
    app.add_middleware(CorrelationMiddleware)
    install_problem_handlers(app)
    for runtime in runtimes:
        app.include_router(runtime.parts.router)

    @app.get("/metrics", tags=["health"], summary="Prometheus metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    @app.get("/health/live", tags=["health"], summary="The process is alive")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready", tags=["health"], summary="Database, broker and object store reachable")
    async def ready() -> JSONResponse:
        probes = [(f"database:{rt.name}", rt.ping_database) for rt in runtimes]
        probes += [(f"broker:{t.name}", t.ping) for t in transports]
        probes.append(("object_store", runtimes[0].store.ping))
        results = await asyncio.gather(*(_check(name, probe) for name, probe in probes))
        missing = {name: error for name, error in results if error}
        body = {
            "status": "ready" if not missing else "not_ready",
            "checks": {name: ("ok" if not error else error) for name, error in results},
        }
        return JSONResponse(body, status_code=200 if not missing else 503)

    stores = {id(rt.store): rt.store for rt in runtimes}.values()
    file_stores = [store for store in stores if isinstance(store, FilesystemObjectStore)]
    if file_stores:
        files = file_stores[0]

        @app.get("/files/{sha256}", tags=["files"], include_in_schema=False)
        async def download(sha256: str, expires: int, signature: str,
                           filename: str = "tep") -> StreamingResponse:
            if not download_signature_valid(settings.jwt_secret, sha256, expires, signature):
                raise Forbidden(Text("Liên kết tải về không hợp lệ hoặc đã hết hạn",
                                     "The download link is invalid or has expired"))
            try:
                chunks = await files.open(sha256)
            except ObjectNotFound as error:
                raise NotFound(Text("Không tìm thấy tệp", "No such file")) from error
            safe = quote(filename)
            return StreamingResponse(chunks, media_type="application/octet-stream", headers={
                "content-disposition": f"attachment; filename*=UTF-8''{safe}"})

    if settings.dev_tokens:

        @app.post("/auth/dev-token", tags=["auth"], response_model=DevToken,
                  summary="Development token issuer (disable with OCOP_DEV_TOKENS=false)")
        async def dev_token(request: DevTokenRequest) -> DevToken:
            if not request.roles:
                raise Unprocessable(Text("Cần ít nhất một vai trò", "At least one role is needed"))
            principal = Principal(
                subject=request.subject, name=request.name, roles=frozenset(request.roles),
                entity_ids=frozenset(request.entity_ids), commune_code=request.commune_code,
                showroom_id=request.showroom_id,
            )
            return DevToken(access_token=issue_token(settings.jwt_secret, principal))

    return app
