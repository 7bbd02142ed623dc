"""SQL for managing an agency's API keys (creation and lookup by prefix: storage/credentials.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ..db import Connection, Record

# A key's state, computed the same way for filters and replies.
_STATUS = """CASE WHEN revoked_at IS NOT NULL THEN 'revoked'
                  WHEN expires_at IS NOT NULL AND expires_at <= now() THEN 'expired'
                  ELSE 'active' END"""
_COLUMNS = f"*, {_STATUS} AS status"


async def list_keys(conn: Connection, agency_id: UUID, *, status: str | None, limit: int, offset: int) -> tuple[list[Record], int]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS}, count(*) OVER () AS total FROM api_keys
            WHERE agency_id = $1 AND ($2::text IS NULL OR {_STATUS} = $2)
            ORDER BY created_at DESC, id LIMIT $3 OFFSET $4""",
        agency_id,
        status,
        limit,
        offset,
    )
    total = rows[0]["total"] if rows else await conn.fetchval(
        f"SELECT count(*) FROM api_keys WHERE agency_id = $1 AND ($2::text IS NULL OR {_STATUS} = $2)", agency_id, status
    )
    return list(rows), total


async def get_key(conn: Connection, agency_id: UUID, key_id: UUID, *, for_update: bool = False) -> Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT {_COLUMNS} FROM api_keys WHERE id = $1 AND agency_id = $2{lock}", key_id, agency_id)


async def count_active(conn: Connection, agency_id: UUID) -> int:
    return await conn.fetchval(f"SELECT count(*) FROM api_keys WHERE agency_id = $1 AND {_STATUS} = 'active'", agency_id)


async def update_key(conn: Connection, agency_id: UUID, key_id: UUID, changes: dict[str, Any]) -> Record | None:
    """Set the given columns (names come from the service, never from the caller)."""
    allowed = {"name", "scopes", "rate_limit", "expires_at", "ip_whitelist", "revoked_at", "created_by_key_id", "rotated_from_id"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(changes, start=3))
    return await conn.fetchrow(
        f"""UPDATE api_keys SET {assignments}{", " if assignments else ""}updated_at = now()
            WHERE id = $1 AND agency_id = $2 RETURNING {_COLUMNS}""",
        key_id,
        agency_id,
        *changes.values(),
    )


async def revoke_key(conn: Connection, agency_id: UUID, key_id: UUID) -> Record | None:
    """Revoke now (idempotent: a revoked key keeps its first revocation time)."""
    return await conn.fetchrow(
        f"""UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()), updated_at = now()
            WHERE id = $1 AND agency_id = $2 RETURNING {_COLUMNS}""",
        key_id,
        agency_id,
    )


async def expire_key_by(conn: Connection, key_id: UUID, deadline: datetime) -> Record:
    """Bring a key's expiry forward to `deadline` (never later than it already was)."""
    return await conn.fetchrow(
        f"""UPDATE api_keys SET expires_at = least(coalesce(expires_at, $2), $2), updated_at = now()
            WHERE id = $1 RETURNING {_COLUMNS}""",
        key_id,
        deadline,
    )
