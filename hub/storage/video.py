"""SQL for video rooms, their participants, invitations and applied provider webhooks.

Staff queries filter on the agency; a person without staff rights reaches a room only through
`get_room_for` (their participant record, the room's application or interview).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ..db import Connection, Record
from .filters import Conditions

# -- rooms ----------------------------------------------------------------------------------

ROOM_COLUMNS = frozenset({
    "call_type", "title", "application_id", "interview_id", "thread_id", "max_participants",
    "enable_recording", "enable_transcription", "scheduled_for", "ends_at",
})  # fmt: skip  (the columns a caller may set or change)


async def insert_room(
    conn: Connection,
    *,
    room_id: UUID,
    agency_id: UUID,
    provider: str,
    provider_room: str,
    created_by_type: str,
    created_by: UUID,
    fields: dict[str, Any],
) -> Record:
    names = sorted(set(fields) & ROOM_COLUMNS)
    columns = ["id", "agency_id", "provider", "provider_room", "created_by_type", "created_by", *names]
    values = [room_id, agency_id, provider, provider_room, created_by_type, created_by, *(fields[n] for n in names)]
    placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    return await conn.fetchrow(
        f"INSERT INTO video_rooms ({', '.join(columns)}) VALUES ({placeholders}) RETURNING *", *values
    )


async def get_room(conn: Connection, room_id: UUID) -> Record | None:
    """By id alone: callers then decide whether the asker may see it (tenant or participant)."""
    return await conn.fetchrow("SELECT * FROM video_rooms WHERE id = $1", room_id)


async def lock_room(conn: Connection, room_id: UUID) -> Record | None:
    """The room row, locked until the transaction ends (joins and ends are serialised on it)."""
    return await conn.fetchrow("SELECT * FROM video_rooms WHERE id = $1 FOR UPDATE", room_id)


async def get_room_by_provider_room(conn: Connection, provider_room: str) -> Record | None:
    return await conn.fetchrow("SELECT * FROM video_rooms WHERE provider_room = $1 FOR UPDATE", provider_room)


async def get_room_for(conn: Connection, room_id: UUID, user_id: UUID | None, *, lock: bool = False) -> Record | None:
    """The room (all its columns) and, in the same row, how a person relates to it: whether the
    user exists (`person_exists`), their `full_name` and `is_active`, whether they are the candidate
    of its application (`is_candidate`) or the interviewer of its interview (`is_interviewer`), and
    their participant record's `participant_status` and `authorized_role`. One round trip."""
    return await conn.fetchrow(
        f"""SELECT r.*, u.id IS NOT NULL AS person_exists, u.full_name, u.is_active,
                   EXISTS (SELECT 1 FROM applications a WHERE a.id = r.application_id AND a.candidate_id = $2)
                       AS is_candidate,
                   EXISTS (SELECT 1 FROM interviews i WHERE i.id = r.interview_id AND i.interviewer_id = $2)
                       AS is_interviewer,
                   p.status AS participant_status, p.authorized_role
            FROM video_rooms r
            LEFT JOIN users u ON u.id = $2
            LEFT JOIN video_room_participants p ON p.room_id = r.id AND p.identity = $2
            WHERE r.id = $1{' FOR UPDATE OF r' if lock else ''}""",
        room_id,
        user_id,
    )


async def list_rooms(
    conn: Connection,
    *,
    agency_id: UUID | None,
    person_id: UUID | None,
    filters: dict[str, Any],
    limit: int,
    offset: int,
) -> tuple[list[Record], int]:
    """A page of rooms and the total; `agency_id` for staff, `person_id` for everyone else."""
    where = Conditions()
    where.add("r.agency_id = {}", agency_id)
    if person_id is not None:
        p = where.param(person_id)
        where.add_raw(
            f"""(EXISTS (SELECT 1 FROM video_room_participants vp
                         WHERE vp.room_id = r.id AND vp.user_id = {p} AND vp.status <> 'removed')
                 OR EXISTS (SELECT 1 FROM applications a WHERE a.id = r.application_id AND a.candidate_id = {p})
                 OR EXISTS (SELECT 1 FROM interviews i WHERE i.id = r.interview_id AND i.interviewer_id = {p}))"""
        )
    where.add("r.status = ANY({}::text[])", list(filters["status"]) if filters.get("status") else None)
    where.add("r.call_type = ANY({}::text[])", list(filters["call_type"]) if filters.get("call_type") else None)
    where.add("r.application_id = {}", filters.get("application_id"))
    where.add("r.thread_id = {}", filters.get("thread_id"))
    # A room's time is when it is scheduled for, or when it was created if it is ad hoc.
    where.add("coalesce(r.scheduled_for, r.created_at) >= {}", filters.get("from_time"))
    where.add("coalesce(r.scheduled_for, r.created_at) < {}", filters.get("to_time"))
    return await where.page(
        select="SELECT r.* FROM video_rooms r", count="SELECT count(*) FROM video_rooms r",
        order_by="coalesce(r.scheduled_for, r.created_at) DESC, r.id", limit=limit, offset=offset,
    ).fetch(conn)


