"""SQL for the audit log (batched writes), usage figures drawn from it, and activity reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from ..db import Connection, Record

AUDIT_COLUMNS: tuple[str, ...] = (
    "agency_id", "api_key_id", "user_id", "method", "endpoint", "path", "status",
    "ip", "user_agent", "duration_ms", "request_id", "created_at",
)  # fmt: skip


class Filters:
    """WHERE clauses with numbered parameters, built from the filters a caller set."""

    def __init__(self, agency_id: UUID) -> None:
        self.clauses = ["agency_id = $1"]
        self.params: list[Any] = [agency_id]

    def add(self, clause: str, value: Any) -> Filters:
        """`clause` holds one `{}` where the parameter goes; a None value adds nothing."""
        if value is not None:
            self.params.append(value)
            self.clauses.append(clause.format(f"${len(self.params)}"))
        return self

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses)


async def insert_batch(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    await conn.copy_records_to_table("audit_logs", records=rows, columns=AUDIT_COLUMNS)


async def _page(conn: Connection, table: str, filters: Filters, order: str, limit: int, offset: int) -> tuple[list[Record], int]:
    n = len(filters.params)
    rows = await conn.fetch(
        f"SELECT *, count(*) OVER () AS total FROM {table} WHERE {filters.sql} ORDER BY {order} LIMIT ${n + 1} OFFSET ${n + 2}",
        *filters.params,
        limit,
        offset,
    )
    total = rows[0]["total"] if rows else await conn.fetchval(f"SELECT count(*) FROM {table} WHERE {filters.sql}", *filters.params)
    return list(rows), total


async def list_audit(conn: Connection, filters: Filters, *, limit: int, offset: int) -> tuple[list[Record], int]:
    return await _page(conn, "audit_logs", filters, "created_at DESC, id DESC", limit, offset)


async def list_activities(conn: Connection, filters: Filters, *, limit: int, offset: int) -> tuple[list[Record], int]:
    return await _page(conn, "activities", filters, "created_at DESC, id DESC", limit, offset)


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
