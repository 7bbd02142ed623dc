"""SQL for chat threads, participants, messages, read receipts, and who may see whom."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from ..db import Connection, Record

# -- threads ------------------------------------------------------------------------------


async def insert_thread(
    conn: Connection,
    *,
    agency_id: UUID,
    application_id: UUID | None,
    job_id: UUID | None,
    subject: str | None,
    created_by: UUID,
) -> Record:
    return await conn.fetchrow(
        """INSERT INTO chat_threads (agency_id, application_id, job_id, subject, created_by)
           VALUES ($1, $2, $3, $4, $5) RETURNING *""",
        agency_id,
        application_id,
        job_id,
        subject,
        created_by,
    )


async def add_participants(conn: Connection, thread_id: UUID, user_ids: Iterable[UUID]) -> None:
    await conn.execute(
        """INSERT INTO chat_participants (thread_id, user_id)
           SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING""",
        thread_id,
        list(user_ids),
    )


async def thread_with_membership(
    conn: Connection, thread_id: UUID, user_id: UUID | None, client_msg_id: str | None = None
) -> Record | None:
    """The thread, whether `user_id` takes part, and (for sends) the id of the message this
    user already sent with `client_msg_id`, if any; the service decides who may see it."""
    return await conn.fetchrow(
        """SELECT t.*, (p.user_id IS NOT NULL) AS is_participant, m.id AS sent_message_id
           FROM chat_threads t
           LEFT JOIN chat_participants p ON p.thread_id = t.id AND p.user_id = $2
           LEFT JOIN chat_messages m ON m.thread_id = t.id AND m.sender_id = $2 AND m.client_msg_id = $3
           WHERE t.id = $1""",
        thread_id,
        user_id,
        client_msg_id,
    )


async def participants(conn: Connection, thread_id: UUID) -> list[Record]:
    """People of a thread: names and roles only, never contact details."""
    return await conn.fetch(
        """SELECT u.id, u.full_name, u.role, p.last_read_message_id, p.last_read_at
           FROM chat_participants p JOIN users u ON u.id = p.user_id
           WHERE p.thread_id = $1 ORDER BY p.joined_at, u.id""",
        thread_id,
    )


async def participant_ids(conn: Connection, thread_id: UUID) -> list[UUID]:
    rows = await conn.fetch("SELECT user_id FROM chat_participants WHERE thread_id = $1", thread_id)
    return [r["user_id"] for r in rows]


_THREAD_SUMMARY = """
    SELECT t.*,
           {unread} AS unread_count,
           lm.id AS lm_id, lm.sender_id AS lm_sender_id, lm.content AS lm_content, lm.masked AS lm_masked,
           lm.masked_types AS lm_masked_types, lm.created_at AS lm_created_at, lm.client_msg_id AS lm_client_msg_id
    FROM {source}
    LEFT JOIN LATERAL (
        SELECT * FROM chat_messages m WHERE m.thread_id = t.id ORDER BY m.seq DESC LIMIT 1
    ) lm ON true
    WHERE {where}
    ORDER BY coalesce(t.last_message_at, t.created_at) DESC, t.id
    LIMIT $2 OFFSET $3
"""


async def user_threads(conn: Connection, user_id: UUID, *, limit: int, offset: int) -> list[Record]:
    """Threads a person takes part in, newest activity first, with unread counts."""
    sql = _THREAD_SUMMARY.format(
        unread="""(SELECT count(*) FROM chat_messages m
                   WHERE m.thread_id = t.id AND m.seq > p.last_read_seq AND m.sender_id IS DISTINCT FROM $1)""",
        source="chat_participants p JOIN chat_threads t ON t.id = p.thread_id",
        where="p.user_id = $1",
    )
    return await conn.fetch(sql, user_id, limit, offset)


async def count_user_threads(conn: Connection, user_id: UUID) -> int:
    return await conn.fetchval("SELECT count(*) FROM chat_participants WHERE user_id = $1", user_id)


async def agency_threads(conn: Connection, agency_id: UUID, *, limit: int, offset: int) -> list[Record]:
    """Every thread of an agency (integrations); nobody's unread count applies."""
    sql = _THREAD_SUMMARY.format(unread="NULL::bigint", source="chat_threads t", where="t.agency_id = $1")
    return await conn.fetch(sql, agency_id, limit, offset)


