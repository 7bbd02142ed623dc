"""The caller's profile and other people of the agency: /api/v1/users/*."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from aiohttp import web
from pydantic import Field, model_validator

from hub.db import transaction
from hub.errors import NotFound, Unauthenticated
from hub.http import ApiRoutes, ok, path_id, principal_of
from hub.keys import DB
from hub.models import ApiModel
from hub.services import users as user_service

routes = ApiRoutes("users")


class UserOut(ApiModel):
    id: UUID
    agency_id: UUID | None
    email: str
    full_name: str
    role: str
    headline: str | None
    created_at: datetime
    last_login_at: datetime | None


class ProfileUpdate(ApiModel):
    full_name: str | None = Field(None, min_length=1, max_length=200)
    headline: str | None = Field(None, max_length=500)
    current_password: str | None = Field(None, max_length=256)
    new_password: str | None = Field(None, min_length=8, max_length=256)

    @model_validator(mode="after")
    def _password_change_is_complete(self) -> ProfileUpdate:
        if self.new_password is not None and self.current_password is None:
            raise ValueError("currentPassword is required to set newPassword")
        return self


@routes.get("/users/me", response=UserOut)
async def get_me(request: web.Request) -> web.Response:
    """The signed-in person's profile."""
    principal = principal_of(request)
    if principal.user_id is None:
        raise NotFound("API keys have no user profile")
    async with request.app[DB].acquire() as conn:
        user = await user_service.get_self(conn, principal.user_id)
    if user is None:
        raise Unauthenticated("This account no longer exists")
    return ok(UserOut.from_record(user))


@routes.patch("/users/me", body=ProfileUpdate, response=UserOut)
async def update_me(request: web.Request, body: ProfileUpdate) -> web.Response:
    """Update name, headline or password (the current password is required to change it)."""
    principal = principal_of(request)
    if principal.user_id is None:
        raise NotFound("API keys have no user profile")
    async with transaction(request.app[DB]) as conn:
        user = await user_service.update_profile(
            conn,
            principal.user_id,
            full_name=body.full_name,
            headline=body.headline,
            current_password=body.current_password,
            new_password=body.new_password,
        )
    return ok(UserOut.from_record(user))


@routes.get("/users/{id}", response=UserOut, scope="team:read")
async def get_user(request: web.Request) -> web.Response:
    """A person of the caller's agency (404 for anyone else)."""
    async with request.app[DB].acquire() as conn:
        user = await user_service.get_visible_user(conn, principal_of(request), path_id(request))
    return ok(UserOut.from_record(user))
