"""Placements (a candidate hired through the agency): /api/v1/placements/*."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import Field, model_validator

from hub.auth.principal import STAFF_ROLES
from hub.db import transaction
from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import DB
from hub.models import ApiModel, PageQuery
from hub.services import placements as placement_service

from .offers import MAX_AMOUNT

routes = ApiRoutes("placements")

PlacementStatus = Literal["active", "completed", "terminated"]


class PlacementIn(ApiModel):
    application_id: UUID
    start_date: date | None = None  # defaults to the accepted offer's start date
    end_date: date | None = None
    salary: Decimal | None = Field(None, ge=0, le=MAX_AMOUNT, decimal_places=2)  # defaults to the offer's
    fee: Decimal | None = Field(None, ge=0, le=MAX_AMOUNT, decimal_places=2)
    recruiter_id: UUID | None = None  # defaults to the caller; API keys must name a recruiter


class PlacementUpdate(ApiModel):
    status: Literal["completed", "terminated"] | None = None
    start_date: date | None = None
    end_date: date | None = None
    salary: Decimal | None = Field(None, ge=0, le=MAX_AMOUNT, decimal_places=2)
    fee: Decimal | None = Field(None, ge=0, le=MAX_AMOUNT, decimal_places=2)
    recruiter_id: UUID | None = None
    reason: str | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _something_to_do(self) -> PlacementUpdate:
        if not self.model_fields_set:
            raise ValueError("Nothing to change: send a status or a field")
        if self.reason is not None and self.status is None:
            raise ValueError("reason is given only with a status change")
        return self


class PlacementOut(ApiModel):
    id: UUID
    application_id: UUID
    offer_id: UUID | None
    candidate_id: UUID
    job_id: UUID
    job_title: str
    start_date: date | None
    end_date: date | None
    salary: float | None
    fee: float | None
    status: str
    recruiter_id: UUID | None
    created_at: datetime
    updated_at: datetime


class PlacementQuery(PageQuery):
    status: PlacementStatus | None = None
    application_id: UUID | None = None
    recruiter_id: UUID | None = None


@routes.post("/placements", body=PlacementIn, response=PlacementOut, status=201, scope="placements:write",
             roles=STAFF_ROLES)
async def create_placement(request: web.Request, body: PlacementIn) -> web.Response:
    """Record a placement for an application whose offer was accepted (one per application)."""
    async with transaction(request.app[DB]) as conn:
        placement = await placement_service.create(
            conn,
            principal_of(request),
            application_id=body.application_id,
            start_date=body.start_date,
            end_date=body.end_date,
            salary=body.salary,
            fee=body.fee,
            recruiter_id=body.recruiter_id,
        )
    return ok(PlacementOut.from_record(placement), status=201)


@routes.get("/placements", query=PlacementQuery, response=list[PlacementOut], paginated=True,
            scope="placements:read", roles=STAFF_ROLES)
async def list_placements(request: web.Request, query: PlacementQuery) -> web.Response:
    """The agency's placements, newest first."""
    async with request.app[DB].acquire() as conn:
        rows, total = await placement_service.list_page(
            conn,
            principal_of(request),
            status=query.status,
            application_id=query.application_id,
            recruiter_id=query.recruiter_id,
            limit=query.per_page,
            offset=query.offset,
        )
    return page((PlacementOut.from_record(r) for r in rows), total=total, query=query)


@routes.get("/placements/{id}", response=PlacementOut, scope="placements:read", roles=STAFF_ROLES)
async def get_placement(request: web.Request) -> web.Response:
    """One placement."""
    async with request.app[DB].acquire() as conn:
        placement = await placement_service.get(conn, principal_of(request), path_id(request))
    return ok(PlacementOut.from_record(placement))


@routes.patch("/placements/{id}", body=PlacementUpdate, response=PlacementOut, scope="placements:write",
              roles=STAFF_ROLES)
async def update_placement(request: web.Request, body: PlacementUpdate) -> web.Response:
    """Complete or terminate the placement, or correct its dates, salary, fee or recruiter."""
    change = placement_service.PlacementChange(**body.model_dump(exclude_unset=True))
    async with transaction(request.app[DB]) as conn:
        placement = await placement_service.change(conn, principal_of(request), path_id(request), change)
    return ok(PlacementOut.from_record(placement))
