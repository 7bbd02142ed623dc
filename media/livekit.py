"""LiveKit video provider: join tokens, RoomService, Egress recordings and verified webhooks.

Everything LiveKit-specific stays behind `LiveKitProvider`; callers see our roles, our
participant records, our event names and two error types (`ProviderError`, `ProviderWebhookError`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import aiohttp
from google.protobuf.message import DecodeError
from livekit import api

# Join tokens are only checked when a client connects, and RemoveParticipant does not revoke them:
# a short TTL bounds how long a removed participant could reconnect with the token they hold.
DEFAULT_TOKEN_TTL = timedelta(minutes=10)
MAX_TOKEN_TTL = timedelta(hours=24)
assert timedelta(0) < DEFAULT_TOKEN_TTL <= MAX_TOKEN_TTL

_NANOSECONDS = 1_000_000_000

_T = TypeVar("_T")


class ProviderError(Exception):
    """A LiveKit API call failed (refused, unreachable, or an unreadable reply)."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code  # Twirp error code, e.g. "not_found"; None for transport errors
        self.status = status  # HTTP status of LiveKit's reply; None for transport errors


class ProviderWebhookError(Exception):
    """A LiveKit webhook whose signature, body hash or JSON body is invalid."""


class ParticipantRole(StrEnum):
    """What someone may do in a video room."""

    HOST = "host"
    PARTICIPANT = "participant"
    OBSERVER = "observer"


@dataclass(frozen=True)
class ProviderParticipant:
    """A participant connected to a LiveKit room, as RoomService reports it."""

    identity: str
    name: str
    joined_at: datetime | None
    is_publisher: bool
    hidden: bool


@dataclass(frozen=True)
class ProviderEvent:
    """A verified LiveKit webhook mapped to the hub's event names."""

    type: str  # video.room.started | video.room.ended | video.participant.joined |
    #            video.participant.left | video.recording.ready | video.recording.failed
    room_name: str
    participant_identity: str | None
    egress: dict[str, Any] | None  # recording events only, see `_egress_summary`
    raw_event: str  # LiveKit's own event name, e.g. "egress_ended"
    created_at: datetime
    event_id: str = ""  # LiveKit's webhook id: the same id is re-sent on retries


def grants_for(role: ParticipantRole, room: str) -> api.VideoGrants:
    """The LiveKit grants a role gets, scoped to one room."""
    if role is ParticipantRole.HOST:
        return api.VideoGrants(
            room=room, room_join=True, room_admin=True,
            can_publish=True, can_subscribe=True, can_publish_data=True,
        )
    if role is ParticipantRole.PARTICIPANT:
        return api.VideoGrants(
            room=room, room_join=True, can_publish=True, can_subscribe=True, can_publish_data=True,
        )
    if role is ParticipantRole.OBSERVER:
        return api.VideoGrants(
            room=room, room_join=True, can_publish=False, can_subscribe=True,
            can_publish_data=False, hidden=True,
        )
    raise ValueError(f"unknown participant role {role!r}")


