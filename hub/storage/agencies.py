"""SQL for agencies (tenants)."""

from __future__ import annotations

from uuid import UUID

from ..db import Connection, Record


async def insert_agency(conn: Connection, name: str, plan: str = "free") -> Record:
    return await conn.fetchrow("INSERT INTO agencies (name, plan) VALUES ($1, $2) RETURNING *", name, plan)


async def get_agency(conn: Connection, agency_id: UUID) -> Record | None:
    return await conn.fetchrow("SELECT * FROM agencies WHERE id = $1", agency_id)


async def update_agency(conn: Connection, agency_id: UUID, *, name: str | None = None, plan: str | None = None) -> Record | None:
    return await conn.fetchrow(
        """UPDATE agencies SET name = coalesce($2, name), plan = coalesce($3, plan), updated_at = now()
           WHERE id = $1 RETURNING *""",
        agency_id,
        name,
        plan,
    )
