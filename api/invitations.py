"""Video invitations by e-mail: /api/v1/video/invitations/*."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import EmailStr, Field, StrictBool

from hub.db import Record
from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import SETTINGS, VIDEO
from hub.models import ApiModel, PageQuery, QueryModel
from hub.services import invitations as invitation_service

from .video import JoinOut, join_out

routes = ApiRoutes("video")

SECRET_MAX = 128  # characters; link secrets are 43


class InvitationIn(ApiModel):
    room_id: UUID
    email: EmailStr = Field(max_length=254)
    name: str | None = Field(None, min_length=1, max_length=200)  # how the guest appears in the room
    role: Literal["participant", "observer"] = "participant"
    send_email: StrictBool = True


class InvitationOut(ApiModel):
    id: UUID
    room_id: UUID
    email: str
    name: str
    role: str
    status: str  # pending, sent, clicked, accepted, joined, revoked, expired
    mail_status: str | None  # the last e-mail: queued, sent, logged (no SMTP configured), failed
    send_count: int
    expires_at: datetime
    sent_at: datetime | None
    clicked_at: datetime | None
    accepted_at: datetime | None
    joined_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime
    invite_url: str | None = None  # only on creation with sendEmail=false: deliver it yourself


class InvitationQuery(PageQuery):
    room_id: UUID | None = None


class AcceptQuery(QueryModel):
    token: str = Field(min_length=1, max_length=SECRET_MAX)


class AcceptIn(ApiModel):
    token: str = Field(min_length=1, max_length=SECRET_MAX)


class InvitationPreview(ApiModel):
    invitation_id: UUID
    room_id: UUID
    name: str
    role: str
    status: str
    call_type: str
    title: str | None
    scheduled_for: datetime | None
    expires_at: datetime


def invitation_out(r: Record, invite_url: str | None = None) -> InvitationOut:
    """`r`: an invitation row with the last e-mail's `mail_status`."""
    return InvitationOut(
        id=r["id"], room_id=r["room_id"], email=r["email"], name=r["display_name"], role=r["role"],
        status=invitation_service.status_of(r), mail_status=r["mail_status"], send_count=r["send_count"],
        expires_at=r["expires_at"], sent_at=r["sent_at"], clicked_at=r["clicked_at"], accepted_at=r["accepted_at"],
        joined_at=r["joined_at"], revoked_at=r["revoked_at"], created_at=r["created_at"], invite_url=invite_url,
    )


@routes.post("/video/invitations", body=InvitationIn, response=InvitationOut, status=201, scope="video:write")
async def create_invitation(request: web.Request, body: InvitationIn) -> web.Response:
    """Invite someone by e-mail to a room with a one-time join link (agency staff)."""
    created = await invitation_service.create(
        request.app[VIDEO], principal_of(request), room_id=body.room_id, email=body.email, name=body.name,
        role=body.role, send_email=body.send_email, base_url=request.app[SETTINGS].base_url,
    )
    return ok(invitation_out(created.record, created.link), status=201)


@routes.get("/video/invitations", query=InvitationQuery, response=list[InvitationOut], paginated=True, scope="video:read")
async def list_invitations(request: web.Request, query: InvitationQuery) -> web.Response:
    """Invitations of the agency, newest first, with their tracking (agency staff)."""
    rows, total = await invitation_service.list_for(
        request.app[VIDEO], principal_of(request), query.room_id, limit=query.per_page, offset=query.offset
    )
    return page((invitation_out(r) for r in rows), total=total, query=query)


@routes.get("/video/invitations/accept", query=AcceptQuery, response=InvitationPreview, auth=False)
async def preview_invitation(request: web.Request, query: AcceptQuery) -> web.Response:
    """Open an invitation link: records the click and shows the invitation; nothing is spent."""
    invitation, room = await invitation_service.preview(request.app[VIDEO], query.token)
    return ok(InvitationPreview(
        invitation_id=invitation["id"], room_id=room["id"], name=invitation["display_name"], role=invitation["role"],
        status=invitation_service.status_of(invitation), call_type=room["call_type"], title=room["title"],
        scheduled_for=room["scheduled_for"], expires_at=invitation["expires_at"],
    ))


@routes.post("/video/invitations/accept", body=AcceptIn, response=JoinOut, auth=False,
             extra_responses={409: "Used already or revoked", 422: "Expired, or the room has ended"})
async def accept_invitation(request: web.Request, body: AcceptIn) -> web.Response:
    """Exchange an invitation link's token for a join token; works once."""
    return ok(join_out(await invitation_service.accept(request.app[VIDEO], body.token)))


@routes.get("/video/invitations/{id}", response=InvitationOut, scope="video:read")
async def get_invitation(request: web.Request) -> web.Response:
    """One invitation and its tracking (agency staff)."""
    return ok(invitation_out(await invitation_service.get(request.app[VIDEO], principal_of(request), path_id(request))))


@routes.post("/video/invitations/{id}/resend", response=InvitationOut, scope="video:write")
async def resend_invitation(request: web.Request) -> web.Response:
    """E-mail a fresh link; the previous link stops working."""
    record = await invitation_service.resend(
        request.app[VIDEO], principal_of(request), path_id(request), request.app[SETTINGS].base_url
    )
    return ok(invitation_out(record))


@routes.delete("/video/invitations/{id}", response=InvitationOut, scope="video:write")
async def revoke_invitation(request: web.Request) -> web.Response:
    """Revoke the link; a guest already in the room through it is removed."""
    return ok(invitation_out(await invitation_service.revoke(request.app[VIDEO], principal_of(request), path_id(request))))
