"""SQL for files attached to records (interview attachments, offer letters)."""

from __future__ import annotations

from uuid import UUID

from ..db import Connection, Record


async def insert(
    conn: Connection,
    *,
    agency_id: UUID,
    owner_type: str,
    owner_id: UUID,
    filename: str,
    content_type: str,
    size_bytes: int,
    storage_key: str,
    uploaded_by: UUID | None,
) -> Record:
    return await conn.fetchrow(
        """INSERT INTO attachments (agency_id, owner_type, owner_id, filename, content_type, size_bytes,
                                    storage_key, uploaded_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *""",
        agency_id,
        owner_type,
        owner_id,
        filename,
        content_type,
        size_bytes,
        storage_key,
        uploaded_by,
    )


async def list_for(conn: Connection, agency_id: UUID, owner_type: str, owner_id: UUID) -> list[Record]:
    return list(
        await conn.fetch(
            """SELECT * FROM attachments WHERE agency_id = $1 AND owner_type = $2 AND owner_id = $3
               ORDER BY created_at, id""",
            agency_id,
            owner_type,
            owner_id,
        )
    )


async def latest_for(conn: Connection, agency_id: UUID, owner_type: str, owner_id: UUID) -> Record | None:
    return await conn.fetchrow(
        """SELECT * FROM attachments WHERE agency_id = $1 AND owner_type = $2 AND owner_id = $3
           ORDER BY created_at DESC, id DESC LIMIT 1""",
        agency_id,
        owner_type,
        owner_id,
    )
