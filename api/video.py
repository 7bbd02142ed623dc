"""Video rooms, join tokens and participants: /api/v1/video/rooms/*, plus LiveKit's webhook."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from aiohttp import web
from pydantic import AfterValidator, AwareDatetime, Field, StrictBool, StrictInt, field_validator, model_validator

from hub.errors import NotFound, PayloadTooLarge, Unauthenticated
from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import SETTINGS, VIDEO
from hub.models import ApiModel, PageQuery
from hub.services import video_webhooks
from hub.services.video import JoinTicket, ParticipantView
from media.livekit import ProviderWebhookError
from media.providers import LiveKitVideo

routes = ApiRoutes("video")

CallType = Literal["screening", "technical", "client_intro", "client_round_1", "client_round_2", "final", "other"]
RoomStatus = Literal["scheduled", "active", "ended"]
Role = Literal["host", "participant", "observer"]
EARLIEST, LATEST = 1970, 2200  # years a room's times may fall in (PostgreSQL and Python agree on these)


def _plausible(value: datetime) -> datetime:
    if not EARLIEST <= value.year <= LATEST:
        raise ValueError(f"must be between the years {EARLIEST} and {LATEST}")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]  # a time with a zone, in range


class RoomIn(ApiModel):
    call_type: CallType
    title: str | None = Field(None, max_length=200)
    application_id: UUID | None = None
    interview_id: UUID | None = None
    thread_id: UUID | None = None
    max_participants: StrictInt | None = Field(None, ge=2, le=100)
    enable_recording: StrictBool = False
    enable_transcription: StrictBool = False
    scheduled_for: Moment | None = None
    ends_at: Moment | None = None  # no join token outlives it


class RoomPatch(ApiModel):
    """Only the fields sent change; `null` clears title, scheduledFor and endsAt."""

    call_type: CallType | None = None
    title: str | None = Field(None, max_length=200)
    application_id: UUID | None = None
    interview_id: UUID | None = None
    max_participants: StrictInt | None = Field(None, ge=2, le=100)
    enable_recording: StrictBool | None = None
    enable_transcription: StrictBool | None = None
    scheduled_for: Moment | None = None
    ends_at: Moment | None = None

    @model_validator(mode="after")
    def _required_fields_are_not_cleared(self) -> RoomPatch:
        for name in ("call_type", "max_participants", "enable_recording", "enable_transcription"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class RoomOut(ApiModel):
    id: UUID
    agency_id: UUID
    provider: str
    call_type: str
    title: str | None
    status: str
    application_id: UUID | None
    interview_id: UUID | None
    thread_id: UUID | None
    max_participants: int
    enable_recording: bool
    enable_transcription: bool
    scheduled_for: datetime | None
    ends_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime


class RoomQuery(PageQuery):
    status: list[RoomStatus] | None = None
    call_type: list[CallType] | None = None
    application_id: UUID | None = None
    from_time: datetime | None = Field(None, alias="from")
    to_time: datetime | None = Field(None, alias="to")

    @field_validator("from_time", "to_time")
    @classmethod
    def _utc_when_naive(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return _plausible(value.replace(tzinfo=UTC) if value.tzinfo is None else value)


class JoinIn(ApiModel):
    role: Role
    user_id: UUID | None = None  # if given, must be the caller: tokens go only to whoever asks


class JoinOut(ApiModel):
    room_id: UUID
    identity: UUID
    role: str
    provider: str
    join_url: str
    token: str
    expires_at: datetime


class ParticipantIn(ApiModel):
    user_id: UUID
    role: Role


class ParticipantOut(ApiModel):
    identity: UUID  # a user id, or the invitation id of a guest
    user_id: UUID | None
    invitation_id: UUID | None
    name: str
    role: str
    authorized_role: str | None
    status: str
    connected: bool
    hidden: bool
    joined_at: datetime | None
    left_at: datetime | None
    removed_at: datetime | None


def join_out(ticket: JoinTicket) -> JoinOut:
    return JoinOut(
        room_id=ticket.room_id,
        identity=ticket.identity,
        role=ticket.role,
        provider=ticket.provider,
        join_url=ticket.join_url,
        token=ticket.token,
        expires_at=ticket.expires_at,
    )


def participant_out(view: ParticipantView) -> ParticipantOut:
    r = view.record
    return ParticipantOut(
        identity=r["identity"], user_id=r["user_id"], invitation_id=r["invitation_id"], name=r["display_name"],
        role=r["role"], authorized_role=r["authorized_role"], status=r["status"], connected=view.connected,
        hidden=view.hidden, joined_at=r["joined_at"], left_at=r["left_at"], removed_at=r["removed_at"],
    )


# -- rooms --------------------------------------------------------------------------------------


@routes.post("/video/rooms", body=RoomIn, response=RoomOut, status=201, scope="video:write")
async def create_room(request: web.Request, body: RoomIn) -> web.Response:
    """Open a video room (agency staff); it runs on LiveKit when configured, else the embedded mesh."""
    room = await request.app[VIDEO].create_room(principal_of(request), body.model_dump())
    return ok(RoomOut.from_record(room), status=201)


@routes.get("/video/rooms", query=RoomQuery, response=list[RoomOut], paginated=True, scope="video:read")
async def list_rooms(request: web.Request, query: RoomQuery) -> web.Response:
    """Rooms the caller may see, newest first: staff see the agency's, others the rooms they take part in."""
    filters = query.model_dump(include={"status", "call_type", "application_id", "from_time", "to_time"})
    rows, total = await request.app[VIDEO].list_rooms(
        principal_of(request), filters, limit=query.per_page, offset=query.offset
    )
    return page((RoomOut.from_record(r) for r in rows), total=total, query=query)


