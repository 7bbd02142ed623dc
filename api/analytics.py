"""Agency reports: /api/v1/analytics/{jobs,applications,interviews,clients}."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web
from pydantic import Field, model_validator

from hub.http import ApiRoutes, ok, principal_of
from hub.keys import DB
from hub.models import ApiModel, QueryModel
from hub.services import analytics as analytics_service

from .fields import UtcDatetime

routes = ApiRoutes("analytics")


class WindowQuery(QueryModel):
    since: UtcDatetime | None = None  # inclusive
    until: UtcDatetime | None = None  # exclusive

    @model_validator(mode="after")
    def _ordered(self) -> WindowQuery:
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValueError("since must be before until")
        return self


class RankedQuery(WindowQuery):
    top: int = Field(5, ge=1, le=50)  # how many entries the ranking lists


class TopJob(ApiModel):
    job_id: UUID
    title: str
    status: str
    applications: int
    hires: int


class JobsReport(ApiModel):
    total: int
    by_status: dict[str, int]
    average_applications_per_job: float | None
    top_jobs: list[TopJob]


class ApplicationsReport(ApiModel):
    total: int
    by_status: dict[str, int]
    hired: int
    conversion_rate: float | None  # hired / total
    average_time_to_hire_days: float | None  # from applying to the first move to hired
    average_score: float | None
    with_resume: int


class InterviewsReport(ApiModel):
    total: int
    by_status: dict[str, int]
    by_type: dict[str, int]
    upcoming: int
    completion_rate: float | None  # completed / (completed + cancelled + no-show)
    no_show_rate: float | None  # no-show / (completed + no-show)


class TopClient(ApiModel):
    client_id: UUID
    name: str
    status: str
    jobs: int
    open_jobs: int
    applications: int
    hires: int


class ClientsReport(ApiModel):
    total: int
    by_status: dict[str, int]
    top_clients: list[TopClient]


@routes.get("/analytics/jobs", query=RankedQuery, response=JobsReport, scope="analytics:read")
async def jobs_analytics(request: web.Request, query: RankedQuery) -> web.Response:
    """Jobs by status, applications per job and the jobs with the most applications."""
    async with request.app[DB].acquire() as conn:
        report = await analytics_service.jobs_report(
            conn, principal_of(request), since=query.since, until=query.until, top=query.top
        )
    return ok(JobsReport.from_record(report))


@routes.get("/analytics/applications", query=WindowQuery, response=ApplicationsReport, scope="analytics:read")
async def applications_analytics(request: web.Request, query: WindowQuery) -> web.Response:
    """Applications by status, conversion to hire, average time to hire and score."""
    async with request.app[DB].acquire() as conn:
        report = await analytics_service.applications_report(conn, principal_of(request), since=query.since, until=query.until)
    return ok(ApplicationsReport.from_record(report))


@routes.get("/analytics/interviews", query=WindowQuery, response=InterviewsReport, scope="analytics:read")
async def interviews_analytics(request: web.Request, query: WindowQuery) -> web.Response:
    """Interviews by status and type, upcoming ones, completion and no-show rates."""
    async with request.app[DB].acquire() as conn:
        report = await analytics_service.interviews_report(conn, principal_of(request), since=query.since, until=query.until)
    return ok(InterviewsReport.from_record(report))


@routes.get("/analytics/clients", query=RankedQuery, response=ClientsReport, scope="analytics:read")
async def clients_analytics(request: web.Request, query: RankedQuery) -> web.Response:
    """Clients by status and the clients with the most applications."""
    async with request.app[DB].acquire() as conn:
        report = await analytics_service.clients_report(
            conn, principal_of(request), since=query.since, until=query.until, top=query.top
        )
    return ok(ClientsReport.from_record(report))
