"""The `mail.send` job: deliver one stored message through SMTP, or log it when none is set."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit
from uuid import UUID

import aiosmtplib

from hub.mail import MAIL_JOB
from hub.settings import Settings

from .registry import JobRegistry, PermanentJobError
from .runner import JobContext

logger = logging.getLogger(__name__)


async def send_mail(ctx: JobContext) -> dict[str, str]:
    settings: Settings = ctx.resources["settings"]
    mail_id = UUID(ctx.payload["mailId"])
    async with ctx.pool.acquire() as conn:
        mail = await conn.fetchrow("SELECT * FROM mail_outbox WHERE id = $1", mail_id)
    if mail is None:
        raise PermanentJobError(f"mail {mail_id} does not exist")
    if mail["status"] in ("sent", "logged"):
        return {"status": mail["status"]}  # a retried job after success: nothing to do
    if settings.smtp_url is None:
        logger.info("mail not sent (no SMTP_URL): to=%s subject=%s", mail["to_address"], mail["subject"])
        status = "logged"
    else:
        message = EmailMessage()
        message["From"] = settings.mail_from
        message["To"] = mail["to_address"]
        message["Subject"] = mail["subject"]
        message.set_content(mail["body_text"])
        await aiosmtplib.send(message, **smtp_options(settings.smtp_url))
        status = "sent"
    async with ctx.pool.acquire() as conn:
        await conn.execute("UPDATE mail_outbox SET status = $2, sent_at = now() WHERE id = $1", mail_id, status)
    return {"status": status}


def smtp_options(url: str) -> dict[str, object]:
    """smtp://user:pass@host:port (plain or STARTTLS when offered) or smtps:// (implicit TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise PermanentJobError("SMTP_URL must start with smtp:// or smtps://")
    options: dict[str, object] = {
        "hostname": parts.hostname or "localhost",
        "port": parts.port or (465 if parts.scheme == "smtps" else 25),
        "use_tls": parts.scheme == "smtps",
        "timeout": 10,
    }
    if parts.username:
        options["username"] = unquote(parts.username)
        options["password"] = unquote(parts.password or "")
    return options


def register(registry: JobRegistry) -> None:
    registry.register(MAIL_JOB, send_mail)
