"""SQL for applications, their status history and their files.

The list filters map onto the indexes of migration 0002 (agency + status / job / score /
experience / applied time / resume, GIN on skills, candidate + applied time), so a filtered
list never scans the whole table; tests/api/test_applications.py checks the plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ..db import Connection, Record
from .filters import Conditions, PageSql, patch_row

UPDATABLE = frozenset({"score", "recruiter_id"})

SELECT_APPLICATION = """SELECT a.*, j.title AS job_title, j.client_id, u.full_name AS candidate_name,
                               (a.resume_path IS NOT NULL) AS has_resume
                        FROM applications a JOIN jobs j ON j.id = a.job_id JOIN users u ON u.id = a.candidate_id"""


@dataclass(frozen=True)
class ApplicationFilter:
    """Who may see (an agency, or one candidate) and what they asked for."""

    agency_id: UUID | None = None
    candidate_id: UUID | None = None
    client_id: UUID | None = None
    job_id: UUID | None = None
    statuses: list[str] | None = None
    min_score: Decimal | None = None
    has_resume: bool | None = None
    skills: list[str] | None = None  # all of them
    min_experience: Decimal | None = None
    applied_after: datetime | None = None
    applied_before: datetime | None = None


def applications_page(f: ApplicationFilter, *, limit: int, offset: int) -> PageSql:
    if f.agency_id is None and f.candidate_id is None:
        raise ValueError("an application list is always limited to an agency or a candidate")
    c = Conditions()
    c.add("a.agency_id = {}", f.agency_id)
    c.add("a.candidate_id = {}", f.candidate_id)
    c.add("a.job_id = {}", f.job_id)
    c.add("j.client_id = {}", f.client_id)
    c.add("a.status = ANY({}::text[])", f.statuses)
    c.add("a.score >= {}", f.min_score)
    if f.has_resume is not None:
        c.add_raw("a.resume_path IS NOT NULL" if f.has_resume else "a.resume_path IS NULL")
    c.add("a.skills @> {}::text[]", f.skills)
    c.add("a.experience_years >= {}", f.min_experience)
    c.add("a.applied_at >= {}", f.applied_after)
    c.add("a.applied_at < {}", f.applied_before)
    count = "SELECT count(*) FROM applications a"
    if f.client_id is not None:
        count += " JOIN jobs j ON j.id = a.job_id"
    return c.page(select=SELECT_APPLICATION, count=count, order_by="a.applied_at DESC, a.id DESC", limit=limit, offset=offset)


async def get_application(
    conn: Connection, application_id: UUID, *, agency_id: UUID | None = None, candidate_id: UUID | None = None
) -> Record | None:
    if agency_id is None and candidate_id is None:
        raise ValueError("an application is always read for an agency or a candidate")
    c = Conditions()
    c.add("a.id = {}", application_id)
    c.add("a.agency_id = {}", agency_id)
    c.add("a.candidate_id = {}", candidate_id)
    return await conn.fetchrow(f"{SELECT_APPLICATION} {c.where}", *c.args)


async def lock_applications(conn: Connection, agency_id: UUID, application_ids: list[UUID]) -> list[Record]:
    return await conn.fetch(
        "SELECT * FROM applications WHERE agency_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE",
        agency_id,
        application_ids,
    )


async def insert_application(
    conn: Connection, *, agency_id: UUID, job_id: UUID, candidate_id: UUID, fields: dict[str, Any]
) -> Record | None:
    """None when this candidate already applied to this job."""
    return await conn.fetchrow(
        """INSERT INTO applications (agency_id, job_id, candidate_id, cover_letter, skills, experience_years,
                                     location, score, recruiter_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (job_id, candidate_id) DO NOTHING RETURNING *""",
        agency_id,
        job_id,
        candidate_id,
        fields.get("cover_letter"),
        fields.get("skills", []),
        fields.get("experience_years"),
        fields.get("location"),
        fields.get("score"),
        fields.get("recruiter_id"),
    )


async def set_status(conn: Connection, application_id: UUID, status: str) -> Record:
    return await conn.fetchrow(
        "UPDATE applications SET status = $2, updated_at = now() WHERE id = $1 RETURNING *", application_id, status
    )


async def update_application(conn: Connection, agency_id: UUID, application_id: UUID, changes: dict[str, Any]) -> Record | None:
    return await patch_row(conn, "applications", agency_id=agency_id, row_id=application_id, changes=changes, columns=UPDATABLE)


async def insert_history(
    conn: Connection,
    *,
    agency_id: UUID,
    application_id: UUID,
    from_status: str | None,
    to_status: str,
    reason: str | None,
    comment: str | None,
    changed_by: UUID | None,
) -> Record:
    return await conn.fetchrow(
        """INSERT INTO application_status_history
               (agency_id, application_id, from_status, to_status, reason, comment, changed_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
        agency_id,
        application_id,
        from_status,
        to_status,
        reason,
        comment,
        changed_by,
    )


async def history(conn: Connection, application_id: UUID) -> list[Record]:
    return await conn.fetch(
        "SELECT * FROM application_status_history WHERE application_id = $1 ORDER BY changed_at, id", application_id
    )


async def set_resume(conn: Connection, application_id: UUID, *, storage_key: str, filename: str) -> None:
    await conn.execute(
        "UPDATE applications SET resume_path = $2, resume_name = $3, updated_at = now() WHERE id = $1",
        application_id,
        storage_key,
        filename,
    )
