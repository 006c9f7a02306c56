"""Trade HTTP API: catalogs, showrooms, fairs and the marketplace feed. The tills' routes are in
tills.py, the webhooks' in webhooks.py."""

import csv
import io
from enum import StrEnum

from fastapi import Response
from pydantic import BaseModel, Field

from ocop_shared.auth import Role
from ocop_shared.http.dates import IsoDate, IsoDateTime
from ocop_shared.http.pagination import Limit, Offset, Page
from ocop_shared.http.text import Paragraph, RecordId
from ocop_shared.runtime import ServiceRuntime

from ..domain.catalog import CatalogItem
from ..domain.fairs import Fair
from ..service_layer import fairs, showrooms, tills
from ..service_layer.catalogs import PROVINCE_CATALOG
from .access import may_operate
from .deps import Caller, Runtime, router


class LocationType(StrEnum):
    """Where a point of sale stands (950/QĐ-BCT location criteria)."""

    TRANSPORT_HUB = "transport_hub"  # station, airport, port, bus station
    ROADSIDE_STOP = "roadside_stop"  # highway / national-road rest stop
    TRADE_CENTRE = "trade_centre"  # trade centre, supermarket, market
    TOURIST_SITE = "tourist_site"  # tourist site, restaurant, hotel
    CRAFT_VILLAGE = "craft_village"
    SERVICE_CENTRE = "service_centre"  # commune commercial centre, industrial zone
    EXHIBITION_CENTRE = "exhibition_centre"  # fair / product-introduction centre
    POST_OFFICE = "post_office"


class ItemOut(BaseModel):
    product_id: str
    product_name: str
    product_code: str
    entity_name: str
    stars: int
    certificate_number: str
    issued_on: IsoDate
    valid_until: IsoDate
    extended_until: IsoDate | None = None
    verification_url: str


def item_out(item: CatalogItem) -> ItemOut:
    return ItemOut(**{k: getattr(item, k) for k in ItemOut.model_fields})


class CatalogOut(BaseModel):
    catalog_id: str
    version: int
    entries: list[ItemOut]


class ShowroomIn(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9\-]{3,60}$", examples=["long-xuyen"])
    name: str = Field(min_length=3, max_length=200)
    location_type: LocationType
    address: str = Field(min_length=3, max_length=500)
    commune_code: str | None = Field(default=None, pattern=r"^[0-9]{5}$")
    operator: str = Field(min_length=2, max_length=200)
    carries_all: bool = False


class ShowroomCreated(BaseModel):
    id: str
    api_key: str = Field(description="Shown once; give it to the showroom's tills")


class TillOut(BaseModel):
    terminal_id: str
    acked_version: int
    acked_at: IsoDateTime
    stale: bool
    stale_since: IsoDateTime | None


class ShowroomOut(BaseModel):
    id: str
    name: str
    location_type: str | None
    address: str
    operator: str
    carries_all: bool
    version: int
    items: int
    tills: list[TillOut]


class AssortmentIn(BaseModel):
    add: list[RecordId] = Field(default_factory=list, max_length=1000, description="Product ids")
    remove: list[RecordId] = Field(default_factory=list, max_length=1000, description="Product ids")


class CompactionIn(BaseModel):
    keep_last: int = Field(ge=0)


class FairIn(BaseModel):
    id: str = Field(pattern=r"^[A-Za-z0-9\-]{3,60}$")
    name: str = Field(min_length=3, max_length=300)
    starts_on: IsoDate
    ends_on: IsoDate
    place: str = Field(min_length=2, max_length=300)


class ExhibitorIn(BaseModel):
    product_id: RecordId


class ResultIn(BaseModel):
    sales_vnd: int = Field(ge=0)
    contracts: int = Field(ge=0)
    notes: Paragraph = ""


class ExhibitorOut(BaseModel):
    product_id: str
    certificate_number: str
    sales_vnd: int | None
    contracts: int | None


class FeedItem(ItemOut):
    pass


@router.get("/catalogs/{catalog_id}", response_model=CatalogOut,
            summary="What a catalog lists now (public; 'province' = every OCOP product)")
async def catalog(catalog_id: RecordId, runtime: Runtime) -> CatalogOut:
    async with runtime.uow() as uow:
        if catalog_id != PROVINCE_CATALOG:
            await showrooms.showroom_row(uow, catalog_id)
        version, items = await showrooms.snapshot(uow, catalog_id)
    return CatalogOut(catalog_id=catalog_id, version=version,
                      entries=[item_out(i) for i in items])


# -- showrooms ---------------------------------------------------------------------------
@router.post("/showrooms", status_code=201, response_model=ShowroomCreated,
             summary="Register a point of sale (điểm giới thiệu và bán sản phẩm OCOP)")
async def create_showroom(body: ShowroomIn, principal: Caller, runtime: Runtime) -> ShowroomCreated:
    async with runtime.uow() as uow:
        key = await showrooms.create_showroom(
            uow, catalog_id=body.id, name=body.name, location_type=body.location_type.value,
            address=body.address, commune_code=body.commune_code, operator=body.operator,
            carries_all=body.carries_all)
    return ShowroomCreated(id=body.id, api_key=key)


async def showroom_out(runtime: ServiceRuntime, showroom_id: str) -> ShowroomOut:
    async with runtime.uow() as uow:
        row = await showrooms.showroom_row(uow, showroom_id)
        version, states = await tills.tills(uow, showroom_id)
        _, items = await showrooms.snapshot(uow, showroom_id)
    return ShowroomOut(id=row.id, name=row.name, location_type=row.location_type,
                       address=row.address, operator=row.operator,
                       carries_all=row.carries_all, version=version, items=len(items),
                       tills=[TillOut(**s.__dict__) for s in states])