async def count_agency_threads(conn: Connection, agency_id: UUID) -> int:
    return await conn.fetchval("SELECT count(*) FROM chat_threads WHERE agency_id = $1", agency_id)


async def unread_count(conn: Connection, thread_id: UUID, user_id: UUID) -> int | None:
    return await conn.fetchval(
        """SELECT (SELECT count(*) FROM chat_messages m
                   WHERE m.thread_id = p.thread_id AND m.seq > p.last_read_seq AND m.sender_id IS DISTINCT FROM p.user_id)
           FROM chat_participants p WHERE p.thread_id = $1 AND p.user_id = $2""",
        thread_id,
        user_id,
    )


# -- messages -----------------------------------------------------------------------------


async def insert_message(
    conn: Connection,
    *,
    thread_id: UUID,
    agency_id: UUID,
    sender_id: UUID,
    client_msg_id: str,
    content: str,
    masked: bool,
    masked_types: list[str],
) -> Record | None:
    """Store a message, move the thread's last activity and the sender's read receipt to it,
    in one round trip; None when this sender already sent this clientMsgId in the thread."""
    return await conn.fetchrow(
        """WITH m AS (
               INSERT INTO chat_messages (thread_id, agency_id, sender_id, client_msg_id, content, masked, masked_types)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT ON CONSTRAINT chat_messages_client_msg_key DO NOTHING
               RETURNING *
           ), thread AS (
               UPDATE chat_threads t SET last_message_at = greatest(t.last_message_at, m.created_at), updated_at = now()
               FROM m WHERE t.id = m.thread_id
           ), receipt AS (
               UPDATE chat_participants p SET last_read_message_id = m.id, last_read_seq = m.seq, last_read_at = now()
               FROM m WHERE p.thread_id = m.thread_id AND p.user_id = m.sender_id AND p.last_read_seq < m.seq
           )
           SELECT * FROM m""",
        thread_id,
        agency_id,
        sender_id,
        client_msg_id,
        content,
        masked,
        masked_types,
    )


async def message_by_client_id(conn: Connection, thread_id: UUID, sender_id: UUID, client_msg_id: str) -> Record | None:
    return await conn.fetchrow(
        "SELECT * FROM chat_messages WHERE thread_id = $1 AND sender_id = $2 AND client_msg_id = $3",
        thread_id,
        sender_id,
        client_msg_id,
    )


async def message_seq(conn: Connection, thread_id: UUID, message_id: UUID) -> int | None:
    return await conn.fetchval("SELECT seq FROM chat_messages WHERE id = $1 AND thread_id = $2", message_id, thread_id)


async def messages_page(
    conn: Connection, thread_id: UUID, *, after_seq: int | None, before_seq: int | None, limit: int
) -> list[Record]:
    """Up to `limit` messages in seq order: the first ones after `after_seq`, else the last ones
    before `before_seq` (or the newest); both bounds are exclusive."""
    if after_seq is not None:
        return await conn.fetch(
            """SELECT * FROM chat_messages
               WHERE thread_id = $1 AND seq > $2 AND ($3::bigint IS NULL OR seq < $3)
               ORDER BY seq LIMIT $4""",
            thread_id,
            after_seq,
            before_seq,
            limit,
        )
    rows = await conn.fetch(
        """SELECT * FROM chat_messages
           WHERE thread_id = $1 AND ($2::bigint IS NULL OR seq < $2)
           ORDER BY seq DESC LIMIT $3""",
        thread_id,
        before_seq,
        limit,
    )
    return list(reversed(rows))


async def mark_read(conn: Connection, thread_id: UUID, user_id: UUID, message_id: UUID, seq: int) -> Record | None:
    """Move the read pointer forward only; None when it is already at or past `seq`."""
    return await conn.fetchrow(
        """UPDATE chat_participants
           SET last_read_message_id = $3, last_read_seq = $4, last_read_at = now()
           WHERE thread_id = $1 AND user_id = $2 AND last_read_seq < $4
           RETURNING last_read_message_id, last_read_at""",
        thread_id,
        user_id,
        message_id,
        seq,
    )


