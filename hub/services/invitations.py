"""Video invitations: a one-time link, e-mailed to a person who may have no account, that is
exchanged once for a join token.

The link's secret is stored only as a SHA-256 digest. Opening the link (GET) records the click
and shows what it is for; exchanging it (POST) spends it. Keeping the two apart means mail
scanners that prefetch links cannot use up an invitation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from uuid import UUID

import asyncpg

from media.providers import ProviderError

from ..auth.principal import Principal
from ..auth.tokens import digest, new_secret
from ..db import Record, transaction
from ..errors import Conflict, NotFound, RuleViolated
from ..mail import queue_mail
from ..storage import video as store
from .video import JoinTicket, VideoService, provider_failed, require_staff

ACCEPT_PATH = "/api/v1/video/invitations/accept"

CALL_TYPE_NAMES = {
    "screening": "screening call",
    "technical": "technical interview",
    "client_intro": "introduction call",
    "client_round_1": "client interview (round 1)",
    "client_round_2": "client interview (round 2)",
    "final": "final interview",
    "other": "video call",
}


@dataclass(frozen=True)
class CreatedInvitation:
    record: Record
    link: str | None  # only when the hub did not e-mail it: the caller delivers it


def status_of(inv: Record, now: datetime | None = None) -> str:
    """pending, sent, clicked, accepted, joined, revoked or expired (derived from the timestamps)."""
    now = now or datetime.now(UTC)
    if inv["revoked_at"] is not None:
        return "revoked"
    if inv["joined_at"] is not None:
        return "joined"
    if inv["accepted_at"] is not None:
        return "accepted"
    if inv["expires_at"] <= now:
        return "expired"
    if inv["clicked_at"] is not None:
        return "clicked"
    return "sent" if inv["sent_at"] is not None else "pending"


def accept_link(base_url: str, secret: str) -> str:
    return f"{base_url.rstrip('/')}{ACCEPT_PATH}?token={quote(secret, safe='')}"


async def create(
    video: VideoService,
    principal: Principal,
    *,
    room_id: UUID,
    email: str,
    name: str | None,
    role: str,
    send_email: bool,
    base_url: str,
) -> CreatedInvitation:
    require_staff(principal)
    async with transaction(video.pool) as conn:
        room = (await video.access(conn, principal, room_id, lock=True)).room
        _check_open(room)
        secret = new_secret()
        record = await store.insert_invitation(
            conn,
            agency_id=room["agency_id"],
            room_id=room_id,
            email=email,
            display_name=name or "Guest",
            role=role,
            token_hash=digest(secret),
            expires_at=_expiry(video, room),
            created_by_type=principal.kind,
            created_by=principal.id,
        )
        if not send_email:
            return CreatedInvitation(record, accept_link(base_url, secret))
        record = await _send(conn, video, room, record, base_url)
    return CreatedInvitation(record, None)


async def resend(video: VideoService, principal: Principal, invitation_id: UUID, base_url: str) -> Record:
    """E-mail a fresh link (the previous one stops working) with a fresh expiry."""
    agency_id = require_staff(principal)
    async with transaction(video.pool) as conn:
        invitation = await _get(conn, agency_id, invitation_id)
        if invitation["revoked_at"] is not None:
            raise Conflict("The invitation was revoked", code="INVITATION_REVOKED")
        if invitation["accepted_at"] is not None:
            raise Conflict("The invitation was used already", code="INVITATION_USED")
        room = await store.lock_room(conn, invitation["room_id"])
        _check_open(room)
        return await _send(conn, video, room, invitation, base_url)


async def revoke(video: VideoService, principal: Principal, invitation_id: UUID) -> Record:
    """The link stops working; a guest who already came in through it is removed from the room."""
    agency_id = require_staff(principal)
    async with transaction(video.pool) as conn:
        invitation = await _get(conn, agency_id, invitation_id)
        room = await store.lock_room(conn, invitation["room_id"])
        invitation = await store.mark_invitation(conn, invitation_id, "revoked_at")
        guest = await store.get_participant(conn, room["id"], invitation_id)
        removed = guest is not None and guest["status"] != "removed"
        if removed:
            await video.remove_in(conn, room, invitation_id)
    if removed:
        try:
            await video.provider.remove_participant(room["provider_room"], str(invitation_id))
        except ProviderError as exc:
            raise provider_failed(exc) from exc
    return invitation


async def get(video: VideoService, principal: Principal, invitation_id: UUID) -> Record:
    agency_id = require_staff(principal)
    async with video.pool.acquire() as conn:
        return await _get(conn, agency_id, invitation_id, lock=False)


async def list_for(
    video: VideoService, principal: Principal, room_id: UUID | None, *, limit: int, offset: int
) -> tuple[list[Record], int]:
    agency_id = require_staff(principal)
    async with video.pool.acquire() as conn:
        if room_id is not None:
            await video.access(conn, principal, room_id)  # another agency's room is 404
        return await store.list_invitations(conn, agency_id, room_id, limit=limit, offset=offset)


async def preview(video: VideoService, secret: str) -> tuple[Record, Record]:
    """Opening the link: records the click; nothing is spent. (invitation, room)"""
    async with transaction(video.pool) as conn:
        invitation = await store.get_invitation_by_token(conn, digest(secret), lock=True)
        if invitation is None:
            raise NotFound("Invitation not found")
        if status_of(invitation) not in ("revoked", "expired"):
            invitation = await store.mark_invitation(conn, invitation["id"], "clicked_at")
        room = await store.get_room(conn, invitation["room_id"])
    return invitation, room


async def accept(video: VideoService, secret: str) -> JoinTicket:
    """Spend the link: the guest's join token, returned to whoever holds the link, once."""
    async with transaction(video.pool) as conn:
        invitation = await store.get_invitation_by_token(conn, digest(secret), lock=True)
        if invitation is None:
            raise NotFound("Invitation not found")
        status = status_of(invitation)
        if status == "revoked":
            raise Conflict("The invitation was revoked", code="INVITATION_REVOKED")
        if invitation["accepted_at"] is not None:
            raise Conflict("The invitation was used already", code="INVITATION_USED")
        if status == "expired":
            raise RuleViolated("The invitation has expired", code="INVITATION_EXPIRED")
        room = await store.lock_room(conn, invitation["room_id"])
        _check_open(room)
        await store.mark_invitation(conn, invitation["id"], "clicked_at")
        await store.mark_invitation(conn, invitation["id"], "accepted_at")
        guest = await store.authorize_participant(
            conn,
            room=room,
            identity=invitation["id"],
            user_id=None,
            invitation_id=invitation["id"],
            display_name=invitation["display_name"],
            role=invitation["role"],
            authorized_by=None,
        )
        return video.issue(room, guest)


