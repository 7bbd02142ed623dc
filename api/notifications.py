"""A person's notifications: /api/v1/notifications/*. Live ones arrive as `notification:new`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from aiohttp import web

from hub.db import transaction
from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import DB
from hub.models import ApiModel, PageQuery
from hub.services import notifications as notification_service

routes = ApiRoutes("notifications")


class NotificationOut(ApiModel):
    id: UUID
    type: str  # the event that caused it, e.g. interview.scheduled
    title: str
    body: str | None
    data: dict[str, Any]  # ids to open what it is about (interviewId, offerId, threadId, ...)
    read_at: datetime | None
    created_at: datetime


class NotificationQuery(PageQuery):
    unread: bool | None = None  # true: only unread; false: only read


class ReadAllOut(ApiModel):
    updated: int


@routes.get("/notifications", query=NotificationQuery, response=list[NotificationOut], paginated=True,
            scope="notifications:read")
async def list_notifications(request: web.Request, query: NotificationQuery) -> web.Response:
    """The caller's notifications, newest first."""
    async with request.app[DB].acquire() as conn:
        rows, total = await notification_service.list_page(
            conn, principal_of(request), unread=query.unread, limit=query.per_page, offset=query.offset
        )
    return page((NotificationOut.from_record(r) for r in rows), total=total, query=query)


@routes.patch("/notifications/{id}/read", response=NotificationOut, scope="notifications:read")
async def mark_notification_read(request: web.Request) -> web.Response:
    """Mark one notification read (repeating it keeps the first read time)."""
    async with transaction(request.app[DB]) as conn:
        row = await notification_service.mark_read(conn, principal_of(request), path_id(request))
    return ok(NotificationOut.from_record(row))


@routes.post("/notifications/read-all", response=ReadAllOut, scope="notifications:read")
async def mark_all_notifications_read(request: web.Request) -> web.Response:
    """Mark every unread notification of the caller read."""
    async with transaction(request.app[DB]) as conn:
        updated = await notification_service.mark_all_read(conn, principal_of(request))
    return ok(ReadAllOut(updated=updated))
