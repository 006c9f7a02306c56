"""Trade webhook routes: a showroom's subscriptions, their delivery log, redelivery.

The provincial office, or the showroom's own operator (token with that `showroom_id`),
manages a showroom's subscriptions; anybody else gets 403.
"""


from pydantic import BaseModel, Field

from ocop_shared.http.dates import IsoDateTime
from ocop_shared.http.pagination import Limit, Offset, Page
from ocop_shared.http.text import RecordId
from ocop_shared.http.webhook_models import DeliveryDetail, DeliveryOut, delivery_detail, delivery_out
from ocop_shared.webhooks import DeliveryStatus, Subscription

from ..service_layer import webhooks
from .access import may_operate
from .deps import Caller, Runtime, router


class WebhookIn(BaseModel):
    url: str = Field(min_length=8, max_length=2000, examples=["https://pos.example.vn/ocop/catalog"])
    description: str = Field(default="", max_length=300)
    secret: str | None = Field(default=None, min_length=16, max_length=200,
                               description="HMAC key; generated when omitted (shown once).")


class WebhookOut(BaseModel):
    id: str
    showroom_id: str
    url: str
    description: str
    created_by: str
    created_at: IsoDateTime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="HMAC-SHA256 key of X-OCOP-Signature; shown only now.")


def webhook_out(s: Subscription) -> WebhookOut:
    return WebhookOut(id=s.id, showroom_id=webhooks.showroom_of(s), url=s.url, description=s.description,
                      created_by=s.created_by, created_at=s.created_at)


@router.post("/showrooms/{showroom_id}/webhooks", status_code=201, response_model=WebhookCreated,
             summary="Push this showroom's catalog changes to an endpoint (HMAC-signed, retried)")
async def subscribe(showroom_id: RecordId, body: WebhookIn, principal: Caller, runtime: Runtime) -> WebhookCreated:
    may_operate(principal, showroom_id)
    async with runtime.uow() as uow:
        s = await webhooks.subscribe(uow, showroom_id, url=body.url, description=body.description,
                                     secret=body.secret, created_by=principal.subject)
    return WebhookCreated(**webhook_out(s).model_dump(), secret=s.secret)


@router.get("/showrooms/{showroom_id}/webhooks", response_model=Page[WebhookOut],
            summary="The showroom's webhook subscriptions")
async def list_webhooks(showroom_id: RecordId, principal: Caller, runtime: Runtime, limit: Limit = 50,
                        offset: Offset = 0) -> Page[WebhookOut]:
    may_operate(principal, showroom_id)
    async with runtime.uow() as uow:
        items, total = await webhooks.subscriptions(uow, showroom_id, limit=limit, offset=offset)
    return Page(items=[webhook_out(s) for s in items], total=total, limit=limit, offset=offset)


@router.post("/showrooms/{showroom_id}/webhooks/{webhook_id}/secret-rotation",
             response_model=WebhookCreated,
             summary="A new signing secret (shown once; the old one signs nothing more)")
async def rotate_secret(showroom_id: RecordId, webhook_id: RecordId, principal: Caller,
                        runtime: Runtime) -> WebhookCreated:
    may_operate(principal, showroom_id)
    async with runtime.uow() as uow:
        s = await webhooks.rotate_secret(uow, showroom_id, webhook_id)
    return WebhookCreated(**webhook_out(s).model_dump(), secret=s.secret)


@router.delete("/showrooms/{showroom_id}/webhooks/{webhook_id}", status_code=204,
               summary="Unsubscribe (pending deliveries are dropped; the log stays)")
async def unsubscribe(showroom_id: RecordId, webhook_id: RecordId, principal: Caller, runtime: Runtime) -> None:
    may_operate(principal, showroom_id)
    async with runtime.uow() as uow:
        await webhooks.unsubscribe(uow, showroom_id, webhook_id)


@router.get("/showrooms/{showroom_id}/webhooks/{webhook_id}/deliveries", response_model=Page[DeliveryOut],
            summary="The delivery log of a subscription, newest first (?status=failed)")
async def deliveries(showroom_id: RecordId, webhook_id: RecordId, principal: Caller, runtime: Runtime,
                     limit: Limit = 50, offset: Offset = 0,
                     status: DeliveryStatus | None = None) -> Page[DeliveryOut]:
    may_operate(principal, showroom_id)
    async with runtime.uow() as uow:
        rows, total = await webhooks.deliveries(uow, showroom_id, webhook_id, status=status, limit=limit,
                                                offset=offset)
    return Page(items=[delivery_out(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/webhook-deliveries/{delivery_id}", response_model=DeliveryDetail,
            summary="One delivery with every attempt (status code or error, duration)")
async def delivery(delivery_id: RecordId, principal: Caller, runtime: Runtime) -> DeliveryDetail:
    async with runtime.uow() as uow:
        may_operate(principal, await webhooks.showroom_of_delivery(uow, delivery_id))
        found, attempts = await webhooks.delivery_detail(uow, delivery_id)
    return delivery_detail(found, attempts)


@router.post("/webhook-deliveries/{delivery_id}/redelivery", status_code=202, response_model=DeliveryOut,
             summary="Send a delivery again (a new round of attempts)")
async def redeliver(delivery_id: RecordId, principal: Caller, runtime: Runtime) -> DeliveryOut:
    async with runtime.uow() as uow:
        may_operate(principal, await webhooks.showroom_of_delivery(uow, delivery_id))
        found = await webhooks.redeliver(uow, delivery_id)
    return delivery_out(found)
