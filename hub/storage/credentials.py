"""SQL for refresh tokens and API keys (secrets are stored only as digests)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ..db import Connection, Record


async def insert_refresh_token(
    conn: Connection, *, user_id: UUID, family_id: UUID, token_hash: bytes, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)",
        user_id,
        family_id,
        token_hash,
        expires_at,
    )


async def claim_refresh_token(conn: Connection, token_hash: bytes) -> Record | None:
    """Lock the token row for rotation (one winner when two refreshes race)."""
    return await conn.fetchrow("SELECT * FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE", token_hash)


async def mark_refresh_used(conn: Connection, token_id: UUID) -> None:
    await conn.execute("UPDATE refresh_tokens SET used_at = now() WHERE id = $1", token_id)


async def revoke_family(conn: Connection, family_id: UUID) -> None:
    await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL", family_id
    )


async def insert_api_key(
    conn: Connection,
    *,
    agency_id: UUID,
    name: str,
    prefix: str,
    secret_hash: bytes,
    scopes: list[str],
    created_by: UUID | None,
    rate_limit: int = 300,
    ip_whitelist: list[str] | None = None,
    expires_at: datetime | None = None,
) -> Record:
    return await conn.fetchrow(
        """INSERT INTO api_keys (agency_id, name, prefix, secret_hash, scopes, created_by,
                                 rate_limit, ip_whitelist, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *""",
        agency_id,
        name,
        prefix,
        secret_hash,
        scopes,
        created_by,
        rate_limit,
        ip_whitelist or [],
        expires_at,
    )


async def get_api_key_by_prefix(conn: Connection, prefix: str) -> Record | None:
    return await conn.fetchrow("SELECT * FROM api_keys WHERE prefix = $1", prefix)


async def touch_api_key(conn: Connection, key_id: UUID) -> None:
    await conn.execute(
        "UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        key_id,
    )
