"""Rules for applications: applying, who sees which, the status state machine, resumes.

The state machine lives here and only here (`APPLICATION_TRANSITIONS`). `transition()` is the
way to change a status, from this module or any other: it checks the edge and writes the
history row, the `application.status_changed` event and the activity entry in the caller's
transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from media.storage import LocalStorage

from ..activity import record_activity
from ..auth.principal import Principal
from ..db import Record, transaction
from ..errors import Conflict, Forbidden, HubError, NotFound, RuleViolated
from ..events import emit
from ..storage import applications as app_store
from ..storage import jobs as job_store
from ..storage.applications import ApplicationFilter
from ..uploads import Upload
from .actors import acting_recruiter
from .attachments import record_attachment, storage_prefix, stored_file
from .bulk import BulkErrors
from .candidates import remember_profile
from .skills import match_score, normalize_skills

APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"under_review", "shortlisted", "rejected", "withdrawn", "released"}),
    "under_review": frozenset({"shortlisted", "rejected", "withdrawn", "released"}),
    "shortlisted": frozenset({"under_review", "interview_scheduled", "rejected", "withdrawn", "released"}),
    "interview_scheduled": frozenset({"interviewed", "shortlisted", "rejected", "withdrawn", "released"}),
    "interviewed": frozenset({"interview_scheduled", "offer_sent", "rejected", "withdrawn", "released"}),
    "offer_sent": frozenset({"hired", "interviewed", "rejected", "withdrawn", "released"}),
    "hired": frozenset(),
    "rejected": frozenset(),
    "withdrawn": frozenset(),
    "released": frozenset(),
}
APPLICATION_STATUSES = tuple(APPLICATION_TRANSITIONS)
assert all(t in APPLICATION_TRANSITIONS for targets in APPLICATION_TRANSITIONS.values() for t in targets)

RESUME_MAX_BYTES = 10 * 1024 * 1024  # bytes; larger uploads get 413


def check_transition(from_status: str, to_status: str) -> None:
    """422 RULE_VIOLATED naming both ends when the state machine has no such edge."""
    allowed = APPLICATION_TRANSITIONS[from_status]
    if to_status not in allowed:
        raise RuleViolated(
            f"An application cannot go from {from_status} to {to_status}",
            details={"from": from_status, "to": to_status, "allowed": sorted(allowed)},
        )


# -- reading ----------------------------------------------------------------------------


def visible_to(principal: Principal) -> dict[str, UUID]:
    """Candidates see their own applications (at any agency); everyone else their agency's."""
    if principal.is_candidate:
        assert principal.user_id is not None
        return {"candidate_id": principal.user_id}
    return {"agency_id": principal.require_agency()}


async def list_applications(
    conn: asyncpg.Connection, principal: Principal, *, limit: int, offset: int, **filters: Any
) -> tuple[list[Record], int]:
    if filters.get("skills"):
        filters["skills"] = normalize_skills(filters["skills"])
    sql = app_store.applications_page(ApplicationFilter(**visible_to(principal), **filters), limit=limit, offset=offset)
    return await sql.fetch(conn)


async def get_application(conn: asyncpg.Connection, principal: Principal, application_id: UUID) -> Record:
    application = await app_store.get_application(conn, application_id, **visible_to(principal))
    if application is None:
        raise NotFound("Application not found")
    return application


async def get_history(conn: asyncpg.Connection, principal: Principal, application_id: UUID) -> list[Record]:
    await get_application(conn, principal, application_id)
    return await app_store.history(conn, application_id)


async def lock_application(conn: asyncpg.Connection, agency_id: UUID, application_id: UUID) -> Record:
    """The application row locked for this transaction (status changes are serialised); 404 if not the agency's."""
    rows = await app_store.lock_applications(conn, agency_id, [application_id])
    if not rows:
        raise NotFound("Application not found")
    return rows[0]


# -- applying ---------------------------------------------------------------------------