@router.get("/showrooms", response_model=Page[ShowroomOut],
            summary="Points of sale with their catalog version and which tills are stale")
async def list_showrooms(principal: Caller, runtime: Runtime, limit: Limit = 50,
                         offset: Offset = 0) -> Page[ShowroomOut]:
    only = None if principal.has(Role.PROVINCE_OFFICE) else principal.showrooms
    async with runtime.uow() as uow:
        ids, total = await showrooms.showroom_ids(uow, only, limit=limit, offset=offset)
    return Page(items=[await showroom_out(runtime, i) for i in ids], total=total,
                limit=limit, offset=offset)


@router.get("/showrooms/{showroom_id}", response_model=ShowroomOut)
async def get_showroom(showroom_id: RecordId, principal: Caller, runtime: Runtime) -> ShowroomOut:
    may_operate(principal, showroom_id)
    return await showroom_out(runtime, showroom_id)


@router.post("/showrooms/{showroom_id}/api-key", response_model=ShowroomCreated,
             summary="Issue a new POS API key (the old one stops working)")
async def rotate(showroom_id: RecordId, principal: Caller, runtime: Runtime) -> ShowroomCreated:
    async with runtime.uow() as uow:
        key = await showrooms.rotate_key(uow, showroom_id)
    return ShowroomCreated(id=showroom_id, api_key=key)


@router.put("/showrooms/{showroom_id}/assortment", response_model=ShowroomOut,
            summary="Add or drop products a showroom carries")
async def assortment(showroom_id: RecordId, body: AssortmentIn, principal: Caller,
                     runtime: Runtime) -> ShowroomOut:
    may_operate(principal, showroom_id)
    async with runtime.uow() as uow:
        await showrooms.change_assortment(uow, showroom_id, add=body.add, remove=body.remove)
    return await showroom_out(runtime, showroom_id)


@router.post("/catalogs/{catalog_id}/compaction", summary="Drop old changes of the delta feed")
async def compaction(catalog_id: RecordId, body: CompactionIn, principal: Caller,
                     runtime: Runtime) -> dict[str, int]:
    async with runtime.uow() as uow:
        floor = await showrooms.compact(uow, catalog_id, body.keep_last)
    return {"floor_version": floor}


# -- fairs -------------------------------------------------------------------------------
@router.post("/fairs", status_code=201, response_model=FairIn, summary="Register a fair")
async def create_fair(body: FairIn, principal: Caller, runtime: Runtime) -> FairIn:
    async with runtime.uow() as uow:
        await fairs.create_fair(uow, Fair(**body.model_dump()))
    return body


@router.post("/fairs/{fair_id}/exhibitors", status_code=201, response_model=ExhibitorOut,
             summary="Register a product (its certificate must be valid on the fair's dates)")
async def register(fair_id: RecordId, body: ExhibitorIn, principal: Caller, runtime: Runtime) -> ExhibitorOut:
    async with runtime.uow() as uow:
        await fairs.register_exhibitor(uow, fair_id, body.product_id)
    return (await exhibitors(fair_id, principal, runtime))[-1]


@router.get("/fairs/{fair_id}/exhibitors", response_model=list[ExhibitorOut])
async def exhibitors(fair_id: RecordId, principal: Caller, runtime: Runtime) -> list[ExhibitorOut]:
    async with runtime.uow() as uow:
        rows = await fairs.exhibitors(uow, fair_id)
    return [ExhibitorOut(product_id=r.product_id, certificate_number=r.certificate_number,
                         sales_vnd=r.sales_vnd, contracts=r.contracts) for r in rows]


@router.put("/fairs/{fair_id}/exhibitors/{product_id}/result", status_code=204,
            summary="Record sales and contracts of an exhibitor (for the reports)")
async def result(fair_id: RecordId, product_id: RecordId, body: ResultIn, principal: Caller,
                 runtime: Runtime) -> None:
    async with runtime.uow() as uow:
        await fairs.record_fair_result(uow, fair_id, product_id, sales_vnd=body.sales_vnd,
                                          contracts=body.contracts, notes=body.notes)


# -- marketplace feed --------------------------------------------------------------------
@router.get("/feed.json", response_model=list[FeedItem],
            summary="Currently certified OCOP products (public marketplace feed)")
async def feed_json(runtime: Runtime) -> list[FeedItem]:
    async with runtime.uow() as uow:
        items = await fairs.certified_now(uow, runtime.clock.now().date())
    return [FeedItem(**item_out(i).model_dump()) for i in items]


@router.get("/feed.csv", response_class=Response,
            responses={200: {"description": "One row a certified product; the header row names "
                             "the columns of FeedItem", "content": {"text/csv": {"schema": {"type": "string"}}}}},
            summary="The same feed as CSV (UTF-8 with BOM, opens in Excel)")
async def feed_csv(runtime: Runtime) -> Response:
    async with runtime.uow() as uow:
        items = await fairs.certified_now(uow, runtime.clock.now().date())
    out = io.StringIO()
    writer = csv.writer(out)
    fields = list(ItemOut.model_fields)
    writer.writerow(fields)
    for item in items:
        writer.writerow([getattr(item, f) for f in fields])
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="ocop-feed.csv"'})

