"""Reporting HTTP API: the coordination office's 6-month and annual reports (JSON, XLSX, PDF)."""

import asyncio
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from ocop_shared.auth import Principal
from ocop_shared.http.dates import IsoDate, IsoDateTime
from ocop_shared.http.pagination import Limit, Offset, Page
from ocop_shared.http.routing import guard_of, runtime_of
from ocop_shared.runtime import ServiceRuntime

from ..adapters.pdf import render_report_pdf
from ..adapters.xlsx import render_report_xlsx
from ..service_layer import audit, services

PDF_MEDIA_TYPE = "application/pdf"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SummaryOut(_Out):
    evaluated: int
    three_plus: int
    share_three_plus: float
    entities: int
    national_evaluation: int
    upgrades: int
    reratings: int
    expiries: int
    revocations: int
    supersessions: int
    extensions: int
    products_in_showrooms: int
    fairs: int
    products_at_fairs: int


class StarRowOut(_Out):
    stars: int
    products: int
    recognised: int
    pending_central: int


class GroupRowOut(_Out):
    category: str
    name_vi: str
    name_en: str
    evaluated: int
    three_plus: int
    stars: dict[str, int]


class EntityTypeRowOut(_Out):
    entity_type: str
    name_vi: str
    name_en: str
    entities: int
    evaluated: int
    three_plus: int


class CommuneRowOut(_Out):
    province_code: str
    commune_code: str
    commune_name: str
    district_name: str
    entities: int
    evaluated: int
    three_plus: int


class DistrictRowOut(_Out):
    district_code: str
    district_name: str
    entities: int
    evaluated: int
    three_plus: int


class FairRowOut(_Out):
    fair_id: str
    fair_name: str
    place: str
    starts_on: IsoDate
    ends_on: IsoDate
    products: int
    three_star: int
    four_star: int
    five_star: int


class LevelRowOut(_Out):
    level: str
    name_vi: str
    name_en: str
    results: int
    recognised: int
    forwarded: int


class RoundRowOut(_Out):
    round_id: str
    evaluated: int
    three_plus: int


class ChangeRowOut(_Out):
    kind: str
    product_id: str
    product_name: str
    on: IsoDate
    detail: str


class ShowroomRowOut(_Out):
    catalog_id: str
    products: int
    three_star: int
    four_star: int
    five_star: int


class TargetRowOut(_Out):
    metric: str
    label_vi: str
    label_en: str
    target_min: float
    target_max: float | None
    actual: float
    met: bool
    note_vi: str = ""
    note_en: str = ""


class ProductRowOut(_Out):
    product_id: str
    product_name: str
    entity_name: str
    entity_type: str
    commune_code: str
    category: str
    round_id: str
    case: str
    level: str
    stars: int
    mean_score: Decimal
    status: str
    district_name: str


class ReportOut(_Out):
    """A report of the provincial OCOP coordination office, computed from the events received."""

    province: str = Field(description="The province reporting (OCOP_PROVINCE_NAME)", max_length=100)
    year: int
    period: str
    period_name_vi: str
    period_name_en: str
    start: IsoDate
    end: IsoDate
    due: IsoDate
    generated_at: IsoDateTime
    plan_vi: str
    plan_en: str
    summary: SummaryOut
    by_star: list[StarRowOut]
    by_group: list[GroupRowOut]
    by_entity_type: list[EntityTypeRowOut]
    by_district: list[DistrictRowOut]
    by_commune: list[CommuneRowOut]
    by_level: list[LevelRowOut]
    by_round: list[RoundRowOut]
    trend: list[RoundRowOut]
    changes: list[ChangeRowOut]
    showrooms: list[ShowroomRowOut]
    fairs: list[FairRowOut]
    targets: list[TargetRowOut]
    products: list[ProductRowOut]


class AuditRecordOut(BaseModel):
    record_id: str
    recorded_at: IsoDateTime
    service: str
    actor: str
    actor_name: str
    actor_roles: str
    action: str
    aggregate_type: str
    aggregate_id: str
    summary: str
    refs: dict[str, str]
    correlation_id: str
    client_address: str | None


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
                 lang: Literal["vi", "en"] = "vi") -> ReportOut | Response:
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


@router.get("/audit", response_model=Page[AuditRecordOut],
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
                      offset: Offset = 0) -> Page[AuditRecordOut] | Response:
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

