"""Notifications: which domain events concern which people, and what they are told.

Called by the event dispatcher inside its transaction, so a notification exists exactly when
the event was dispatched; `(user_id, event_id)` is unique, so a re-dispatched event notifies
nobody twice. A person sees only their own notifications.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from ..auth.principal import Principal
from ..db import Record
from ..errors import Forbidden, NotFound
from ..events import Event
from ..storage import chat as chat_store
from ..storage import notifications as notification_store

PREVIEW_CHARS = 140  # of a chat message's (already masked) text
# Given some people, the ones with no live connection (they get a notification for a chat message).
OfflineFilter = Callable[[list[UUID]], Awaitable[set[UUID]]]


@dataclass(frozen=True)
class Draft:
    """What to tell whom about one event, before it is stored."""

    recipients: tuple[UUID, ...]
    title: str
    body: str
    data: dict[str, Any] = field(default_factory=dict)


async def notify(conn: asyncpg.Connection, event: Event, offline: OfflineFilter) -> list[Record]:
    """Store the notifications `event` causes; returns the new rows (none for a repeat)."""
    draft = await _draft(conn, event, offline)
    if draft is None:
        return []
    stored: list[Record] = []
    for user_id in dict.fromkeys(draft.recipients):
        row = await notification_store.insert_once(
            conn,
            user_id=user_id,
            agency_id=event.agency_id,
            event_id=event.event_id,
            type=event.type,
            title=draft.title,
            body=draft.body,
            data=draft.data,
        )
        if row is not None:
            stored.append(row)
    return stored


async def _draft(conn: asyncpg.Connection, event: Event, offline: OfflineFilter) -> Draft | None:
    d = event.data
    match event.type:
        case "interview.scheduled" | "interview.rescheduled" | "interview.cancelled":
            verb = event.type.split(".")[1]
            when = _when(d["scheduledAt"])
            return Draft(
                _ids(d.get("candidateId"), d.get("interviewerId")),
                f"Interview {verb}",
                f"{d['interviewType'].title()} interview for {d['jobTitle']}, {when} ({d['durationMinutes']} min)",
                {"interviewId": d["interviewId"], "applicationId": d["applicationId"], "scheduledAt": d["scheduledAt"]},
            )
        case "offer.sent":
            return Draft(
                _ids(d.get("candidateId")),
                "You have a new offer",
                f"Offer for {d['jobTitle']}: {_amount(d)}",
                {"offerId": d["offerId"], "applicationId": d["applicationId"]},
            )
        case "offer.accepted" | "offer.declined":
            verb = event.type.split(".")[1]
            return Draft(
                _ids(d.get("createdBy")),
                f"Offer {verb}",
                f"The candidate {verb} the offer for {d['jobTitle']} ({_amount(d)})",
                {"offerId": d["offerId"], "applicationId": d["applicationId"]},
            )
        case "onboarding.tasks.assigned":
            count = len(d["taskIds"])
            return Draft(
                _ids(d.get("candidateId")),
                "Onboarding tasks assigned",
                f"{count} onboarding task{'s' if count != 1 else ''} for {d['jobTitle']}",
                {"applicationId": d["applicationId"], "taskIds": d["taskIds"]},
            )
        case "chat.message.created":
            return await _chat_draft(conn, d, offline)
    return None


async def _chat_draft(conn: asyncpg.Connection, d: dict[str, Any], offline: OfflineFilter) -> Draft | None:
    """Participants other than the sender who are offline hear about the message."""
    thread_id, sender_id = UUID(d["threadId"]), d.get("senderId")
    others = [uid for uid in await chat_store.participant_ids(conn, thread_id) if str(uid) != sender_id]
    away = await offline(others) if others else set()
    recipients = tuple(uid for uid in others if uid in away)
    if not recipients:
        return None
    sender = await conn.fetchval("SELECT full_name FROM users WHERE id = $1", UUID(sender_id)) if sender_id else None
    content = d.get("content") or ""
    preview = content if len(content) <= PREVIEW_CHARS else content[: PREVIEW_CHARS - 1] + "…"
    return Draft(
        recipients,
        f"New message from {sender}" if sender else "New message",
        preview,
        {"threadId": d["threadId"], "messageId": d["id"], "senderId": sender_id},
    )


async def list_page(
    conn: asyncpg.Connection, principal: Principal, *, unread: bool | None, limit: int, offset: int
) -> tuple[list[Record], int]:
    return await notification_store.list_page(conn, _owner(principal), unread=unread, limit=limit, offset=offset)


async def mark_read(conn: asyncpg.Connection, principal: Principal, notification_id: UUID) -> Record:
    row = await notification_store.mark_read(conn, _owner(principal), notification_id)
    if row is None:
        raise NotFound("Notification not found")
    return row


async def mark_all_read(conn: asyncpg.Connection, principal: Principal) -> int:
    return await notification_store.mark_all_read(conn, _owner(principal))


def _owner(principal: Principal) -> UUID:
    if principal.user_id is None:
        raise Forbidden("Notifications belong to people; API keys have none")
    return principal.user_id


def _ids(*values: str | None) -> tuple[UUID, ...]:
    return tuple(UUID(v) for v in values if v)


def _when(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")


def _amount(d: dict[str, Any]) -> str:
    salary = d.get("salary")
    return f"{salary:,.2f} {d.get('currency') or ''}".strip() if isinstance(salary, int | float) else "see details"

