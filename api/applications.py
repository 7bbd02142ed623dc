"""Applications: /api/v1/jobs/{id}/apply and /api/v1/applications/*.

Staff see and move their agency's applications; a candidate applies, uploads a resume and sees
only their own applications (without the agency's internal score, notes and recruiter).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import Field, model_validator

from hub.auth.principal import Principal
from hub.db import Record, transaction
from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import DB, STORAGE
from hub.models import ApiModel, PageQuery
from hub.services import applications as app_service
from hub.uploads import LETTER_TYPES, read_upload

from .fields import BulkIds, ExperienceYears, Score, SkillList, UtcDatetime

routes = ApiRoutes("applications")

ApplicationStatus = Literal[
    "submitted", "under_review", "shortlisted", "interview_scheduled", "interviewed",
    "offer_sent", "hired", "rejected", "withdrawn", "released",
]  # fmt: skip
assert set(ApplicationStatus.__args__) == set(app_service.APPLICATION_STATUSES)  # type: ignore[attr-defined]


class ApplyIn(ApiModel):
    cover_letter: str | None = Field(None, max_length=10_000)
    skills: SkillList = []
    experience_years: ExperienceYears | None = None
    location: str | None = Field(None, max_length=200)


class ApplicationOut(ApiModel):
    id: UUID
    agency_id: UUID
    job_id: UUID
    job_title: str
    client_id: UUID | None
    candidate_id: UUID
    candidate_name: str
    status: ApplicationStatus
    score: float | None
    skills: list[str]
    experience_years: float | None
    cover_letter: str | None
    location: str | None
    has_resume: bool
    resume_name: str | None
    recruiter_id: UUID | None
    applied_at: datetime
    updated_at: datetime


class HistoryOut(ApiModel):
    id: int
    from_status: str | None
    to_status: str
    reason: str | None
    comment: str | None
    changed_by: UUID | None
    changed_at: datetime


class ApplicationQuery(PageQuery):
    client_id: UUID | None = None
    job_id: UUID | None = None
    status: list[ApplicationStatus] | None = None
    min_score: Score | None = None
    has_resume: bool | None = None
    skills: SkillList | None = None  # applications listing every one of these
    experience_years: ExperienceYears | None = None  # at least this many years
    applied_after: UtcDatetime | None = None
    applied_before: UtcDatetime | None = None


class StatusChangeIn(ApiModel):
    status: ApplicationStatus
    reason: str | None = Field(None, max_length=500)
    comment: str | None = Field(None, max_length=5000)


class ReleaseIn(ApiModel):
    released_by: UUID | None = None  # a recruiter of the agency; default: the caller
    reason: str | None = Field(None, max_length=500)
    comment: str | None = Field(None, max_length=5000)


class RejectIn(ApiModel):
    rejected_by: UUID | None = None  # a recruiter of the agency; default: the caller
    reason: str | None = Field(None, max_length=500)
    comment: str | None = Field(None, max_length=5000)


class ApplicationUpdate(ApiModel):
    score: Score | None = None
    recruiter_id: UUID | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> ApplicationUpdate:
        if not self.model_fields_set:
            raise ValueError("Give at least one of score, recruiterId")
        return self


class ApplicationBulkChanges(ApiModel):
    status: ApplicationStatus | None = None
    reason: str | None = Field(None, max_length=500)
    comment: str | None = Field(None, max_length=5000)
    score: Score | None = None
    recruiter_id: UUID | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> ApplicationBulkChanges:
        if not self.model_fields_set & {"status", "score", "recruiter_id"}:
            raise ValueError("Give at least one of status, score, recruiterId")
        if "status" in self.model_fields_set and self.status is None:
            raise ValueError("status cannot be null")
        if self.status is None and (self.reason is not None or self.comment is not None):
            raise ValueError("reason and comment go with a status change")
        return self


class ApplicationBulkIn(ApiModel):
    ids: BulkIds
    changes: ApplicationBulkChanges


def application_out(application: Record, principal: Principal) -> ApplicationOut:
    """A candidate sees their application without the agency's score, client and recruiter."""
    out = ApplicationOut.from_record(application)
    if principal.is_candidate:
        out = out.model_copy(update={"score": None, "client_id": None, "recruiter_id": None})
    return out


def history_out(entry: Record, principal: Principal) -> HistoryOut:
    """A candidate sees when their application moved, not the agency's reasons or who moved it."""
    out = HistoryOut.from_record(entry)
    if principal.is_candidate:
        out = out.model_copy(update={"reason": None, "comment": None, "changed_by": None})
    return out


@routes.post(
    "/jobs/{id}/apply",
    body=ApplyIn,
    response=ApplicationOut,
    status=201,
    scope="jobs:read",
    roles=frozenset({"candidate"}),
    tag="applications",
)
async def apply(request: web.Request, body: ApplyIn) -> web.Response:
    """Apply to an open job as the signed-in candidate (409 when already applied)."""
    principal = principal_of(request)
    async with transaction(request.app[DB]) as conn:
        application = await app_service.apply(conn, principal, path_id(request), body.model_dump())
    return ok(application_out(application, principal), status=201)


