"""The caller's agency: /api/v1/agency."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import Field

from hub.db import transaction
from hub.http import ApiRoutes, ok, principal_of
from hub.keys import DB
from hub.models import ApiModel
from hub.services import agency as agency_service

routes = ApiRoutes("agency")


class AgencyOut(ApiModel):
    id: UUID
    name: str
    plan: Literal["free", "pro", "enterprise"]
    created_at: datetime
    updated_at: datetime


class AgencyUpdate(ApiModel):
    """Only the name is editable; the plan tier is not (an unknown field such as `plan` is refused)."""

    name: str = Field(min_length=1, max_length=200)


@routes.get("/agency", response=AgencyOut, scope="agency:read")
async def get_agency(request: web.Request) -> web.Response:
    """The caller's agency, with its plan tier."""
    async with request.app[DB].acquire() as conn:
        agency = await agency_service.get_agency(conn, principal_of(request))
    return ok(AgencyOut.from_record(agency))


@routes.patch("/agency", body=AgencyUpdate, response=AgencyOut, scope="agency:write")
async def update_agency(request: web.Request, body: AgencyUpdate) -> web.Response:
    """Rename the agency."""
    async with transaction(request.app[DB]) as conn:
        agency = await agency_service.rename_agency(conn, principal_of(request), name=body.name.strip() or body.name)
    return ok(AgencyOut.from_record(agency))
