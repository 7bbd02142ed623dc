"""Video calls started from chat: POST /api/v1/chat/threads/{id}/calls, GET /api/v1/calls/{id}."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from aiohttp import web

from hub.db import Record
from hub.http import ApiRoutes, ok, path_id, principal_of
from hub.keys import CHAT, VIDEO
from hub.models import ApiModel
from hub.services import calls as call_service
from hub.services.chat_models import MessageOut
from hub.services.video import ParticipantView

from .video import CallType, ParticipantOut, participant_out

routes = ApiRoutes("video")


class CallIn(ApiModel):
    call_type: CallType = "other"


class CallOut(ApiModel):
    id: UUID  # the video room's id: join it with POST /video/rooms/{id}/join
    thread_id: UUID
    application_id: UUID | None
    call_type: str
    provider: str
    status: str
    created_by: UUID | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    participants: list[ParticipantOut]
    announcement: MessageOut | None = None  # the thread message, on creation only


def call_out(room: Record, participants: list[ParticipantView], announcement: MessageOut | None = None) -> CallOut:
    return CallOut(
        id=room["id"], thread_id=room["thread_id"], application_id=room["application_id"], call_type=room["call_type"],
        provider=room["provider"], status=room["status"], created_by=room["created_by"], created_at=room["created_at"],
        started_at=room["started_at"], ended_at=room["ended_at"],
        participants=[participant_out(p) for p in participants], announcement=announcement,
    )


@routes.post("/chat/threads/{id}/calls", body=CallIn, response=CallOut, status=201, scope="video:write")
async def start_call(request: web.Request, body: CallIn) -> web.Response:
    """Open a video room for the thread's participants and announce it in the thread."""
    principal = principal_of(request)
    video = request.app[VIDEO]
    started = await call_service.start(video, request.app[CHAT], principal, path_id(request), call_type=body.call_type)
    participants = await video.list_participants(principal, started.room["id"])
    return ok(call_out(started.room, participants, started.announcement), status=201)


@routes.get("/calls/{id}", response=CallOut, scope="video:read")
async def get_call(request: web.Request) -> web.Response:
    """A call started from a thread, with who is invited and who is connected."""
    room, participants = await call_service.get(request.app[VIDEO], principal_of(request), path_id(request))
    return ok(call_out(room, participants))