async def read_receipt(conn: Connection, thread_id: UUID, user_id: UUID) -> Record:
    return await conn.fetchrow(
        "SELECT last_read_message_id, last_read_at FROM chat_participants WHERE thread_id = $1 AND user_id = $2",
        thread_id,
        user_id,
    )


# -- who may contact or see whom ------------------------------------------------------------


async def agency_members(conn: Connection, agency_id: UUID, user_ids: Iterable[UUID]) -> set[UUID]:
    rows = await conn.fetch(
        "SELECT id FROM users WHERE id = ANY($2::uuid[]) AND agency_id = $1 AND is_active",
        agency_id,
        list(user_ids),
    )
    return {r["id"] for r in rows}


async def agency_candidates(conn: Connection, agency_id: UUID, user_ids: Iterable[UUID]) -> set[UUID]:
    """Candidates among `user_ids` with an application at the agency."""
    rows = await conn.fetch(
        """SELECT DISTINCT u.id FROM users u JOIN applications a ON a.candidate_id = u.id
           WHERE u.id = ANY($2::uuid[]) AND a.agency_id = $1 AND u.is_active""",
        agency_id,
        list(user_ids),
    )
    return {r["id"] for r in rows}


async def candidate_agencies(conn: Connection, candidate_id: UUID) -> set[UUID]:
    """Agencies a candidate has applied to."""
    rows = await conn.fetch("SELECT DISTINCT agency_id FROM applications WHERE candidate_id = $1", candidate_id)
    return {r["agency_id"] for r in rows}


async def member_agencies(conn: Connection, user_ids: Iterable[UUID]) -> dict[UUID, UUID]:
    """The agency of each active agency member among `user_ids`."""
    rows = await conn.fetch(
        "SELECT id, agency_id FROM users WHERE id = ANY($1::uuid[]) AND agency_id IS NOT NULL AND is_active",
        list(user_ids),
    )
    return {r["id"]: r["agency_id"] for r in rows}


async def agency_application(conn: Connection, agency_id: UUID, application_id: UUID) -> Record | None:
    return await conn.fetchrow(
        "SELECT id, agency_id, job_id, candidate_id FROM applications WHERE id = $1 AND agency_id = $2",
        application_id,
        agency_id,
    )


async def candidate_application(
    conn: Connection, candidate_id: UUID, *, application_id: UUID | None = None, job_id: UUID | None = None
) -> Record | None:
    """The candidate's own application, by id or by job."""
    return await conn.fetchrow(
        """SELECT id, agency_id, job_id, candidate_id FROM applications
           WHERE candidate_id = $1 AND ($2::uuid IS NULL OR id = $2) AND ($3::uuid IS NULL OR job_id = $3)
           LIMIT 1""",
        candidate_id,
        application_id,
        job_id,
    )


async def agency_job_exists(conn: Connection, agency_id: UUID, job_id: UUID) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM jobs WHERE id = $1 AND agency_id = $2", job_id, agency_id))


async def visible_to_agency(conn: Connection, agency_id: UUID, user_ids: Iterable[UUID]) -> set[UUID]:
    """People an agency's staff may see: its members, its applicants, its threads' participants."""
    rows = await conn.fetch(
        """SELECT u.id FROM users u
           WHERE u.id = ANY($2::uuid[]) AND (
               u.agency_id = $1
               OR EXISTS (SELECT 1 FROM applications a WHERE a.agency_id = $1 AND a.candidate_id = u.id)
               OR EXISTS (SELECT 1 FROM chat_participants p JOIN chat_threads t ON t.id = p.thread_id
                          WHERE p.user_id = u.id AND t.agency_id = $1))""",
        agency_id,
        list(user_ids),
    )
    return {r["id"] for r in rows}


async def visible_to_participant(conn: Connection, viewer_id: UUID, user_ids: Iterable[UUID]) -> set[UUID]:
    """People who share a thread with `viewer_id`, and the viewer."""
    ids = list(user_ids)
    rows = await conn.fetch(
        """SELECT DISTINCT other.user_id AS id
           FROM chat_participants mine JOIN chat_participants other ON other.thread_id = mine.thread_id
           WHERE mine.user_id = $1 AND other.user_id = ANY($2::uuid[])""",
        viewer_id,
        ids,
    )
    found = {r["id"] for r in rows}
    if viewer_id in ids:
        found.add(viewer_id)
    return found