@routes.get("/applications", query=ApplicationQuery, response=list[ApplicationOut], paginated=True, scope="applications:read")
async def list_applications(request: web.Request, query: ApplicationQuery) -> web.Response:
    """The agency's applications, newest first; a candidate gets their own."""
    principal = principal_of(request)
    async with request.app[DB].acquire() as conn:
        rows, total = await app_service.list_applications(
            conn,
            principal,
            limit=query.per_page,
            offset=query.offset,
            client_id=query.client_id,
            job_id=query.job_id,
            statuses=query.status,
            min_score=query.min_score,
            has_resume=query.has_resume,
            skills=query.skills,
            min_experience=query.experience_years,
            applied_after=query.applied_after,
            applied_before=query.applied_before,
        )
    return page((application_out(r, principal) for r in rows), total=total, query=query)


@routes.patch("/applications/bulk", body=ApplicationBulkIn, response=list[ApplicationOut], scope="applications:write")
async def bulk_update_applications(request: web.Request, body: ApplicationBulkIn) -> web.Response:
    """Move or reassign many applications: all of them or none (422 lists each failing id)."""
    principal = principal_of(request)
    async with transaction(request.app[DB]) as conn:
        rows = await app_service.bulk_update(conn, principal, body.ids, body.changes.model_dump(exclude_unset=True))
    return ok([application_out(r, principal) for r in rows])


@routes.get("/applications/{id}", response=ApplicationOut, scope="applications:read")
async def get_application(request: web.Request) -> web.Response:
    """One application of the agency (or the candidate's own)."""
    principal = principal_of(request)
    async with request.app[DB].acquire() as conn:
        application = await app_service.get_application(conn, principal, path_id(request))
    return ok(application_out(application, principal))


@routes.patch("/applications/{id}", body=ApplicationUpdate, response=ApplicationOut, scope="applications:write")
async def update_application(request: web.Request, body: ApplicationUpdate) -> web.Response:
    """Set the score or the recruiter in charge (recruiterId must be a recruiter of the agency)."""
    principal = principal_of(request)
    async with transaction(request.app[DB]) as conn:
        application = await app_service.update_application(conn, principal, path_id(request), body.model_dump(exclude_unset=True))
    return ok(application_out(application, principal))


@routes.patch("/applications/{id}/status", body=StatusChangeIn, response=ApplicationOut, scope="applications:write")
async def change_status(request: web.Request, body: StatusChangeIn) -> web.Response:
    """Move an application along the pipeline (422 for a transition the state machine lacks)."""
    principal = principal_of(request)
    async with transaction(request.app[DB]) as conn:
        application = await app_service.change_status(
            conn, principal, path_id(request), body.status, reason=body.reason, comment=body.comment
        )
    return ok(application_out(application, principal))


@routes.get("/applications/{id}/history", response=list[HistoryOut], scope="applications:read")
async def get_history(request: web.Request) -> web.Response:
    """Every status the application went through, oldest first."""
    principal = principal_of(request)
    async with request.app[DB].acquire() as conn:
        entries = await app_service.get_history(conn, principal, path_id(request))
    return ok([history_out(e, principal) for e in entries])


@routes.post("/applications/{id}/release", body=ReleaseIn, response=ApplicationOut, scope="applications:write")
async def release(request: web.Request, body: ReleaseIn) -> web.Response:
    """Release the candidate from this application, attributed to releasedBy."""
    principal = principal_of(request)
    async with transaction(request.app[DB]) as conn:
        application = await app_service.change_status(
            conn,
            principal,
            path_id(request),
            "released",
            reason=body.reason,
            comment=body.comment,
            attribution=("releasedBy", body.released_by),
        )
    return ok(application_out(application, principal))


@routes.post("/applications/{id}/reject", body=RejectIn, response=ApplicationOut, scope="applications:write")
async def reject(request: web.Request, body: RejectIn) -> web.Response:
    """Reject the application, attributed to rejectedBy."""
    principal = principal_of(request)
    async with transaction(request.app[DB]) as conn:
        application = await app_service.change_status(
            conn,
            principal,
            path_id(request),
            "rejected",
            reason=body.reason,
            comment=body.comment,
            attribution=("rejectedBy", body.rejected_by),
        )
    return ok(application_out(application, principal))


@routes.post(
    "/applications/{id}/resume",
    response=ApplicationOut,
    scope="applications:read",
    content="multipart/form-data",
    extra_responses={413: "The file is larger than 10 MiB", 415: "Not a PDF or DOCX file, or not multipart"},
)
async def upload_resume(request: web.Request) -> web.Response:
    """Upload a resume (multipart field `file`): PDF or DOCX by content, at most 10 MiB.

    The candidate who applied may upload; staff need applications:write too.
    """
    principal = principal_of(request)
    async with request.app[DB].acquire() as conn:
        application = await app_service.resume_target(conn, principal, path_id(request))
    upload = await read_upload(request, "file", max_bytes=app_service.RESUME_MAX_BYTES, allowed=LETTER_TYPES)
    application = await app_service.attach_resume(request.app[DB], request.app[STORAGE], principal, application, upload)
    return ok(application_out(application, principal))
