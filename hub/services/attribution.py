"""Attribution (recruiter-ID guide): ids named in `postedBy`, `releasedBy`, `scheduledBy`, ...
must be recruiters of the caller's agency."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from ..db import Record
from ..errors import Forbidden, ValidationFailed

# Who may be named as the person acting for the agency.
ATTRIBUTABLE_ROLES = frozenset({"owner", "admin", "recruiter"})


async def require_recruiter(
    conn: asyncpg.Connection, agency_id: UUID, user_id: UUID, *, field: str = "recruiterId",
    roles: frozenset[str] = ATTRIBUTABLE_ROLES,
) -> Record:
    """400 `Invalid recruiter ID` for an unknown id; 403 for another agency's person."""
    user = await conn.fetchrow("SELECT id, agency_id, role, full_name FROM users WHERE id = $1", user_id)
    if user is None or user["role"] not in roles:
        raise ValidationFailed("Invalid recruiter ID", details={"field": field}, code="INVALID_RECRUITER")
    if user["agency_id"] != agency_id:
        raise Forbidden("Recruiter does not belong to your agency", details={"field": field}, code="RECRUITER_NOT_IN_AGENCY")
    return user
