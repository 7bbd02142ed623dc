"""SQL for an agency's team: its members (rows of `users`) and pending invitations."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ..db import Connection, Record
from .filters import Conditions, PageSql

MEMBER_COLUMNS = "id, agency_id, email, full_name, role, headline, is_active, created_at, updated_at, last_login_at"


def members_page(agency_id: UUID, *, roles: list[str] | None, is_active: bool | None, limit: int, offset: int) -> PageSql:
    c = Conditions()
    c.add("agency_id = {}", agency_id)
    c.add("role = ANY({}::text[])", roles)
    c.add("is_active = {}", is_active)
    return c.page(
        select=f"SELECT {MEMBER_COLUMNS} FROM users",
        count="SELECT count(*) FROM users",
        order_by="created_at, id",
        limit=limit,
        offset=offset,
    )


async def get_member(conn: Connection, agency_id: UUID, user_id: UUID, *, for_update: bool = False) -> Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT {MEMBER_COLUMNS} FROM users WHERE id = $1 AND agency_id = $2{lock}", user_id, agency_id)


async def lock_active_owners(conn: Connection, agency_id: UUID) -> list[UUID]:
    """Ids of the agency's active owners, locked so two demotions cannot both pass the last-owner check."""
    rows = await conn.fetch(
        "SELECT id FROM users WHERE agency_id = $1 AND role = 'owner' AND is_active ORDER BY id FOR UPDATE", agency_id
    )
    return [r["id"] for r in rows]


async def update_member(
    conn: Connection, agency_id: UUID, user_id: UUID, *, role: str | None, is_active: bool | None, full_name: str | None
) -> Record:
    return await conn.fetchrow(
        f"""UPDATE users SET role = coalesce($3, role), is_active = coalesce($4, is_active),
                             full_name = coalesce($5, full_name), updated_at = now()
            WHERE id = $1 AND agency_id = $2 RETURNING {MEMBER_COLUMNS}""",
        user_id,
        agency_id,
        role,
        is_active,
        full_name,
    )


async def email_in_use(conn: Connection, email: str) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1))", email))


# -- invitations ------------------------------------------------------------------------

INVITATION_COLUMNS = (
    "id, agency_id, email, full_name, role, status, invited_by, accepted_user_id, send_count,"
    " expires_at, accepted_at, created_at, updated_at"
)


async def insert_invitation(
    conn: Connection,
    *,
    agency_id: UUID,
    email: str,
    full_name: str,
    role: str,
    token_hash: bytes,
    invited_by: UUID | None,
    expires_at: datetime,
) -> Record | None:
    """None when a pending invitation for this e-mail already exists in the agency."""
    return await conn.fetchrow(
        f"""INSERT INTO team_invitations (agency_id, email, full_name, role, token_hash, invited_by, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (agency_id, lower(email)) WHERE status = 'pending' DO NOTHING
            RETURNING {INVITATION_COLUMNS}""",
        agency_id,
        email,
        full_name,
        role,
        token_hash,
        invited_by,
        expires_at,
    )


def invitations_page(agency_id: UUID, *, statuses: list[str] | None, limit: int, offset: int) -> PageSql:
    c = Conditions()
    c.add("agency_id = {}", agency_id)
    c.add("status = ANY({}::text[])", statuses)
    return c.page(
        select=f"SELECT {INVITATION_COLUMNS} FROM team_invitations",
        count="SELECT count(*) FROM team_invitations",
        order_by="created_at DESC, id",
        limit=limit,
        offset=offset,
    )


async def get_invitation(conn: Connection, agency_id: UUID, invitation_id: UUID, *, for_update: bool = False) -> Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(
        f"SELECT {INVITATION_COLUMNS} FROM team_invitations WHERE id = $1 AND agency_id = $2{lock}",
        invitation_id,
        agency_id,
    )


async def claim_invitation_by_token(conn: Connection, token_hash: bytes) -> Record | None:
    """Lock the invitation a token belongs to (one winner when two accepts race)."""
    return await conn.fetchrow(f"SELECT {INVITATION_COLUMNS} FROM team_invitations WHERE token_hash = $1 FOR UPDATE", token_hash)


async def renew_invitation(conn: Connection, invitation_id: UUID, *, token_hash: bytes, expires_at: datetime) -> Record:
    """A new token (the old link stops working) and a fresh expiry."""
    return await conn.fetchrow(
        f"""UPDATE team_invitations SET token_hash = $2, expires_at = $3, send_count = send_count + 1, updated_at = now()
            WHERE id = $1 RETURNING {INVITATION_COLUMNS}""",
        invitation_id,
        token_hash,
        expires_at,
    )


async def revoke_invitation(conn: Connection, invitation_id: UUID) -> Record:
    return await conn.fetchrow(
        f"UPDATE team_invitations SET status = 'revoked', updated_at = now() WHERE id = $1 RETURNING {INVITATION_COLUMNS}",
        invitation_id,
    )


async def mark_invitation_accepted(conn: Connection, invitation_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        """UPDATE team_invitations SET status = 'accepted', accepted_user_id = $2, accepted_at = now(), updated_at = now()
           WHERE id = $1""",
        invitation_id,
        user_id,
    )
