"""Where video rooms run: one small interface, two implementations.

`LiveKitVideo` (this module) wraps `media.livekit.LiveKitProvider`; `MeshVideo`
(media/mesh_provider.py) is the embedded default, where the hub relays WebRTC signaling itself.
The rooms service only ever talks to `VideoProvider`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from media.livekit import LiveKitProvider, ParticipantRole, ProviderError, ProviderEvent, ProviderParticipant

__all__ = [
    "JoinGrant",
    "LiveKitVideo",
    "ParticipantRole",
    "ProviderError",
    "ProviderEvent",
    "ProviderParticipant",
    "VideoProvider",
]

RECORDING_PATH = "recordings/{room_name}-{time}.mp4"  # LiveKit expands the templates


@dataclass(frozen=True)
class JoinGrant:
    """What one join token allows: one identity, one room, one role, for `ttl`."""

    room: str  # the provider's room name
    identity: str
    name: str
    role: ParticipantRole
    ttl: timedelta
    generation: int = 1  # the participant record's generation; a removal bumps it


class VideoProvider(Protocol):
    """The calls the rooms service makes, whatever carries the media."""

    name: str  # "mesh" or "livekit", stored on each room

    def issue_token(self, grant: JoinGrant) -> str: ...

    def join_url(self, room: str, token: str) -> str: ...

    async def create_room(self, room: str, *, max_participants: int) -> None: ...

    async def delete_room(self, room: str) -> None: ...

    async def list_participants(self, room: str) -> list[ProviderParticipant]: ...

    async def remove_participant(self, room: str, identity: str) -> None: ...

    async def start_recording(self, room: str) -> str | None:
        """Start recording the room; the provider's recording id, or None when the hub records itself."""
        ...

    async def stop_recording(self, recording_id: str) -> None: ...

    async def aclose(self) -> None: ...


class LiveKitVideo:
    """LiveKit SFU rooms: tokens with LiveKit grants, RoomService, Egress and signed webhooks."""

    name = "livekit"

    def __init__(self, provider: LiveKitProvider) -> None:
        self._provider = provider

    @classmethod
    def from_settings(cls, url: str, api_key: str, api_secret: str) -> LiveKitVideo:
        return cls(LiveKitProvider(url, api_key, api_secret))

    def issue_token(self, grant: JoinGrant) -> str:
        # LiveKit does not know our generations: removal there is RemoveParticipant plus a short ttl.
        return self._provider.issue_token(
            room=grant.room, identity=grant.identity, name=grant.name, role=grant.role, ttl=grant.ttl
        )

    def join_url(self, room: str, token: str) -> str:
        return self._provider.join_url(room, token)

    async def create_room(self, room: str, *, max_participants: int) -> None:
        await self._provider.create_room(room, max_participants=max_participants)

    async def delete_room(self, room: str) -> None:
        try:
            await self._provider.delete_room(room)
        except ProviderError as exc:
            if exc.code != "not_found":  # never started, or already closed: the goal is reached
                raise

    async def list_participants(self, room: str) -> list[ProviderParticipant]:
        try:
            return await self._provider.list_participants(room)
        except ProviderError as exc:
            if exc.code == "not_found":  # nobody has joined yet, or the room timed out empty
                return []
            raise

    async def remove_participant(self, room: str, identity: str) -> None:
        try:
            await self._provider.remove_participant(room, identity)
        except ProviderError as exc:
            if exc.code != "not_found":  # not connected: nothing to disconnect
                raise

    async def start_recording(self, room: str) -> str | None:
        return await self._provider.start_recording(room, filepath=RECORDING_PATH)

    async def stop_recording(self, recording_id: str) -> None:
        await self._provider.stop_recording(recording_id)

    def verify_webhook(self, body: str, authorization: str) -> ProviderEvent | None:
        """Raises media.livekit.ProviderWebhookError for a bad signature or body."""
        return self._provider.verify_webhook(body, authorization)

    async def aclose(self) -> None:
        await self._provider.aclose()
