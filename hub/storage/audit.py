"""SQL for the audit log (batched writes), usage figures drawn from it, and activity reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ..db import Connection, Record
from .filters import Conditions

AUDIT_COLUMNS: tuple[str, ...] = (
    "agency_id", "api_key_id", "user_id", "method", "endpoint", "path", "status",
    "ip", "user_agent", "duration_ms", "request_id", "created_at",
)  # fmt: skip


@dataclass(frozen=True)
class AuditFilters:
    key_id: UUID | None = None
    user_id: UUID | None = None
    method: str | None = None
    status: int | None = None
    path: str | None = None  # a route template, or the start of one
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class ActivityFilters:
    action_type: str | None = None
    performed_by_id: UUID | None = None
    subject_type: str | None = None
    subject_id: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


async def insert_batch(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    await conn.copy_records_to_table("audit_logs", records=rows, columns=AUDIT_COLUMNS)


async def list_audit(
    conn: Connection, agency_id: UUID, f: AuditFilters, *, limit: int, offset: int
) -> tuple[list[Record], int]:
    where = Conditions()
    where.add("agency_id = {}", agency_id)
    where.add("api_key_id = {}", f.key_id)
    where.add("user_id = {}", f.user_id)
    where.add("method = {}", f.method)
    where.add("status = {}", f.status)
    where.add("starts_with(endpoint, {})", f.path)
    where.add("created_at >= {}", f.since)
    where.add("created_at < {}", f.until)
    return await where.page(
        select="SELECT * FROM audit_logs", count="SELECT count(*) FROM audit_logs",
        order_by="created_at DESC, id DESC", limit=limit, offset=offset,
    ).fetch(conn)


async def list_activities(
    conn: Connection, agency_id: UUID, f: ActivityFilters, *, limit: int, offset: int
) -> tuple[list[Record], int]:
    where = Conditions()
    where.add("agency_id = {}", agency_id)
    where.add("action_type = {}", f.action_type)
    where.add("performed_by_id = {}", f.performed_by_id)
    where.add("subject_type = {}", f.subject_type)
    where.add("subject_id = {}", f.subject_id)
    where.add("created_at >= {}", f.since)
    where.add("created_at < {}", f.until)
    return await where.page(
        select="SELECT * FROM activities", count="SELECT count(*) FROM activities",
        order_by="created_at DESC, id DESC", limit=limit, offset=offset,
    ).fetch(conn)


async def usage_by_key_and_day(conn: Connection, agency_id: UUID, since: datetime, until: datetime) -> list[Record]:
    """Calls and 429s per API key per UTC day."""
    return await conn.fetch(
        """SELECT a.api_key_id, k.name AS key_name, (a.created_at AT TIME ZONE 'UTC')::date AS day,
                  count(*) AS calls, count(*) FILTER (WHERE a.status = 429) AS rate_limited,
                  count(*) FILTER (WHERE a.status >= 400) AS errors
           FROM audit_logs a LEFT JOIN api_keys k ON k.id = a.api_key_id
           WHERE a.agency_id = $1 AND a.api_key_id IS NOT NULL AND a.created_at >= $2 AND a.created_at < $3
           GROUP BY a.api_key_id, k.name, day ORDER BY day DESC, calls DESC""",
        agency_id,
        since,
        until,
    )


async def usage_by_endpoint(conn: Connection, agency_id: UUID, since: datetime, until: datetime) -> list[Record]:
    """Calls, errors, 429s and mean duration per route template and method."""
    return await conn.fetch(
        """SELECT method, endpoint, count(*) AS calls,
                  count(*) FILTER (WHERE status = 429) AS rate_limited,
                  count(*) FILTER (WHERE status >= 400) AS errors,
                  avg(duration_ms) AS avg_duration_ms
           FROM audit_logs WHERE agency_id = $1 AND created_at >= $2 AND created_at < $3
           GROUP BY method, endpoint ORDER BY calls DESC, endpoint, method""",
        agency_id,
        since,
        until,
    )


async def count_calls(conn: Connection, agency_id: UUID, since: datetime, until: datetime) -> Record:
    return await conn.fetchrow(
        """SELECT count(*) AS calls, count(*) FILTER (WHERE status = 429) AS rate_limited
           FROM audit_logs WHERE agency_id = $1 AND created_at >= $2 AND created_at < $3""",
        agency_id,
        since,
        until,
    )