async def update_room(conn: Connection, room_id: UUID, changes: dict[str, Any]) -> Record:
    names = sorted(set(changes) & ROOM_COLUMNS)
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=2))
    return await conn.fetchrow(
        f"UPDATE video_rooms SET {sets + ', ' if sets else ''}updated_at = now() WHERE id = $1 RETURNING *",
        room_id,
        *(changes[n] for n in names),
    )


async def mark_room_started(conn: Connection, room_id: UUID, at: datetime | None = None) -> Record | None:
    """scheduled -> active; None when it had started already (or ended)."""
    return await conn.fetchrow(
        """UPDATE video_rooms SET status = 'active', started_at = coalesce($2, now()), updated_at = now()
           WHERE id = $1 AND status = 'scheduled' RETURNING *""",
        room_id,
        at,
    )


async def mark_room_ended(conn: Connection, room_id: UUID, at: datetime | None = None) -> Record | None:
    """-> ended, and everyone still in it has left; None when it had ended already."""
    room = await conn.fetchrow(
        """UPDATE video_rooms SET status = 'ended', ended_at = coalesce($2, now()), updated_at = now()
           WHERE id = $1 AND status <> 'ended' RETURNING *""",
        room_id,
        at,
    )
    if room is not None:
        await conn.execute(
            """UPDATE video_room_participants SET status = 'left', left_at = now(), updated_at = now()
               WHERE room_id = $1 AND status = 'joined'""",
            room_id,
        )
    return room


# -- links a room may carry -------------------------------------------------------------------


async def get_application(conn: Connection, agency_id: UUID, application_id: UUID) -> Record | None:
    return await conn.fetchrow(
        "SELECT id, candidate_id FROM applications WHERE id = $1 AND agency_id = $2", application_id, agency_id
    )


async def get_interview(conn: Connection, agency_id: UUID, interview_id: UUID) -> Record | None:
    return await conn.fetchrow(
        "SELECT id, application_id, interviewer_id FROM interviews WHERE id = $1 AND agency_id = $2",
        interview_id,
        agency_id,
    )


async def person_reachable(conn: Connection, agency_id: UUID, user: Record) -> bool:
    """A member of the agency, or a candidate with an application to it."""
    if user["agency_id"] is not None:
        return user["agency_id"] == agency_id
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM applications WHERE agency_id = $1 AND candidate_id = $2)", agency_id, user["id"]
        )
    )


async def thread_exists(conn: Connection, agency_id: UUID, thread_id: UUID) -> bool:
    """False when the chat tables are not installed: a thread that cannot exist is not found."""
    if await conn.fetchval("SELECT to_regclass('chat_threads')") is None:
        return False
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM chat_threads WHERE id = $1 AND agency_id = $2)", thread_id, agency_id)
    )


# -- participants -----------------------------------------------------------------------------


async def get_participant(conn: Connection, room_id: UUID, identity: UUID, *, lock: bool = False) -> Record | None:
    return await conn.fetchrow(
        f"SELECT * FROM video_room_participants WHERE room_id = $1 AND identity = $2{' FOR UPDATE' if lock else ''}",
        room_id,
        identity,
    )


async def list_participants(conn: Connection, room_id: UUID) -> list[Record]:
    return await conn.fetch(
        "SELECT * FROM video_room_participants WHERE room_id = $1 ORDER BY created_at, identity", room_id
    )


async def save_token_holder(
    conn: Connection,
    *,
    room: Record,
    identity: UUID,
    user_id: UUID | None,
    invitation_id: UUID | None,
    display_name: str,
    role: str,
) -> Record | None:
    """Record that `identity` now holds a token with `role` (creating the record if needed);
    None when they were removed (checked in the statement itself, so a removal racing a join wins)."""
    return await conn.fetchrow(
        """INSERT INTO video_room_participants (room_id, agency_id, identity, user_id, invitation_id, display_name, role)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (room_id, identity) DO UPDATE
               SET role = excluded.role, display_name = excluded.display_name, updated_at = now()
               WHERE video_room_participants.status <> 'removed'
           RETURNING *""",
        room["id"],
        room["agency_id"],
        identity,
        user_id,
        invitation_id,
        display_name,
        role,
    )


