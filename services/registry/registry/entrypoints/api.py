"""Registry HTTP API (thin: parse, authorise, call the service layer)."""


from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ocop_shared.auth import Principal, Role
from ocop_shared.contracts.common import EvaluationCase, LegalForm
from ocop_shared.http.problems import Forbidden, NotFound, Text
from ocop_shared.runtime import ServiceRuntime

from ..adapters.repository import RegistryRepository
from ..service_layer import services


class EntityIn(BaseModel):
    name: str = Field(min_length=2, max_length=300)
    legal_form: LegalForm
    registration_no: str = Field(pattern=r"^[0-9A-Z\-]{6,20}$")
    commune_code: str = Field(pattern=r"^[0-9]{5}$")
    province_code: str = Field(pattern=r"^[0-9]{2}$")
    representative_name: str = ""
    representative_female: bool = False
    representative_ethnic_minority: bool = False
    representative_disabled: bool = False


class Created(BaseModel):
    id: str


class ProductIn(BaseModel):
    entity_id: str
    name: str = Field(min_length=2, max_length=300)
    product_set_no: int = Field(ge=1, le=26)


class SubmissionIn(BaseModel):
    round_id: str = Field(min_length=1, max_length=60)
    case: EvaluationCase = EvaluationCase.FIRST


class TimelineOut(BaseModel):
    at: datetime
    status: str
    note: str


class ProductOut(BaseModel):
    id: str
    entity_id: str
    name: str
    product_set_no: int
    status: str
    timeline: list[TimelineOut]


def build_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/registry", tags=["registry"])
    guard = runtime.guard
    Producer = Annotated[Principal, guard.require(Role.ENTITY_USER, Role.PROVINCE_OFFICE)]
    Reader = Annotated[Principal, guard.require(
        Role.ENTITY_USER, Role.PROVINCE_OFFICE, Role.COMMUNE_OFFICER)]

    def may_act_for(principal: Principal, entity_id: str) -> None:
        if principal.has(Role.PROVINCE_OFFICE):
            return
        if entity_id not in principal.entity_ids:
            raise Forbidden(Text("Bạn chỉ được thao tác trên chủ thể của mình",
                                 "You may only act for your own entity"))

    @router.post("/entities", status_code=201, response_model=Created,
                 summary="Register an OCOP entity (chủ thể)")
    async def create_entity(body: EntityIn, principal: Producer) -> Created:
        async with runtime.uow() as uow:
            entity = await services.register_entity(uow, **body.model_dump())
        return Created(id=entity.id)

    @router.post("/products", status_code=201, response_model=Created,
                 summary="Register a product of an entity")
    async def create_product(body: ProductIn, principal: Producer) -> Created:
        may_act_for(principal, body.entity_id)
        async with runtime.uow() as uow:
            product = await services.register_product(uow, **body.model_dump())
        return Created(id=product.id)

    @router.post("/products/{product_id}/submissions", status_code=202, response_model=Created,
                 summary="Submit the product's dossier to an evaluation round")
    async def submit(product_id: str, body: SubmissionIn, principal: Producer) -> Created:
        async with runtime.uow() as uow:
            product = await RegistryRepository(uow.session).get_product(product_id)
            if product is not None:
                may_act_for(principal, product.entity_id)
            submission_id = await services.submit_product(
                uow, product_id=product_id, round_id=body.round_id, case=body.case)
        return Created(id=submission_id)

    @router.get("/products/{product_id}", response_model=ProductOut,
                summary="A product with its status timeline")
    async def get_product(product_id: str, principal: Reader) -> ProductOut:
        async with runtime.uow() as uow:
            product = await RegistryRepository(uow.session).get_product(product_id)
        if product is None:
            raise NotFound(Text(f"Không tìm thấy sản phẩm {product_id}",
                                f"No product {product_id}"))
        if principal.has(Role.ENTITY_USER) and not principal.has(Role.PROVINCE_OFFICE):
            may_act_for(principal, product.entity_id)
        return ProductOut(
            id=product.id, entity_id=product.entity_id, name=product.name,
            product_set_no=product.product_set_no, status=product.status.value,
            timeline=[TimelineOut(at=e.at, status=e.status.value, note=e.note)
                      for e in product.timeline],
        )

    return router
