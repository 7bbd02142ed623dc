"""Where video rooms meet the recordings pipeline (hub/services/recordings.py).

A room that asks for recording starts one when the room starts (idempotent per room: the
recordings service keeps one recording per room and source); the provider's recording is stopped
when the room ends or recording is switched off.
"""

from __future__ import annotations

import asyncpg

from ..db import Record
from ..storage import recordings as recording_store
from . import recordings


async def room_started(conn: asyncpg.Connection, room: Record) -> None:
    """Queue the room's recording, in the transaction that marks it started."""
    if room["enable_recording"]:
        await recordings.begin_room_recording(
            conn,
            agency_id=room["agency_id"],
            room_id=room["id"],
            source=room["provider"],
            application_id=room["application_id"],
            transcribe=room["enable_transcription"],
        )


async def active_egress(conn: asyncpg.Connection, room: Record) -> str | None:
    """The LiveKit egress recording the room right now, if any."""
    if room["provider"] != "livekit":
        return None
    recording = await recording_store.get_room_recording(conn, room["id"], "livekit")
    if recording is None or recording["status"] != "recording":
        return None
    return recording["egress_id"]
