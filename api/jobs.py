"""Jobs: /api/v1/jobs/*. Staff manage their agency's jobs; candidates browse open jobs and apply."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from aiohttp import web
from pydantic import Field, StringConstraints, model_validator

from hub.auth.principal import Principal
from hub.db import Record, transaction
from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import DB
from hub.models import ApiModel, PageQuery
from hub.services import jobs as job_service

from .fields import BulkIds, Money, SkillList, UtcDatetime

routes = ApiRoutes("jobs")

JobStatus = Literal["draft", "pending_approval", "open", "paused", "closed", "filled"]
EmploymentType = Literal["full_time", "part_time", "contract", "temporary", "internship"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]


def _salary_order(low: Money | None, high: Money | None) -> None:
    if low is not None and high is not None and low > high:
        raise ValueError("salaryMin must not exceed salaryMax")


class JobIn(ApiModel):
    title: Title
    description: str = Field("", max_length=20_000)
    location: str | None = Field(None, max_length=200)
    employment_type: EmploymentType | None = None
    skills: SkillList = []
    salary_min: Money | None = None
    salary_max: Money | None = None
    currency: Currency | None = None
    client_id: UUID | None = None
    status: Literal["draft", "pending_approval"] = "draft"
    posted_by: UUID | None = None  # a recruiter of the agency; default: the caller

    @model_validator(mode="after")
    def _salary_range(self) -> JobIn:
        _salary_order(self.salary_min, self.salary_max)
        return self


class JobUpdate(ApiModel):
    title: Title | None = None
    description: str | None = Field(None, max_length=20_000)
    location: str | None = Field(None, max_length=200)
    employment_type: EmploymentType | None = None
    skills: SkillList | None = None
    salary_min: Money | None = None
    salary_max: Money | None = None
    currency: Currency | None = None
    client_id: UUID | None = None
    status: JobStatus | None = None
    posted_by: UUID | None = None

    @model_validator(mode="after")
    def _valid_change(self) -> JobUpdate:
        if not self.model_fields_set:
            raise ValueError("Give at least one field to change")
        for name in ("title", "description", "skills", "status", "posted_by"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        _salary_order(self.salary_min, self.salary_max)
        return self


class JobBulkChanges(ApiModel):
    status: JobStatus | None = None
    client_id: UUID | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> JobBulkChanges:
        if not self.model_fields_set:
            raise ValueError("Give at least one of status, clientId")
        if "status" in self.model_fields_set and self.status is None:
            raise ValueError("status cannot be null")
        return self


class JobBulkIn(ApiModel):
    ids: BulkIds
    changes: JobBulkChanges


class ApproveIn(ApiModel):
    approved_by: UUID | None = None  # a recruiter of the agency; default: the caller


class JobOut(ApiModel):
    id: UUID
    agency_id: UUID
    agency_name: str
    client_id: UUID | None
    client_name: str | None
    title: str
    description: str
    location: str | None
    employment_type: str | None
    skills: list[str]
    salary_min: float | None
    salary_max: float | None
    currency: str | None
    status: JobStatus
    posted_by: UUID | None
    approved_by: UUID | None
    approved_at: datetime | None
    created_at: datetime
    updated_at: datetime


class JobQuery(PageQuery):
    status: list[JobStatus] | None = None
    client_id: UUID | None = None
    posted_by: UUID | None = None
    created_after: UtcDatetime | None = None
    created_before: UtcDatetime | None = None
    search: str | None = Field(None, max_length=200)


def job_out(job: Record, principal: Principal) -> JobOut:
    """Candidates see the posting, not the agency's internals (client, who posted and approved)."""
    out = JobOut.from_record(job)
    if principal.is_candidate:
        out = out.model_copy(update={"client_id": None, "client_name": None, "posted_by": None, "approved_by": None})
    return out


@routes.get("/jobs", query=JobQuery, response=list[JobOut], paginated=True, scope="jobs:read")
async def list_jobs(request: web.Request, query: JobQuery) -> web.Response:
    """The agency's jobs; for candidates, the open jobs of every agency (a job board)."""
    principal = principal_of(request)
    async with request.app[DB].acquire() as conn:
        rows, total = await job_service.list_jobs(
            conn,
            principal,
            statuses=query.status,
            client_id=query.client_id,
            posted_by=query.posted_by,
            created_after=query.created_after,
            created_before=query.created_before,
            search=query.search,
            limit=query.per_page,
            offset=query.offset,
        )
    return page((job_out(r, principal) for r in rows), total=total, query=query)


async def _create(request: web.Request, body: JobIn) -> web.Response:
    principal = principal_of(request)
    async with transaction(request.app[DB]) as conn:
        job = await job_service.create_job(conn, principal, body.model_dump(exclude={"posted_by"}), posted_by=body.posted_by)
    return ok(job_out(job, principal), status=201)


@routes.post("/jobs/create", body=JobIn, response=JobOut, status=201, scope="jobs:write")
async def create_job(request: web.Request, body: JobIn) -> web.Response:
    """Post a job (draft or pending approval), attributed to postedBy."""
    return await _create(request, body)


@routes.post("/jobs", body=JobIn, response=JobOut, status=201, scope="jobs:write")
async def create_job_rest(request: web.Request, body: JobIn) -> web.Response:
    """Post a job: the same as POST /jobs/create."""
    return await _create(request, body)


@routes.patch("/jobs/bulk", body=JobBulkIn, response=list[JobOut], scope="jobs:write")
async def bulk_update_jobs(request: web.Request, body: JobBulkIn) -> web.Response:
    """Change status or client of many jobs at once: all of them or none (422 lists each failing id)."""
    principal = principal_of(request)
    async with transaction(request.app[DB]) as conn:
        jobs = await job_service.bulk_update_jobs(conn, principal, body.ids, body.changes.model_dump(exclude_unset=True))
    return ok([job_out(j, principal) for j in jobs])


@routes.get("/jobs/{id}", response=JobOut, scope="jobs:read")
async def get_job(request: web.Request) -> web.Response:
    """One job of the agency; for candidates, any open job."""
    principal = principal_of(request)
    async with request.app[DB].acquire() as conn:
        job = await job_service.get_job(conn, principal, path_id(request))
    return ok(job_out(job, principal))


@routes.patch("/jobs/{id}", body=JobUpdate, response=JobOut, scope="jobs:write")
async def update_job(request: web.Request, body: JobUpdate) -> web.Response:
    """Change a job; status changes follow the job life cycle (422 otherwise)."""
    principal = principal_of(request)
    async with transaction(request.app[DB]) as conn:
        job = await job_service.update_job(conn, principal, path_id(request), body.model_dump(exclude_unset=True))
    return ok(job_out(job, principal))


@routes.post("/jobs/{id}/approve", body=ApproveIn, response=JobOut, scope="jobs:write")
async def approve_job(request: web.Request, body: ApproveIn) -> web.Response:
    """Approve a draft or pending job: it opens, attributed to approvedBy."""
    principal = principal_of(request)
    async with transaction(request.app[DB]) as conn:
        job = await job_service.approve_job(conn, principal, path_id(request), approved_by=body.approved_by)
    return ok(job_out(job, principal))
