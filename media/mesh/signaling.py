"""Signaling messages of the video mesh: what peers hand each other through the hub's `signal` event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Protocol

from aiortc import RTCConfiguration, RTCIceCandidate, RTCIceServer, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

OFFER: Final = "offer"
ANSWER: Final = "answer"
CANDIDATE: Final = "candidate"
SIGNAL_TYPES: Final = frozenset({OFFER, ANSWER, CANDIDATE})


class SignalingError(ValueError):
    """A signaling message that is malformed or does not fit the state of the connection it names."""


class SignalingChannel(Protocol):
    """How a peer sends signaling; inbound messages are fed by the owner via handle_signal()."""

    async def send(self, to: str, type: str, payload: dict[str, Any]) -> None: ...


def peer_connection_configuration(ice_servers: Sequence[RTCIceServer] = ()) -> RTCConfiguration:
    """ICE settings for mesh peers: no STUN unless given, because aiortc's default is a public
    Google STUN server, which an offline deployment cannot reach (gathering would stall on it)."""
    return RTCConfiguration(iceServers=list(ice_servers))


def session_description_to_payload(desc: RTCSessionDescription) -> dict[str, Any]:
    """The browser's RTCSessionDescriptionInit shape, so JS peers can pass it straight through."""
    return {"type": desc.type, "sdp": desc.sdp}


def payload_to_session_description(payload: Any, *, expected_type: str | None = None) -> RTCSessionDescription:
    """Parse `{type, sdp}`; `expected_type` rejects e.g. an answer sent as an `offer` message."""
    if not isinstance(payload, dict):
        raise SignalingError("session description payload must be an object {type, sdp}")
    desc_type, sdp = payload.get("type"), payload.get("sdp")
    if desc_type not in (OFFER, ANSWER):
        raise SignalingError(f"session description type must be 'offer' or 'answer', not {desc_type!r}")
    if expected_type is not None and desc_type != expected_type:
        raise SignalingError(f"expected an {expected_type} but the payload holds an {desc_type}")
    if not isinstance(sdp, str) or not sdp.strip():
        raise SignalingError("session description payload has no 'sdp' text")
    return RTCSessionDescription(sdp=sdp, type=desc_type)


def payload_to_ice_candidate(payload: Any) -> RTCIceCandidate | None:
    """Parse a browser's trickled RTCIceCandidateInit `{candidate, sdpMid, sdpMLineIndex}`.

    Returns None for the end-of-candidates marker (an empty or missing `candidate`).
    """
    if not isinstance(payload, dict):
        raise SignalingError("candidate payload must be an object {candidate, sdpMid, sdpMLineIndex}")
    line = payload.get("candidate")
    if line is None or line == "":
        return None
    if not isinstance(line, str):
        raise SignalingError("candidate must be a string such as 'candidate:1 1 udp ...'")
    sdp_mid, mline_index = payload.get("sdpMid"), payload.get("sdpMLineIndex")
    if sdp_mid is None and mline_index is None:
        raise SignalingError("candidate needs 'sdpMid' or 'sdpMLineIndex'")
    if mline_index is not None and (isinstance(mline_index, bool) or not isinstance(mline_index, int)):
        raise SignalingError("'sdpMLineIndex' must be an integer")
    try:
        candidate = candidate_from_sdp(line.removeprefix("a=").removeprefix("candidate:"))
    except (AssertionError, ValueError, IndexError) as exc:
        raise SignalingError(f"unreadable ICE candidate {line!r}") from exc
    candidate.sdpMid = sdp_mid if isinstance(sdp_mid, str) else None
    candidate.sdpMLineIndex = mline_index
    return candidate
