"""Registry HTTP API: entities, products, reference data and rounds (thin: parse, authorise, call
the service layer). Documents, dossiers, members and grants have modules of their own."""


from datetime import date

from fastapi import Query

from ocop_shared.http.dates import IsoDate
from ocop_shared.http.pagination import Limit, Offset, Page
from ocop_shared.http.problems import NotFound
from ocop_shared.http.text import Code, Line, RecordId
from ocop_shared.i18n import message
from ocop_shared.runtime import ServiceRuntime

from ..domain.rounds import Round
from ..service_layer import services
from .deps import Caller, Edge, Runtime, router
from .schemas import (
    CertificateOut,
    CommuneOut,
    Created,
    CriterionOut,
    EntityIn,
    EntityOut,
    OptionOut,
    ProductIn,
    ProductOut,
    ProductSetOut,
    ProductSummary,
    RoundIn,
    TimelineOut,
)


def today(runtime: ServiceRuntime) -> date:
    return runtime.clock.now().date()



# -- entities -----------------------------------------------------------------------------
@router.post("/entities", status_code=201, response_model=EntityOut,
             summary="Register an OCOP entity (chủ thể)")
async def create_entity(body: EntityIn, principal: Caller, runtime: Runtime, edge: Edge) -> EntityOut:
    consent = body.sensitive_data_consent
    data = services.EntityData(**body.model_dump(exclude={"sensitive_data_consent"}),
                               consent=consent.given_consent() if consent else None)
    async with runtime.uow() as uow:
        entity = await services.register_entity(uow, data, edge.places, principal)
    return EntityOut(**{k: getattr(entity, k) for k in EntityOut.model_fields})


@router.get("/entities", response_model=Page[EntityOut], summary="Entities you may see")
async def list_entities(principal: Caller, runtime: Runtime, limit: Limit = 50,
                        offset: Offset = 0) -> Page[EntityOut]:
    async with runtime.uow() as uow:
        entities, total = await services.list_entities(uow, principal, limit=limit,
                                                       offset=offset)
    return Page(items=[EntityOut(**{k: getattr(e, k) for k in EntityOut.model_fields})
                       for e in entities], total=total, limit=limit, offset=offset)


@router.get("/entities/{entity_id}", response_model=EntityOut)
async def get_entity(entity_id: RecordId, principal: Caller, runtime: Runtime) -> EntityOut:
    async with runtime.uow() as uow:
        entity = await services.entity_for(uow, entity_id)
        await services.may_read_entity(uow, principal, entity)
    return EntityOut(**{k: getattr(entity, k) for k in EntityOut.model_fields})


# -- products -----------------------------------------------------------------------------
@router.post("/products", status_code=201, response_model=Created,
             summary="Register a product of an entity")
async def create_product(body: ProductIn, principal: Caller, runtime: Runtime, edge: Edge) -> Created:
    async with runtime.uow() as uow:
        product = await services.register_product(
            uow, entity_id=body.entity_id, name=body.name,
            product_set_no=body.product_set_no, description=body.description,
            catalogue=edge.catalogue, regulation=services.REGULATION_IN_FORCE,
            principal=principal, places=edge.places)
    return Created(id=product.id)


@router.get("/products", response_model=Page[ProductSummary],
            summary="Products you may see (yours, your commune's, or all)")
async def list_products(principal: Caller, runtime: Runtime, limit: Limit = 50,
                        offset: Offset = 0) -> Page[ProductSummary]:
    async with runtime.uow() as uow:
        rows, total = await services.list_products(uow, principal, limit=limit,
                                                   offset=offset)
    return Page(items=[ProductSummary(
        id=r.id, name=r.name, entity_id=r.entity_id, entity_name=r.entity_name,
        commune_code=r.commune_code, product_set_no=r.product_set_no,
        product_code=r.product_code, certificate_number=r.certificate_number,
        stars=r.certificate_stars, certified=r.certificate_active) for r in rows],
        total=total, limit=limit, offset=offset)


@router.get("/products/{product_id}", response_model=ProductOut,
            summary="A product with its certificate and status timeline")
async def get_product(product_id: RecordId, principal: Caller, runtime: Runtime) -> ProductOut:
    async with runtime.uow() as uow:
        product, entity = await services.product_for(uow, product_id)
    services.may_read(principal, entity, product_id)
    certificate = CertificateOut(
        number=product.certificate_number, stars=product.certificate_stars,
        valid_until=product.certificate_valid_until, active=product.certificate_active,
    ) if product.certificate_number else None
    return ProductOut(
        id=product.id, entity_id=product.entity_id, name=product.name,
        product_set_no=product.product_set_no, description=product.description,
        product_code=product.product_code, status=product.status.value,
        certificate=certificate,
        timeline=[TimelineOut(at=e.at, status=e.status.value, note=e.note)
                  for e in sorted(product.timeline, key=lambda e: e.at)])



# -- reference data -----------------------------------------------------------------------
@router.get("/communes", response_model=list[CommuneOut],
            summary="The communes of the province in force on a day (default today), whose codes commune_code "
                    "takes (public)")
async def communes(runtime: Runtime, edge: Edge, on: IsoDate | None = None,
                   name: Line | None = Query(default=None, max_length=100,
                                            description="Part of the name, accents ignored")) -> list[CommuneOut]:
    day = on or runtime.clock.now().date()
    return [CommuneOut(code=p.commune_code, name=p.commune_name, province_code=p.province_code,
                       district_code=p.district_code, district_name=p.district_name, path=p.path)
            for p in edge.places.communes(day, name, within=runtime.settings.province_code)]


@router.get("/product-sets", response_model=list[ProductSetOut],
            summary="The 26 product sets of the regulation in force (public)")
async def product_sets(edge: Edge, regulation: Code = services.REGULATION_IN_FORCE) -> list[ProductSetOut]:
    return [ProductSetOut(**info.__dict__) for info in edge.catalogue.product_sets(regulation)]


@router.get("/product-sets/{set_no}/criteria", response_model=list[CriterionOut],
            summary="The scoring sheet's criteria and options, for the self-assessment (public)")
async def criteria(set_no: int,
                   edge: Edge, regulation: Code = services.REGULATION_IN_FORCE) -> list[CriterionOut]:
    leaves = edge.catalogue.leaf_criteria(regulation, set_no)
    if leaves is None:
        raise NotFound(message("registry.no_scoring_sheet_product_set", set_no=set_no, regulation=regulation))
    return [CriterionOut(part=c.part, code=c.code, name_vi=c.name_vi,
                         max_points=c.max_points, knockout=c.knockout, note_vi=c.note_vi,
                         options=[OptionOut(**o.__dict__) for o in c.options])
            for c in leaves]


# -- rounds -------------------------------------------------------------------------------
@router.post("/rounds", status_code=201, response_model=RoundIn,
             summary="Open an evaluation round (provincial office)")
async def create_round(body: RoundIn, principal: Caller, runtime: Runtime, edge: Edge) -> RoundIn:
    async with runtime.uow() as uow:
        await services.create_round(uow, Round(**body.model_dump()), edge.catalogue)
    return body


@router.get("/rounds", response_model=list[RoundIn])
async def list_rounds(principal: Caller, runtime: Runtime) -> list[RoundIn]:
    async with runtime.uow() as uow:
        rounds = await services.list_rounds(uow)
    return [RoundIn(**r.__dict__) for r in rounds]
