"""Who an action is attributed to: the recruiter named in the request, else the calling person."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from ..auth.principal import Principal
from ..errors import ValidationFailed
from .attribution import require_recruiter


async def acting_recruiter(
    conn: asyncpg.Connection, principal: Principal, agency_id: UUID, named: UUID | None, *, field: str
) -> UUID:
    """A named id must be a recruiter of the agency (400 / 403); an API key, having no person, must name one."""
    if named is not None:
        await require_recruiter(conn, agency_id, named, field=field)
        return named
    if principal.user_id is None:
        raise ValidationFailed(f"{field} is required when calling with an API key", details={"field": field})
    return principal.user_id
