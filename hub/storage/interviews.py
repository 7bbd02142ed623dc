"""SQL for interviews. Every read goes through an Audience (tenant, candidate or interviewer)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ..db import Connection, Record
from .audience import Audience, audience_conditions
from .filters import Conditions, patch_row

_FROM = "FROM interviews i JOIN applications a ON a.id = i.application_id JOIN jobs j ON j.id = a.job_id"
_SELECT = f"SELECT i.*, a.candidate_id, a.job_id, j.title AS job_title {_FROM}"
UPDATABLE = frozenset({"scheduled_at", "duration_minutes", "interviewer_id", "status", "outcome", "notes"})


def _visible(audience: Audience) -> Conditions:
    conditions = audience_conditions(audience, record="i")
    conditions.add("i.interviewer_id = {}", audience.interviewer_id)
    return conditions


async def insert(
    conn: Connection,
    *,
    agency_id: UUID,
    application_id: UUID,
    interview_type: str,
    scheduled_at: datetime,
    duration_minutes: int,
    interviewer_id: UUID,
    scheduled_by: UUID,
    notes: str | None,
) -> UUID:
    return await conn.fetchval(
        """INSERT INTO interviews (agency_id, application_id, interview_type, scheduled_at, duration_minutes,
                                   interviewer_id, scheduled_by, notes)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id""",
        agency_id,
        application_id,
        interview_type,
        scheduled_at,
        duration_minutes,
        interviewer_id,
        scheduled_by,
        notes,
    )


async def get(conn: Connection, audience: Audience, interview_id: UUID, *, for_update: bool = False) -> Record | None:
    conditions = _visible(audience)
    conditions.add("i.id = {}", interview_id)
    lock = " FOR UPDATE OF i" if for_update else ""
    return await conn.fetchrow(f"{_SELECT} {conditions.where}{lock}", *conditions.args)


async def list_page(
    conn: Connection,
    audience: Audience,
    *,
    application_id: UUID | None,
    interviewer_id: UUID | None,
    status: str | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[Record], int]:
    conditions = _visible(audience)
    conditions.add("i.application_id = {}", application_id)
    conditions.add("i.interviewer_id = {}", interviewer_id)
    conditions.add("i.status = {}", status)
    conditions.add("i.scheduled_at >= {}", starts_from)
    conditions.add("i.scheduled_at < {}", starts_before)
    statements = conditions.page(
        select=_SELECT, count=f"SELECT count(*) {_FROM}", order_by="i.scheduled_at, i.id", limit=limit, offset=offset
    )
    return await statements.fetch(conn)


async def update(conn: Connection, agency_id: UUID, interview_id: UUID, changes: dict[str, Any]) -> None:
    await patch_row(conn, "interviews", agency_id=agency_id, row_id=interview_id, changes=changes, columns=UPDATABLE)


async def lock_calendar(conn: Connection, interviewer_id: UUID) -> None:
    """Serialise bookings of one interviewer until the transaction ends (overlap checks race otherwise)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text, 7))", interviewer_id)


async def find_overlap(
    conn: Connection, interviewer_id: UUID, starts_at: datetime, duration_minutes: int, *, exclude: UUID | None
) -> Record | None:
    """A scheduled interview of this interviewer that overlaps [starts_at, starts_at + duration)."""
    return await conn.fetchrow(
        """SELECT id, scheduled_at, duration_minutes FROM interviews
           WHERE interviewer_id = $1 AND status = 'scheduled' AND id IS DISTINCT FROM $4::uuid
             AND scheduled_at < $2::timestamptz + make_interval(mins => $3::int)
             AND scheduled_at + make_interval(mins => duration_minutes) > $2::timestamptz
           LIMIT 1""",
        interviewer_id,
        starts_at,
        duration_minutes,
        exclude,
    )
