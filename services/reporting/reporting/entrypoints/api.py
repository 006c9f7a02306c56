"""Reporting HTTP API: the coordination office's 6-month and annual reports (JSON, XLSX, PDF)."""

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel

from ocop_shared.auth import Principal
from ocop_shared.http.dates import IsoDate
from ocop_shared.http.pagination import Limit, Offset, Page
from ocop_shared.http.routing import guard_of, runtime_of
from ocop_shared.runtime import ServiceRuntime

from ..adapters.pdf import render_report_pdf
from ..adapters.xlsx import render_report_xlsx
from ..service_layer import audit, services
from .models import AuditRecordOut, ReportOut

PDF_MEDIA_TYPE = "application/pdf"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


SERVICE = "reporting"
Runtime = Annotated[ServiceRuntime, Depends(runtime_of(SERVICE))]
Caller = Annotated[Principal, Depends(guard_of(SERVICE))]
router = APIRouter(prefix="/reporting", tags=["reporting"], dependencies=[Depends(guard_of(SERVICE))])


@router.get("/reports/{year}/{period}", response_model=ReportOut,
            summary="The 6-month (due 30 May) or annual (due 30 November) OCOP report",
            responses={200: {"content": {PDF_MEDIA_TYPE: {}, XLSX_MEDIA_TYPE: {}}}})
async def report(year: Annotated[int, Path(ge=2018, le=2100)],
                 period: Literal["half-year", "annual"], principal: Caller, runtime: Runtime,
                 format: Literal["json", "xlsx", "pdf"] = "json",
                 lang: Literal["vi", "en"] = "vi") -> BaseModel | Response:
    async with runtime.uow() as uow:
        built = await services.report(uow, year, period)
    if format == "json":
        return ReportOut.model_validate(built)
    name = f"bao-cao-ocop-{year}-{period}"
    if format == "xlsx":
        content = await asyncio.to_thread(render_report_xlsx, built, lang)
        media = XLSX_MEDIA_TYPE
    else:
        content = await asyncio.to_thread(render_report_pdf, built, lang)
        media = PDF_MEDIA_TYPE
    return Response(content, media_type=media,
                    headers={"content-disposition": f'attachment; filename="{name}.{format}"'})


@router.get("/audit", response_model=Page.of(AuditRecordOut),
            summary="The audit trail of every service, newest first: by person (subject or name), "
                    "product, entity, certificate, dossier, evaluation, operation and date range; "
                    "?format=csv for a spreadsheet",
            responses={200: {"content": {"text/csv": {}}}})
async def audit_trail(principal: Caller, runtime: Runtime, person: Annotated[str | None, Query(max_length=200)] = None,
                      product_id: Annotated[str | None, Query(max_length=200)] = None,
                      entity_id: Annotated[str | None, Query(max_length=200)] = None,
                      certificate_number: Annotated[str | None, Query(max_length=200)] = None,
                      dossier_id: Annotated[str | None, Query(max_length=200)] = None,
                      evaluation_id: Annotated[str | None, Query(max_length=200)] = None,
                      since: IsoDate | None = None, until: IsoDate | None = None,
                      service: Annotated[str | None, Query(max_length=40)] = None,
                      action: Annotated[str | None, Query(max_length=200)] = None,
                      format: Literal["json", "csv"] = "json", limit: Limit = 50,
                      offset: Offset = 0) -> Page[Any] | Response:
    refs = tuple((k, v) for k, v in (("product_id", product_id), ("entity_id", entity_id),
                                     ("certificate_number", certificate_number),
                                     ("dossier_id", dossier_id),
                                     ("evaluation_id", evaluation_id)) if v)
    query = audit.AuditQuery(person=person, refs=refs, since=since, until=until, service=service,
                             action=action)
    async with runtime.uow() as uow:
        if format == "csv":
            body = await audit.as_csv(uow, query)
            return Response(body, media_type="text/csv; charset=utf-8", headers={
                "content-disposition": 'attachment; filename="nhat-ky-thao-tac.csv"'})
        rows, total = await audit.search(uow, query, limit, offset)
    return Page(items=[AuditRecordOut.model_validate(r, from_attributes=True) for r in rows],
                total=total, limit=limit, offset=offset)

