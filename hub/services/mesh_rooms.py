"""The rules of a live mesh room: who may connect with a room token, join, and signal whom.

The database is the source of truth (several hub processes may share a room): a participant is
in the room while its record says `joined`, and a token is good only while its generation
matches the record's (a removal bumps it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from media.mesh_provider import InvalidRoomToken, MeshVideo
from media.providers import ParticipantRole

from ..auth.tokens import as_uuid
from ..db import Record, transaction
from ..errors import Conflict, Forbidden, HubError, NotFound, RuleViolated, ValidationFailed
from ..storage import video as store
from .video import RoomPrincipal, VideoService, emit_joined, emit_left, room_started, room_principal

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MeshJoin:
    room: Record
    participant: Record
    others: list[Record]  # joined before this one: the newcomer offers to each of them
    replaced_sid: str | None  # an older connection of the same identity, to be closed


def summary(p: Record) -> dict[str, Any]:
    """A participant as Socket.IO clients see it; observers are marked hidden (not to be shown)."""
    return {
        "identity": str(p["identity"]),
        "userId": str(p["user_id"]) if p["user_id"] else None,
        "name": p["display_name"],
        "role": p["role"],
        "hidden": p["role"] == "observer",
    }


async def principal_from_token(video: VideoService, token: str) -> RoomPrincipal | None:
    """The Principal of a connection made with a mesh room token; None for any other token and
    for a token whose holder was removed or whose room has ended."""
    provider = video.provider
    if not isinstance(provider, MeshVideo):
        return None
    try:
        claims = provider.verify_token(token)
    except (HubError, InvalidRoomToken):
        return None
    room_id, identity = as_uuid(claims.room), as_uuid(claims.identity)
    if room_id is None or identity is None:
        return None
    async with video.pool.acquire() as conn:
        room = await store.get_room(conn, room_id)
        participant = await store.get_participant(conn, room_id, identity)
    if room is None or room["status"] == "ended" or not _token_current(participant, claims.generation):
        return None
    return room_principal(room_id, identity, claims.role, claims.name, claims.generation)


def _token_current(participant: Record | None, generation: int) -> bool:
    return participant is not None and participant["status"] != "removed" and participant["generation"] == generation


async def join(video: VideoService, principal: RoomPrincipal, room_id: UUID, sid: str) -> MeshJoin:
    """Enter the room: checks the token is still good and the room has space, then records it."""
    _same_room(principal, room_id)
    identity = principal.id
    async with transaction(video.pool) as conn:
        room = await store.lock_room(conn, room_id)
        if room is None:
            raise NotFound("Video room not found")
        if room["status"] == "ended":
            raise RuleViolated("The room has ended", code="ROOM_ENDED")
        participant = await store.get_participant(conn, room_id, identity, lock=True)
        if not _token_current(participant, principal.generation):
            raise Forbidden("You were removed from this room", code="REMOVED_FROM_ROOM")
        assert participant is not None
        if await store.count_joined(conn, room_id, other_than=identity) >= room["max_participants"]:
            raise Conflict(f"The room is full ({room['max_participants']} participants)", code="ROOM_FULL")
        rejoin = participant["status"] == "joined"  # a second connection replaces the first
        replaced = participant["sid"] if rejoin and participant["sid"] != sid else None
        participant = await store.mark_joined(conn, room_id, identity, sid=sid, role=str(principal.room_role))
        started = await store.mark_room_started(conn, room_id)
        if started is not None:
            room = started
            await room_started(conn, room)
        if not rejoin:
            await emit_joined(conn, room, participant)
        if participant["invitation_id"] is not None:
            await store.mark_invitation(conn, participant["invitation_id"], "joined_at")
        others = [p for p in await store.joined_participants(conn, room["provider_room"]) if p["identity"] != identity]
    return MeshJoin(room, participant, others, replaced)


async def leave(video: VideoService, principal: RoomPrincipal, room_id: UUID, sid: str) -> Record | None:
    """Leave (or disconnect from) the room; None if this connection was not the one in it."""
    async with transaction(video.pool) as conn:
        room = await store.get_room(conn, room_id)
        left = await store.mark_left(conn, room_id, principal.id, sid=sid)
        if room is not None and left is not None:
            await emit_left(conn, room, left, "left")
    return left


async def check_signal(video: VideoService, principal: RoomPrincipal, room_id: UUID, to: str, type: str) -> UUID:
    """May this connection send `type` to `to`? Returns the target identity or raises."""
    _same_room(principal, room_id)
    target = as_uuid(to)
    if target is None:
        raise ValidationFailed("'to' must be a participant identity")
    if target == principal.id:
        raise ValidationFailed("A participant cannot signal itself")
    if principal.room_role is ParticipantRole.OBSERVER and type == "offer":
        raise Forbidden("Observers receive only: they cannot send offers", code="OBSERVER_CANNOT_OFFER")
    async with video.pool.acquire() as conn:
        parties = {r["identity"]: r for r in await store.signal_parties(conn, room_id, principal.id, target)}
    sender = parties.get(principal.id)
    if sender is None or sender["status"] != "joined" or sender["generation"] != principal.generation:
        raise Forbidden("Join the room before signaling", code="NOT_IN_ROOM")
    if sender["room_status"] == "ended":
        raise RuleViolated("The room has ended", code="ROOM_ENDED")
    receiver = parties.get(target)
    if receiver is None or receiver["status"] != "joined":
        raise NotFound("That participant is not in the room", code="PEER_NOT_IN_ROOM")
    return target


def _same_room(principal: RoomPrincipal, room_id: UUID) -> None:
    if principal.room_id != room_id:
        raise Forbidden("This connection's token is for another room", code="WRONG_ROOM")
