"""Embedded video mesh: WebRTC peers whose signaling the hub relays, and the room recorder."""

from media.mesh.local_signaling import LocalChannel, LocalSignalingRouter
from media.mesh.peer import MeshPeer
from media.mesh.recorder import RecordedTrack, RoomRecorder
from media.mesh.signaling import (
    SignalingChannel,
    SignalingError,
    payload_to_ice_candidate,
    payload_to_session_description,
    peer_connection_configuration,
    session_description_to_payload,
)

__all__ = [
    "LocalChannel",
    "LocalSignalingRouter",
    "MeshPeer",
    "RecordedTrack",
    "RoomRecorder",
    "SignalingChannel",
    "SignalingError",
    "payload_to_ice_candidate",
    "payload_to_session_description",
    "peer_connection_configuration",
    "session_description_to_payload",
]
