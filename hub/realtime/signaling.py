"""WebRTC signaling for mesh video rooms over Socket.IO.

A client connects with a room join token (`auth: {token}`), sends `room:join {roomId}` to enter
the room (the ack lists who is already there: the newcomer offers to each of them), then relays
`signal {roomId, to, type, payload}` to other participants. The server pushes
`room:participant {roomId, participant, event}` to the room and `room:ended {roomId}` when a
host ends it.

Messages from one connection are relayed in the order they were sent (a lock per connection:
handlers run as concurrent tasks, and candidates must not overtake their offer).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Literal
from uuid import UUID

import asyncpg
import socketio
from aiohttp import web
from pydantic import Field

from media.mesh_provider import MeshVideo
from media.providers import LiveKitVideo, ProviderParticipant, VideoProvider

from ..auth.tokens import TokenSigner
from ..errors import Forbidden
from ..keys import DB, SETTINGS, SIO, VIDEO
from ..models import ApiModel
from ..services import mesh_rooms
from ..services.video import RoomPrincipal, VideoConfig, VideoService
from ..storage import video as store
from .router import SocketContext, SocketEvents

events = SocketEvents()

JOINED_ROOM = "video_room"  # session key: the room this connection has joined


def room_channel(room_id: UUID | str) -> str:
    """The Socket.IO room of everyone joined to a video room."""
    return f"video:{room_id}"


def identity_channel(room_id: UUID | str, identity: UUID | str) -> str:
    """The Socket.IO room of one participant's connection (works across hub processes)."""
    return f"video:{room_id}:{identity}"


class RoomRef(ApiModel):
    room_id: UUID


class SignalIn(ApiModel):
    room_id: UUID
    to: str = Field(min_length=1, max_length=64)
    type: Literal["offer", "answer", "candidate"]
    payload: dict[str, Any]


async def room_token_principal(app: web.Application, token: str) -> RoomPrincipal | None:
    """Token resolver for Socket.IO connect: accepts a live mesh room token."""
    return await mesh_rooms.principal_from_token(app[VIDEO], token)


def _room_principal(ctx: SocketContext) -> RoomPrincipal:
    if not isinstance(ctx.principal, RoomPrincipal):
        raise Forbidden(
            "Connect with a room join token (POST /api/v1/video/rooms/{id}/join) to use video signaling",
            code="ROOM_TOKEN_REQUIRED",
        )
    return ctx.principal


_send_locks: dict[str, asyncio.Lock] = {}


def _lock_for(sid: str) -> asyncio.Lock:
    return _send_locks.setdefault(sid, asyncio.Lock())


@events.event("room:join", payload=RoomRef)
async def room_join(ctx: SocketContext, payload: RoomRef) -> dict[str, Any]:
    principal = _room_principal(ctx)
    async with _lock_for(ctx.sid):
        joined = await mesh_rooms.join(ctx.app[VIDEO], principal, payload.room_id, ctx.sid)
        if joined.replaced_sid is not None:
            await ctx.sio.disconnect(joined.replaced_sid)
        await ctx.sio.enter_room(ctx.sid, room_channel(payload.room_id))
        await ctx.sio.enter_room(ctx.sid, identity_channel(payload.room_id, principal.id))
        async with ctx.sio.session(ctx.sid) as session:
            session[JOINED_ROOM] = payload.room_id
        me = mesh_rooms.summary(joined.participant)
        await ctx.sio.emit(
            "room:participant",
            {"roomId": str(payload.room_id), "participant": me, "event": "joined"},
            room=room_channel(payload.room_id),
            skip_sid=ctx.sid,
        )
    return {
        "roomId": str(payload.room_id),
        "identity": principal.identity,
        "role": str(principal.room_role),
        "participants": [mesh_rooms.summary(p) for p in joined.others],
    }


@events.event("room:leave", payload=RoomRef)
async def room_leave(ctx: SocketContext, payload: RoomRef) -> dict[str, Any]:
    principal = _room_principal(ctx)
    async with _lock_for(ctx.sid):
        await _leave(ctx, principal, payload.room_id)
    return {}