@routes.get("/video/rooms/{id}", response=RoomOut, scope="video:read")
async def get_room(request: web.Request) -> web.Response:
    """One room."""
    return ok(RoomOut.from_record(await request.app[VIDEO].get_room(principal_of(request), path_id(request))))


@routes.patch("/video/rooms/{id}", body=RoomPatch, response=RoomOut, scope="video:write")
async def update_room(request: web.Request, body: RoomPatch) -> web.Response:
    """Change a room that has not ended (agency staff)."""
    room = await request.app[VIDEO].update_room(principal_of(request), path_id(request), body.changes())
    return ok(RoomOut.from_record(room))


@routes.delete("/video/rooms/{id}", response=RoomOut, scope="video:write")
async def end_room(request: web.Request) -> web.Response:
    """End the room for everyone (agency staff): the provider disconnects all participants."""
    return ok(RoomOut.from_record(await request.app[VIDEO].end_room(principal_of(request), path_id(request))))


# -- joining ------------------------------------------------------------------------------------


@routes.post("/video/rooms/{id}/join", body=JoinIn, response=JoinOut, scope="video:write")
async def join_room(request: web.Request, body: JoinIn) -> web.Response:
    """A join token for the caller only: host (staff), participant, or observer (staff; hidden)."""
    ticket = await request.app[VIDEO].join(principal_of(request), path_id(request), body.role, body.user_id)
    return ok(join_out(ticket))


@routes.get("/video/rooms/{id}/participants", response=list[ParticipantOut], scope="video:read")
async def list_participants(request: web.Request) -> web.Response:
    """Everyone authorized for the room and whether they are connected; observers only for staff."""
    views = await request.app[VIDEO].list_participants(principal_of(request), path_id(request))
    return ok([participant_out(v) for v in views])


@routes.post("/video/rooms/{id}/participants", body=ParticipantIn, response=ParticipantOut, status=201, scope="video:write")
async def authorize_participant(request: web.Request, body: ParticipantIn) -> web.Response:
    """Pre-authorize a person of the agency (or a candidate who applied to it) with a role; they
    then ask for their own token."""
    record = await request.app[VIDEO].authorize(principal_of(request), path_id(request), body.user_id, body.role)
    return ok(participant_out(ParticipantView(record, record["status"] == "joined")), status=201)


@routes.delete("/video/rooms/{id}/participants/{userId}", response=ParticipantOut, scope="video:write")
async def remove_participant(request: web.Request) -> web.Response:
    """Disconnect a participant (a user id, or a guest's invitation id); their tokens stop working."""
    record = await request.app[VIDEO].remove(principal_of(request), path_id(request), path_id(request, "userId"))
    return ok(participant_out(ParticipantView(record, False)))


# -- LiveKit webhooks ----------------------------------------------------------------------------


@routes.post("/video/livekit/webhook", auth=False, extra_responses={401: "Bad signature"})
async def livekit_webhook(request: web.Request) -> web.Response:
    """LiveKit's webhook (signed with the API key and secret); answered 200 once applied."""
    provider = request.app[VIDEO].provider
    if not isinstance(provider, LiveKitVideo):
        raise NotFound("LiveKit is not configured on this hub")
    limit = request.app[SETTINGS].max_body_bytes
    raw = await request.content.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(f"Body exceeds {limit} bytes")
    try:
        event = provider.verify_webhook(raw.decode("utf-8"), request.headers.get("Authorization", ""))
    except (ProviderWebhookError, UnicodeDecodeError):
        raise Unauthenticated("Webhook signature is invalid", code="INVALID_SIGNATURE") from None
    applied = False
    if event is not None:
        applied = await video_webhooks.apply(request.app, event)
    return ok({"applied": applied})
