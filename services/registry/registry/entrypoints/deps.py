"""What the registry's module-level routes depend on: the service's runtime, the caller (the
guard in front of every route; the use cases check the records — whose entity, which commune,
which council), and the edge `wire` makes once per runtime: the scoring sheets' catalogue and
the administrative units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from ocop_shared.auth import Principal
from ocop_shared.http.routing import guard_of, runtime_of
from ocop_shared.runtime import ServiceRuntime

from ..service_layer.ports import Places, SheetCatalogue

SERVICE = "registry"
Runtime = Annotated[ServiceRuntime, Depends(runtime_of(SERVICE))]
Caller = Annotated[Principal, Depends(guard_of(SERVICE))]
router = APIRouter(prefix="/registry", tags=["registry"], dependencies=[Depends(guard_of(SERVICE))])


@dataclass(frozen=True)
class RegistryEdge:
    catalogue: SheetCatalogue
    places: Places


def wire(runtime: ServiceRuntime, catalogue: SheetCatalogue, places: Places) -> RegistryEdge:
    edge = RegistryEdge(catalogue=catalogue, places=places)
    runtime.state[_EDGE] = edge
    return edge


def edge_of(request: Request) -> RegistryEdge:
    edge: RegistryEdge = request.app.state.runtimes[SERVICE].state[_EDGE]
    return edge


_EDGE = "registry.edge"
Edge = Annotated[RegistryEdge, Depends(edge_of)]
