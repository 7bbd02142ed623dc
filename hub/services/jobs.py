"""Rules for jobs: who sees which, the status life cycle, approval and attribution.

Candidates see a job board: the open jobs of every agency (that is what a job board is; their
applications are how they then reach one agency). Staff and interviewers see their agency's
jobs in every status. A job first becomes open through approval; after that it may be paused
and reopened, and it ends closed or filled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from ..activity import record_activity
from ..auth.principal import Principal
from ..db import Record
from ..errors import HubError, NotFound, RuleViolated, ValidationFailed
from ..storage import jobs as job_store
from .actors import acting_recruiter
from .bulk import BulkErrors
from .clients import require_active_client
from .skills import normalize_skills

JOB_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"pending_approval", "closed"}),
    "pending_approval": frozenset({"draft", "closed"}),
    "open": frozenset({"paused", "closed", "filled"}),
    "paused": frozenset({"open", "closed", "filled"}),
    "closed": frozenset(),
    "filled": frozenset(),
}
APPROVABLE = frozenset({"draft", "pending_approval"})  # approval is the only way from these to open
assert all(s in JOB_TRANSITIONS for targets in JOB_TRANSITIONS.values() for s in targets)
assert "open" not in JOB_TRANSITIONS["draft"] | JOB_TRANSITIONS["pending_approval"]


async def list_jobs(
    conn: asyncpg.Connection, principal: Principal, *, statuses: list[str] | None, **filters: Any
) -> tuple[list[Record], int]:
    if principal.is_candidate:
        sql = job_store.jobs_page(agency_id=None, statuses=["open"], **filters)
    else:
        sql = job_store.jobs_page(agency_id=principal.require_agency(), statuses=statuses, **filters)
    return await sql.fetch(conn)


async def get_job(conn: asyncpg.Connection, principal: Principal, job_id: UUID) -> Record:
    if principal.is_candidate:
        job = await job_store.get_job(conn, job_id, agency_id=None, status="open")
    else:
        job = await job_store.get_job(conn, job_id, agency_id=principal.require_agency())
    if job is None:
        raise NotFound("Job not found")
    return job


async def create_job(conn: asyncpg.Connection, principal: Principal, fields: dict[str, Any], *, posted_by: UUID | None) -> Record:
    agency_id = principal.require_agency()
    fields = {**fields, "posted_by": await acting_recruiter(conn, principal, agency_id, posted_by, field="postedBy")}
    await _check_fields(conn, agency_id, fields, current=None)
    job_id = await job_store.insert_job(conn, agency_id, fields)
    await record_activity(
        conn,
        principal,
        agency_id,
        "job.created",
        f"Posted job {fields['title']}",
        subject_type="job",
        subject_id=job_id,
        metadata={"postedBy": str(fields["posted_by"])},
    )
    return await _reload(conn, agency_id, job_id)


async def update_job(conn: asyncpg.Connection, principal: Principal, job_id: UUID, changes: dict[str, Any]) -> Record:
    agency_id = principal.require_agency()
    job = await _locked_job(conn, agency_id, job_id)
    if changes.get("posted_by") is not None:
        await acting_recruiter(conn, principal, agency_id, changes["posted_by"], field="postedBy")
    _check_transition(job["status"], changes.get("status"))
    await _check_fields(conn, agency_id, changes, current=job)
    await job_store.update_job(conn, agency_id, job_id, changes)
    await record_activity(
        conn,
        principal,
        agency_id,
        "job.updated",
        f"Updated job {job['title']}",
        subject_type="job",
        subject_id=job_id,
        metadata=_change_summary(job, changes),
    )
    return await _reload(conn, agency_id, job_id)


async def approve_job(conn: asyncpg.Connection, principal: Principal, job_id: UUID, *, approved_by: UUID | None) -> Record:
    """A draft or pending job goes live, attributed to `approvedBy` (default: the caller)."""
    agency_id = principal.require_agency()
    job = await _locked_job(conn, agency_id, job_id)
    approver = await acting_recruiter(conn, principal, agency_id, approved_by, field="approvedBy")
    if job["status"] not in APPROVABLE:
        raise RuleViolated(
            f"Only a draft or pending job can be approved; this one is {job['status']}",
            details={"from": job["status"], "to": "open"},
        )
    await job_store.update_job(
        conn, agency_id, job_id, {"status": "open", "approved_by": approver, "approved_at": datetime.now(UTC)}
    )
    await record_activity(
        conn,
        principal,
        agency_id,
        "job.approved",
        f"Approved job {job['title']}",
        subject_type="job",
        subject_id=job_id,
        metadata={"approvedBy": str(approver)},
    )
    return await _reload(conn, agency_id, job_id)


async def bulk_update_jobs(
    conn: asyncpg.Connection, principal: Principal, job_ids: list[UUID], changes: dict[str, Any]
) -> list[Record]:
    """Apply the same changes to every job, or to none: each failing id is listed in the 422."""
    agency_id = principal.require_agency()
    job_ids = list(dict.fromkeys(job_ids))
    jobs = {j["id"]: j for j in await job_store.lock_jobs(conn, agency_id, job_ids)}
    errors = BulkErrors()
    for job_id in job_ids:
        try:
            job = jobs.get(job_id)
            if job is None:
                raise NotFound("Job not found")
            _check_transition(job["status"], changes.get("status"))
        except HubError as exc:
            errors.add(job_id, exc)
    errors.raise_if_any(len(job_ids))
    await _check_fields(conn, agency_id, changes, current=None)
    for job_id in job_ids:
        await job_store.update_job(conn, agency_id, job_id, changes)
        await record_activity(
            conn,
            principal,
            agency_id,
            "job.updated",
            f"Updated job {jobs[job_id]['title']} (bulk)",
            subject_type="job",
            subject_id=job_id,
            metadata=_change_summary(jobs[job_id], changes),
        )
    return [await _reload(conn, agency_id, job_id) for job_id in job_ids]


def _check_transition(current: str, wanted: str | None) -> None:
    if wanted is None or wanted == current:
        return
    allowed = JOB_TRANSITIONS[current]
    if wanted not in allowed:
        hint = " (a draft or pending job opens through approval)" if wanted == "open" and current in APPROVABLE else ""
        raise RuleViolated(
            f"A job cannot go from {current} to {wanted}{hint}",
            details={"from": current, "to": wanted, "allowed": sorted(allowed)},
        )


async def _check_fields(conn: asyncpg.Connection, agency_id: UUID, fields: dict[str, Any], *, current: Record | None) -> None:
    """Normalise skills and currency, check the client and the salary range; mutates `fields`."""
    if fields.get("client_id") is not None:
        await require_active_client(conn, agency_id, fields["client_id"])
    if fields.get("skills") is not None:
        fields["skills"] = normalize_skills(fields["skills"])
    if fields.get("currency") is not None:
        fields["currency"] = fields["currency"].upper()
    low = fields.get("salary_min", current["salary_min"] if current else None)
    high = fields.get("salary_max", current["salary_max"] if current else None)
    if low is not None and high is not None and low > high:
        raise ValidationFailed("salaryMin must not exceed salaryMax", details={"field": "salaryMin"})


def _change_summary(job: Record, changes: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {"fields": sorted(changes)}
    if "status" in changes:
        summary.update({"from": job["status"], "to": changes["status"]})
    return summary


async def _locked_job(conn: asyncpg.Connection, agency_id: UUID, job_id: UUID) -> Record:
    """The job, locked for this transaction so concurrent status changes are serialised."""
    rows = await job_store.lock_jobs(conn, agency_id, [job_id])
    if not rows:
        raise NotFound("Job not found")
    return rows[0]


async def _reload(conn: asyncpg.Connection, agency_id: UUID, job_id: UUID) -> Record:
    job = await job_store.get_job(conn, job_id, agency_id=agency_id)
    assert job is not None  # written in this very transaction
    return job
