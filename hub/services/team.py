"""Rules for an agency's team: invitations, role changes, deactivation, recruiter accounts.

Owners are protected: only an owner may promote someone to owner or change an owner's role or
access, and an agency always keeps at least one active owner. The caller's role is read from
the database, not from the token, so a demotion takes effect at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg

from ..activity import record_activity
from ..auth.principal import ROLE_SCOPES, Principal
from ..auth.tokens import digest, new_secret
from ..db import Record, transaction
from ..errors import Conflict, Forbidden, NotFound, RuleViolated, ValidationFailed
from ..mail import queue_mail
from ..storage import agencies as agency_store
from ..storage import team as team_store
from .attribution import ATTRIBUTABLE_ROLES
from .auth import AuthService, Session

INVITATION_TTL = timedelta(days=7)


async def list_members(
    conn: asyncpg.Connection, principal: Principal, *, roles: list[str] | None, is_active: bool | None, limit: int, offset: int
) -> tuple[list[Record], int]:
    sql = team_store.members_page(principal.require_agency(), roles=roles, is_active=is_active, limit=limit, offset=offset)
    return await sql.fetch(conn)


async def list_recruiters(conn: asyncpg.Connection, principal: Principal, *, limit: int, offset: int) -> tuple[list[Record], int]:
    """The ids that may be named in attribution fields: the agency's active owners, admins and recruiters."""
    sql = team_store.members_page(
        principal.require_agency(), roles=sorted(ATTRIBUTABLE_ROLES), is_active=True, limit=limit, offset=offset
    )
    return await sql.fetch(conn)


async def list_invitations(
    conn: asyncpg.Connection, principal: Principal, *, statuses: list[str] | None, limit: int, offset: int
) -> tuple[list[Record], int]:
    sql = team_store.invitations_page(principal.require_agency(), statuses=statuses, limit=limit, offset=offset)
    return await sql.fetch(conn)


# -- invitations ------------------------------------------------------------------------


async def invite(
    conn: asyncpg.Connection, principal: Principal, *, email: str, role: str, full_name: str, accept_url: str
) -> Record:
    """Store the invitation and queue the e-mail carrying its single-use link."""
    agency_id = principal.require_agency()
    if await team_store.email_in_use(conn, email):
        raise Conflict("An account with this e-mail already exists", details={"field": "email"})
    token = new_secret()
    invitation = await team_store.insert_invitation(
        conn,
        agency_id=agency_id,
        email=email,
        full_name=full_name,
        role=role,
        token_hash=digest(token),
        invited_by=principal.user_id,
        expires_at=datetime.now(UTC) + INVITATION_TTL,
    )
    if invitation is None:
        raise Conflict("This e-mail already has a pending invitation; resend it instead", details={"field": "email"})
    await _send_invitation(conn, invitation, token, accept_url)
    await record_activity(
        conn,
        principal,
        agency_id,
        "team.invited",
        f"Invited {email} as {role}",
        subject_type="invitation",
        subject_id=invitation["id"],
        metadata={"role": role},
    )
    return invitation


async def resend_invitation(conn: asyncpg.Connection, principal: Principal, invitation_id: UUID, *, accept_url: str) -> Record:
    """A new link replaces the old one, which stops working."""
    invitation = await _pending_invitation(conn, principal, invitation_id)
    token = new_secret()
    invitation = await team_store.renew_invitation(
        conn, invitation_id, token_hash=digest(token), expires_at=datetime.now(UTC) + INVITATION_TTL
    )
    await _send_invitation(conn, invitation, token, accept_url)
    await record_activity(
        conn,
        principal,
        invitation["agency_id"],
        "team.invitation_resent",
        f"Resent the invitation to {invitation['email']}",
        subject_type="invitation",
        subject_id=invitation_id,
    )
    return invitation


async def revoke_invitation(conn: asyncpg.Connection, principal: Principal, invitation_id: UUID) -> Record:
    invitation = await _pending_invitation(conn, principal, invitation_id)
    invitation = await team_store.revoke_invitation(conn, invitation_id)
    await record_activity(
        conn,
        principal,
        invitation["agency_id"],
        "team.invitation_revoked",
        f"Revoked the invitation to {invitation['email']}",
        subject_type="invitation",
        subject_id=invitation_id,
    )
    return invitation


async def accept_invitation(pool: asyncpg.Pool, auth: AuthService, *, token: str, password: str, full_name: str) -> Session:
    """Create the invited person's account and sign them in; the token works once."""
    async with transaction(pool) as conn:
        invitation = await team_store.claim_invitation_by_token(conn, digest(token))
        if invitation is None or invitation["status"] != "pending" or invitation["expires_at"] <= datetime.now(UTC):
            raise ValidationFailed("This invitation is invalid, already used or expired", code="INVALID_INVITATION")
        user = await auth.create_user(
            conn,
            email=invitation["email"],
            password=password,
            full_name=full_name,
            role=invitation["role"],
            agency_id=invitation["agency_id"],
        )
        await team_store.mark_invitation_accepted(conn, invitation["id"], user["id"])
        newcomer = Principal("user", user["id"], user["agency_id"], user["role"], ROLE_SCOPES[user["role"]])
        await record_activity(
            conn,
            newcomer,
            user["agency_id"],
            "team.invitation_accepted",
            f"{full_name} joined as {user['role']}",
            subject_type="user",
            subject_id=user["id"],
            metadata={"invitationId": str(invitation["id"])},
        )
    return await auth.login(invitation["email"], password)


