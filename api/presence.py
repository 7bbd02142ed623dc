"""Presence over REST: heartbeats for clients without a socket, and who is online.

A REST heartbeat keeps one entry alive for `2 × HUB_HEARTBEAT_INTERVAL`-ish (see
hub/services/presence.py); send one every interval. Reads show only people the caller may
see: an unknown or hidden id is 404 alone, and left out of bulk answers.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import Field

from hub.errors import Forbidden
from hub.http import ApiRoutes, ok, path_id, principal_of
from hub.keys import PRESENCE
from hub.models import ApiModel, QueryModel
from hub.services.presence import MAX_USERS_PER_QUERY, PresenceOut, rest_connection

routes = ApiRoutes("presence")


class HeartbeatIn(ApiModel):
    status: Literal["online", "away"] | None = None


class PresenceQuery(QueryModel):
    ids: list[UUID] = Field(min_length=1, max_length=MAX_USERS_PER_QUERY)


@routes.post("/users/me/heartbeat", body=HeartbeatIn, response=PresenceOut)
async def heartbeat(request: web.Request, body: HeartbeatIn) -> web.Response:
    """Say the caller is here (online, or away); the reply is their status over all devices."""
    user_id = principal_of(request).user_id
    if user_id is None:
        raise Forbidden("Presence is for people, not API keys")
    state = await request.app[PRESENCE].heartbeat(user_id, rest_connection(user_id), body.status)
    return ok(state)


@routes.get("/users/{id}/presence", response=PresenceOut, scope="chat:read")
async def get_presence(request: web.Request) -> web.Response:
    """One person's presence: online, away or offline, and when they were last active."""
    return ok(await request.app[PRESENCE].get_one(principal_of(request), path_id(request)))


@routes.get("/presence/users", query=PresenceQuery, response=list[PresenceOut], scope="chat:read")
async def bulk_presence(request: web.Request, query: PresenceQuery) -> web.Response:
    """Presence of up to 200 people (`ids=a,b,...`); those the caller may not see are left out."""
    return ok(await request.app[PRESENCE].get_many(principal_of(request), query.ids))
