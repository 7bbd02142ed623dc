"""Webhook endpoints, their deliveries and the event catalog: /api/v1/webhooks/*.

The signing secret is returned when an endpoint is created and when it is rotated, not after.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from aiohttp import web
from pydantic import Field, field_validator

from hub.db import Record, transaction
from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import DB, SETTINGS
from hub.models import ApiModel, PageQuery
from hub.services import webhooks as webhook_service
from hub.services.webhooks import WebhookConfig

routes = ApiRoutes("webhooks")


class _Checked(ApiModel):
    @field_validator("events", check_fields=False)
    @classmethod
    def _known_events(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else webhook_service.normalize_events(value)

    @field_validator("secret", check_fields=False)
    @classmethod
    def _valid_secret(cls, value: str | None) -> str | None:
        return None if value is None else webhook_service.check_secret(value)


class WebhookIn(_Checked):
    url: str = Field(min_length=8, max_length=2048)
    events: list[str] = Field(min_length=1, max_length=100, description="event types, or ['*'] for all")
    secret: str | None = Field(None, max_length=200, description="whsec_<base64>; generated when left out")
    active: bool = True
    description: str = Field("", max_length=500)


class WebhookPatch(_Checked):
    url: str | None = Field(None, min_length=8, max_length=2048)
    events: list[str] | None = Field(None, min_length=1, max_length=100)
    active: bool | None = None
    description: str | None = Field(None, max_length=500)


class RotateSecretIn(_Checked):
    secret: str | None = Field(None, max_length=200)
    overlap_seconds: int = Field(webhook_service.DEFAULT_SECRET_OVERLAP, ge=0, le=webhook_service.MAX_SECRET_OVERLAP)


class WebhookQuery(PageQuery):
    active: bool | None = None


class DeliveryQuery(PageQuery):
    status: Literal["pending", "succeeded", "failed"] | None = None
    event_type: str | None = Field(None, min_length=1, max_length=100)


class WebhookOut(ApiModel):
    id: UUID
    url: str
    description: str
    events: list[str]
    active: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    failing_since: datetime | None
    last_success_at: datetime | None
    last_failure_at: datetime | None
    previous_secret_expires_at: datetime | None  # while set, both secrets sign
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str


class SecretOut(ApiModel):
    secret: str
    previous_secret_expires_at: datetime | None


class Deleted(ApiModel):
    id: UUID
    deleted: bool


class EventTypeOut(ApiModel):
    type: str
    description: str
    example: dict[str, Any]


class DeliveryOut(ApiModel):
    id: UUID
    endpoint_id: UUID
    event_id: UUID  # the webhook-id header
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AttemptOut(ApiModel):
    attempt: int
    status_code: int | None
    succeeded: bool
    duration_ms: float
    response_excerpt: str | None
    error: str | None
    created_at: datetime


class DeliveryDetail(DeliveryOut):
    payload: dict[str, Any]
    attempt_log: list[AttemptOut]


class StatsOut(ApiModel):
    deliveries: int
    succeeded: int
    failed: int
    pending: int
    success_rate: float | None  # succeeded / (succeeded + failed) deliveries
    attempts: int
    attempts_succeeded: int
    attempt_success_rate: float | None
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_failure: AttemptOut | None
    failing_since: datetime | None
    active: bool
    disabled_at: datetime | None
    disabled_reason: str | None


def _config(request: web.Request) -> WebhookConfig:
    return WebhookConfig.from_settings(request.app[SETTINGS])


def _created(record: Record) -> WebhookCreated:
    return WebhookCreated.from_record(record)


@routes.get("/webhooks/event-types", response=list[EventTypeOut], scope="webhooks:read")
async def list_event_types(request: web.Request) -> web.Response:
    """Every event type an endpoint can subscribe to, with an example body of each."""
    return ok([EventTypeOut.model_validate(e) for e in webhook_service.event_catalog()])


@routes.post("/webhooks", body=WebhookIn, response=WebhookCreated, status=201, scope="webhooks:write")
async def create_webhook(request: web.Request, body: WebhookIn) -> web.Response:
    """Register an endpoint; the reply holds its signing secret."""
    async with transaction(request.app[DB]) as conn:
        endpoint = await webhook_service.create_endpoint(
            conn, principal_of(request), _config(request), url=body.url, events=body.events,
            secret=body.secret, active=body.active, description=body.description,
        )  # fmt: skip
    return ok(_created(endpoint), status=201)


@routes.get("/webhooks", query=WebhookQuery, response=list[WebhookOut], paginated=True, scope="webhooks:read")
async def list_webhooks(request: web.Request, query: WebhookQuery) -> web.Response:
    """The agency's endpoints, newest first."""
    async with request.app[DB].acquire() as conn:
        rows, total = await webhook_service.list_endpoints(
            conn, principal_of(request), active=query.active, limit=query.per_page, offset=query.offset
        )
    return page((WebhookOut.from_record(r) for r in rows), total=total, query=query)