async def _pending_invitation(conn: asyncpg.Connection, principal: Principal, invitation_id: UUID) -> Record:
    invitation = await team_store.get_invitation(conn, principal.require_agency(), invitation_id, for_update=True)
    if invitation is None:
        raise NotFound("Invitation not found")
    if invitation["status"] != "pending":
        raise RuleViolated(f"The invitation is {invitation['status']}", details={"status": invitation["status"]})
    return invitation


async def _send_invitation(conn: asyncpg.Connection, invitation: Record, token: str, accept_url: str) -> None:
    agency = await agency_store.get_agency(conn, invitation["agency_id"])
    link = f"{accept_url}?token={token}"
    body = (
        f"Hello {invitation['full_name'] or invitation['email']},\n\n"
        f"You have been invited to join {agency['name']} on Recruit Hub as {invitation['role']}.\n"
        f"Accept the invitation here: {link}\n\n"
        f"The link works once and expires on {invitation['expires_at']:%Y-%m-%d %H:%M} UTC.\n"
    )
    await queue_mail(
        conn,
        to=invitation["email"],
        subject=f"You are invited to join {agency['name']}",
        body=body,
        agency_id=invitation["agency_id"],
    )


# -- members ----------------------------------------------------------------------------


async def update_member(
    conn: asyncpg.Connection,
    principal: Principal,
    user_id: UUID,
    *,
    role: str | None,
    is_active: bool | None,
    full_name: str | None,
) -> Record:
    agency_id = principal.require_agency()
    target = await _member(conn, agency_id, user_id)
    touches_owner = target["role"] == "owner" or role == "owner"
    changes_access = role not in (None, target["role"]) or is_active not in (None, target["is_active"])
    if touches_owner and changes_access:
        await _require_owner(conn, principal)
        await _keep_an_owner(conn, target, new_role=role, is_active=is_active)
    updated = await team_store.update_member(conn, agency_id, user_id, role=role, is_active=is_active, full_name=full_name)
    changes = {k: v for k, v in {"role": role, "isActive": is_active, "fullName": full_name}.items() if v is not None}
    await record_activity(
        conn,
        principal,
        agency_id,
        "team.member_updated",
        f"Updated {target['email']}",
        subject_type="user",
        subject_id=user_id,
        metadata=changes,
    )
    return updated


async def deactivate_member(conn: asyncpg.Connection, principal: Principal, user_id: UUID) -> Record:
    """Removing a member deactivates the account (their records keep their authorship)."""
    agency_id = principal.require_agency()
    target = await _member(conn, agency_id, user_id)
    if target["role"] == "owner":
        await _require_owner(conn, principal)
        await _keep_an_owner(conn, target, new_role=None, is_active=False)
    updated = await team_store.update_member(conn, agency_id, user_id, role=None, is_active=False, full_name=None)
    await record_activity(
        conn,
        principal,
        agency_id,
        "team.member_deactivated",
        f"Deactivated {target['email']}",
        subject_type="user",
        subject_id=user_id,
    )
    return updated


async def create_recruiter(
    conn: asyncpg.Connection, auth: AuthService, principal: Principal, *, email: str, full_name: str, password: str
) -> Record:
    """A recruiter account made directly (no invitation): its id can be used for attribution at once."""
    agency_id = principal.require_agency()
    user = await auth.create_user(
        conn, email=email, password=password, full_name=full_name, role="recruiter", agency_id=agency_id
    )
    await record_activity(
        conn,
        principal,
        agency_id,
        "team.recruiter_created",
        f"Created recruiter {email}",
        subject_type="user",
        subject_id=user["id"],
    )
    return user


async def _member(conn: asyncpg.Connection, agency_id: UUID, user_id: UUID) -> Record:
    member = await team_store.get_member(conn, agency_id, user_id, for_update=True)
    if member is None:
        raise NotFound("Team member not found")
    return member


async def _require_owner(conn: asyncpg.Connection, principal: Principal) -> None:
    """API keys and admins act for the agency but may not touch its owners."""
    caller = None
    if principal.user_id is not None and principal.agency_id is not None:
        caller = await team_store.get_member(conn, principal.agency_id, principal.user_id)
    if caller is None or caller["role"] != "owner" or not caller["is_active"]:
        raise Forbidden("Only an owner can make someone an owner or change an owner's role or access")


async def _keep_an_owner(conn: asyncpg.Connection, target: Record, *, new_role: str | None, is_active: bool | None) -> None:
    stays_owner = (new_role in (None, "owner")) and is_active is not False
    if target["role"] != "owner" or stays_owner or not target["is_active"]:
        return
    owners = await team_store.lock_active_owners(conn, target["agency_id"])
    if owners == [target["id"]]:
        raise RuleViolated("An agency must keep at least one active owner", details={"rule": "last_owner"})
