"""LiveKit's view of a room, applied to ours: room started and finished, participants joined and
left, recordings saved. Each webhook is applied once (LiveKit re-sends on failure) and its
events are emitted in the same transaction as the change.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from media.providers import ProviderEvent

from ..auth.tokens import as_uuid
from ..db import transaction
from ..errors import NotFound
from ..keys import DB, SETTINGS, STORAGE
from ..storage import recordings as recording_store
from ..storage import video as store
from . import recordings
from .video import emit_ended, emit_joined, emit_left, room_started

logger = logging.getLogger(__name__)


async def apply(app: web.Application, event: ProviderEvent) -> bool:
    """Apply a verified event; False when it was seen before or names no room of ours."""
    async with transaction(app[DB]) as conn:
        if event.event_id and not await store.claim_provider_event(conn, event.event_id):
            return False
        room = await store.get_room_by_provider_room(conn, event.room_name)
        if room is None or room["provider"] != "livekit":
            logger.info("LiveKit %s for unknown room %r ignored", event.raw_event, event.room_name)
            return False
        if event.type == "video.room.started":
            started = await store.mark_room_started(conn, room["id"], event.created_at)
            if started is not None:
                await room_started(conn, started)
            return started is not None
        if event.type == "video.room.ended":
            left = [p for p in await store.list_participants(conn, room["id"]) if p["status"] == "joined"]
            ended = await store.mark_room_ended(conn, room["id"], event.created_at)
            if ended is not None:
                await emit_ended(conn, ended, left)
            return ended is not None
        if event.type in ("video.participant.joined", "video.participant.left"):
            return await _participant_event(conn, room, event)
        if event.type in ("video.recording.ready", "video.recording.failed") and event.egress is not None:
            return await _recording_event(app, conn, room, event.type, event.egress)
    return False


async def _participant_event(conn: Any, room: Any, event: ProviderEvent) -> bool:
    identity = as_uuid(event.participant_identity)
    if identity is None:  # LiveKit's own participants (the egress recorder) are not ours
        return False
    if event.type == "video.participant.joined":
        participant = await store.get_participant(conn, room["id"], identity, lock=True)
        if participant is None or participant["status"] in ("joined", "removed"):
            return False
        participant = await store.mark_joined(conn, room["id"], identity, sid=None)
        await emit_joined(conn, room, participant)
        if participant["invitation_id"] is not None:
            await store.mark_invitation(conn, participant["invitation_id"], "joined_at")
        return True
    left = await store.mark_left(conn, room["id"], identity, sid=None)
    if left is None:
        return False
    await emit_left(conn, room, left, "left")
    return True


async def _recording_event(app: web.Application, conn: Any, room: Any, kind: str, egress: dict[str, Any]) -> bool:
    """Hand the egress result to the recordings service (it emits video.recording.ready)."""
    if kind == "video.recording.ready":
        try:
            await recordings.record_livekit_egress(
                conn, agency_id=room["agency_id"], room_id=room["id"], egress=egress, storage=app[STORAGE],
                base_url=app[SETTINGS].base_url, application_id=room["application_id"],
                transcribe=room["enable_transcription"],
            )
        except NotFound:
            return False
        return True
    recording = await recording_store.get_by_egress(conn, str(egress.get("egress_id") or ""))
    if recording is None:
        return False
    await recordings.fail_room_recording(conn, recording["id"], str(egress.get("error") or "LiveKit egress failed"))
    return True
