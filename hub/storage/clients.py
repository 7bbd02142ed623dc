"""SQL for an agency's clients (the companies it recruits for)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ..db import Connection, Record
from .filters import Conditions, PageSql, like_pattern, patch_row

UPDATABLE = frozenset({"name", "external_id", "industry", "website", "notes", "status"})


def clients_page(agency_id: UUID, *, statuses: list[str] | None, search: str | None, limit: int, offset: int) -> PageSql:
    c = Conditions()
    c.add("agency_id = {}", agency_id)
    c.add("status = ANY({}::text[])", statuses)
    if search:
        pattern = c.param(like_pattern(search))
        c.add_raw(f"(name ILIKE {pattern} OR external_id ILIKE {pattern} OR industry ILIKE {pattern})")
    return c.page(
        select="SELECT * FROM clients",
        count="SELECT count(*) FROM clients",
        order_by="created_at DESC, id",
        limit=limit,
        offset=offset,
    )


async def get_client(conn: Connection, agency_id: UUID, client_id: UUID, *, for_update: bool = False) -> Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM clients WHERE id = $1 AND agency_id = $2{lock}", client_id, agency_id)


async def find_client(conn: Connection, agency_id: UUID, *, name: str, external_id: str | None) -> Record | None:
    """The client with this external id, else the one with this name (case-insensitive)."""
    return await conn.fetchrow(
        """SELECT * FROM clients
           WHERE agency_id = $1 AND (external_id = $3 OR lower(name) = lower($2))
           ORDER BY (external_id IS NOT DISTINCT FROM $3) DESC
           LIMIT 1""",
        agency_id,
        name,
        external_id,
    )


async def insert_client(conn: Connection, agency_id: UUID, fields: dict[str, Any], *, created_by: UUID | None) -> Record | None:
    """None when the name or external id is already taken in the agency."""
    return await conn.fetchrow(
        """INSERT INTO clients (agency_id, name, external_id, industry, website, notes, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT DO NOTHING RETURNING *""",
        agency_id,
        fields["name"],
        fields.get("external_id"),
        fields.get("industry"),
        fields.get("website"),
        fields.get("notes"),
        created_by,
    )


async def update_client(conn: Connection, agency_id: UUID, client_id: UUID, changes: dict[str, Any]) -> Record | None:
    return await patch_row(conn, "clients", agency_id=agency_id, row_id=client_id, changes=changes, columns=UPDATABLE)
