"""What certification's module-level routes depend on: the service's runtime, the caller (the
guard in front of every route; an inspector acts for the departments the office granted
them), and the edge `wire` makes once per runtime — the use cases' context and the read cache
of public verification answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends

from ocop_shared.auth import Principal
from ocop_shared.http.cached import Reply
from ocop_shared.http.routing import Edge as RouteEdge
from ocop_shared.http.routing import guard_of, runtime_of
from ocop_shared.readcache import ReadCache
from ocop_shared.runtime import ServiceRuntime

from ..adapters import tables
from ..service_layer.context import Context

SERVICE = "certification"
Runtime = Annotated[ServiceRuntime, Depends(runtime_of(SERVICE))]
Caller = Annotated[Principal, Depends(guard_of(SERVICE))]
_EDGE: RouteEdge[CertificationEdge] = RouteEdge(SERVICE, "edge")
router = APIRouter(prefix="/certification", tags=["certification"], dependencies=[Depends(guard_of(SERVICE))])


@dataclass(frozen=True)
class CertificationEdge:
    ctx: Context
    # An answer depends on the certificate, its history and open revocation case (the watched
    # tables), the QR token and the day the status is given for (the key).
    verifications: ReadCache[tuple[str, str | None, date], Reply]


def wire(runtime: ServiceRuntime, ctx: Context) -> CertificationEdge:
    edge = CertificationEdge(ctx=ctx, verifications=runtime.read_cache(
        [tables.certificates, tables.history, tables.revocation_cases]))
    return _EDGE.put(runtime, edge)


Edge = Annotated[CertificationEdge, Depends(_EDGE.dependency)]
