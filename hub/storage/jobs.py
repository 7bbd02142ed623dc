"""SQL for jobs. Staff read their agency's jobs; candidates read the open jobs of every agency."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ..db import Connection, Record
from .filters import Conditions, PageSql, like_pattern, patch_row

UPDATABLE = frozenset({
    "title", "description", "location", "employment_type", "skills", "salary_min", "salary_max", "currency",
    "client_id", "status", "posted_by", "approved_by", "approved_at",
})  # fmt: skip

SELECT_JOB = """SELECT j.*, ag.name AS agency_name, c.name AS client_name
                FROM jobs j JOIN agencies ag ON ag.id = j.agency_id LEFT JOIN clients c ON c.id = j.client_id"""


def jobs_page(
    *,
    agency_id: UUID | None,
    statuses: list[str] | None,
    client_id: UUID | None,
    posted_by: UUID | None,
    created_after: datetime | None,
    created_before: datetime | None,
    search: str | None,
    limit: int,
    offset: int,
) -> PageSql:
    """`agency_id=None` lists across agencies: callers pass `statuses=['open']` for the job board."""
    c = Conditions()
    c.add("j.agency_id = {}", agency_id)
    c.add("j.status = ANY({}::text[])", statuses)
    c.add("j.client_id = {}", client_id)
    c.add("j.posted_by = {}", posted_by)
    c.add("j.created_at >= {}", created_after)
    c.add("j.created_at < {}", created_before)
    if search:
        pattern = c.param(like_pattern(search))
        c.add_raw(f"(j.title ILIKE {pattern} OR j.description ILIKE {pattern})")
    return c.page(
        select=SELECT_JOB, count="SELECT count(*) FROM jobs j", order_by="j.created_at DESC, j.id", limit=limit, offset=offset
    )


async def get_job(conn: Connection, job_id: UUID, *, agency_id: UUID | None, status: str | None = None) -> Record | None:
    """The job with its agency and client names; `agency_id=None` only with a status (the job board)."""
    c = Conditions()
    c.add("j.id = {}", job_id)
    c.add("j.agency_id = {}", agency_id)
    c.add("j.status = {}", status)
    return await conn.fetchrow(f"{SELECT_JOB} {c.where}", *c.args)


async def lock_jobs(conn: Connection, agency_id: UUID, job_ids: list[UUID]) -> list[Record]:
    return await conn.fetch(
        "SELECT * FROM jobs WHERE agency_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE", agency_id, job_ids
    )


async def insert_job(conn: Connection, agency_id: UUID, fields: dict[str, Any]) -> UUID:
    columns = ["agency_id", *fields]
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    unknown = set(fields) - UPDATABLE
    if unknown:  # names come from our own models; a mismatch is a coding error
        raise ValueError(f"not insertable in jobs: {sorted(unknown)}")
    return await conn.fetchval(
        f"INSERT INTO jobs ({', '.join(columns)}) VALUES ({placeholders}) RETURNING id", agency_id, *fields.values()
    )


async def update_job(conn: Connection, agency_id: UUID, job_id: UUID, changes: dict[str, Any]) -> Record | None:
    return await patch_row(conn, "jobs", agency_id=agency_id, row_id=job_id, changes=changes, columns=UPDATABLE)
