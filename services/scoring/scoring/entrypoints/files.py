"""Scoring HTTP API: the province's sheet files and the exports (PDF, XLSX)."""


import asyncio
from typing import Annotated, Literal

from fastapi import File, Form, Response, UploadFile

from ocop_shared.http.pagination import Limit, Offset, Page
from ocop_shared.http.problems import Problem
from ocop_shared.http.text import Code, RecordId
from ocop_shared.i18n import message

from ..adapters import documents
from ..adapters.repository import (
    ScoringRepository,
)
from ..service_layer import administration, reports
from ..service_layer.administration import MAX_SHEET_FILE_BYTES
from .conversions import (
    _sheet_file_out,
)
from .deps import Caller, Runtime, router
from .schemas import (
    SheetFileOut,
)

ExportFormat = Literal["pdf", "xlsx"]


# -- province sheet files -----------------------------------------------------------
@router.post("/sheet-files", response_model=SheetFileOut, status_code=201,
             summary="Load a province's sheet file for 148 (validated; office)",
             responses={200: {"model": SheetFileOut, "description": "The same file, already loaded"}})
async def upload_sheet_file(response: Response, principal: Caller,
                            regulation: Annotated[Code, Form(examples=["148/QĐ-TTg"])],
                            file: Annotated[UploadFile, File(description="JSON sheet file")], runtime: Runtime
                            ) -> SheetFileOut:
    content = await file.read(MAX_SHEET_FILE_BYTES + 1)
    async with runtime.uow() as uow:
        record, created = await administration.upload_sheet_file(
            uow, regulation, file.filename or "sheets.json", content, principal)
    if not created:
        response.status_code = 200
    return _sheet_file_out(record)


@router.get("/sheet-files", response_model=Page[SheetFileOut], summary="Loaded sheet files (office)")
async def list_sheet_files(principal: Caller, runtime: Runtime, regulation: Code | None = None, limit: Limit = 50,
                           offset: Offset = 0) -> Page[SheetFileOut]:
    async with runtime.uow() as uow:
        items, total = await uow.repository(ScoringRepository).list_sheet_files(limit, offset,
                                                                             regulation)
    return Page(items=[_sheet_file_out(r) for r in items], total=total, limit=limit,
                offset=offset)


@router.get("/sheet-files/{file_id}", response_model=SheetFileOut, summary="A sheet file (office)")
async def get_sheet_file(file_id: RecordId, principal: Caller, runtime: Runtime) -> SheetFileOut:
    async with runtime.uow() as uow:
        record = await uow.repository(ScoringRepository).get_sheet_file(file_id)
    if record is None:
        raise Problem(message("scoring.no_sheet_file", file_id=file_id),
                      status=404, slug="not-found")
    return _sheet_file_out(record)




# -- exports ------------------------------------------------------------------------
def _file(content: bytes, fmt: ExportFormat, name: str) -> Response:
    media = documents.PDF_MEDIA_TYPE if fmt == "pdf" else documents.XLSX_MEDIA_TYPE
    return Response(content, media_type=media,
                    headers={"content-disposition": f'attachment; filename="{name}.{fmt}"'})


@router.get("/evaluations/{evaluation_id}/sheets/{member_id}/export",
            response_class=Response, summary="A member's sheet as PDF or XLSX (Vietnamese)",
            responses={200: {"content": {documents.PDF_MEDIA_TYPE: {},
                                         documents.XLSX_MEDIA_TYPE: {}}}})
async def export_sheet(evaluation_id: RecordId, member_id: RecordId, principal: Caller,
                       runtime: Runtime, format: ExportFormat = "pdf") -> Response:
    async with runtime.uow() as uow:
        report = await reports.member_sheet_report(uow, evaluation_id, member_id, principal)
    render = documents.render_sheet_pdf if format == "pdf" else documents.render_sheet_xlsx
    content = await asyncio.to_thread(render, report)
    return _file(content, format, f"phieu-cham-{evaluation_id[:8]}")


@router.get("/evaluations/{evaluation_id}/minutes", response_class=Response,
            summary="The council minutes with the aggregation, as PDF or XLSX (Vietnamese)",
            responses={200: {"content": {documents.PDF_MEDIA_TYPE: {},
                                         documents.XLSX_MEDIA_TYPE: {}}}})
async def export_minutes(evaluation_id: RecordId, principal: Caller,
                         runtime: Runtime, format: ExportFormat = "pdf") -> Response:
    async with runtime.uow() as uow:
        report = await reports.minutes_report(uow, evaluation_id, principal)
    render = documents.render_minutes_pdf if format == "pdf" else documents.render_minutes_xlsx
    content = await asyncio.to_thread(render, report)
    return _file(content, format, f"bien-ban-{evaluation_id[:8]}")
