"""Chat rules: who may talk to whom, who may see a thread, and the one send pipeline.

Every message, sent over REST or Socket.IO, goes through `ChatService.send`: limit, mask,
store with its outbox event in one transaction, then broadcast. The caller is answered only
after the commit, so an acknowledged message is never lost; a clientMsgId sent twice by the
same person in the same thread is stored once and answered with the stored message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from ..auth.principal import STAFF_ROLES, Principal
from ..db import Record
from ..errors import Forbidden, NotFound, PayloadTooLarge, RuleViolated, ValidationFailed
from ..events import emit as emit_event
from ..storage import chat as store
from . import chat_masking
from .chat_limits import MAX_MESSAGE_CHARS, ChatLimiter
from .chat_models import MessageOut, ReadReceiptOut, ThreadOut, message_out

MAX_HISTORY_PAGE = 100  # messages per history page
DEFAULT_HISTORY_PAGE = 50
MAX_CATCH_UP = 500  # messages a thread:join with `after` returns at most (then hasMore)

Emit = Callable[..., Awaitable[Any]]  # socketio.AsyncServer.emit


def thread_room(thread_id: UUID) -> str:
    return f"thread:{thread_id}"


@dataclass(frozen=True)
class MessagePage:
    messages: list[MessageOut]
    has_more: bool


class ChatService:
    def __init__(self, pool: asyncpg.Pool, emit: Emit, limiter: ChatLimiter) -> None:
        self._pool = pool
        self._emit = emit
        self._limiter = limiter

    # -- threads ---------------------------------------------------------------------------

    async def create_thread(
        self,
        principal: Principal,
        participant_ids: list[UUID],
        *,
        application_id: UUID | None,
        job_id: UUID | None,
        subject: str | None,
    ) -> ThreadOut:
        creator = _person(principal)
        others = set(participant_ids) - {creator}
        if not others:
            raise ValidationFailed("Add at least one other participant", details={"field": "participantIds"})
        async with self._pool.acquire() as conn, conn.transaction():
            if principal.agency_id is not None:
                agency_id, job_id = await _staff_thread_scope(conn, principal.agency_id, others, application_id, job_id)
            else:
                agency_id, job_id = await _candidate_thread_scope(conn, creator, others, application_id, job_id)
            row = await store.insert_thread(
                conn, agency_id=agency_id, application_id=application_id, job_id=job_id, subject=subject, created_by=creator
            )
            await store.add_participants(conn, row["id"], [creator, *sorted(others)])
            people = await store.participants(conn, row["id"])
        thread = ThreadOut.from_row(row, people)
        thread.unread_count = 0
        return thread

    async def list_threads(self, principal: Principal, *, limit: int, offset: int) -> tuple[list[ThreadOut], int]:
        """A person's threads; an integration's key sees every thread of its agency."""
        async with self._pool.acquire() as conn:
            if principal.user_id is not None:
                rows = await store.user_threads(conn, principal.user_id, limit=limit, offset=offset)
                total = await store.count_user_threads(conn, principal.user_id)
            else:
                agency_id = principal.require_agency()
                rows = await store.agency_threads(conn, agency_id, limit=limit, offset=offset)
                total = await store.count_agency_threads(conn, agency_id)
        return [ThreadOut.from_row(r) for r in rows], total

    async def get_thread(self, principal: Principal, thread_id: UUID) -> ThreadOut:
        async with self._pool.acquire() as conn:
            return await self._thread_view(conn, principal, await self._visible_thread(conn, principal, thread_id))

    async def join(
        self, principal: Principal, thread_id: UUID, *, after: UUID | None, enter: Callable[[Record], Awaitable[None]]
    ) -> tuple[ThreadOut, MessagePage]:
        """Authorize, call `enter` (join the room) and only then read the messages, so nothing
        committed in between is missed: it is either in the page or broadcast to the room."""
        async with self._pool.acquire() as conn:
            row = await self._visible_thread(conn, principal, thread_id)
            after_seq = await _cursor_seq(conn, thread_id, after, "after")
            await enter(row)
            if after_seq is not None:
                page = await _page(conn, thread_id, after_seq=after_seq, before_seq=None, limit=MAX_CATCH_UP)
            else:
                page = await _page(conn, thread_id, after_seq=None, before_seq=None, limit=DEFAULT_HISTORY_PAGE)
            return await self._thread_view(conn, principal, row), page

    # -- messages --------------------------------------------------------------------------

    async def history(
        self, principal: Principal, thread_id: UUID, *, before: UUID | None, after: UUID | None, limit: int
    ) -> MessagePage:
        async with self._pool.acquire() as conn:
            await self._visible_thread(conn, principal, thread_id)
            after_seq = await _cursor_seq(conn, thread_id, after, "after")
            before_seq = await _cursor_seq(conn, thread_id, before, "before")
            return await _page(conn, thread_id, after_seq=after_seq, before_seq=before_seq, limit=limit)

    async def send(
        self, principal: Principal, thread_id: UUID, client_msg_id: str, content: str, *, origin_sid: str | None = None
    ) -> tuple[MessageOut, bool]:
        """Mask, store, record the event, commit, broadcast. Returns (message, newly stored)."""
        sender = _person(principal)
        _check_content(content)
        async with self._pool.acquire() as conn:
            thread = await self._visible_thread(conn, principal, thread_id, client_msg_id=client_msg_id)
            if thread["sent_message_id"] is not None:  # a retry of a stored message
                return message_out(await store.message_by_client_id(conn, thread_id, sender, client_msg_id)), False
            await self._limiter.check_send(sender)
            masked = await chat_masking.mask(content)
            async with conn.transaction():
                if not thread["is_participant"]:
                    # Staff of the agency may step into any of its threads; they join it.
                    await store.add_participants(conn, thread_id, [sender])
                row = await store.insert_message(
                    conn,
                    thread_id=thread_id,
                    agency_id=thread["agency_id"],
                    sender_id=sender,
                    client_msg_id=client_msg_id,
                    content=masked.text,
                    masked=masked.masked,
                    masked_types=list(masked.entity_types),
                )
                if row is None:  # the same clientMsgId raced in from another connection
                    existing = await store.message_by_client_id(conn, thread_id, sender, client_msg_id)
                    return message_out(existing), False
                message = message_out(row)
                await emit_event(conn, "chat.message.created", _event_data(message, thread), agency_id=thread["agency_id"])
        await self._emit("message:new", message.wire(), room=thread_room(thread_id), skip_sid=origin_sid)
        return message, True

    async def mark_read(
        self, principal: Principal, thread_id: UUID, message_id: UUID, *, origin_sid: str | None = None
    ) -> ReadReceiptOut:
        reader = _person(principal)
        async with self._pool.acquire() as conn:
            thread = await self._visible_thread(conn, principal, thread_id)
            if not thread["is_participant"]:
                raise Forbidden("Only participants of a thread have read receipts")
            seq = await _cursor_seq(conn, thread_id, message_id, "messageId")
            moved = await store.mark_read(conn, thread_id, reader, message_id, seq)
            if moved is None:  # already read up to here or later: nothing to announce
                current = await store.read_receipt(conn, thread_id, reader)
                return ReadReceiptOut(
                    thread_id=thread_id,
                    message_id=current["last_read_message_id"] or message_id,
                    user_id=reader,
                    read_at=current["last_read_at"] or datetime.now(UTC),
                )
        receipt = ReadReceiptOut(thread_id=thread_id, message_id=message_id, user_id=reader, read_at=moved["last_read_at"])
        await self._emit("message:read", receipt.model_dump(mode="json", by_alias=True), room=thread_room(thread_id), skip_sid=origin_sid)
        return receipt

    async def typing(self, principal: Principal, thread_id: UUID, is_typing: bool, *, joined: bool, origin_sid: str) -> None:
        """Not stored; only sockets that joined the thread may type in it; repeats are throttled."""
        user_id = _person(principal)
        if not joined:
            raise NotFound("Thread not found (join it first)")
        if await self._limiter.allow_typing(user_id, thread_id, is_typing):
            payload = {"threadId": str(thread_id), "userId": str(user_id), "isTyping": is_typing}
            await self._emit("typing", payload, room=thread_room(thread_id), skip_sid=origin_sid)

    # -- access ----------------------------------------------------------------------------

    async def _visible_thread(
        self, conn: asyncpg.Connection, principal: Principal, thread_id: UUID, *, client_msg_id: str | None = None
    ) -> Record:
        """Participants see a thread; so do owners, admins and recruiters of its agency (and the
        agency's API keys). Everyone else gets 404, never a hint that it exists."""
        row = await store.thread_with_membership(conn, thread_id, principal.user_id, client_msg_id)
        if row is None:
            raise NotFound("Thread not found")
        if row["is_participant"]:
            return row
        same_agency = principal.agency_id is not None and principal.agency_id == row["agency_id"]
        if same_agency and (principal.kind == "api_key" or principal.role in STAFF_ROLES):
            return row
        raise NotFound("Thread not found")

    async def _thread_view(self, conn: asyncpg.Connection, principal: Principal, row: Record) -> ThreadOut:
        people = await store.participants(conn, row["id"])
        thread = ThreadOut.from_row(row, people)
        if principal.user_id is not None and row["is_participant"]:
            thread.unread_count = await store.unread_count(conn, row["id"], principal.user_id)
        return thread


# -- rules -----------------------------------------------------------------------------------


def _person(principal: Principal) -> UUID:
    if principal.user_id is None:
        raise Forbidden("Chat is between people: API keys can read threads but not take part")
    return principal.user_id


def _check_content(content: str) -> None:
    if len(content) > MAX_MESSAGE_CHARS:
        raise PayloadTooLarge(f"A message can be at most {MAX_MESSAGE_CHARS:,} characters")
    if not content.strip():
        raise ValidationFailed("A message needs some text", details={"field": "content"})
    if "\x00" in content:
        raise ValidationFailed("Text must not contain NUL characters", details={"field": "content"})
    try:
        content.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationFailed("Text must be valid Unicode", details={"field": "content"}) from None


async def _staff_thread_scope(
    conn: asyncpg.Connection, agency_id: UUID, others: set[UUID], application_id: UUID | None, job_id: UUID | None
) -> tuple[UUID, UUID | None]:
    """Agency people may talk to their colleagues and to candidates who applied to the agency."""
    application = None
    if application_id is not None:
        application = await store.agency_application(conn, agency_id, application_id)
        if application is None:
            raise NotFound("Application not found")
    if job_id is not None and not await store.agency_job_exists(conn, agency_id, job_id):
        raise NotFound("Job not found")
    job_id = _job_of(application, job_id)
    members = await store.agency_members(conn, agency_id, others)
    candidates = await store.agency_candidates(conn, agency_id, others - members)
    _all_known(others, members | candidates)
    if len(candidates) > 1:
        raise RuleViolated("A thread can include at most one candidate")
    if application is not None and candidates and candidates != {application["candidate_id"]}:
        raise RuleViolated("The candidate of a thread about an application must be its applicant")
    return agency_id, job_id


async def _candidate_thread_scope(
    conn: asyncpg.Connection, candidate_id: UUID, others: set[UUID], application_id: UUID | None, job_id: UUID | None
) -> tuple[UUID, UUID | None]:
    """A candidate may talk to the staff of an agency they applied to, one agency per thread."""
    application = None
    if application_id is not None or job_id is not None:
        application = await store.candidate_application(conn, candidate_id, application_id=application_id, job_id=job_id)
        if application is None:
            raise NotFound("Application not found" if application_id is not None else "Job not found")
        agencies = {application["agency_id"]}
    else:
        agencies = await store.candidate_agencies(conn, candidate_id)
    member_of = await store.member_agencies(conn, others)
    reachable = {uid for uid, agency in member_of.items() if agency in agencies}
    _all_known(others, reachable)
    thread_agencies = {member_of[uid] for uid in others}
    if len(thread_agencies) > 1:
        raise RuleViolated("All participants of a thread must belong to one agency")
    return thread_agencies.pop(), _job_of(application, job_id)


def _job_of(application: Record | None, job_id: UUID | None) -> UUID | None:
    if application is None:
        return job_id
    if job_id is not None and job_id != application["job_id"]:
        raise RuleViolated("jobId does not match the application's job")
    return application["job_id"]


def _all_known(wanted: Iterable[UUID], reachable: set[UUID]) -> None:
    unknown = sorted(str(uid) for uid in wanted if uid not in reachable)
    if unknown:
        raise NotFound("User not found", details={"userIds": unknown})


async def _cursor_seq(conn: asyncpg.Connection, thread_id: UUID, message_id: UUID | None, field: str) -> int | None:
    if message_id is None:
        return None
    seq = await store.message_seq(conn, thread_id, message_id)
    if seq is None:
        raise NotFound("Message not found in this thread", details={"field": field})
    return seq


async def _page(
    conn: asyncpg.Connection, thread_id: UUID, *, after_seq: int | None, before_seq: int | None, limit: int
) -> MessagePage:
    rows = await store.messages_page(conn, thread_id, after_seq=after_seq, before_seq=before_seq, limit=limit + 1)
    has_more = len(rows) > limit
    if has_more:
        # After a cursor the page runs forward, so drop the newest; otherwise drop the oldest.
        rows = rows[:limit] if after_seq is not None else rows[1:]
    return MessagePage([message_out(r) for r in rows], has_more)


def _event_data(message: MessageOut, thread: Record) -> dict[str, Any]:
    """The outbox event: the masked message and what it is about, never the original text."""
    data = message.wire()
    data["agencyId"] = str(thread["agency_id"])
    data["applicationId"] = str(thread["application_id"]) if thread["application_id"] else None
    data["jobId"] = str(thread["job_id"]) if thread["job_id"] else None
    return data