async def authorize_participant(
    conn: Connection,
    *,
    room: Record,
    identity: UUID,
    user_id: UUID | None,
    invitation_id: UUID | None,
    display_name: str,
    role: str,
    authorized_by: UUID | None,
) -> Record:
    """Pre-authorize (or re-admit after a removal) with `role`; the generation is kept, so tokens
    issued before a removal stay dead."""
    return await conn.fetchrow(
        """INSERT INTO video_room_participants
               (room_id, agency_id, identity, user_id, invitation_id, display_name, authorized_role, role, authorized_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)
           ON CONFLICT (room_id, identity) DO UPDATE
               SET authorized_role = excluded.authorized_role, authorized_by = excluded.authorized_by,
                   display_name = excluded.display_name,
                   status = CASE WHEN video_room_participants.status = 'removed' THEN 'authorized'
                                 ELSE video_room_participants.status END,
                   removed_at = NULL, updated_at = now()
           RETURNING *""",
        room["id"],
        room["agency_id"],
        identity,
        user_id,
        invitation_id,
        display_name,
        role,
        authorized_by,
    )


async def count_joined(conn: Connection, room_id: UUID, *, other_than: UUID) -> int:
    """People in the room; the hub's own participants (the recorder) take no seat."""
    return await conn.fetchval(
        """SELECT count(*) FROM video_room_participants
           WHERE room_id = $1 AND status = 'joined' AND identity <> $2
             AND (user_id IS NOT NULL OR invitation_id IS NOT NULL)""",
        room_id,
        other_than,
    )


async def mark_joined(
    conn: Connection, room_id: UUID, identity: UUID, *, sid: str | None, role: str | None = None
) -> Record | None:
    """-> joined over connection `sid` (None for LiveKit), with the role the connection holds."""
    return await conn.fetchrow(
        """UPDATE video_room_participants
           SET status = 'joined', sid = $3, role = coalesce($4, role), joined_at = now(), left_at = NULL,
               updated_at = now()
           WHERE room_id = $1 AND identity = $2 RETURNING *""",
        room_id,
        identity,
        sid,
        role,
    )


async def mark_left(conn: Connection, room_id: UUID, identity: UUID, *, sid: str | None) -> Record | None:
    """joined -> left; with `sid`, only if that connection is the current one (a newer one may have
    replaced it). None when nothing changed."""
    return await conn.fetchrow(
        """UPDATE video_room_participants SET status = 'left', sid = NULL, left_at = now(), updated_at = now()
           WHERE room_id = $1 AND identity = $2 AND status = 'joined' AND ($3::text IS NULL OR sid = $3)
           RETURNING *""",
        room_id,
        identity,
        sid,
    )


async def mark_removed(conn: Connection, room_id: UUID, identity: UUID) -> Record | None:
    """-> removed with a new generation (older tokens die); the sid stays so the connection can be
    found and closed. The record as it is now plus `previous_status`; None if unknown."""
    return await conn.fetchrow(
        """WITH before AS (
               SELECT room_id, identity, status FROM video_room_participants
               WHERE room_id = $1 AND identity = $2 FOR UPDATE)
           UPDATE video_room_participants p
           SET status = 'removed', generation = p.generation + 1, removed_at = now(),
               left_at = CASE WHEN p.status = 'joined' THEN now() ELSE p.left_at END, updated_at = now()
           FROM before WHERE p.room_id = before.room_id AND p.identity = before.identity
           RETURNING p.*, before.status AS previous_status""",
        room_id,
        identity,
    )


async def connections(conn: Connection, provider_room: str, identity: UUID | None = None) -> list[Record]:
    """Socket.IO connections recorded for a room (or one identity in it), for disconnecting."""
    return await conn.fetch(
        """SELECT p.* FROM video_room_participants p
           JOIN video_rooms r ON r.id = p.room_id
           WHERE r.provider_room = $1 AND p.sid IS NOT NULL AND ($2::uuid IS NULL OR p.identity = $2)""",
        provider_room,
        identity,
    )