# -- helpers ----------------------------------------------------------------------------------


async def _send(conn: asyncpg.Connection, video: VideoService, room: Record, invitation: Record, base_url: str) -> Record:
    secret = new_secret()
    expires_at = _expiry(video, room)
    link = accept_link(base_url, secret)
    mail_id = await queue_mail(
        conn,
        to=invitation["email"],
        subject=f"Invitation: {room['title'] or CALL_TYPE_NAMES[room['call_type']]}",
        body=_mail_body(room, invitation, link, expires_at),
        agency_id=room["agency_id"],
    )
    return await store.mark_invitation_sent(
        conn, invitation["id"], mail_id=mail_id, token_hash=digest(secret), expires_at=expires_at
    )


def _mail_body(room: Record, invitation: Record, link: str, expires_at: datetime) -> str:
    when = (
        f" scheduled for {room['scheduled_for'].astimezone(UTC):%Y-%m-%d %H:%M} UTC" if room["scheduled_for"] else ""
    )
    joining_as = "an observer" if invitation["role"] == "observer" else "a participant"
    return (
        f"Hello {invitation['display_name']},\n\n"
        f"You are invited to a {CALL_TYPE_NAMES[room['call_type']]}{when}, joining as {joining_as}.\n\n"
        f"Join here:\n{link}\n\n"
        f"The link works once and expires on {expires_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC.\n"
    )


def _expiry(video: VideoService, room: Record) -> datetime:
    expires = datetime.now(UTC) + timedelta(seconds=video.config.invitation_ttl)
    return min(expires, room["ends_at"]) if room["ends_at"] is not None else expires


def _check_open(room: Record | None) -> None:
    if room is None:
        raise NotFound("Video room not found")
    if room["status"] == "ended" or (room["ends_at"] is not None and room["ends_at"] <= datetime.now(UTC)):
        raise RuleViolated("The room has ended", code="ROOM_ENDED")


async def _get(conn: asyncpg.Connection, agency_id: UUID, invitation_id: UUID, *, lock: bool = True) -> Record:
    invitation = await store.get_invitation(conn, agency_id, invitation_id, lock=lock)
    if invitation is None:
        raise NotFound("Invitation not found")
    return invitation