class LiveKitProvider:
    """Video rooms on a LiveKit SFU (self-hosted or LiveKit Cloud)."""

    name = "livekit"

    def __init__(
        self,
        url: str,
        api_key: str,
        api_secret: str,
        *,
        session: aiohttp.ClientSession | None = None,
        meet_url: str | None = None,
    ) -> None:
        for setting, value in (("LIVEKIT_URL", url), ("LIVEKIT_API_KEY", api_key), ("LIVEKIT_API_SECRET", api_secret)):
            if not value:
                raise ValueError(f"{setting} must be set for the LiveKit provider")
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss", "http", "https") or not parts.netloc:
            raise ValueError(f"LIVEKIT_URL must be a ws://, wss://, http:// or https:// URL, got {url!r}")
        self._url = url.rstrip("/")
        self._api_key = api_key
        self._api_secret = api_secret
        self._session = session
        self._meet_url = meet_url.rstrip("/") if meet_url else None
        self._api: api.LiveKitAPI | None = None
        self._webhooks = api.WebhookReceiver(api.TokenVerifier(api_key, api_secret))

    # -- tokens ---------------------------------------------------------------------------------

    def issue_token(
        self,
        *,
        room: str,
        identity: str,
        name: str,
        role: ParticipantRole,
        ttl: timedelta = DEFAULT_TOKEN_TTL,
        metadata: str | None = None,
    ) -> str:
        """A signed join token for one identity in one room, with the role's grants."""
        if not room or not identity:
            raise ValueError("room and identity are required for a LiveKit token")
        if not timedelta(0) < ttl <= MAX_TOKEN_TTL:
            raise ValueError(f"token ttl must be between 0 and {MAX_TOKEN_TTL}, got {ttl}")
        token = (
            api.AccessToken(self._api_key, self._api_secret)
            .with_identity(identity)
            .with_name(name)
            .with_ttl(ttl)
            .with_grants(grants_for(ParticipantRole(role), room))
        )
        if metadata:
            token = token.with_metadata(metadata)
        return token.to_jwt()

    @property
    def client_url(self) -> str:
        """The WebSocket URL a LiveKit client SDK connects to (`room.connect(url, token)`)."""
        parts = urlsplit(self._url)
        scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
        return parts._replace(scheme=scheme).geturl()

    def join_url(self, room: str, token: str) -> str:
        """A link to join: a LiveKit Meet page when `meet_url` is set, else the server URL + token.

        The token already names the room, so `room` only travels for the reader's benefit.
        """
        if self._meet_url:
            return (
                f"{self._meet_url}/custom?liveKitUrl={quote(self.client_url, safe='')}"
                f"&token={quote(token, safe='')}&room={quote(room, safe='')}"
            )
        return f"{self.client_url}?token={quote(token, safe='')}"

    # -- RoomService ----------------------------------------------------------------------------

    async def create_room(self, room: str, *, max_participants: int, empty_timeout: int = 300) -> None:
        """Create the room up front so its limits apply from the first join (idempotent in LiveKit)."""
        request = api.CreateRoomRequest(name=room, max_participants=max_participants, empty_timeout=empty_timeout)
        await self._call("CreateRoom", self._client().room.create_room(request))

    async def delete_room(self, room: str) -> None:
        """Close the room and disconnect everyone in it."""
        await self._call("DeleteRoom", self._client().room.delete_room(api.DeleteRoomRequest(room=room)))

    async def list_participants(self, room: str) -> list[ProviderParticipant]:
        """Who is connected to the room right now."""
        reply = await self._call(
            "ListParticipants", self._client().room.list_participants(api.ListParticipantsRequest(room=room))
        )
        return [_participant(info) for info in reply.participants]

    async def remove_participant(self, room: str, identity: str) -> None:
        """Disconnect one participant; their token stays valid until it expires (see DEFAULT_TOKEN_TTL)."""
        request = api.RoomParticipantIdentity(room=room, identity=identity)
        await self._call("RemoveParticipant", self._client().room.remove_participant(request))

    # -- Egress ---------------------------------------------------------------------------------

    async def start_recording(self, room: str, *, filepath: str, audio_only: bool = False) -> str:
        """Record the whole room (one composite file) with Egress; returns the egress id.

        `filepath` is where the egress service writes, with its own storage settings; LiveKit
        expands templates such as `{room_name}` and `{time}` in it.
        """
        file_type = api.EncodedFileType.OGG if audio_only else api.EncodedFileType.MP4
        request = api.RoomCompositeEgressRequest(
            room_name=room,
            audio_only=audio_only,
            file_outputs=[api.EncodedFileOutput(file_type=file_type, filepath=filepath)],
        )
        info = await self._call("StartRoomCompositeEgress", self._client().egress.start_room_composite_egress(request))
        if not info.egress_id:
            raise ProviderError("LiveKit StartRoomCompositeEgress returned no egress id")
        return info.egress_id

    async def stop_recording(self, egress_id: str) -> None:
        """Stop a recording; LiveKit then finalizes the file and sends `egress_ended`."""
        await self._call("StopEgress", self._client().egress.stop_egress(api.StopEgressRequest(egress_id=egress_id)))

    # -- webhooks -------------------------------------------------------------------------------

    def verify_webhook(self, body: str, authorization: str) -> ProviderEvent | None:
        """Check a webhook's signed body hash and map it; None for events the hub does not use.

        `body` must be the exact request text: the signature covers its SHA-256.
        """
        token = authorization.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise ProviderWebhookError("LiveKit webhook has no Authorization token")
        try:
            event = self._webhooks.receive(body, token)
        except Exception as exc:  # the SDK raises bare Exception, jwt errors and ParseError
            raise ProviderWebhookError(f"LiveKit webhook rejected: {exc}") from exc
        return _provider_event(event)

    async def aclose(self) -> None:
        """Close the HTTP session this provider opened (a session passed in stays open)."""
        if self._api is not None:
            await self._api.aclose()
            self._api = None

    # -- internals ------------------------------------------------------------------------------

    def _client(self) -> api.LiveKitAPI:
        # Created on first use: aiohttp sessions need a running event loop.
        if self._api is None:
            self._api = api.LiveKitAPI(self._url, self._api_key, self._api_secret, session=self._session)
        return self._api

    async def _call(self, method: str, call: Awaitable[_T]) -> _T:
        """Await one SDK call and map its failures to ProviderError (the one boundary)."""
        try:
            return await call
        except api.ServerError as exc:
            detail = exc.message or "no message"
            raise ProviderError(
                f"LiveKit {method} failed: {exc.code}: {detail} (HTTP {exc.status})",
                code=exc.code, status=exc.status,
            ) from exc
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            reason = str(exc) or type(exc).__name__
            raise ProviderError(f"LiveKit {method} failed: server unreachable ({reason})") from exc
        except DecodeError as exc:
            raise ProviderError(f"LiveKit {method} failed: unreadable reply") from exc


