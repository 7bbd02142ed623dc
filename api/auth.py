"""Sign-up, sign-in and token rotation: /api/v1/auth/*."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Literal

from aiohttp import web
from pydantic import EmailStr, Field

from hub.http import ApiRoutes, ok
from hub.keys import AUTH
from hub.models import ApiModel
from hub.services.auth import Session

from .users import UserOut

routes = ApiRoutes("auth")


class RegisterIn(ApiModel):
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=8, max_length=256)
    full_name: str = Field(min_length=1, max_length=200)
    role: Literal["candidate", "owner"] = "candidate"
    agency_name: str | None = Field(None, min_length=1, max_length=200)


class LoginIn(ApiModel):
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=1, max_length=256)


class RefreshIn(ApiModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class SessionOut(ApiModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int  # seconds until the access token expires
    refresh_expires_at: datetime
    user: UserOut


class LogoutOut(ApiModel):
    revoked: bool


def session_out(session: Session) -> SessionOut:
    """The reply of every route that signs someone in."""
    return SessionOut(
        access_token=session.access_token,
        refresh_token=session.refresh_token,
        expires_in=max(0, session.access_expires_at - int(time.time())),
        refresh_expires_at=session.refresh_expires_at,
        user=UserOut.from_record(session.user),
    )


@routes.post("/auth/register", body=RegisterIn, response=SessionOut, status=201, auth=False)
async def register(request: web.Request, body: RegisterIn) -> web.Response:
    """Register a candidate, or an agency owner together with a new agency."""
    session = await request.app[AUTH].register(
        email=body.email, password=body.password, full_name=body.full_name, role=body.role, agency_name=body.agency_name
    )
    return ok(session_out(session), status=201)


@routes.post("/auth/login", body=LoginIn, response=SessionOut, auth=False)
async def login(request: web.Request, body: LoginIn) -> web.Response:
    """Exchange e-mail and password for an access token and a refresh token."""
    return ok(session_out(await request.app[AUTH].login(body.email, body.password)))


@routes.post("/auth/refresh-token", body=RefreshIn, response=SessionOut, auth=False)
async def refresh_token(request: web.Request, body: RefreshIn) -> web.Response:
    """Rotate a refresh token: the old one stops working, a new pair is returned."""
    return ok(session_out(await request.app[AUTH].refresh(body.refresh_token)))


@routes.post("/auth/logout", body=RefreshIn, response=LogoutOut, auth=False)
async def logout(request: web.Request, body: RefreshIn) -> web.Response:
    """Revoke the refresh token and every token rotated from the same sign-in."""
    await request.app[AUTH].logout(body.refresh_token)
    return ok(LogoutOut(revoked=True))
