"""The rules of video rooms: who sees a room, who may join it with which role, and what a
join token is worth. Provider calls (mesh or LiveKit) go through `media.providers.VideoProvider`.

A join token is only ever returned to the party that asked for it: a person asking for
themselves, or the holder of a one-time invitation link (hub/services/invitations.py).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import jwt

from media.providers import JoinGrant, ParticipantRole, ProviderError, VideoProvider

from ..auth.principal import STAFF_ROLES, Principal
from ..db import Record, transaction
from ..errors import Forbidden, NotFound, RuleViolated, ServiceUnavailable, ValidationFailed
from ..events import emit
from ..settings import Settings, SettingsError
from ..storage import users as user_store
from ..storage import video as store
from . import video_recording

logger = logging.getLogger(__name__)

ROLE_RANK = {"observer": 0, "participant": 1, "host": 2}
VIDEO_SCOPES = frozenset({"video:read", "video:write"})
GUEST_ROLE = "guest"  # the Principal.role of a connection made with a room join token
LIVEKIT_ROOM_SIZE = 10  # participants of a LiveKit room unless the caller says otherwise


# -- configuration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoConfig:
    token_ttl: int = 3600  # seconds a join token lives (never past the room's end)
    livekit_token_ttl: int = 600  # seconds, cap for LiveKit tokens: removal there relies on expiry
    mesh_max_participants: int = 6  # participants (observers included) of one mesh room
    invitation_ttl: int = 7 * 24 * 3600  # seconds an invitation link stays usable

    @classmethod
    def from_settings(cls, settings: Settings) -> VideoConfig:
        """Read HUB_VIDEO_TOKEN_TTL, HUB_LIVEKIT_TOKEN_TTL, HUB_MESH_MAX_PARTICIPANTS, HUB_VIDEO_INVITATION_TTL."""
        values: dict[str, int] = {}
        for env, attr, low, high in (
            ("HUB_VIDEO_TOKEN_TTL", "token_ttl", 30, 24 * 3600),
            ("HUB_LIVEKIT_TOKEN_TTL", "livekit_token_ttl", 30, 24 * 3600),
            ("HUB_MESH_MAX_PARTICIPANTS", "mesh_max_participants", 2, 50),
            ("HUB_VIDEO_INVITATION_TTL", "invitation_ttl", 60, 90 * 24 * 3600),
        ):
            raw = settings.extra.get(env, "").strip()
            if not raw:
                continue
            try:
                value = int(raw)
            except ValueError:
                raise SettingsError(f"{env} must be a whole number, got {raw!r}") from None
            if not low <= value <= high:
                raise SettingsError(f"{env} must be between {low} and {high}, got {value}")
            values[attr] = value
        return cls(**values)


# -- who is asking over Socket.IO ---------------------------------------------------------------


@dataclass(frozen=True)
class RoomPrincipal(Principal):
    """A Socket.IO connection made with a mesh join token: one identity, one room, one role,
    video scopes only. `kind` is "room", so `user_id` is None and no chat rule applies to it."""

    room_id: UUID | None = None
    room_role: ParticipantRole = ParticipantRole.PARTICIPANT
    name: str = ""
    generation: int = 0

    @property
    def identity(self) -> str:
        return str(self.id)


def room_principal(room_id: UUID, identity: UUID, role: ParticipantRole, name: str, generation: int) -> RoomPrincipal:
    return RoomPrincipal(
        "room",  # a third kind of caller, only ever seen by Socket.IO
        identity,
        None,
        GUEST_ROLE,
        VIDEO_SCOPES,
        room_id=room_id,
        room_role=role,
        name=name,
        generation=generation,
    )


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class JoinTicket:
    """What the asking party gets back: where to connect and the token to connect with."""

    room_id: UUID
    identity: UUID
    role: str
    provider: str
    join_url: str
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class ParticipantView:
    record: Record
    connected: bool

    @property
    def hidden(self) -> bool:
        return self.record["role"] == "observer"


@dataclass(frozen=True)
class RoomAccess:
    """A room as one person may reach it."""

    room: Record  # store.get_room_for: the room, and the asker's name, links and participant status
    allowed_roles: frozenset[str]  # the roles they may ask a token for
    staff: bool  # acts for the room's agency (sees hidden observers, manages the room)


def room_data(room: Record) -> dict[str, Any]:
    """The event payload that names a room."""
    return {
        "roomId": str(room["id"]),
        "provider": room["provider"],
        "callType": room["call_type"],
        "applicationId": str(room["application_id"]) if room["application_id"] else None,
        "interviewId": str(room["interview_id"]) if room["interview_id"] else None,
    }


def participant_data(room: Record, p: Record, **extra: Any) -> dict[str, Any]:
    return {
        **room_data(room),
        "participantId": str(p["identity"]),
        "userId": str(p["user_id"]) if p["user_id"] else None,
        "invitationId": str(p["invitation_id"]) if p["invitation_id"] else None,
        "role": p["role"],
        **extra,
    }


async def room_started(conn: asyncpg.Connection, room: Record) -> None:
    """The room just became active: announce it and start its recording if it asks for one."""
    data = {
        **room_data(room),
        "startedAt": _iso(room["started_at"]),
        "enableRecording": room["enable_recording"],
        "enableTranscription": room["enable_transcription"],
    }
    await emit(conn, "video.room.started", data, agency_id=room["agency_id"])
    await video_recording.room_started(conn, room)


async def emit_ended(conn: asyncpg.Connection, room: Record, left: list[Record]) -> None:
    """The room ended; everyone still in it left with it."""
    for p in left:
        await emit(conn, "video.participant.left", participant_data(room, p, reason="room_ended"), agency_id=room["agency_id"])
    duration = (room["ended_at"] - room["started_at"]).total_seconds() if room["started_at"] else 0.0
    data = {**room_data(room), "endedAt": _iso(room["ended_at"]), "durationSeconds": round(max(duration, 0.0))}
    await emit(conn, "video.room.ended", data, agency_id=room["agency_id"])


async def emit_joined(conn: asyncpg.Connection, room: Record, p: Record) -> None:
    data = participant_data(room, p, joinedAt=_iso(p["joined_at"]))
    await emit(conn, "video.participant.joined", data, agency_id=room["agency_id"])


async def emit_left(conn: asyncpg.Connection, room: Record, p: Record, reason: str) -> None:
    await emit(conn, "video.participant.left", participant_data(room, p, reason=reason), agency_id=room["agency_id"])


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def provider_failed(exc: ProviderError) -> ServiceUnavailable:
    """The one place a provider failure becomes the caller's error (no provider internals in it)."""
    logger.warning("video provider call failed: %s", exc)
    return ServiceUnavailable("The video provider did not answer; try again shortly", code="VIDEO_PROVIDER_UNAVAILABLE")


