"""Interview rules: who may schedule and change them, the status transitions, their events.

    scheduled --reschedule--> scheduled
    scheduled --complete----> completed
    scheduled --cancel------> cancelled
    scheduled --no_show-----> no_show
completed, cancelled and no_show are final (notes can still be added after completion).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from media.storage import LocalStorage

from ..activity import record_activity
from ..auth.principal import Principal
from ..db import Record, transaction
from ..errors import Conflict, NotFound, RuleViolated, ValidationFailed
from ..events import emit
from ..storage import attachments as attachment_store
from ..storage import interviews as interview_store
from ..storage.audience import Audience, audience_of
from ..uploads import Upload
from .actors import acting_recruiter
from .attachments import record_attachment, storage_prefix, stored_file
from .attribution import ATTRIBUTABLE_ROLES, require_recruiter
from .lifecycle import advance_application, application_for_update, event_data, require_active

# action -> (statuses it may start from, status it leads to, event it emits)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "reschedule": (frozenset({"scheduled"}), "scheduled", "interview.rescheduled"),
    "complete": (frozenset({"scheduled"}), "completed", "interview.completed"),
    "cancel": (frozenset({"scheduled"}), "cancelled", "interview.cancelled"),
    "no_show": (frozenset({"scheduled"}), "no_show", "interview.no_show"),
}
INTERVIEWER_ROLES = ATTRIBUTABLE_ROLES | {"interviewer"}
ATTACHMENT_OWNER = "interview"


@dataclass(frozen=True)
class InterviewChange:
    """A PATCH: at most one action, plus field edits."""

    action: str | None = None
    scheduled_at: datetime | None = None
    duration_minutes: int | None = None
    interviewer_id: UUID | None = None
    outcome: str | None = None
    notes: str | None = None
    reason: str | None = None  # why it was cancelled; kept in the event and the activity log


async def schedule(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    application_id: UUID,
    interview_type: str,
    scheduled_at: datetime,
    duration_minutes: int,
    interviewer_id: UUID,
    scheduled_by: UUID | None,
    notes: str | None,
) -> Record:
    agency_id = principal.require_agency()
    _require_future(scheduled_at)
    application = await application_for_update(conn, agency_id, application_id)
    require_active(application, "schedule an interview")
    scheduler = await acting_recruiter(conn, principal, agency_id, scheduled_by, field="scheduledBy")
    await require_recruiter(conn, agency_id, interviewer_id, field="interviewerId", roles=INTERVIEWER_ROLES)
    await _require_free(conn, interviewer_id, scheduled_at, duration_minutes, exclude=None)
    interview_id = await interview_store.insert(
        conn,
        agency_id=agency_id,
        application_id=application_id,
        interview_type=interview_type,
        scheduled_at=scheduled_at,
        duration_minutes=duration_minutes,
        interviewer_id=interviewer_id,
        scheduled_by=scheduler,
        notes=notes,
    )
    interview = await _reload(conn, agency_id, interview_id)
    await emit(conn, "interview.scheduled", _event(interview, scheduled_by=scheduler), agency_id=agency_id)
    await record_activity(
        conn,
        principal,
        agency_id,
        "interview.scheduled",
        f"{interview_type.title()} interview scheduled for {_when(scheduled_at)} ({interview['job_title']})",
        subject_type="interview",
        subject_id=interview_id,
        metadata={
            "applicationId": str(application_id),
            "scheduledBy": str(scheduler),
            "interviewerId": str(interviewer_id),
        },
    )
    await advance_application(conn, principal, application, "interview_scheduled", reason="interview scheduled")
    return interview


async def get(conn: asyncpg.Connection, principal: Principal, interview_id: UUID) -> Record:
    return await _visible(conn, principal, interview_id)


async def list_page(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    application_id: UUID | None,
    interviewer_id: UUID | None,
    status: str | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[Record], int]:
    return await interview_store.list_page(
        conn,
        audience_of(principal),
        application_id=application_id,
        interviewer_id=interviewer_id,
        status=status,
        starts_from=starts_from,
        starts_before=starts_before,
        limit=limit,
        offset=offset,
    )


async def change(conn: asyncpg.Connection, principal: Principal, interview_id: UUID, change: InterviewChange) -> Record:
    """Apply an action and/or edits; 422 for an action the current status does not allow."""
    interview = await _visible(conn, principal, interview_id, for_update=True)
    agency_id = interview["agency_id"]
    status = interview["status"]
    updates: dict[str, Any] = {}
    event_type: str | None = None
    if change.action is not None:
        allowed_from, to_status, event_type = TRANSITIONS[change.action]
        if status not in allowed_from:
            raise RuleViolated(
                f"Cannot {change.action.replace('_', ' ')} an interview that is {status}",
                details={"status": status, "action": change.action},
            )
        updates["status"] = to_status
    if (change.duration_minutes is not None or change.interviewer_id is not None) and status != "scheduled":
        raise RuleViolated(f"Only scheduled interviews can be reassigned or resized; this one is {status}",
                           details={"status": status})
    if change.interviewer_id is not None and change.interviewer_id != interview["interviewer_id"]:
        await require_recruiter(conn, agency_id, change.interviewer_id, field="interviewerId", roles=INTERVIEWER_ROLES)
        updates["interviewer_id"] = change.interviewer_id
    if change.scheduled_at is not None:
        _require_future(change.scheduled_at)
        updates["scheduled_at"] = change.scheduled_at
    if change.duration_minutes is not None:
        updates["duration_minutes"] = change.duration_minutes
    if change.outcome is not None:
        updates["outcome"] = change.outcome
    if change.notes is not None:
        updates["notes"] = change.notes
    if updates.keys() & {"scheduled_at", "duration_minutes", "interviewer_id"}:
        await _require_free(
            conn,
            updates.get("interviewer_id", interview["interviewer_id"]),
            updates.get("scheduled_at", interview["scheduled_at"]),
            updates.get("duration_minutes", interview["duration_minutes"]),
            exclude=interview_id,
        )
    if updates:
        await interview_store.update(conn, agency_id, interview_id, updates)
    updated = await _reload(conn, agency_id, interview_id)
    if event_type is not None:
        extra: dict[str, Any] = {}
        if change.action == "reschedule":
            extra["previous_scheduled_at"] = interview["scheduled_at"]
        if change.reason is not None:
            extra["reason"] = change.reason
        await emit(conn, event_type, _event(updated, **extra), agency_id=agency_id)
    await record_activity(
        conn,
        principal,
        agency_id,
        event_type or "interview.updated",
        _describe(change, updated),
        subject_type="interview",
        subject_id=interview_id,
        metadata={k: str(v) for k, v in updates.items()} | ({"reason": change.reason} if change.reason else {}),
    )
    if change.action == "complete":
        application = await application_for_update(conn, agency_id, interview["application_id"])
        await advance_application(conn, principal, application, "interviewed", reason="interview completed")
    return updated


async def attach(
    pool: asyncpg.Pool, storage: LocalStorage, principal: Principal, interview_id: UUID, upload: Upload
) -> Record:
    """Keep a file with the interview (a CV annotated by the panel, a take-home task, notes).

    The file is written first; any failure up to the commit (404 included) removes it again.
    """
    prefix = storage_prefix(principal.require_agency(), ATTACHMENT_OWNER, interview_id)
    async with stored_file(storage, prefix, upload) as key, transaction(pool) as conn:
        interview = await _visible(conn, principal, interview_id, for_update=True)
        return await record_attachment(
            conn,
            principal,
            agency_id=interview["agency_id"],
            owner_type=ATTACHMENT_OWNER,
            owner_id=interview_id,
            upload=upload,
            storage_key=key,
        )


async def attachments(conn: asyncpg.Connection, principal: Principal, interview_id: UUID) -> list[Record]:
    interview = await _visible(conn, principal, interview_id)
    return await attachment_store.list_for(conn, interview["agency_id"], ATTACHMENT_OWNER, interview_id)


async def _visible(
    conn: asyncpg.Connection, principal: Principal, interview_id: UUID, *, for_update: bool = False
) -> Record:
    interview = await interview_store.get(conn, audience_of(principal), interview_id, for_update=for_update)
    if interview is None:
        raise NotFound("Interview not found")
    return interview


async def _reload(conn: asyncpg.Connection, agency_id: UUID, interview_id: UUID) -> Record:
    row = await interview_store.get(conn, Audience(agency_id=agency_id), interview_id)
    assert row is not None  # written in this transaction
    return row


async def _require_free(
    conn: asyncpg.Connection,
    interviewer_id: UUID | None,
    starts_at: datetime,
    duration_minutes: int,
    *,
    exclude: UUID | None,
) -> None:
    if interviewer_id is None:  # the interviewer's account was deleted: nobody's calendar to check
        return
    await interview_store.lock_calendar(conn, interviewer_id)
    clash = await interview_store.find_overlap(conn, interviewer_id, starts_at, duration_minutes, exclude=exclude)
    if clash is not None:
        raise Conflict(
            f"The interviewer already has an interview at {_when(clash['scheduled_at'])}",
            details={"interviewId": str(clash["id"])},
        )


def _require_future(scheduled_at: datetime) -> None:
    if scheduled_at <= datetime.now(UTC):
        raise ValidationFailed("scheduledAt must be in the future", details={"field": "scheduledAt"})


def _event(interview: Record, **extra: Any) -> dict[str, Any]:
    return event_data(
        interview_id=interview["id"],
        application_id=interview["application_id"],
        job_id=interview["job_id"],
        job_title=interview["job_title"],
        candidate_id=interview["candidate_id"],
        interviewer_id=interview["interviewer_id"],
        interview_type=interview["interview_type"],
        scheduled_at=interview["scheduled_at"],
        duration_minutes=interview["duration_minutes"],
        status=interview["status"],
        outcome=interview["outcome"],
        **extra,
    )


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _describe(change: InterviewChange, interview: Record) -> str:
    match change.action:
        case "reschedule":
            return f"Interview rescheduled to {_when(interview['scheduled_at'])}"
        case "complete":
            return f"Interview completed (outcome: {interview['outcome'] or 'not given'})"
        case "cancel":
            return "Interview cancelled" + (f": {change.reason}" if change.reason else "")
        case "no_show":
            return "Candidate did not show up for the interview"
    return "Interview details updated"
