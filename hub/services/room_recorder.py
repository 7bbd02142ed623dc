"""The mesh recorder's seat in a room: a hidden, receive-only participant and its join token.

The recorder is neither a user nor an invited guest. Its identity is derived from the room
(so a recorder that restarts takes the same seat), its participant record has the role
`observer` (hidden in the UI, and the signaling relay refuses offers from observers, so it only
ever answers) and the display name RECORDER_NAME. Participants recognise it by
`is_recorder(summary)` and send it an offer like to anyone else; a newcomer finds it in the
roster, those already in the room see its `room:participant` `joined`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from media.providers import JoinGrant, ParticipantRole, VideoProvider

from ..db import Record
from ..storage import video as video_store

RECORDER_NAME = "Recorder"
RECORDER_ROLE = ParticipantRole.OBSERVER
RECORDER_TOKEN_TTL = timedelta(hours=1)  # enough to connect; reconnects ask for a fresh token
_RECORDER_NAMESPACE = uuid.UUID("5d0d7c1e-3f0c-4b7e-9a59-7265636f7264")  # any constant of this hub


def recorder_identity(room_id: uuid.UUID) -> uuid.UUID:
    """The same identity for every recorder of one room."""
    return uuid.uuid5(_RECORDER_NAMESPACE, str(room_id))


def is_recorder(participant: dict[str, Any]) -> bool:
    """Whether a roster entry (`room:join` ack, `room:participant`) is the room's recorder."""
    return (
        participant.get("name") == RECORDER_NAME
        and participant.get("role") == str(RECORDER_ROLE)
        and participant.get("userId") is None
    )


async def recorder_token(conn: asyncpg.Connection, provider: VideoProvider, room: Record) -> tuple[str, str]:
    """Seat the recorder in `room` (idempotent) and sign its token: (identity, token)."""
    identity = recorder_identity(room["id"])
    record = await video_store.save_token_holder(
        conn, room=room, identity=identity, user_id=None, invitation_id=None,
        display_name=RECORDER_NAME, role=str(RECORDER_ROLE),
    )
    grant = JoinGrant(
        room=room["provider_room"], identity=str(identity), name=RECORDER_NAME, role=RECORDER_ROLE,
        ttl=RECORDER_TOKEN_TTL, generation=record["generation"],
    )
    return str(identity), provider.issue_token(grant)