# -- the service --------------------------------------------------------------------------------


class VideoService:
    """Rooms, join tokens and participants; the provider behind them is chosen at start-up."""

    def __init__(self, pool: asyncpg.Pool, provider: VideoProvider, config: VideoConfig) -> None:
        self.pool = pool
        self.provider = provider
        self.config = config

    # -- rooms ------------------------------------------------------------------------------

    @property
    def max_participants(self) -> int | None:
        """The provider's cap on a room: the mesh's; LiveKit rooms are limited by their setting only."""
        return self.config.mesh_max_participants if self.provider.name == "mesh" else None

    def room_size(self, requested: int | None, *, at_least: int = 2) -> int:
        """maxParticipants when the caller names none: the mesh cap, or LIVEKIT_ROOM_SIZE."""
        if requested is not None:
            return requested
        return self.max_participants or max(LIVEKIT_ROOM_SIZE, at_least)

    async def create_room(self, principal: Principal, fields: dict[str, Any]) -> Record:
        agency_id = require_staff(principal)
        fields = {**fields, "max_participants": self.room_size(fields.get("max_participants"))}
        self._check_capacity(fields["max_participants"])
        _check_times(fields.get("scheduled_for"), fields.get("ends_at"), new_end=fields.get("ends_at"))
        room_id = uuid.uuid4()
        async with transaction(self.pool) as conn:
            await _check_links(conn, agency_id, fields)
            try:
                await self.provider.create_room(str(room_id), max_participants=fields["max_participants"])
            except ProviderError as exc:
                raise provider_failed(exc) from exc
            return await store.insert_room(
                conn,
                room_id=room_id,
                agency_id=agency_id,
                provider=self.provider.name,
                provider_room=str(room_id),
                created_by_type=principal.kind,
                created_by=principal.id,
                fields=fields,
            )

    async def list_rooms(
        self, principal: Principal, filters: dict[str, Any], *, limit: int, offset: int
    ) -> tuple[list[Record], int]:
        async with self.pool.acquire() as conn:
            if principal.is_staff and principal.agency_id is not None:
                return await store.list_rooms(
                    conn, agency_id=principal.agency_id, person_id=None, filters=filters, limit=limit, offset=offset
                )
            if principal.user_id is None:
                return [], 0
            return await store.list_rooms(
                conn, agency_id=principal.agency_id, person_id=principal.user_id, filters=filters, limit=limit, offset=offset
            )

    async def get_room(self, principal: Principal, room_id: UUID) -> Record:
        async with self.pool.acquire() as conn:
            return (await self.access(conn, principal, room_id)).room

    async def update_room(self, principal: Principal, room_id: UUID, changes: dict[str, Any]) -> Record:
        require_staff(principal)
        async with transaction(self.pool) as conn:
            room = (await self.access(conn, principal, room_id, lock=True)).room
            if room["status"] == "ended":
                raise RuleViolated("The room has ended; it can no longer change", code="ROOM_ENDED")
            if changes.get("max_participants") is not None:
                self._check_capacity(changes["max_participants"])
            _check_times(
                changes.get("scheduled_for", room["scheduled_for"]), changes.get("ends_at", room["ends_at"]),
                new_end=changes.get("ends_at"),
            )
            if changes.keys() & {"application_id", "interview_id", "thread_id"}:
                links = {k: changes.get(k, room[k]) for k in ("application_id", "interview_id", "thread_id")}
                await _check_links(conn, room["agency_id"], links)
            room = await store.update_room(conn, room_id, changes)
            if changes.get("enable_recording") is True and room["status"] == "active":
                await video_recording.room_started(conn, room)
            elif changes.get("enable_recording") is False:
                egress = await video_recording.active_egress(conn, room)
                if egress is not None:
                    try:
                        await self.provider.stop_recording(egress)
                    except ProviderError as exc:
                        raise provider_failed(exc) from exc
            return room

    async def end_room(self, principal: Principal, room_id: UUID) -> Record:
        """End the room for everyone. Repeating it repeats the provider call, so a failed
        provider call can simply be retried."""
        require_staff(principal)
        async with transaction(self.pool) as conn:
            room = (await self.access(conn, principal, room_id, lock=True)).room
            egress = await video_recording.active_egress(conn, room)
            if room["status"] != "ended":
                left = [p for p in await store.list_participants(conn, room_id) if p["status"] == "joined"]
                room = await store.mark_room_ended(conn, room_id)
                await emit_ended(conn, room, left)
        # After commit: a mesh end disconnects sockets, whose hooks then see the room ended.
        try:
            if egress is not None:
                await self.provider.stop_recording(egress)  # finalizes the file before the room closes
            await self.provider.delete_room(room["provider_room"])
        except ProviderError as exc:
            raise provider_failed(exc) from exc
        return room

    def _check_capacity(self, requested: int) -> None:
        cap = self.max_participants
        if cap is not None and requested > cap:
            raise RuleViolated(
                f"Mesh rooms hold at most {cap} participants; configure LiveKit for larger rooms",
                details={"field": "maxParticipants", "max": cap},
                code="ROOM_TOO_LARGE",
            )

    # -- who may reach a room ----------------------------------------------------------------

    async def access(
        self, conn: asyncpg.Connection, principal: Principal, room_id: UUID, *, lock: bool = False
    ) -> RoomAccess:
        """The room as `principal` may reach it; 404 for anyone with no business in it
        (another agency's staff, a person unrelated to it, a removed participant)."""
        user_id = principal.user_id if principal.kind == "user" else None
        room = await store.get_room_for(conn, room_id, user_id, lock=lock)
        if room is None:
            raise NotFound("Video room not found")
        if principal.agency_id is not None and principal.agency_id != room["agency_id"]:
            raise NotFound("Video room not found")
        if principal.kind == "api_key":
            return RoomAccess(room, frozenset(), staff=True)  # may manage the room, never join it
        if user_id is None or not room["person_exists"]:
            raise NotFound("Video room not found")
        staff = principal.agency_id == room["agency_id"] and principal.role in STAFF_ROLES
        roles: set[str] = set(ROLE_RANK) if staff else set()
        if room["is_candidate"] or room["is_interviewer"]:
            roles.add("participant")
        if room["authorized_role"]:
            roles.add(room["authorized_role"])
        if not roles and room["participant_status"] in (None, "removed"):
            raise NotFound("Video room not found")
        return RoomAccess(room, frozenset(roles), staff=staff)

    # -- join tokens ---------------------------------------------------------------------------

    async def join(self, principal: Principal, room_id: UUID, role: str, user_id: UUID | None) -> JoinTicket:
        """A join token for the asker, and nobody else."""
        if principal.kind != "user" or principal.user_id is None:
            raise Forbidden("Join tokens are issued to people; sign in as the person who joins", code="NOT_A_PERSON")
        if user_id is not None and user_id != principal.user_id:
            raise Forbidden("A join token is only issued to the person who asks for it", code="NOT_YOUR_TOKEN")
        # No transaction: one read, one upsert (which itself refuses a removed person).
        async with self.pool.acquire() as conn:
            access = await self.access(conn, principal, room_id)
            room = access.room
            if room["participant_status"] == "removed":
                raise Forbidden("You were removed from this room", code="REMOVED_FROM_ROOM")
            if role not in access.allowed_roles:
                raise Forbidden(f"You may not join this room as {role}", code="ROLE_NOT_ALLOWED")
            if not room["is_active"]:
                raise Forbidden("This account is not active")
            record = await store.save_token_holder(
                conn, room=room, identity=principal.user_id, user_id=principal.user_id, invitation_id=None,
                display_name=room["full_name"], role=role,
            )
        if record is None:
            raise Forbidden("You were removed from this room", code="REMOVED_FROM_ROOM")
        return self.issue(room, record)

    def issue(self, room: Record, participant: Record) -> JoinTicket:
        """Sign a token for `participant` as recorded now (role, generation)."""
        if room["status"] == "ended":
            raise RuleViolated("The room has ended", code="ROOM_ENDED")
        if room["provider"] != self.provider.name:
            raise ServiceUnavailable(
                f"This room runs on {room['provider']}, which this hub is not configured for", code="VIDEO_PROVIDER_MISMATCH"
            )
        ttl = self.config.token_ttl
        if self.provider.name == "livekit":
            ttl = min(ttl, self.config.livekit_token_ttl)
        if room["ends_at"] is not None:
            left = int((room["ends_at"] - datetime.now(UTC)).total_seconds())
            if left <= 0:
                raise RuleViolated("The room's time is over", code="ROOM_ENDED")
            ttl = min(ttl, left)
        grant = JoinGrant(
            room=room["provider_room"],
            identity=str(participant["identity"]),
            name=participant["display_name"],
            role=ParticipantRole(participant["role"]),
            ttl=timedelta(seconds=ttl),
            generation=participant["generation"],
        )
        token = self.provider.issue_token(grant)
        # Both providers sign JWTs: report the expiry the token itself carries.
        expires = jwt.decode(token, options={"verify_signature": False})["exp"]
        return JoinTicket(
            room_id=room["id"],
            identity=participant["identity"],
            role=participant["role"],
            provider=self.provider.name,
            join_url=self.provider.join_url(room["provider_room"], token),
            token=token,
            expires_at=datetime.fromtimestamp(expires, UTC),
        )

    # -- participants --------------------------------------------------------------------------

    async def list_participants(self, principal: Principal, room_id: UUID) -> list[ParticipantView]:
        """Everyone known to the room; live connection state from the provider. Only staff see
        hidden observers."""
        async with self.pool.acquire() as conn:
            access = await self.access(conn, principal, room_id)
            records = await store.list_participants(conn, room_id)
        staff = access.staff
        try:
            live = {p.identity for p in await self.provider.list_participants(access.room["provider_room"])}
        except ProviderError as exc:
            raise provider_failed(exc) from exc
        views = [ParticipantView(r, str(r["identity"]) in live) for r in records]
        return views if staff else [v for v in views if not v.hidden]

    async def authorize(self, principal: Principal, room_id: UUID, user_id: UUID, role: str) -> Record:
        """Pre-authorize a person (of the agency, or a candidate who applied to it) with a role."""
        agency_id = require_staff(principal)
        async with transaction(self.pool) as conn:
            room = (await self.access(conn, principal, room_id, lock=True)).room
            if room["status"] == "ended":
                raise RuleViolated("The room has ended", code="ROOM_ENDED")
            user = await user_store.get_user(conn, user_id)
            if user is None or not await store.person_reachable(conn, agency_id, user):
                raise NotFound("User not found", details={"field": "userId"})
            if role == "host" and user["role"] not in STAFF_ROLES:
                raise RuleViolated("Only agency staff can be hosts", details={"field": "role"}, code="HOST_MUST_BE_STAFF")
            return await store.authorize_participant(
                conn, room=room, identity=user_id, user_id=user_id, invitation_id=None,
                display_name=user["full_name"], role=role, authorized_by=principal.user_id,
            )

    async def remove(self, principal: Principal, room_id: UUID, identity: UUID) -> Record:
        """Disconnect someone and make every token they hold useless (mesh: at once; LiveKit: the
        connection at once, tokens never re-issued)."""
        require_staff(principal)
        async with transaction(self.pool) as conn:
            room = (await self.access(conn, principal, room_id, lock=True)).room
            removed = await self.remove_in(conn, room, identity)
        try:
            await self.provider.remove_participant(room["provider_room"], str(identity))
        except ProviderError as exc:
            raise provider_failed(exc) from exc
        return removed

    async def remove_in(self, conn: asyncpg.Connection, room: Record, identity: UUID) -> Record:
        """The database half of a removal, inside the caller's transaction."""
        removed = await store.mark_removed(conn, room["id"], identity)
        if removed is None:
            raise NotFound("Participant not found")
        if removed["previous_status"] == "joined":
            await emit_left(conn, room, removed, "removed")
        return removed


