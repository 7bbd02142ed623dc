"""Peer-connection steps shared by mesh peers and the recorder: answer an offer, take a candidate."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.exceptions import InternalError, InvalidAccessError, InvalidStateError, OperationError

from media.mesh.signaling import SignalingError, payload_to_ice_candidate

# States after which a connection is of no further use and must be replaced, not renegotiated.
DEAD_CONNECTION_STATES = frozenset({"failed", "closed"})


@contextmanager
def refused_as_signaling_error(what: str) -> Iterator[None]:
    """aiortc rejects bad SDP or candidates with assorted exceptions; callers see one kind."""
    try:
        yield
    except SignalingError:
        raise
    except (ValueError, AssertionError, InternalError, InvalidAccessError, InvalidStateError, OperationError) as exc:
        raise SignalingError(f"{what}: {exc or type(exc).__name__}") from exc


def is_dead(pc: RTCPeerConnection) -> bool:
    """True once ICE/DTLS failed or the connection was closed."""
    return pc.connectionState in DEAD_CONNECTION_STATES


async def apply_remote_offer(pc: RTCPeerConnection, offer: RTCSessionDescription) -> None:
    """Set a remote offer; aiortc fires its `track` events during this call."""
    if pc.signalingState != "stable":
        raise SignalingError(f"cannot take an offer in signaling state {pc.signalingState!r}")
    with refused_as_signaling_error("offer refused"):
        await pc.setRemoteDescription(offer)


async def create_local_answer(pc: RTCPeerConnection) -> RTCSessionDescription:
    """Answer the applied offer; aiortc waits for ICE gathering so the SDP carries every candidate."""
    with refused_as_signaling_error("cannot answer the offer"):
        await pc.setLocalDescription(await pc.createAnswer())
    return pc.localDescription


async def apply_remote_answer(pc: RTCPeerConnection, answer: RTCSessionDescription) -> None:
    """Complete an offer this side made."""
    if pc.signalingState != "have-local-offer":
        raise SignalingError(f"got an answer in signaling state {pc.signalingState!r}; no offer is pending")
    with refused_as_signaling_error("answer refused"):
        await pc.setRemoteDescription(answer)


async def add_remote_candidate(pc: RTCPeerConnection, payload: Any) -> None:
    """Add a candidate a browser trickled; aiortc peers never trickle (their SDP holds all candidates)."""
    candidate = payload_to_ice_candidate(payload)
    if pc.remoteDescription is None:
        raise SignalingError("got an ICE candidate before the session description it belongs to")
    with refused_as_signaling_error("candidate refused"):
        await pc.addIceCandidate(candidate)


async def close_connection(pc: RTCPeerConnection) -> None:
    """Close, shielded: cancelling a caller inside aiortc's close() cancels the future that a
    concurrent close (aiortc's own, after the remote hung up) later resolves, which then raises."""
    await asyncio.shield(pc.close())
