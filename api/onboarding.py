"""Onboarding tasks for a hired candidate: /api/v1/onboarding/*."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import Field

from hub.auth.principal import STAFF_ROLES
from hub.db import transaction
from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import DB
from hub.models import ApiModel, PageQuery
from hub.services import onboarding as onboarding_service

routes = ApiRoutes("onboarding")

TaskStatus = Literal["pending", "submitted", "approved", "rejected"]
STAFF_AND_CANDIDATES = STAFF_ROLES | {"candidate"}


class TaskIn(ApiModel):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    due_date: date | None = None


class TasksIn(ApiModel):
    application_id: UUID
    tasks: list[TaskIn] = Field(min_length=1, max_length=50)


class ReviewIn(ApiModel):
    action: Literal["approve", "reject"]
    reviewed_by: UUID | None = None  # defaults to the caller; API keys must name a recruiter
    note: str | None = Field(None, max_length=2000)


class TaskOut(ApiModel):
    id: UUID
    application_id: UUID
    candidate_id: UUID
    job_id: UUID
    job_title: str
    title: str
    description: str | None
    due_date: date | None
    status: str
    reviewed_by: UUID | None
    reviewed_at: datetime | None
    review_note: str | None
    created_at: datetime
    updated_at: datetime


class TaskQuery(PageQuery):
    application_id: UUID | None = None
    status: TaskStatus | None = None


@routes.post("/onboarding", body=TasksIn, response=list[TaskOut], status=201, scope="onboarding:write",
             roles=STAFF_ROLES)
async def assign_onboarding_tasks(request: web.Request, body: TasksIn) -> web.Response:
    """Assign onboarding tasks for an application (up to 50 at once, kept in the order given)."""
    async with transaction(request.app[DB]) as conn:
        tasks = await onboarding_service.assign(
            conn,
            principal_of(request),
            application_id=body.application_id,
            tasks=[(t.title, t.description, t.due_date) for t in body.tasks],
        )
    return ok([TaskOut.from_record(t) for t in tasks], status=201)


@routes.get("/onboarding", query=TaskQuery, response=list[TaskOut], paginated=True, scope="onboarding:read",
            roles=STAFF_AND_CANDIDATES)
async def list_onboarding_tasks(request: web.Request, query: TaskQuery) -> web.Response:
    """Tasks the caller may see (candidates: their own), by due date."""
    async with request.app[DB].acquire() as conn:
        rows, total = await onboarding_service.list_page(
            conn,
            principal_of(request),
            application_id=query.application_id,
            status=query.status,
            limit=query.per_page,
            offset=query.offset,
        )
    return page((TaskOut.from_record(r) for r in rows), total=total, query=query)


@routes.get("/onboarding/{taskId}", response=TaskOut, scope="onboarding:read", roles=STAFF_AND_CANDIDATES)
async def get_onboarding_task(request: web.Request) -> web.Response:
    """One onboarding task."""
    async with request.app[DB].acquire() as conn:
        task = await onboarding_service.get(conn, principal_of(request), path_id(request, "taskId"))
    return ok(TaskOut.from_record(task))


@routes.put("/onboarding/{taskId}", body=ReviewIn, response=TaskOut, scope="onboarding:write", roles=STAFF_ROLES)
async def review_onboarding_task(request: web.Request, body: ReviewIn) -> web.Response:
    """Approve or reject a task, with an optional note."""
    async with transaction(request.app[DB]) as conn:
        task = await onboarding_service.review(
            conn,
            principal_of(request),
            path_id(request, "taskId"),
            action=body.action,
            reviewed_by=body.reviewed_by,
            note=body.note,
        )
    return ok(TaskOut.from_record(task))
