"""Chat threads and messages over REST: /api/v1/chat/*.

Sends here take the same path as Socket.IO sends (mask, store with the outbox event, commit,
broadcast `message:new` to the thread's room). History uses cursors: `before`/`after` a
message id, `limit` messages at most, always returned oldest first.
"""

from __future__ import annotations

import uuid
from uuid import UUID

from aiohttp import web
from pydantic import Field

from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import CHAT
from hub.models import ApiModel, PageQuery, QueryModel
from hub.services.chat import DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE
from hub.services.chat_models import MessageOut, ReadReceiptOut, ThreadOut

routes = ApiRoutes("chat")

MAX_PARTICIPANTS = 50  # people named when a thread is created


class ThreadIn(ApiModel):
    participant_ids: list[UUID] = Field(min_length=1, max_length=MAX_PARTICIPANTS)
    application_id: UUID | None = None
    job_id: UUID | None = None
    subject: str | None = Field(None, min_length=1, max_length=200)


class MessageIn(ApiModel):
    content: str  # at most 4,000 characters: longer is 413 PAYLOAD_TOO_LARGE
    client_msg_id: str | None = Field(None, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")


class ReadIn(ApiModel):
    message_id: UUID


class HistoryQuery(QueryModel):
    before: UUID | None = None
    after: UUID | None = None
    limit: int = Field(DEFAULT_HISTORY_PAGE, ge=1, le=MAX_HISTORY_PAGE)


@routes.post("/chat/threads", body=ThreadIn, response=ThreadOut, status=201, scope="chat:write")
async def create_thread(request: web.Request, body: ThreadIn) -> web.Response:
    """Start a thread with people the caller may contact; the caller takes part too."""
    thread = await request.app[CHAT].create_thread(
        principal_of(request),
        body.participant_ids,
        application_id=body.application_id,
        job_id=body.job_id,
        subject=body.subject,
    )
    return ok(thread, status=201)


@routes.get("/chat/threads", query=PageQuery, response=list[ThreadOut], paginated=True, scope="chat:read")
async def list_threads(request: web.Request, query: PageQuery) -> web.Response:
    """The caller's threads, latest activity first, with unread counts and the last message."""
    threads, total = await request.app[CHAT].list_threads(principal_of(request), limit=query.per_page, offset=query.offset)
    return page(threads, total=total, query=query)


@routes.get("/chat/threads/{id}", response=ThreadOut, scope="chat:read")
async def get_thread(request: web.Request) -> web.Response:
    """A thread with its participants (names and roles, no contact details)."""
    return ok(await request.app[CHAT].get_thread(principal_of(request), path_id(request)))


@routes.post(
    "/chat/threads/{id}/messages", body=MessageIn, response=MessageOut, status=201, also_status=(200,), scope="chat:write"
)
async def send_message(request: web.Request, body: MessageIn) -> web.Response:
    """Send a message (masked before it is stored); a repeated clientMsgId answers 200 with the stored one."""
    client_msg_id = body.client_msg_id or str(uuid.uuid4())
    message, created = await request.app[CHAT].send(principal_of(request), path_id(request), client_msg_id, body.content)
    return ok(message, status=201 if created else 200)


@routes.get("/chat/threads/{id}/messages", query=HistoryQuery, response=list[MessageOut], scope="chat:read")
async def list_messages(request: web.Request, query: HistoryQuery) -> web.Response:
    """Messages oldest first: the newest page, or the page before/after a message id."""
    result = await request.app[CHAT].history(
        principal_of(request), path_id(request), before=query.before, after=query.after, limit=query.limit
    )
    return ok(result.messages, meta={"limit": query.limit, "hasMore": result.has_more})


@routes.post("/chat/threads/{id}/read", body=ReadIn, response=ReadReceiptOut, scope="chat:write")
async def mark_read(request: web.Request, body: ReadIn) -> web.Response:
    """Move the caller's read receipt forward to a message (announced as `message:read`)."""
    return ok(await request.app[CHAT].mark_read(principal_of(request), path_id(request), body.message_id))
