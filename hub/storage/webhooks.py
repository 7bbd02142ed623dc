"""SQL for webhook endpoints, their deliveries and every delivery attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ..db import Connection, Record

_UPDATABLE = frozenset({"url", "description", "events", "active", "disabled_at", "disabled_reason", "failing_since"})


# -- endpoints ---------------------------------------------------------------------------


async def insert_endpoint(
    conn: Connection,
    *,
    agency_id: UUID,
    url: str,
    description: str,
    events: list[str],
    secret: str,
    active: bool,
    created_by_type: str,
    created_by_id: UUID,
) -> Record:
    return await conn.fetchrow(
        """INSERT INTO webhook_endpoints (agency_id, url, description, events, secret, active,
                                          created_by_type, created_by_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *""",
        agency_id, url, description, events, secret, active, created_by_type, created_by_id,
    )  # fmt: skip


async def list_endpoints(
    conn: Connection, agency_id: UUID, *, active: bool | None, limit: int, offset: int
) -> tuple[list[Record], int]:
    rows = await conn.fetch(
        """SELECT *, count(*) OVER () AS total FROM webhook_endpoints
           WHERE agency_id = $1 AND ($2::boolean IS NULL OR active = $2)
           ORDER BY created_at DESC, id LIMIT $3 OFFSET $4""",
        agency_id, active, limit, offset,
    )  # fmt: skip
    if rows:
        return list(rows), rows[0]["total"]
    total = await conn.fetchval(
        "SELECT count(*) FROM webhook_endpoints WHERE agency_id = $1 AND ($2::boolean IS NULL OR active = $2)",
        agency_id, active,
    )  # fmt: skip
    return [], total


async def count_endpoints(conn: Connection, agency_id: UUID) -> int:
    return await conn.fetchval("SELECT count(*) FROM webhook_endpoints WHERE agency_id = $1", agency_id)


async def get_endpoint(conn: Connection, agency_id: UUID, endpoint_id: UUID, *, for_update: bool = False) -> Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(
        f"SELECT * FROM webhook_endpoints WHERE id = $1 AND agency_id = $2{lock}", endpoint_id, agency_id
    )


async def update_endpoint(conn: Connection, endpoint_id: UUID, changes: dict[str, Any]) -> Record:
    """Set the given columns (names come from the service, never from the caller)."""
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    assignments = "".join(f"{name} = ${i}, " for i, name in enumerate(changes, start=2))
    return await conn.fetchrow(
        f"UPDATE webhook_endpoints SET {assignments}updated_at = now() WHERE id = $1 RETURNING *",
        endpoint_id,
        *changes.values(),
    )


async def delete_endpoint(conn: Connection, agency_id: UUID, endpoint_id: UUID) -> bool:
    status = await conn.execute("DELETE FROM webhook_endpoints WHERE id = $1 AND agency_id = $2", endpoint_id, agency_id)
    return status.endswith(" 1")


async def set_secret(conn: Connection, endpoint_id: UUID, secret: str, previous_expires_at: datetime | None) -> Record:
    """New signing secret; the old one is still used until `previous_expires_at` (None: dropped now)."""
    return await conn.fetchrow(
        """UPDATE webhook_endpoints
           SET previous_secret = CASE WHEN $3::timestamptz IS NULL THEN NULL ELSE secret END,
               previous_secret_expires_at = $3, secret = $2, updated_at = now()
           WHERE id = $1 RETURNING *""",
        endpoint_id,
        secret,
        previous_expires_at,
    )


async def record_endpoint_success(conn: Connection, endpoint_id: UUID) -> None:
    # Skips the write while nothing changes, so busy endpoints do not serialise on this row.
    await conn.execute(
        """UPDATE webhook_endpoints SET last_success_at = now(), failing_since = NULL
           WHERE id = $1 AND (failing_since IS NOT NULL OR last_success_at IS NULL
                              OR last_success_at < now() - interval '1 second')""",
        endpoint_id,
    )


async def record_endpoint_failure(conn: Connection, endpoint_id: UUID) -> Record:
    """Note a failure; returns the endpoint with `failing_for` (seconds since failing began)."""
    return await conn.fetchrow(
        """UPDATE webhook_endpoints SET last_failure_at = now(), failing_since = coalesce(failing_since, now())
           WHERE id = $1
           RETURNING *, extract(epoch FROM now() - failing_since)::float8 AS failing_for""",
        endpoint_id,
    )


# -- deliveries --------------------------------------------------------------------------


async def insert_deliveries_for_event(
    conn: Connection, *, agency_id: UUID, event_id: UUID, event_type: str, body: str
) -> list[UUID]:
    """One delivery per active endpoint subscribed to the type (or to '*'); repeats are no-ops."""
    rows = await conn.fetch(
        """INSERT INTO webhook_deliveries (endpoint_id, agency_id, event_id, event_type, body)
           SELECT id, agency_id, $2, $3, $4 FROM webhook_endpoints
           WHERE agency_id = $1 AND active AND ($3 = ANY(events) OR '*' = ANY(events))
           ON CONFLICT (endpoint_id, event_id) DO NOTHING
           RETURNING id""",
        agency_id, event_id, event_type, body,
    )  # fmt: skip
    return [r["id"] for r in rows]


async def insert_delivery(
    conn: Connection, *, endpoint_id: UUID, agency_id: UUID, event_id: UUID, event_type: str, body: str
) -> Record:
    return await conn.fetchrow(
        """INSERT INTO webhook_deliveries (endpoint_id, agency_id, event_id, event_type, body)
           VALUES ($1, $2, $3, $4, $5) RETURNING *""",
        endpoint_id, agency_id, event_id, event_type, body,
    )  # fmt: skip


async def delivery_target(conn: Connection, delivery_id: UUID) -> Record | None:
    """A delivery with what is needed to send it: its endpoint's URL, secrets and state."""
    return await conn.fetchrow(
        """SELECT d.*, e.url, e.secret, e.active AS endpoint_active,
                  CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS previous_secret
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
           WHERE d.id = $1""",
        delivery_id,
    )


async def lock_delivery(conn: Connection, delivery_id: UUID) -> Record | None:
    return await conn.fetchrow("SELECT * FROM webhook_deliveries WHERE id = $1 FOR UPDATE", delivery_id)


async def update_delivery(conn: Connection, delivery_id: UUID, **fields: Any) -> Record:
    allowed = {"status", "attempts", "next_attempt_at", "last_status_code", "last_error", "delivered_at"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    assignments = "".join(f"{name} = ${i}, " for i, name in enumerate(fields, start=2))
    return await conn.fetchrow(
        f"UPDATE webhook_deliveries SET {assignments}updated_at = now() WHERE id = $1 RETURNING *",
        delivery_id,
        *fields.values(),
    )


async def insert_attempt(
    conn: Connection,
    *,
    delivery_id: UUID,
    endpoint_id: UUID,
    attempt: int,
    status_code: int | None,
    succeeded: bool,
    duration_ms: float,
    response_excerpt: str | None,
    error: str | None,
) -> Record:
    return await conn.fetchrow(
        """INSERT INTO webhook_attempts (delivery_id, endpoint_id, attempt, status_code, succeeded,
                                         duration_ms, response_excerpt, error)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *""",
        delivery_id, endpoint_id, attempt, status_code, succeeded, duration_ms, response_excerpt, error,
    )  # fmt: skip


async def list_deliveries(
    conn: Connection,
    agency_id: UUID,
    endpoint_id: UUID,
    *,
    status: str | None,
    event_type: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Record], int]:
    where = """agency_id = $1 AND endpoint_id = $2 AND ($3::text IS NULL OR status = $3)
               AND ($4::text IS NULL OR event_type = $4)"""
    rows = await conn.fetch(
        f"""SELECT *, count(*) OVER () AS total FROM webhook_deliveries WHERE {where}
            ORDER BY created_at DESC, id LIMIT $5 OFFSET $6""",
        agency_id, endpoint_id, status, event_type, limit, offset,
    )  # fmt: skip
    if rows:
        return list(rows), rows[0]["total"]
    total = await conn.fetchval(f"SELECT count(*) FROM webhook_deliveries WHERE {where}", agency_id, endpoint_id, status, event_type)
    return [], total


async def get_delivery(conn: Connection, agency_id: UUID, endpoint_id: UUID, delivery_id: UUID) -> Record | None:
    return await conn.fetchrow(
        "SELECT * FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2 AND agency_id = $3",
        delivery_id,
        endpoint_id,
        agency_id,
    )


async def list_attempts(conn: Connection, delivery_id: UUID) -> list[Record]:
    return await conn.fetch("SELECT * FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt, id", delivery_id)


async def endpoint_stats(conn: Connection, endpoint_id: UUID) -> Record:
    return await conn.fetchrow(
        """SELECT
             (SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1) AS deliveries,
             (SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'succeeded') AS succeeded,
             (SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'failed') AS failed,
             (SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending') AS pending,
             (SELECT count(*) FROM webhook_attempts WHERE endpoint_id = $1) AS attempts,
             (SELECT count(*) FROM webhook_attempts WHERE endpoint_id = $1 AND succeeded) AS attempts_succeeded""",
        endpoint_id,
    )


async def last_failed_attempt(conn: Connection, endpoint_id: UUID) -> Record | None:
    return await conn.fetchrow(
        """SELECT * FROM webhook_attempts WHERE endpoint_id = $1 AND NOT succeeded
           ORDER BY created_at DESC, id DESC LIMIT 1""",
        endpoint_id,
    )
