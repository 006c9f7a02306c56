"""Builds the FastAPI app that hosts one service (kafka mode) or all of them (embedded)."""


import asyncio
import mimetypes
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .. import production
from ..access.routes import access_router
from ..auth.permissions import matrix
from ..i18n import message
from ..messaging.transports import Transport
from ..observability import metrics, tracing
from ..runtime import ServiceRuntime
from ..settings import Settings
from ..storage.filesystem import FilesystemObjectStore, download_signature_valid
from ..storage.port import ObjectNotFound
from . import openapi
from .cached import CachedGet, CachedGetMiddleware
from .middleware import BodyLimitMiddleware, CorrelationMiddleware
from .problems import Forbidden, NotFound, install_problem_handlers


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


def build_app(runtimes: Sequence[ServiceRuntime], settings: Settings, *, title: str,
              console: bool = False) -> FastAPI:
    production.check(settings, (*(rt.name for rt in runtimes), *(("console",) if console else ())))
    transports = list({id(rt.transport): rt.transport for rt in runtimes}.values())
    tracing.configure(title, settings.otlp_endpoint)
    app = _Platform(
        cached_gets=[g for rt in runtimes for g in rt.cached_gets],
        title=title,
        version="0.1.0",
        lifespan=_lifespan(runtimes, transports),
        # CorrelationMiddleware already makes the request's server span and latency histogram;
        # FastAPI's own telemetry would add a second server span and three more spans per
        # request (dependencies, endpoint, serialisation), most of a small request's cost.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        description=f"OCOP {settings.province_name} — Chương trình Mỗi xã một sản phẩm. "
        "Errors are RFC 9457 problem+json; send Accept-Language: en for English messages.",
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes + 1024 * 1024,
                       json_bytes=settings.max_json_bytes)
    app.add_middleware(CorrelationMiddleware)
    # The client's address behind a trusted proxy (the gateway; the console in this process):
    # sign-in throttling and the audit trail record the browser's address, not the proxy's.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    install_problem_handlers(app)
    openapi.install(app)
    app.state.runtimes = {runtime.name: runtime for runtime in runtimes}  # see http.routing
    for runtime in runtimes:
        app.include_router(runtime.parts.router)
        if runtime.spec.access is not None or runtime.spec.owns_grants:
            app.include_router(access_router(runtime))
    _add_platform_routes(app, runtimes, transports)
    _add_file_downloads(app, runtimes, settings)
    check_guarded(app)
    return app


def _lifespan(runtimes: Sequence[ServiceRuntime], transports: Sequence[Transport],
              ) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
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
    return lifespan


def _add_platform_routes(app: FastAPI, runtimes: Sequence[ServiceRuntime],
                         transports: Sequence[Transport]) -> None:
    """Metrics, each service's own OpenAPI document, liveness and readiness."""

    @app.get("/metrics", tags=["health"], summary="Prometheus metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    for name in (rt.name for rt in runtimes
                 if any(getattr(r, "path", "").startswith(f"/{rt.name}/") for r in rt.parts.router.routes)):
        app.add_api_route(f"/{name}/openapi.json", _service_openapi(app, name), methods=["GET"],
                          include_in_schema=False, summary=f"The {name} service's own OpenAPI document")

    @app.get("/health/live", tags=["health"], summary="The process is alive")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready", tags=["health"], summary="Database, broker and object store reachable")
    async def ready() -> JSONResponse:
        probes = [(f"database:{rt.name}", rt.ping_database) for rt in runtimes]
        probes += [(f"broker:{t.name}", t.ping) for t in transports]
        probes += [(f"object_store:{rt.name}", rt.store.ping) for rt in runtimes if rt.spec.stores_files]
        results = await asyncio.gather(*(_check(name, probe) for name, probe in probes))
        missing = {name: error for name, error in results if error}
        body = {
            "status": "ready" if not missing else "not_ready",
            "checks": {name: ("ok" if not error else error) for name, error in results},
        }
        return JSONResponse(body, status_code=200 if not missing else 503)


def _add_file_downloads(app: FastAPI, runtimes: Sequence[ServiceRuntime], settings: Settings) -> None:
    """Signed downloads of stored files, when files are kept on the local disk (embedded mode)."""
    stores = {id(rt.store): rt.store for rt in runtimes}.values()
    file_stores = [store for store in stores if isinstance(store, FilesystemObjectStore)]
    if not file_stores:
        return
    files = file_stores[0]

    @app.get("/files/{sha256}", tags=["files"], include_in_schema=False)
    async def download(sha256: str, expires: int, signature: str,
                       filename: str = "tep") -> StreamingResponse:
        if not download_signature_valid(settings.secret("download_secret"), sha256, expires, signature):
            raise Forbidden(message("common.download_link_invalid_has_expired"))
        try:
            chunks = await files.open(sha256)
        except ObjectNotFound as error:
            raise NotFound(message("common.no_such_file")) from error
        safe = quote(filename)
        # the type the file's name says (a certificate's .pdf is application/pdf, as the S3
        # server answers for it); nosniff keeps browsers from guessing otherwise
        media_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return StreamingResponse(chunks, media_type=media_type, headers={
            "content-disposition": f"attachment; filename*=UTF-8''{safe}",
            "x-content-type-options": "nosniff"})


def _service_openapi(app: FastAPI, service: str) -> Callable[[], Awaitable[JSONResponse]]:
    async def document() -> JSONResponse:
        return JSONResponse(openapi.for_service(app.openapi(), service))
    return document


def check_guarded(app: FastAPI) -> None:
    """Refuse to serve a route nobody decided who may call, or one that is not public and does
    not pass the guard."""
    routes = [(m, r) for r in app.routes if isinstance(r, APIRoute) for m in r.methods or ()]
    unlisted = matrix().missing((m, r.path) for m, r in routes)
    if unlisted:
        raise RuntimeError("routes missing from the permission matrix "
                           f"(shared/ocop_shared/auth/permissions.csv): {', '.join(unlisted)}")
    unguarded = [f"{m} {r.path}" for m, r in routes
                 if not matrix().rows[(m, r.path)].public
                 and not any(getattr(d.call, "__name__", "") == "authorize"
                             for d in r.dependant.dependencies)]
    if unguarded:
        raise RuntimeError(f"routes that do not pass the guard: {', '.join(sorted(unguarded))}")
