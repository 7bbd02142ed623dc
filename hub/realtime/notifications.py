"""Live notifications: every socket joins its person's room; new notifications are pushed there.

The dispatcher subscriber stores the notifications an event causes (hub/services/notifications.py)
and, once the dispatch transaction has committed, emits `notification:new` to `user:{id}`: a
pushed notification can always be read back. A crash between commit and push loses only the
push; the notification stays unread in GET /notifications.
"""

from __future__ import annotations

import logging
from uuid import UUID

import asyncpg
from aiohttp import web

from api.notifications import NotificationOut

from ..errors import ServiceUnavailable
from ..events import AfterCommit, Event, Subscriber
from ..keys import PRESENCE, SIO
from ..services import notifications as notification_service
from .router import SocketContext, SocketEvents

logger = logging.getLogger(__name__)

events = SocketEvents()


def personal_room(user_id: UUID) -> str:
    return f"user:{user_id}"


@events.connected
async def join_personal_room(ctx: SocketContext) -> None:
    if ctx.principal.user_id is not None:
        await ctx.sio.enter_room(ctx.sid, personal_room(ctx.principal.user_id))


def notification_pusher(app: web.Application) -> Subscriber:
    """The dispatcher subscriber: store what an event tells people, push each to its person."""

    async def offline(user_ids: list[UUID]) -> set[UUID]:
        try:
            states = await app[PRESENCE].states(user_ids)
        except ServiceUnavailable:
            logger.warning("presence unavailable: notifying every recipient of the chat message")
            return set(user_ids)
        return {s.user_id for s in states if s.status == "offline"}

    async def on_event(conn: asyncpg.Connection, event: Event) -> AfterCommit | None:
        rows = await notification_service.notify(conn, event, offline)
        if not rows:
            return None

        async def push() -> None:
            for row in rows:
                payload = NotificationOut.from_record(row).model_dump(mode="json", by_alias=True)
                await app[SIO].emit("notification:new", payload, room=personal_room(row["user_id"]))

        return push  # after the commit: whoever is told can already read it back

    return on_event
