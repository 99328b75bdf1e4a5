"""Signed outbound webhooks: an organizer's endpoints, their delivery log, redelivery and ping
(fairs.services.webhooks; docs/webhooks.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import JSONBody, QueryParameter

from fairs.api.schemas.common import PathId, convert
from fairs.api.schemas.webhooks import (
    WebhookChangeIn,
    WebhookDeliveryOut,
    WebhookIn,
    WebhookOut,
    WebhookSecretOut,
)
from fairs.api.security import AnyRequest, actor_of, organizer
from fairs.services import webhooks


def _production(request: AnyRequest) -> bool:
    return bool(request.app.state.settings.environment == "production")


class WebhookController(Controller):
    tags = ["webhooks"]

    # Not behind Idempotency-Key: a replayed answer would keep a copy of the secret. A client
    # that lost the answer lists its endpoints and rotates the secret.
    @post("/webhooks", guards=[organizer], status_code=201,
          description="A webhook endpoint for my area (or an area of it): every event of the subscribed types "
                      "at a fair there is POSTed to `url`, signed with `secret` (shown only in this answer).")
    async def create_webhook(self, request: AnyRequest, data: JSONBody[WebhookIn]) -> Response[WebhookSecretOut]:
        row = await webhooks.create_endpoint(
            actor_of(request), data.url, data.event_types, description=data.description, area_id=data.area_id,
            production=_production(request), clock=request.app.state.clock)
        return Response(convert(row, WebhookSecretOut), status_code=201)

    @get("/webhooks", guards=[organizer], description="The webhook endpoints of my area, with delivery counts.")
    async def list_webhooks(self, request: AnyRequest) -> list[WebhookOut]:
        return [convert(r, WebhookOut) for r in await webhooks.list_endpoints(actor_of(request))]

    @get("/webhooks/{webhook_id:int}", guards=[organizer])
    async def get_webhook(self, request: AnyRequest, webhook_id: PathId) -> WebhookOut:
        return convert(await webhooks.get_endpoint(actor_of(request), webhook_id), WebhookOut)

    @patch("/webhooks/{webhook_id:int}", guards=[organizer],
           description="Change the URL, the event types, the description, or pause (`active: false`) and resume.")
    async def change_webhook(self, request: AnyRequest, webhook_id: PathId,
                             data: JSONBody[WebhookChangeIn]) -> WebhookOut:
        row = await webhooks.change_endpoint(actor_of(request), webhook_id, url=data.url, event_types=data.event_types,
                                             active=data.active, description=data.description,
                                             production=_production(request))
        return convert(row, WebhookOut)

    @delete("/webhooks/{webhook_id:int}", guards=[organizer], status_code=204,
            description="Remove the endpoint and its delivery log.")
    async def delete_webhook(self, request: AnyRequest, webhook_id: PathId) -> None:
        await webhooks.delete_endpoint(actor_of(request), webhook_id)

    @post("/webhooks/{webhook_id:int}/rotate-secret", guards=[organizer], status_code=200,
          description="A new signing secret (shown only in this answer); the previous one still signs alongside "
                      "for 24 hours.")
    async def rotate_secret(self, request: AnyRequest, webhook_id: PathId) -> WebhookSecretOut:
        row = await webhooks.rotate_secret(actor_of(request), webhook_id, request.app.state.clock)
        return convert(row, WebhookSecretOut)

    @get("/webhooks/{webhook_id:int}/deliveries", guards=[organizer],
         description="The delivery log, newest first: pages of `limit` below the id `before`, optionally one status.")
    async def list_deliveries(
        self, request: AnyRequest, webhook_id: PathId,
        status: Annotated[Literal["pending", "delivered", "failed", "dead"] | None, QueryParameter()] = None,
        before: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=webhooks.MAX_PAGE)] = 50,
    ) -> list[WebhookDeliveryOut]:
        rows = await webhooks.list_deliveries(actor_of(request), webhook_id, status, before, limit)
        return [convert(r, WebhookDeliveryOut) for r in rows]

    @post("/webhooks/{webhook_id:int}/deliveries/{delivery_id:int}/redeliver", guards=[organizer], status_code=202,
          description="Send this delivery again now (same event id and body, a new signature), with a fresh "
                      "schedule of retries.")
    async def redeliver(self, request: AnyRequest, webhook_id: PathId,
                        delivery_id: PathId) -> WebhookDeliveryOut:
        row = await webhooks.redeliver(actor_of(request), webhook_id, delivery_id, request.app.state.clock)
        return convert(row, WebhookDeliveryOut)

    @post("/webhooks/{webhook_id:int}/ping", guards=[organizer], status_code=202,
          description="Queue a `ping` event for this endpoint alone, to try the receiver and its signature check.")
    async def ping(self, request: AnyRequest, webhook_id: PathId) -> WebhookDeliveryOut:
        return convert(await webhooks.ping(actor_of(request), webhook_id, request.app.state.clock),
                       WebhookDeliveryOut)