async def apply(conn: asyncpg.Connection, principal: Principal, job_id: UUID, fields: dict[str, Any]) -> Record:
    """A candidate applies to an open job; a second application to the same job is 409."""
    if not principal.is_candidate or principal.user_id is None:
        raise Forbidden("Only candidates can apply to jobs")
    job = await job_store.get_job(conn, job_id, agency_id=None, status="open")
    if job is None:
        raise NotFound("Job not found")
    skills = normalize_skills(fields.get("skills") or [])
    fields = {**fields, "skills": skills, "score": match_score(skills, job["skills"]), "recruiter_id": job["posted_by"]}
    application = await app_store.insert_application(
        conn, agency_id=job["agency_id"], job_id=job_id, candidate_id=principal.user_id, fields=fields
    )
    if application is None:
        raise Conflict("You have already applied to this job")
    await remember_profile(
        conn, principal.user_id, skills=skills, experience_years=fields.get("experience_years"), location=fields.get("location")
    )
    await app_store.insert_history(
        conn,
        agency_id=job["agency_id"],
        application_id=application["id"],
        from_status=None,
        to_status=application["status"],
        reason=None,
        comment=None,
        changed_by=principal.user_id,
    )
    await emit(conn, "application.created", _event_data(application), agency_id=job["agency_id"])
    await record_activity(
        conn,
        principal,
        job["agency_id"],
        "application.created",
        f"Applied to {job['title']}",
        subject_type="application",
        subject_id=application["id"],
        metadata={"jobId": str(job_id)},
    )
    return await get_application(conn, principal, application["id"])


# -- changing ---------------------------------------------------------------------------


async def transition(
    conn: asyncpg.Connection,
    principal: Principal | None,
    application: Record,
    to_status: str,
    *,
    reason: str | None = None,
    comment: str | None = None,
    actor: UUID | None = None,
) -> Record:
    """Move a locked application along the state machine; history, event and activity included.

    `actor` is the recruiter the change is attributed to (default: the calling person);
    `principal=None` means the hub itself made the change (a worker, a provider's webhook).
    """
    from_status = application["status"]
    check_transition(from_status, to_status)
    agency_id = application["agency_id"]
    changed_by = actor if actor is not None else (principal.user_id if principal else None)
    updated = await app_store.set_status(conn, application["id"], to_status)
    entry = await app_store.insert_history(
        conn,
        agency_id=agency_id,
        application_id=application["id"],
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        comment=comment,
        changed_by=changed_by,
    )
    data = {
        **_event_data(updated),
        "from": from_status,
        "to": to_status,
        "reason": reason,
        "changedBy": str(changed_by) if changed_by else None,
        "changedAt": _utc(entry["changed_at"]),
    }
    await emit(conn, "application.status_changed", data, agency_id=agency_id)
    await record_activity(
        conn,
        principal,
        agency_id,
        "application.status_changed",
        f"Moved an application from {from_status} to {to_status}",
        subject_type="application",
        subject_id=application["id"],
        metadata={"from": from_status, "to": to_status, "reason": reason, "changedBy": data["changedBy"]},
    )
    return updated


async def change_status(
    conn: asyncpg.Connection,
    principal: Principal,
    application_id: UUID,
    to_status: str,
    *,
    reason: str | None = None,
    comment: str | None = None,
    attribution: tuple[str, UUID | None] | None = None,
) -> Record:
    """Lock and transition one application; `attribution=(field, id)` names the recruiter acting
    (`releasedBy`, `rejectedBy`: checked against the agency; required from API keys)."""
    agency_id = principal.require_agency()
    application = await lock_application(conn, agency_id, application_id)
    actor = None
    if attribution is not None:
        field, named = attribution
        actor = await acting_recruiter(conn, principal, agency_id, named, field=field)
    await transition(conn, principal, application, to_status, reason=reason, comment=comment, actor=actor)
    return await get_application(conn, principal, application_id)