@events.event("signal", payload=SignalIn)
async def signal(ctx: SocketContext, payload: SignalIn) -> dict[str, Any]:
    principal = _room_principal(ctx)
    async with _lock_for(ctx.sid):  # first thing: keeps this connection's messages in order
        session = await ctx.sio.get_session(ctx.sid)
        if session.get(JOINED_ROOM) != payload.room_id:
            raise Forbidden("Join the room (room:join) before signaling", code="NOT_IN_ROOM")
        target = await mesh_rooms.check_signal(ctx.app[VIDEO], principal, payload.room_id, payload.to, payload.type)
        await ctx.sio.emit(
            "signal",
            {"roomId": str(payload.room_id), "from": principal.identity, "type": payload.type, "payload": payload.payload},
            room=identity_channel(payload.room_id, target),
        )
    return {}


@events.disconnected
async def on_disconnect(ctx: SocketContext) -> None:
    lock = _send_locks.pop(ctx.sid, None)
    if not isinstance(ctx.principal, RoomPrincipal):
        return
    session = await ctx.sio.get_session(ctx.sid)
    room_id = session.get(JOINED_ROOM)
    if room_id is None:
        return
    async with lock or asyncio.Lock():
        await _leave(ctx, ctx.principal, room_id)


async def _leave(ctx: SocketContext, principal: RoomPrincipal, room_id: UUID) -> None:
    left = await mesh_rooms.leave(ctx.app[VIDEO], principal, room_id, ctx.sid)
    await ctx.sio.leave_room(ctx.sid, room_channel(room_id))
    await ctx.sio.leave_room(ctx.sid, identity_channel(room_id, principal.id))
    async with ctx.sio.session(ctx.sid) as session:
        session.pop(JOINED_ROOM, None)
    if left is not None:
        await ctx.sio.emit(
            "room:participant",
            {"roomId": str(room_id), "participant": mesh_rooms.summary(left), "event": "left"},
            room=room_channel(room_id),
        )


class SocketMeshControl:
    """media.mesh_provider.MeshControl on this hub's Socket.IO server: who is connected, and
    closing connections (by sid, which the Redis manager reaches on any hub process)."""

    def __init__(self, sio: socketio.AsyncServer, pool: asyncpg.Pool) -> None:
        self._sio = sio
        self._pool = pool

    async def connected(self, room: str) -> list[ProviderParticipant]:
        async with self._pool.acquire() as conn:
            records = await store.joined_participants(conn, room)
        return [
            ProviderParticipant(
                identity=str(r["identity"]),
                name=r["display_name"],
                joined_at=r["joined_at"],
                is_publisher=r["role"] != "observer",
                hidden=r["role"] == "observer",
            )
            for r in records
        ]

    async def disconnect(self, room: str, identity: str) -> None:
        async with self._pool.acquire() as conn:
            records = await store.connections(conn, room, UUID(identity))
        for record in records:
            await self._sio.emit(
                "room:participant",
                {"roomId": room, "participant": mesh_rooms.summary(record), "event": "removed"},
                room=room_channel(room),
            )
            await self._sio.disconnect(record["sid"])

    async def end(self, room: str) -> None:
        await self._sio.emit("room:ended", {"roomId": room}, room=room_channel(room))
        async with self._pool.acquire() as conn:
            records = await store.connections(conn, room)
        for record in records:
            await self._sio.disconnect(record["sid"])


async def video_rooms(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the video provider (LiveKit when LIVEKIT_* are set, else the mesh) and the
    rooms service on top of it."""
    settings = app[SETTINGS]
    config = VideoConfig.from_settings(settings)
    provider: VideoProvider
    if settings.livekit_url and settings.livekit_api_key and settings.livekit_api_secret:
        provider = LiveKitVideo.from_settings(settings.livekit_url, settings.livekit_api_key, settings.livekit_api_secret)
    else:
        provider = MeshVideo(
            TokenSigner(settings.jwt_secret),
            SocketMeshControl(app[SIO], app[DB]),
            server_url=settings.base_url,
            max_participants=config.mesh_max_participants,
        )
    app[VIDEO] = VideoService(app[DB], provider, config)
    yield
    await provider.aclose()