_ROOM_EVENTS = {"room_started": "video.room.started", "room_finished": "video.room.ended"}
_PARTICIPANT_EVENTS = {"participant_joined": "video.participant.joined", "participant_left": "video.participant.left"}
# An egress that hit its time limit still leaves a usable file.
_RECORDING_SAVED = {api.EgressStatus.EGRESS_COMPLETE, api.EgressStatus.EGRESS_LIMIT_REACHED}


def _provider_event(event: api.WebhookEvent) -> ProviderEvent | None:
    """Map a LiveKit webhook to ours; events the hub does not publish give None."""
    created_at = datetime.fromtimestamp(event.created_at, UTC) if event.created_at else datetime.now(UTC)
    common = {"raw_event": event.event, "created_at": created_at, "event_id": event.id}
    if event.event in _ROOM_EVENTS:
        return ProviderEvent(
            type=_ROOM_EVENTS[event.event], room_name=event.room.name,
            participant_identity=None, egress=None, **common,
        )
    if event.event in _PARTICIPANT_EVENTS:
        return ProviderEvent(
            type=_PARTICIPANT_EVENTS[event.event], room_name=event.room.name,
            participant_identity=event.participant.identity, egress=None, **common,
        )
    if event.event == "egress_ended":
        info = event.egress_info
        kind = "video.recording.ready" if info.status in _RECORDING_SAVED else "video.recording.failed"
        return ProviderEvent(
            type=kind, room_name=info.room_name or event.room.name,
            participant_identity=None, egress=_egress_summary(info), **common,
        )
    return None


def _egress_summary(info: api.EgressInfo) -> dict[str, Any]:
    """The recording facts the hub stores: egress id, status, error and the file(s) written."""
    results = list(info.file_results) or ([info.file] if info.HasField("file") else [])
    files = [
        {
            "filename": f.filename,
            "location": f.location,
            "duration_seconds": f.duration / _NANOSECONDS,  # LiveKit reports nanoseconds
            "size_bytes": f.size,
        }
        for f in results
    ]
    first = files[0] if files else {"filename": "", "location": "", "duration_seconds": 0.0, "size_bytes": 0}
    return {
        "egress_id": info.egress_id,
        "status": api.EgressStatus.Name(info.status),
        "error": info.error or None,
        **first,
        "files": files,
    }


def _participant(info: api.ParticipantInfo) -> ProviderParticipant:
    if info.joined_at_ms:
        joined_at: datetime | None = datetime.fromtimestamp(info.joined_at_ms / 1000, UTC)
    elif info.joined_at:
        joined_at = datetime.fromtimestamp(info.joined_at, UTC)
    else:
        joined_at = None
    return ProviderParticipant(
        identity=info.identity,
        name=info.name,
        joined_at=joined_at,
        is_publisher=info.is_publisher,
        hidden=info.permission.hidden,
    )
