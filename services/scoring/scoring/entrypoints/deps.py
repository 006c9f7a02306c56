"""What scoring's module-level routes depend on: the service's runtime, the caller (the guard in
front of every route) and the answer language."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ocop_shared.auth import Principal
from ocop_shared.http.routing import guard_of, runtime_of
from ocop_shared.runtime import ServiceRuntime

SERVICE = "scoring"
Runtime = Annotated[ServiceRuntime, Depends(runtime_of(SERVICE))]
Caller = Annotated[Principal, Depends(guard_of(SERVICE))]
Lang = Annotated[str | None, Query(max_length=10, description="vi (default) or en")]
# Who may call each route is the permission matrix's (the guard in front of every route);
# the use cases check the seats: which council, which sheet, who chairs.
router = APIRouter(prefix="/scoring", tags=["scoring"], dependencies=[Depends(guard_of(SERVICE))])