async def update_application(
    conn: asyncpg.Connection, principal: Principal, application_id: UUID, changes: dict[str, Any]
) -> Record:
    """Set the score or the recruiter in charge (`recruiterId` must be the agency's)."""
    agency_id = principal.require_agency()
    await lock_application(conn, agency_id, application_id)
    if changes.get("recruiter_id") is not None:
        await acting_recruiter(conn, principal, agency_id, changes["recruiter_id"], field="recruiterId")
    await _apply_fields(conn, principal, agency_id, application_id, changes)
    return await get_application(conn, principal, application_id)


async def bulk_update(
    conn: asyncpg.Connection, principal: Principal, application_ids: list[UUID], changes: dict[str, Any]
) -> list[Record]:
    """The same change for many applications: all of them or none (each failing id is reported)."""
    agency_id = principal.require_agency()
    if changes.get("recruiter_id") is not None:
        await acting_recruiter(conn, principal, agency_id, changes["recruiter_id"], field="recruiterId")
    application_ids = list(dict.fromkeys(application_ids))
    rows = {r["id"]: r for r in await app_store.lock_applications(conn, agency_id, application_ids)}
    to_status = changes.get("status")
    errors = BulkErrors()
    for application_id in application_ids:
        try:
            if application_id not in rows:
                raise NotFound("Application not found")
            if to_status is not None:
                check_transition(rows[application_id]["status"], to_status)
        except HubError as exc:
            errors.add(application_id, exc)
    errors.raise_if_any(len(application_ids))
    fields = {k: v for k, v in changes.items() if k in app_store.UPDATABLE}
    for application_id in application_ids:
        if to_status is not None:
            await transition(
                conn, principal, rows[application_id], to_status, reason=changes.get("reason"), comment=changes.get("comment")
            )
        if fields:
            await _apply_fields(conn, principal, agency_id, application_id, fields)
    return [await get_application(conn, principal, application_id) for application_id in application_ids]


async def _apply_fields(
    conn: asyncpg.Connection, principal: Principal, agency_id: UUID, application_id: UUID, changes: dict[str, Any]
) -> None:
    await app_store.update_application(conn, agency_id, application_id, changes)
    await record_activity(
        conn,
        principal,
        agency_id,
        "application.updated",
        "Updated an application",
        subject_type="application",
        subject_id=application_id,
        metadata={k: str(v) if isinstance(v, UUID | Decimal) else v for k, v in changes.items()},
    )


def _utc(moment: datetime) -> str:
    """ISO 8601 in UTC with `Z`, as every time the hub hands out."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _event_data(application: Record) -> dict[str, Any]:
    return {
        "applicationId": str(application["id"]),
        "jobId": str(application["job_id"]),
        "candidateId": str(application["candidate_id"]),
        "status": application["status"],
        "appliedAt": _utc(application["applied_at"]),
    }


# -- resumes ----------------------------------------------------------------------------


async def resume_target(conn: asyncpg.Connection, principal: Principal, application_id: UUID) -> Record:
    """The application a resume may be uploaded to, checked before the body is read: the candidate's
    own, or (with applications:write) one of the agency's."""
    if not principal.is_candidate:
        principal.require_scope("applications:write")
    return await get_application(conn, principal, application_id)


async def attach_resume(
    pool: asyncpg.Pool, storage: LocalStorage, principal: Principal, application: Record, upload: Upload
) -> Record:
    """Keep the file (an `attachments` row) and make it the application's current resume."""
    agency_id, application_id = application["agency_id"], application["id"]
    async with stored_file(storage, storage_prefix(agency_id, "application", application_id), upload) as key:
        async with transaction(pool) as conn:
            await lock_application(conn, agency_id, application_id)
            await record_attachment(
                conn,
                principal,
                agency_id=agency_id,
                owner_type="application",
                owner_id=application_id,
                upload=upload,
                storage_key=key,
            )
            await app_store.set_resume(conn, application_id, storage_key=key, filename=upload.filename)
            return await get_application(conn, principal, application_id)