async def joined_participants(conn: Connection, provider_room: str) -> list[Record]:
    return await conn.fetch(
        """SELECT p.* FROM video_room_participants p JOIN video_rooms r ON r.id = p.room_id
           WHERE r.provider_room = $1 AND p.status = 'joined' ORDER BY p.joined_at""",
        provider_room,
    )


async def signal_parties(conn: Connection, room_id: UUID, sender: UUID, target: UUID) -> list[Record]:
    """Sender and target records (one query per relayed message), with the room's status."""
    return await conn.fetch(
        """SELECT p.identity, p.role, p.status, p.generation, r.status AS room_status
           FROM video_room_participants p JOIN video_rooms r ON r.id = p.room_id
           WHERE p.room_id = $1 AND p.identity = ANY($2::uuid[])""",
        room_id,
        [sender, target],
    )


# -- invitations ------------------------------------------------------------------------------

# An invitation with the state of the last e-mail sent for it.
_INVITATION = """SELECT i.*, m.status AS mail_status FROM {source} i
                 LEFT JOIN mail_outbox m ON m.id = i.last_mail_id"""


def _with_mail(update_sql: str) -> str:
    return f"WITH changed AS ({update_sql} RETURNING *) " + _INVITATION.format(source="changed")


async def insert_invitation(
    conn: Connection,
    *,
    agency_id: UUID,
    room_id: UUID,
    email: str,
    display_name: str,
    role: str,
    token_hash: bytes,
    expires_at: datetime,
    created_by_type: str,
    created_by: UUID,
) -> Record:
    return await conn.fetchrow(
        _with_mail(
            """INSERT INTO video_invitations
                   (agency_id, room_id, email, display_name, role, token_hash, expires_at, created_by_type, created_by)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"""
        ),
        agency_id,
        room_id,
        email,
        display_name,
        role,
        token_hash,
        expires_at,
        created_by_type,
        created_by,
    )


async def get_invitation(conn: Connection, agency_id: UUID, invitation_id: UUID, *, lock: bool = False) -> Record | None:
    return await conn.fetchrow(
        _INVITATION.format(source="video_invitations")
        + f" WHERE i.id = $1 AND i.agency_id = $2{' FOR UPDATE OF i' if lock else ''}",
        invitation_id,
        agency_id,
    )


async def get_invitation_by_token(conn: Connection, token_hash: bytes, *, lock: bool = False) -> Record | None:
    return await conn.fetchrow(
        _INVITATION.format(source="video_invitations") + f" WHERE i.token_hash = $1{' FOR UPDATE OF i' if lock else ''}",
        token_hash,
    )


async def list_invitations(
    conn: Connection, agency_id: UUID, room_id: UUID | None, *, limit: int, offset: int
) -> tuple[list[Record], int]:
    where = "i.agency_id = $1 AND ($2::uuid IS NULL OR i.room_id = $2)"
    total = await conn.fetchval(f"SELECT count(*) FROM video_invitations i WHERE {where}", agency_id, room_id)
    rows = await conn.fetch(
        _INVITATION.format(source="video_invitations")
        + f" WHERE {where} ORDER BY i.created_at DESC, i.id LIMIT $3 OFFSET $4",
        agency_id,
        room_id,
        limit,
        offset,
    )
    return rows, total


async def mark_invitation_sent(
    conn: Connection, invitation_id: UUID, *, mail_id: UUID, token_hash: bytes, expires_at: datetime
) -> Record:
    """A (new) link went out: the previous link, if any, stops working."""
    return await conn.fetchrow(
        _with_mail(
            """UPDATE video_invitations SET sent_at = now(), send_count = send_count + 1, last_mail_id = $2,
                                            token_hash = $3, expires_at = $4
               WHERE id = $1"""
        ),
        invitation_id,
        mail_id,
        token_hash,
        expires_at,
    )


async def mark_invitation(conn: Connection, invitation_id: UUID, column: str) -> Record:
    """Stamp clicked_at, accepted_at, joined_at or revoked_at (the first time only)."""
    if column not in ("clicked_at", "accepted_at", "joined_at", "revoked_at"):
        raise ValueError(f"not an invitation timestamp: {column}")
    return await conn.fetchrow(
        _with_mail(f"UPDATE video_invitations SET {column} = coalesce({column}, now()) WHERE id = $1"), invitation_id
    )


# -- provider webhooks ------------------------------------------------------------------------


async def claim_provider_event(conn: Connection, event_id: str) -> bool:
    """True the first time an event id is seen (in this transaction's view)."""
    status = await conn.execute(
        "INSERT INTO video_provider_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING", event_id
    )
    return status.endswith(" 1")
