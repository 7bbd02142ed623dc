"""Calls started from a chat thread: a video room for the thread's participants, announced in
the thread by a message posted through the chat service.

The announcement's `clientMsgId` is `video-call:<room id>`, so clients can recognise it and
offer a join button (the text itself is masked like any message, so it carries no ids).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from uuid import UUID

from media.providers import ProviderError

from ..auth.principal import STAFF_ROLES, Principal
from ..db import Record, transaction
from ..errors import Forbidden, HubError, NotFound, RuleViolated
from ..storage import users as user_store
from ..storage import video as store
from .chat import ChatService
from .chat_models import MessageOut
from .invitations import CALL_TYPE_NAMES
from .video import ParticipantView, VideoService, provider_failed

logger = logging.getLogger(__name__)

CALL_MESSAGE_PREFIX = "video-call:"


@dataclass(frozen=True)
class StartedCall:
    room: Record
    announcement: MessageOut | None  # None if the thread message could not be posted (logged)


async def start(
    video: VideoService, chat: ChatService, principal: Principal, thread_id: UUID, *, call_type: str
) -> StartedCall:
    """Open a room for everyone in the thread (staff as hosts, others as participants) and
    announce it in the thread, as the person who started it."""
    caller = principal.user_id
    if caller is None:
        raise Forbidden("Calls are started by people; API keys can create rooms instead", code="NOT_A_PERSON")
    thread = await chat.get_thread(principal, thread_id)  # 404 unless the caller may see the thread
    people = {p.id: p for p in thread.participants or []}
    staff_caller = principal.agency_id == thread.agency_id and principal.role in STAFF_ROLES
    invited = set(people) | {caller}
    cap = video.max_participants
    if cap is not None and len(invited) > cap:
        raise RuleViolated(
            f"The thread has {len(invited)} people; mesh calls hold at most {cap}", code="ROOM_TOO_LARGE",
            details={"max": cap},
        )
    room_id = uuid.uuid4()
    size = video.room_size(None, at_least=len(invited))
    async with transaction(video.pool) as conn:
        try:
            await video.provider.create_room(str(room_id), max_participants=size)
        except ProviderError as exc:
            raise provider_failed(exc) from exc
        room = await store.insert_room(
            conn,
            room_id=room_id,
            agency_id=thread.agency_id,
            provider=video.provider.name,
            provider_room=str(room_id),
            created_by_type="user",
            created_by=caller,
            fields={
                "call_type": call_type,
                "thread_id": thread_id,
                "application_id": thread.application_id,
                "max_participants": size,
            },
        )
        for user_id in sorted(invited):
            person = people.get(user_id)
            if person is not None:
                name, staff = person.full_name, person.role in STAFF_ROLES
            else:  # staff starting a call in a thread they are not in (yet)
                user = await user_store.get_user(conn, user_id)
                name, staff = (user["full_name"] if user else ""), staff_caller
            await store.authorize_participant(
                conn,
                room=room,
                identity=user_id,
                user_id=user_id,
                invitation_id=None,
                display_name=name,
                role="host" if staff else "participant",
                authorized_by=caller,
            )
    text = f"Started a video call ({CALL_TYPE_NAMES.get(call_type, 'video call')})."
    try:
        message, _ = await chat.send(principal, thread_id, f"{CALL_MESSAGE_PREFIX}{room_id}", text)
    except HubError as exc:  # the room stands; the thread just lacks its announcement
        logger.warning("call %s opened but not announced in thread %s: %s", room_id, thread_id, exc.message)
        message = None
    return StartedCall(room, message)


async def get(video: VideoService, principal: Principal, call_id: UUID) -> tuple[Record, list[ParticipantView]]:
    """A call is a room opened from a thread; any other room id is not a call (404)."""
    async with video.pool.acquire() as conn:
        room = (await video.access(conn, principal, call_id)).room
    if room["thread_id"] is None:
        raise NotFound("Call not found")
    return room, await video.list_participants(principal, call_id)
