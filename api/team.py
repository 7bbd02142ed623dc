"""The agency's team, invitations and recruiter ids: /api/v1/team/*, /agency/recruiters, /recruiters/create."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import EmailStr, Field, model_validator

from hub.db import transaction
from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import AUTH, DB, SETTINGS
from hub.models import ApiModel, PageQuery
from hub.services import team as team_service

from .auth import SessionOut, session_out

routes = ApiRoutes("team")

TeamRole = Literal["owner", "admin", "recruiter", "interviewer"]
InviteRole = Literal["admin", "recruiter", "interviewer"]
InvitationStatus = Literal["pending", "accepted", "revoked"]


class MemberOut(ApiModel):
    id: UUID
    agency_id: UUID
    email: str
    full_name: str
    role: str
    headline: str | None
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class TeamQuery(PageQuery):
    role: list[TeamRole] | None = None
    is_active: bool | None = None


class MemberUpdate(ApiModel):
    role: TeamRole | None = None
    is_active: bool | None = None
    full_name: str | None = Field(None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _something_to_change(self) -> MemberUpdate:
        if self.role is None and self.is_active is None and self.full_name is None:
            raise ValueError("Give at least one of role, isActive, fullName")
        return self


class InviteIn(ApiModel):
    email: EmailStr = Field(max_length=254)
    role: InviteRole
    name: str = Field("", max_length=200)


class InvitationOut(ApiModel):
    id: UUID
    email: str
    full_name: str
    role: str
    status: InvitationStatus
    invited_by: UUID | None
    send_count: int
    expires_at: datetime
    accepted_at: datetime | None
    created_at: datetime


class InvitationQuery(PageQuery):
    status: list[InvitationStatus] | None = None


class AcceptIn(ApiModel):
    token: str = Field(min_length=1, max_length=512)
    password: str = Field(min_length=8, max_length=256)
    full_name: str = Field(min_length=1, max_length=200)


class RecruiterCreate(ApiModel):
    email: EmailStr = Field(max_length=254)
    full_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=256)


def _accept_url(request: web.Request) -> str:
    """Where the e-mailed link points: the portal page that posts the token to /team/invitations/accept."""
    return request.app[SETTINGS].base_url + "/accept-invitation"


@routes.get("/team", query=TeamQuery, response=list[MemberOut], paginated=True, scope="team:read")
async def list_team(request: web.Request, query: TeamQuery) -> web.Response:
    """The agency's members, filtered by role and active state."""
    async with request.app[DB].acquire() as conn:
        rows, total = await team_service.list_members(
            conn, principal_of(request), roles=query.role, is_active=query.is_active, limit=query.per_page, offset=query.offset
        )
    return page((MemberOut.from_record(r) for r in rows), total=total, query=query)


@routes.get("/agency/recruiters", query=PageQuery, response=list[MemberOut], paginated=True, scope="team:read")
async def list_recruiters(request: web.Request, query: PageQuery) -> web.Response:
    """Active owners, admins and recruiters: the ids accepted in postedBy, releasedBy and the like."""
    async with request.app[DB].acquire() as conn:
        rows, total = await team_service.list_recruiters(conn, principal_of(request), limit=query.per_page, offset=query.offset)
    return page((MemberOut.from_record(r) for r in rows), total=total, query=query)


@routes.post("/recruiters/create", body=RecruiterCreate, response=MemberOut, status=201, scope="team:write")
async def create_recruiter(request: web.Request, body: RecruiterCreate) -> web.Response:
    """Create a recruiter account directly; its id can be used for attribution at once."""
    async with transaction(request.app[DB]) as conn:
        user = await team_service.create_recruiter(
            conn, request.app[AUTH], principal_of(request), email=body.email, full_name=body.full_name, password=body.password
        )
    return ok(MemberOut.from_record(user), status=201)


@routes.post("/team/invite", body=InviteIn, response=InvitationOut, status=201, scope="team:write")
async def invite(request: web.Request, body: InviteIn) -> web.Response:
    """Invite someone by e-mail; the message carries a single-use accept link."""
    async with transaction(request.app[DB]) as conn:
        invitation = await team_service.invite(
            conn, principal_of(request), email=body.email, role=body.role, full_name=body.name, accept_url=_accept_url(request)
        )
    return ok(InvitationOut.from_record(invitation), status=201)


@routes.post("/team/invitations/accept", body=AcceptIn, response=SessionOut, status=201, auth=False)
async def accept_invitation(request: web.Request, body: AcceptIn) -> web.Response:
    """Accept an invitation: creates the account and returns a session, as /auth/login does."""
    session = await team_service.accept_invitation(
        request.app[DB], request.app[AUTH], token=body.token, password=body.password, full_name=body.full_name
    )
    return ok(session_out(session), status=201)


@routes.get("/team/invitations", query=InvitationQuery, response=list[InvitationOut], paginated=True, scope="team:read")
async def list_invitations(request: web.Request, query: InvitationQuery) -> web.Response:
    """Invitations of the agency, newest first."""
    async with request.app[DB].acquire() as conn:
        rows, total = await team_service.list_invitations(
            conn, principal_of(request), statuses=query.status, limit=query.per_page, offset=query.offset
        )
    return page((InvitationOut.from_record(r) for r in rows), total=total, query=query)


@routes.post("/team/invitations/{id}/resend", response=InvitationOut, scope="team:write")
async def resend_invitation(request: web.Request) -> web.Response:
    """Send a pending invitation again with a new link (the old link stops working)."""
    async with transaction(request.app[DB]) as conn:
        invitation = await team_service.resend_invitation(
            conn, principal_of(request), path_id(request), accept_url=_accept_url(request)
        )
    return ok(InvitationOut.from_record(invitation))


@routes.delete("/team/invitations/{id}/revoke", response=InvitationOut, scope="team:write")
async def revoke_invitation(request: web.Request) -> web.Response:
    """Revoke a pending invitation; its link stops working."""
    async with transaction(request.app[DB]) as conn:
        invitation = await team_service.revoke_invitation(conn, principal_of(request), path_id(request))
    return ok(InvitationOut.from_record(invitation))


@routes.patch("/team/{id}", body=MemberUpdate, response=MemberOut, scope="team:write")
async def update_member(request: web.Request, body: MemberUpdate) -> web.Response:
    """Change a member's role, name or active state (owners are protected)."""
    async with transaction(request.app[DB]) as conn:
        member = await team_service.update_member(
            conn, principal_of(request), path_id(request), role=body.role, is_active=body.is_active, full_name=body.full_name
        )
    return ok(MemberOut.from_record(member))


@routes.delete("/team/{id}", response=MemberOut, scope="team:write")
async def remove_member(request: web.Request) -> web.Response:
    """Remove a member from the team: the account is deactivated, its records keep their authorship."""
    async with transaction(request.app[DB]) as conn:
        member = await team_service.deactivate_member(conn, principal_of(request), path_id(request))
    return ok(MemberOut.from_record(member))
