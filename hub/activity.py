"""The activity timeline: who did what, written in the same transaction as the action."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from .auth.principal import Principal


async def record_activity(
    conn: asyncpg.Connection,
    principal: Principal | None,
    agency_id: UUID,
    action_type: str,
    description: str,
    *,
    subject_type: str | None = None,
    subject_id: UUID | None = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    """`principal=None` means the hub itself did it (a worker, a webhook from LiveKit)."""
    if principal is None:
        by_type, by_id = "system", None
    else:
        by_type, by_id = principal.kind, principal.id
    await conn.execute(
        """INSERT INTO activities (agency_id, action_type, performed_by_type, performed_by_id,
                                   subject_type, subject_id, description, metadata)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        agency_id,
        action_type,
        by_type,
        by_id,
        subject_type,
        subject_id,
        description,
        metadata or {},
    )
