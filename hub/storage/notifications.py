"""SQL for a person's notifications. Every query is keyed by the owner's user id."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ..db import Connection, Record
from .filters import Conditions


async def insert_once(
    conn: Connection,
    *,
    user_id: UUID,
    agency_id: UUID | None,
    event_id: UUID,
    type: str,
    title: str,
    body: str | None,
    data: dict[str, Any],
) -> Record | None:
    """The new notification; None when this event already notified this person."""
    return await conn.fetchrow(
        """INSERT INTO notifications (user_id, agency_id, event_id, type, title, body, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (user_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
           RETURNING *""",
        user_id,
        agency_id,
        event_id,
        type,
        title,
        body,
        data,
    )


async def list_page(
    conn: Connection, user_id: UUID, *, unread: bool | None, limit: int, offset: int
) -> tuple[list[Record], int]:
    conditions = Conditions()
    conditions.add("user_id = {}", user_id)
    if unread is True:
        conditions.add_raw("read_at IS NULL")
    elif unread is False:
        conditions.add_raw("read_at IS NOT NULL")
    statements = conditions.page(
        select="SELECT * FROM notifications",
        count="SELECT count(*) FROM notifications",
        order_by="created_at DESC, id",
        limit=limit,
        offset=offset,
    )
    return await statements.fetch(conn)


async def mark_read(conn: Connection, user_id: UUID, notification_id: UUID) -> Record | None:
    """Mark read (keeping the first read time); None when it is not this person's."""
    return await conn.fetchrow(
        """UPDATE notifications SET read_at = coalesce(read_at, now())
           WHERE id = $1 AND user_id = $2 RETURNING *""",
        notification_id,
        user_id,
    )


async def mark_all_read(conn: Connection, user_id: UUID) -> int:
    status = await conn.execute(
        "UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL", user_id
    )
    return int(status.split()[-1])

