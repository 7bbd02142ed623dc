"""Presence over Socket.IO: sockets count as devices, heartbeats say online or away.

A user's first socket makes them online, closing the last one makes them offline at once;
`presence:subscribe` joins the presence rooms of the people the caller may see, and
`presence:update` arrives there whenever one of them changes status.
"""

from __future__ import annotations

import logging
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from ..errors import Forbidden
from ..keys import PRESENCE
from ..models import ApiModel
from ..presence_store import PresenceUnavailable
from ..services.presence import MAX_USERS_PER_QUERY
from .router import SocketContext, SocketEvents

logger = logging.getLogger(__name__)

events = SocketEvents()


class HeartbeatIn(ApiModel):
    status: Literal["online", "away"] | None = None


class SubscribeIn(ApiModel):
    user_ids: list[UUID] = Field(max_length=MAX_USERS_PER_QUERY)


@events.connected
async def socket_connected(ctx: SocketContext) -> None:
    if ctx.principal.user_id is None:
        return
    try:
        await ctx.app[PRESENCE].connected(ctx.principal.user_id, ctx.sid)
    except PresenceUnavailable as exc:
        # A presence outage (Redis restarting) must not refuse the connection; the sweep
        # writes this socket's entry again once the store is back.
        logger.warning("socket connected while %s", exc)


@events.disconnected
async def socket_disconnected(ctx: SocketContext) -> None:
    if ctx.principal.user_id is None:
        return
    try:
        await ctx.app[PRESENCE].disconnected(ctx.principal.user_id, ctx.sid)
    except PresenceUnavailable as exc:
        logger.warning("socket disconnected while %s; its entry will expire", exc)


@events.event("presence:heartbeat", payload=HeartbeatIn)
async def heartbeat(ctx: SocketContext, payload: HeartbeatIn) -> dict[str, Any]:
    """The ack is the caller's aggregated presence (all devices): {status, lastActiveAt}."""
    user_id = _user(ctx)
    state = await ctx.app[PRESENCE].heartbeat(user_id, ctx.sid, payload.status)
    return state.model_dump(mode="json", by_alias=True)


@events.event("presence:subscribe", payload=SubscribeIn)
async def subscribe(ctx: SocketContext, payload: SubscribeIn) -> list[dict[str, Any]]:
    """Current presence of those the caller may see; the others are silently left out."""
    _user(ctx)
    states = await ctx.app[PRESENCE].subscribe(ctx.sio, ctx.sid, ctx.principal, payload.user_ids)
    return [s.model_dump(mode="json", by_alias=True) for s in states]


def _user(ctx: SocketContext) -> UUID:
    if ctx.principal.user_id is None:
        raise Forbidden("Presence is for people")
    return ctx.principal.user_id
