"""The embedded video provider: participants connect to each other (a full mesh) and the hub
only relays their WebRTC signaling over Socket.IO.

Join tokens are the hub's own JWTs (`typ` "room"), signed by whatever `RoomTokenSigner` the hub
passes in; who is connected, and disconnecting people, is the Socket.IO side's job (`MeshControl`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from media.livekit import ParticipantRole, ProviderParticipant
from media.providers import JoinGrant

ROOM_TOKEN_TYPE = "room"
DEFAULT_MAX_PARTICIPANTS = 6  # every participant uploads one copy of its media per other participant


class RoomTokenSigner(Protocol):
    """hub.auth.tokens.TokenSigner: `issue` returns an object with `.token`; `verify` raises on a bad token."""

    def issue(self, typ: str, subject: str, ttl: int, **claims: Any) -> Any: ...

    def verify(self, token: str, typ: str) -> dict[str, Any]: ...


class MeshControl(Protocol):
    """What only the Socket.IO server can do: see and end live connections."""

    async def connected(self, room: str) -> list[ProviderParticipant]: ...

    async def disconnect(self, room: str, identity: str) -> None: ...

    async def end(self, room: str) -> None: ...


@dataclass(frozen=True)
class RoomClaims:
    """A verified mesh join token."""

    room: str
    identity: str
    name: str
    role: ParticipantRole
    generation: int
    expires_at: int  # unix seconds


class InvalidRoomToken(ValueError):
    """A token that verified but does not carry a usable room grant."""


class MeshVideo:
    """Rooms whose media flows peer to peer; the hub signs tokens and relays signaling."""

    name = "mesh"

    def __init__(
        self,
        signer: RoomTokenSigner,
        control: MeshControl,
        *,
        server_url: str,
        max_participants: int = DEFAULT_MAX_PARTICIPANTS,
    ) -> None:
        if max_participants < 2:
            raise ValueError("a mesh room needs room for at least 2 participants")
        self._signer = signer
        self._control = control
        self._server_url = server_url.rstrip("/")
        self.max_participants = max_participants

    def issue_token(self, grant: JoinGrant) -> str:
        ttl = int(grant.ttl / timedelta(seconds=1))
        if ttl <= 0:
            raise ValueError("token ttl must be positive")
        issued = self._signer.issue(
            ROOM_TOKEN_TYPE,
            grant.identity,
            ttl,
            room=grant.room,
            role=str(grant.role),
            name=grant.name,
            gen=grant.generation,
        )
        return issued.token

    def verify_token(self, token: str) -> RoomClaims:
        """Check signature, expiry and type (the signer raises), then the room grant itself."""
        claims = self._signer.verify(token, ROOM_TOKEN_TYPE)
        room, identity, role, gen = claims.get("room"), claims.get("sub"), claims.get("role"), claims.get("gen")
        if not isinstance(room, str) or not isinstance(identity, str) or not isinstance(gen, int):
            raise InvalidRoomToken("room token lacks room, identity or generation")
        try:
            parsed_role = ParticipantRole(role)
        except ValueError:
            raise InvalidRoomToken(f"room token has an unknown role {role!r}") from None
        return RoomClaims(room, identity, str(claims.get("name") or ""), parsed_role, gen, int(claims["exp"]))

    def join_url(self, room: str, token: str) -> str:
        """The Socket.IO server to connect to; the token goes in `auth: {token}`, never in the URL."""
        return self._server_url

    async def create_room(self, room: str, *, max_participants: int) -> None:
        """Nothing to create: a mesh room exists as soon as its first participant joins."""

    async def delete_room(self, room: str) -> None:
        await self._control.end(room)

    async def list_participants(self, room: str) -> list[ProviderParticipant]:
        return await self._control.connected(room)

    async def remove_participant(self, room: str, identity: str) -> None:
        await self._control.disconnect(room, identity)

    async def start_recording(self, room: str) -> str | None:
        """Mesh rooms are recorded by the hub's own aiortc recorder, not by the provider."""
        return None

    async def stop_recording(self, recording_id: str) -> None:
        """See start_recording: there is no provider-side recording to stop."""

    async def aclose(self) -> None:
        """Nothing held: connections belong to the Socket.IO server."""
