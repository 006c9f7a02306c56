"""What the registry's module-level routes depend on: the service's runtime, the caller (the
guard in front of every route; the use cases check the records — whose entity, which commune,
which council), and the edge `wire` makes once per runtime: the scoring sheets' catalogue and
the administrative units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends

from ocop_shared.auth import Principal
from ocop_shared.http.routing import Edge as RouteEdge
from ocop_shared.http.routing import guard_of, runtime_of
from ocop_shared.runtime import ServiceRuntime

from ..service_layer.ports import Places, SheetCatalogue

SERVICE = "registry"
Runtime = Annotated[ServiceRuntime, Depends(runtime_of(SERVICE))]
Caller = Annotated[Principal, Depends(guard_of(SERVICE))]
_EDGE: RouteEdge[RegistryEdge] = RouteEdge(SERVICE, "edge")
router = APIRouter(prefix="/registry", tags=["registry"], dependencies=[Depends(guard_of(SERVICE))])


@dataclass(frozen=True)
class RegistryEdge:
    catalogue: SheetCatalogue
    places: Places


def wire(runtime: ServiceRuntime, catalogue: SheetCatalogue, places: Places) -> RegistryEdge:
    edge = RegistryEdge(catalogue=catalogue, places=places)
    return _EDGE.put(runtime, edge)


Edge = Annotated[RegistryEdge, Depends(_EDGE.dependency)]
