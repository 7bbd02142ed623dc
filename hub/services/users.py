"""Rules about people: who may see whom, profile changes."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from ..auth.passwords import hash_password, verify_password
from ..auth.principal import Principal
from ..db import Record
from ..errors import NotFound, ValidationFailed
from ..storage import users as user_store


async def get_self(conn: asyncpg.Connection, user_id: UUID) -> Record | None:
    return await user_store.get_user(conn, user_id)


async def get_visible_user(conn: asyncpg.Connection, principal: Principal, user_id: UUID) -> Record:
    """Staff see their agency's people; anyone sees themselves; everything else is 404."""
    if principal.user_id == user_id:
        user = await user_store.get_user(conn, user_id)
    elif principal.agency_id is not None:
        user = await user_store.get_agency_user(conn, principal.agency_id, user_id)
    else:
        user = None
    if user is None:
        raise NotFound("User not found")
    return user


async def update_profile(
    conn: asyncpg.Connection,
    user_id: UUID,
    *,
    full_name: str | None,
    headline: str | None,
    current_password: str | None,
    new_password: str | None,
) -> Record:
    password_hash = None
    if new_password is not None:
        user = await user_store.get_user(conn, user_id)
        if user is None or not await verify_password(user["password_hash"], current_password or ""):
            raise ValidationFailed("Current password is wrong", details={"field": "currentPassword"})
        password_hash = await hash_password(new_password)
    return await user_store.update_profile(
        conn, user_id, full_name=full_name, headline=headline, password_hash=password_hash
    )
