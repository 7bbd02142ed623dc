"""SQL for users. Every lookup by id of a tenant-owned person filters on the agency."""

from __future__ import annotations

from uuid import UUID

from ..db import Connection, Record


async def insert_user(
    conn: Connection,
    *,
    email: str,
    password_hash: str,
    full_name: str,
    role: str,
    agency_id: UUID | None,
) -> Record | None:
    """Insert a user; None when the e-mail is already taken."""
    return await conn.fetchrow(
        """INSERT INTO users (email, password_hash, full_name, role, agency_id)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (lower(email)) DO NOTHING
           RETURNING *""",
        email,
        password_hash,
        full_name,
        role,
        agency_id,
    )


async def get_user(conn: Connection, user_id: UUID) -> Record | None:
    return await conn.fetchrow("SELECT * FROM users WHERE id = $1", user_id)


async def get_user_by_email(conn: Connection, email: str) -> Record | None:
    return await conn.fetchrow("SELECT * FROM users WHERE lower(email) = lower($1)", email)


async def get_agency_user(conn: Connection, agency_id: UUID, user_id: UUID) -> Record | None:
    return await conn.fetchrow("SELECT * FROM users WHERE id = $1 AND agency_id = $2", user_id, agency_id)


async def update_profile(
    conn: Connection, user_id: UUID, *, full_name: str | None, headline: str | None, password_hash: str | None
) -> Record:
    return await conn.fetchrow(
        """UPDATE users SET full_name = coalesce($2, full_name),
                            headline = coalesce($3, headline),
                            password_hash = coalesce($4, password_hash),
                            updated_at = now()
           WHERE id = $1 RETURNING *""",
        user_id,
        full_name,
        headline,
        password_hash,
    )


async def touch_login(conn: Connection, user_id: UUID) -> None:
    await conn.execute("UPDATE users SET last_login_at = now() WHERE id = $1", user_id)
