"""Outgoing e-mail: stored in `mail_outbox` in the caller's transaction, sent by a job.

With SMTP_URL set the `mail.send` job delivers through aiosmtplib; without it the message is
marked `logged` and its recipient and subject are logged, so invitations work with zero set-up.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from .jobs import enqueue

MAIL_JOB = "mail.send"


async def queue_mail(
    conn: asyncpg.Connection, *, to: str, subject: str, body: str, agency_id: UUID | None
) -> UUID:
    mail_id: UUID = await conn.fetchval(
        "INSERT INTO mail_outbox (agency_id, to_address, subject, body_text) VALUES ($1, $2, $3, $4) RETURNING id",
        agency_id,
        to,
        subject,
        body,
    )
    await enqueue(conn, MAIL_JOB, {"mailId": str(mail_id)}, agency_id=agency_id, dedupe_key=str(mail_id))
    return mail_id