# -- helpers ----------------------------------------------------------------------------------


def require_staff(principal: Principal) -> UUID:
    """Owners, admins, recruiters and the agency's API keys; the agency they act for."""
    if not principal.is_staff or principal.agency_id is None:
        raise Forbidden("This action is for agency staff", code="STAFF_ONLY")
    return principal.agency_id


def _check_times(scheduled_for: datetime | None, ends_at: datetime | None, *, new_end: datetime | None) -> None:
    if ends_at is not None and scheduled_for is not None and ends_at <= scheduled_for:
        raise ValidationFailed("endsAt must be after scheduledFor", details={"field": "endsAt"})
    if new_end is not None and new_end <= datetime.now(UTC):
        raise ValidationFailed("endsAt must be in the future", details={"field": "endsAt"})


async def _check_links(conn: asyncpg.Connection, agency_id: UUID, fields: dict[str, Any]) -> None:
    """applicationId, interviewId and threadId must name records of the same agency."""
    application = None
    if fields.get("application_id") is not None:
        application = await store.get_application(conn, agency_id, fields["application_id"])
        if application is None:
            raise NotFound("Application not found", details={"field": "applicationId"})
    if fields.get("interview_id") is not None:
        interview = await store.get_interview(conn, agency_id, fields["interview_id"])
        if interview is None:
            raise NotFound("Interview not found", details={"field": "interviewId"})
        if application is not None and interview["application_id"] != application["id"]:
            raise ValidationFailed("The interview belongs to another application", details={"field": "interviewId"})
    if fields.get("thread_id") is not None and not await store.thread_exists(conn, agency_id, fields["thread_id"]):
        raise NotFound("Chat thread not found", details={"field": "threadId"})
