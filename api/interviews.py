"""Interviews of an application: /api/v1/interviews/*."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import AwareDatetime, Field, model_validator

from hub.auth.principal import STAFF_ROLES, Principal
from hub.db import Record, transaction
from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import DB, STORAGE
from hub.models import ApiModel, PageQuery
from hub.services import interviews as interview_service
from hub.uploads import DOCUMENT_MAX_BYTES, DOCUMENT_TYPES, read_upload

routes = ApiRoutes("interviews")

InterviewType = Literal["phone", "video", "onsite", "technical", "panel", "final"]
InterviewStatus = Literal["scheduled", "completed", "cancelled", "no_show"]
Outcome = Literal["passed", "failed", "on_hold"]
Action = Literal["reschedule", "complete", "cancel", "no_show"]
AGENCY_PEOPLE = STAFF_ROLES | {"interviewer"}


class InterviewIn(ApiModel):
    application_id: UUID
    interview_type: InterviewType
    scheduled_at: AwareDatetime
    duration_minutes: int = Field(60, ge=5, le=600)
    interviewer_id: UUID
    scheduled_by: UUID | None = None  # defaults to the caller; API keys must name a recruiter
    notes: str | None = Field(None, max_length=10_000)


class InterviewUpdate(ApiModel):
    action: Action | None = None
    scheduled_at: AwareDatetime | None = None
    duration_minutes: int | None = Field(None, ge=5, le=600)
    interviewer_id: UUID | None = None
    outcome: Outcome | None = None
    notes: str | None = Field(None, max_length=10_000)
    reason: str | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _fields_fit_the_action(self) -> InterviewUpdate:
        if not self.model_fields_set:
            raise ValueError("Nothing to change: send an action or a field")
        if self.action == "reschedule" and self.scheduled_at is None:
            raise ValueError("scheduledAt is required to reschedule")
        if self.scheduled_at is not None and self.action != "reschedule":
            raise ValueError("scheduledAt changes only with action 'reschedule'")
        if self.outcome is not None and self.action != "complete":
            raise ValueError("outcome is given only with action 'complete'")
        if self.reason is not None and self.action != "cancel":
            raise ValueError("reason is given only with action 'cancel'")
        return self


class InterviewOut(ApiModel):
    id: UUID
    application_id: UUID
    candidate_id: UUID
    job_id: UUID
    job_title: str
    interview_type: str
    scheduled_at: datetime
    duration_minutes: int
    interviewer_id: UUID | None
    scheduled_by: UUID | None
    status: str
    outcome: str | None  # staff and interviewers only
    notes: str | None  # staff and interviewers only
    created_at: datetime
    updated_at: datetime

    @classmethod
    def for_viewer(cls, row: Record, principal: Principal) -> InterviewOut:
        """Candidates see when and with whom, never the panel's outcome or notes."""
        out = cls.from_record(row)
        if principal.is_candidate:
            out.outcome = None
            out.notes = None
        return out


class InterviewQuery(PageQuery):
    application_id: UUID | None = None
    interviewer_id: UUID | None = None
    status: InterviewStatus | None = None
    starts_from: AwareDatetime | None = Field(None, alias="from")
    starts_before: AwareDatetime | None = Field(None, alias="to")


class AttachmentOut(ApiModel):
    id: UUID
    filename: str
    content_type: str
    size_bytes: int
    uploaded_by: UUID | None
    created_at: datetime


@routes.post("/interviews", body=InterviewIn, response=InterviewOut, status=201, scope="interviews:write",
             roles=STAFF_ROLES)
async def schedule_interview(request: web.Request, body: InterviewIn) -> web.Response:
    """Schedule an interview; the application moves to interview_scheduled if it was earlier."""
    principal = principal_of(request)
    async with transaction(request.app[DB]) as conn:
        interview = await interview_service.schedule(
            conn,
            principal,
            application_id=body.application_id,
            interview_type=body.interview_type,
            scheduled_at=body.scheduled_at,
            duration_minutes=body.duration_minutes,
            interviewer_id=body.interviewer_id,
            scheduled_by=body.scheduled_by,
            notes=body.notes,
        )
    return ok(InterviewOut.for_viewer(interview, principal), status=201)


@routes.get("/interviews", query=InterviewQuery, response=list[InterviewOut], paginated=True, scope="interviews:read")
async def list_interviews(request: web.Request, query: InterviewQuery) -> web.Response:
    """Interviews the caller may see, soonest first; `from`/`to` bound scheduledAt."""
    principal = principal_of(request)
    async with request.app[DB].acquire() as conn:
        rows, total = await interview_service.list_page(
            conn,
            principal,
            application_id=query.application_id,
            interviewer_id=query.interviewer_id,
            status=query.status,
            starts_from=query.starts_from,
            starts_before=query.starts_before,
            limit=query.per_page,
            offset=query.offset,
        )
    return page((InterviewOut.for_viewer(r, principal) for r in rows), total=total, query=query)


@routes.get("/interviews/{id}", response=InterviewOut, scope="interviews:read")
async def get_interview(request: web.Request) -> web.Response:
    """One interview."""
    principal = principal_of(request)
    async with request.app[DB].acquire() as conn:
        interview = await interview_service.get(conn, principal, path_id(request))
    return ok(InterviewOut.for_viewer(interview, principal))


@routes.patch("/interviews/{id}", body=InterviewUpdate, response=InterviewOut, scope="interviews:write",
              roles=AGENCY_PEOPLE)
async def update_interview(request: web.Request, body: InterviewUpdate) -> web.Response:
    """Reschedule, complete (with outcome and notes), cancel, mark a no-show, or edit details."""
    principal = principal_of(request)
    change = interview_service.InterviewChange(**body.model_dump(exclude_unset=True))
    async with transaction(request.app[DB]) as conn:
        interview = await interview_service.change(conn, principal, path_id(request), change)
    return ok(InterviewOut.for_viewer(interview, principal))


@routes.post("/interviews/{id}/attachments", response=AttachmentOut, status=201, scope="interviews:write",
             roles=AGENCY_PEOPLE, content="multipart/form-data",
             extra_responses={413: "The file exceeds 10 MiB", 415: "Not a PDF, DOCX, PNG, JPEG or plain-text file"})
async def upload_interview_attachment(request: web.Request) -> web.Response:
    """Attach a file (form field `file`: PDF, DOCX, PNG, JPEG or plain text, at most 10 MiB)."""
    principal = principal_of(request)
    upload = await read_upload(request, max_bytes=DOCUMENT_MAX_BYTES, allowed=DOCUMENT_TYPES)
    attachment = await interview_service.attach(
        request.app[DB], request.app[STORAGE], principal, path_id(request), upload
    )
    return ok(AttachmentOut.from_record(attachment), status=201)


@routes.get("/interviews/{id}/attachments", response=list[AttachmentOut], scope="interviews:read",
            roles=AGENCY_PEOPLE)
async def list_interview_attachments(request: web.Request) -> web.Response:
    """Files attached to the interview (metadata), oldest first."""
    async with request.app[DB].acquire() as conn:
        rows = await interview_service.attachments(conn, principal_of(request), path_id(request))
    return ok([AttachmentOut.from_record(r) for r in rows])
