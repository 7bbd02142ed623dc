"""Chat over Socket.IO: join and leave threads, send, read receipts, typing.

Handlers are thin: validate the payload, call the chat service, return the ack data. The
service broadcasts `message:new`, `message:read` and `typing` to the thread's room.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from pydantic import Field

from ..db import Record
from ..errors import HubError
from ..keys import CHAT, PRESENCE
from ..models import ApiModel
from ..services.chat import thread_room
from .router import SocketContext, SocketEvents

logger = logging.getLogger(__name__)

events = SocketEvents()


class ThreadJoinIn(ApiModel):
    thread_id: UUID
    after: UUID | None = None  # the last message the client has; the ack carries the ones after it


class ThreadLeaveIn(ApiModel):
    thread_id: UUID


class MessageSendIn(ApiModel):
    thread_id: UUID
    client_msg_id: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    content: str  # length is checked by the service, which answers PAYLOAD_TOO_LARGE


class MessageReadIn(ApiModel):
    thread_id: UUID
    message_id: UUID


class TypingIn(ApiModel):
    thread_id: UUID
    is_typing: bool


@events.event("thread:join", payload=ThreadJoinIn)
async def join_thread(ctx: SocketContext, payload: ThreadJoinIn) -> dict[str, Any]:
    """Join the thread's room; the ack has the thread, the messages after `after` and presence."""
    ctx.principal.require_scope("chat:read")

    async def enter(thread: Record) -> None:
        await ctx.sio.enter_room(ctx.sid, thread_room(thread["id"]))

    thread, page = await ctx.app[CHAT].join(ctx.principal, payload.thread_id, after=payload.after, enter=enter)
    presence = ctx.app[PRESENCE]
    people = [p.id for p in thread.participants or []]
    await presence.follow(ctx.sio, ctx.sid, people)
    try:
        states = [s.model_dump(mode="json", by_alias=True) for s in await presence.states(people)]
    except HubError:
        states = []  # presence is best effort: the thread and its messages matter more
    return {
        "thread": thread.model_dump(mode="json", by_alias=True),
        "messages": [m.wire() for m in page.messages],
        "hasMore": page.has_more,
        "presence": states,
    }


@events.event("thread:leave", payload=ThreadLeaveIn)
async def leave_thread(ctx: SocketContext, payload: ThreadLeaveIn) -> dict[str, Any]:
    await ctx.sio.leave_room(ctx.sid, thread_room(payload.thread_id))
    return {}


@events.event("message:send", payload=MessageSendIn)
async def send_message(ctx: SocketContext, payload: MessageSendIn) -> dict[str, Any]:
    """Acknowledged with the stored (masked) message once it is committed."""
    ctx.principal.require_scope("chat:write")
    message, _ = await ctx.app[CHAT].send(
        ctx.principal, payload.thread_id, payload.client_msg_id, payload.content, origin_sid=ctx.sid
    )
    return message.wire()


@events.event("message:read", payload=MessageReadIn)
async def read_message(ctx: SocketContext, payload: MessageReadIn) -> dict[str, Any]:
    ctx.principal.require_scope("chat:write")
    await ctx.app[CHAT].mark_read(ctx.principal, payload.thread_id, payload.message_id, origin_sid=ctx.sid)
    return {}


@events.event("typing", payload=TypingIn)
async def typing(ctx: SocketContext, payload: TypingIn) -> dict[str, Any]:
    ctx.principal.require_scope("chat:write")
    joined = thread_room(payload.thread_id) in ctx.sio.rooms(ctx.sid)
    await ctx.app[CHAT].typing(ctx.principal, payload.thread_id, payload.is_typing, joined=joined, origin_sid=ctx.sid)
    return {}