@routes.get("/webhooks/{id}", response=WebhookOut, scope="webhooks:read")
async def get_webhook(request: web.Request) -> web.Response:
    """One endpoint (not its secret)."""
    async with request.app[DB].acquire() as conn:
        endpoint = await webhook_service.get_endpoint(conn, principal_of(request), path_id(request))
    return ok(WebhookOut.from_record(endpoint))


@routes.patch("/webhooks/{id}", body=WebhookPatch, response=WebhookOut, scope="webhooks:write")
async def update_webhook(request: web.Request, body: WebhookPatch) -> web.Response:
    """Change URL, events, description, or switch it on and off (on again forgets past failures)."""
    changes = {name: getattr(body, name) for name in body.model_fields_set if getattr(body, name) is not None}
    async with transaction(request.app[DB]) as conn:
        endpoint = await webhook_service.update_endpoint(
            conn, principal_of(request), _config(request), path_id(request), changes
        )
    return ok(WebhookOut.from_record(endpoint))


@routes.delete("/webhooks/{id}", response=Deleted, scope="webhooks:write")
async def delete_webhook(request: web.Request) -> web.Response:
    """Delete an endpoint and its delivery log."""
    endpoint_id = path_id(request)
    async with transaction(request.app[DB]) as conn:
        await webhook_service.delete_endpoint(conn, principal_of(request), endpoint_id)
    return ok(Deleted(id=endpoint_id, deleted=True))


@routes.post("/webhooks/{id}/test", response=DeliveryOut, status=202, scope="webhooks:write")
async def test_webhook(request: web.Request) -> web.Response:
    """Queue a `webhook.test` event to this endpoint; follow it in its deliveries."""
    async with transaction(request.app[DB]) as conn:
        delivery = await webhook_service.send_test(conn, principal_of(request), path_id(request))
    return ok(DeliveryOut.from_record(delivery), status=202)


@routes.post("/webhooks/{id}/rotate-secret", body=RotateSecretIn, response=SecretOut, scope="webhooks:write")
async def rotate_webhook_secret(request: web.Request, body: RotateSecretIn) -> web.Response:
    """New signing secret; for `overlapSeconds` (default a day) deliveries carry both signatures."""
    async with transaction(request.app[DB]) as conn:
        endpoint = await webhook_service.rotate_secret(
            conn, principal_of(request), path_id(request), secret=body.secret, overlap_seconds=body.overlap_seconds
        )
    return ok(SecretOut.from_record(endpoint))


@routes.get("/webhooks/{id}/stats", response=StatsOut, scope="webhooks:read")
async def webhook_stats(request: web.Request) -> web.Response:
    """Delivery success rate, attempts, the last failure, and whether it was disabled."""
    async with request.app[DB].acquire() as conn:
        figures = await webhook_service.stats(conn, principal_of(request), path_id(request))
    last = figures.pop("last_failure")
    return ok(StatsOut.model_validate({**figures, "last_failure": AttemptOut.from_record(last) if last else None}))


@routes.get("/webhooks/{id}/deliveries", query=DeliveryQuery, response=list[DeliveryOut], paginated=True,
            scope="webhooks:read")  # fmt: skip
async def list_webhook_deliveries(request: web.Request, query: DeliveryQuery) -> web.Response:
    """Deliveries to this endpoint, newest first (filter by status and event type)."""
    async with request.app[DB].acquire() as conn:
        rows, total = await webhook_service.list_deliveries(
            conn, principal_of(request), path_id(request), status=query.status, event_type=query.event_type,
            limit=query.per_page, offset=query.offset,
        )  # fmt: skip
    return page((DeliveryOut.from_record(r) for r in rows), total=total, query=query)


@routes.get("/webhooks/{id}/deliveries/{deliveryId}", response=DeliveryDetail, scope="webhooks:read")
async def get_webhook_delivery(request: web.Request) -> web.Response:
    """One delivery with its payload and every attempt."""
    async with request.app[DB].acquire() as conn:
        delivery = await webhook_service.get_delivery(
            conn, principal_of(request), path_id(request), path_id(request, "deliveryId")
        )
        attempts = await webhook_service.list_attempts(conn, delivery)
    return ok(DeliveryDetail.model_validate({
        **DeliveryOut.from_record(delivery).model_dump(),
        "payload": json.loads(delivery["body"]),
        "attempt_log": [AttemptOut.from_record(a) for a in attempts],
    }))  # fmt: skip


@routes.post("/webhooks/{id}/deliveries/{deliveryId}/redeliver", response=DeliveryOut, status=202,
             scope="webhooks:write")  # fmt: skip
async def redeliver_webhook(request: web.Request) -> web.Response:
    """Send a delivery again now, with the same webhook-id."""
    async with transaction(request.app[DB]) as conn:
        delivery = await webhook_service.redeliver(
            conn, principal_of(request), path_id(request), path_id(request, "deliveryId")
        )
    return ok(DeliveryOut.from_record(delivery), status=202)
