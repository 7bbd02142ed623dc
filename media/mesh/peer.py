"""A participant's aiortc peer in a mesh room: offers its media to others and answers their offers.

Used by tests, benchmarks and the end-to-end test to stand in for a browser.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from media.mesh.fan_out import TrackFanOut
from media.mesh.negotiation import (
    add_remote_candidate,
    apply_remote_answer,
    apply_remote_offer,
    close_connection,
    create_local_answer,
    is_dead,
)
from media.mesh.signaling import (
    ANSWER,
    CANDIDATE,
    OFFER,
    SignalingChannel,
    SignalingError,
    payload_to_session_description,
    peer_connection_configuration,
    session_description_to_payload,
)

logger = logging.getLogger(__name__)

MEDIA_KINDS = ("audio", "video")


class MeshPeer:
    """One participant's peer connections, one per remote participant.

    `player` is the media it sends (it owns it and stops it on close); without one it is an
    observer that only receives. `receive=False` makes it send-only. When both sides offer at
    once (glare), the side with the greater identity keeps its offer and the other answers it,
    since aiortc cannot roll an offer back.
    """

    def __init__(
        self,
        identity: str,
        channel: SignalingChannel,
        *,
        player: MediaPlayer | None = None,
        receive: bool = True,
        configuration: RTCConfiguration | None = None,
    ) -> None:
        if player is None and not receive:
            raise ValueError("a peer with no player that does not receive has nothing to negotiate")
        self.identity = identity
        self._channel = channel
        self._receive = receive
        self._configuration = configuration or peer_connection_configuration()
        sources = {"audio": player.audio, "video": player.video} if player is not None else {}
        # One player track feeds every connection.
        self._fan_outs = {kind: TrackFanOut(track) for kind, track in sources.items() if track is not None}
        self._connections: dict[str, RTCPeerConnection] = {}
        self._outgoing: dict[str, list[MediaStreamTrack]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.received_frames: dict[str, int] = {}  # remote identity -> audio frames decoded

    @property
    def connected_to(self) -> list[str]:
        """Remote identities with a connection (in any state but closed)."""
        return list(self._connections)

    def connection_state(self, other: str) -> str | None:
        """aiortc's connectionState towards `other`, or None without a connection."""
        pc = self._connections.get(other)
        return None if pc is None else pc.connectionState

    async def connect_to(self, other: str) -> None:
        """Create a connection to `other`, add the local media and send it an offer.

        A no-op when a live connection exists already (e.g. `other` offered first).
        """
        if other == self.identity:
            raise ValueError("a peer cannot connect to itself")
        async with self._lock_for(other):
            self._check_open()
            existing = self._connections.get(other)
            if existing is not None and not is_dead(existing):
                return
            if existing is not None:
                await self._drop(other)
            pc = self._open_connection(other)
            for kind in MEDIA_KINDS:
                source = self._source(kind)
                if source is not None:
                    pc.addTransceiver(
                        self._subscribe(other, source), direction="sendrecv" if self._receive else "sendonly"
                    )
                elif self._receive:
                    pc.addTransceiver(kind, direction="recvonly")
            await pc.setLocalDescription(await pc.createOffer())
            await self._channel.send(other, OFFER, session_description_to_payload(pc.localDescription))

    async def handle_signal(self, sender: str, type: str, payload: dict[str, Any]) -> None:
        """Take an offer, answer or trickled candidate from `sender`; raises SignalingError on misuse."""
        async with self._lock_for(sender):
            self._check_open()
            pc = self._connections.get(sender)
            if type == OFFER:
                await self._answer(sender, pc, payload)
            elif type == ANSWER:
                if pc is None:
                    raise SignalingError(f"answer from {sender}, to whom no offer was sent")
                await apply_remote_answer(pc, payload_to_session_description(payload, expected_type=ANSWER))
            elif type == CANDIDATE:
                if pc is None:
                    raise SignalingError(f"candidate from {sender} before any session description")
                await add_remote_candidate(pc, payload)
            else:
                raise SignalingError(f"unknown signal type {type!r}")

    async def participant_left(self, other: str) -> None:
        """Close the connection to a participant who left the room; unknown names are a no-op."""
        async with self._lock_for(other):
            await self._drop(other)

    async def close(self) -> None:
        """Close every connection, stop the player and wait for the receiving tasks to end."""
        self._closed = True
        for other in list(self._connections):
            await self.participant_left(other)
        for fan_out in self._fan_outs.values():
            await fan_out.aclose()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _answer(self, sender: str, pc: RTCPeerConnection | None, payload: dict[str, Any]) -> None:
        offer = payload_to_session_description(payload, expected_type=OFFER)
        if pc is not None and pc.signalingState == "have-local-offer":
            if self.identity > sender:
                logger.info("%s: glare with %s; keeping own offer", self.identity, sender)
                return
            await self._drop(sender)  # the other side's offer wins
            pc = None
        elif pc is not None and is_dead(pc):
            await self._drop(sender)
            pc = None
        if pc is None:
            pc = self._open_connection(sender)
        try:
            await apply_remote_offer(pc, offer)
            self._attach_local_media(sender, pc)
            answer = await create_local_answer(pc)
        except SignalingError:
            if pc.signalingState != "stable" or pc.remoteDescription is None:
                await self._drop(sender)  # half-negotiated: the next offer starts afresh
            raise
        await self._channel.send(sender, ANSWER, session_description_to_payload(answer))

    def _attach_local_media(self, other: str, pc: RTCPeerConnection) -> None:
        """Put local tracks on the transceivers the offer created (answers cannot add m-lines)."""
        for transceiver in pc.getTransceivers():
            source = self._source(transceiver.kind)
            if source is not None and transceiver.sender.track is None:
                transceiver.sender.replaceTrack(self._subscribe(other, source))
                transceiver.direction = "sendrecv" if self._receive else "sendonly"
            elif source is None and not self._receive:
                transceiver.direction = "inactive"

    def _open_connection(self, other: str) -> RTCPeerConnection:
        pc = RTCPeerConnection(self._configuration)
        self._connections[other] = pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                self.received_frames.setdefault(other, 0)
            # Always read remote tracks: an unread track queues decoded frames without bound.
            self._spawn(self._consume(other, track))

        @pc.on("connectionstatechange")
        def on_connection_state() -> None:
            if is_dead(pc):  # failed, or the other side hung up
                logger.info("%s: connection to %s is %s", self.identity, other, pc.connectionState)
                self._spawn(self._drop_if_current(other, pc))

        return pc

    async def _consume(self, other: str, track: MediaStreamTrack) -> None:
        while True:
            try:
                await track.recv()
            except MediaStreamError:
                return
            if track.kind == "audio":
                self.received_frames[other] = self.received_frames.get(other, 0) + 1

    def _source(self, kind: str) -> TrackFanOut | None:
        return self._fan_outs.get(kind)

    def _subscribe(self, other: str, source: TrackFanOut) -> MediaStreamTrack:
        track = source.subscribe()
        self._outgoing.setdefault(other, []).append(track)
        return track

    async def _drop_if_current(self, other: str, pc: RTCPeerConnection) -> None:
        async with self._lock_for(other):
            if self._connections.get(other) is pc:
                await self._drop(other)

    async def _drop(self, other: str) -> None:
        """Caller holds `other`'s lock. Its outgoing copies are stopped too."""
        pc = self._connections.pop(other, None)
        for track in self._outgoing.pop(other, []):
            track.stop()
        if pc is not None:
            await close_connection(pc)

    def _check_open(self) -> None:
        if self._closed:
            raise SignalingError(f"peer {self.identity} is closed")

    def _lock_for(self, other: str) -> asyncio.Lock:
        return self._locks.setdefault(other, asyncio.Lock())

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Keep a strong reference to each task until it is done."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s: peer task failed", self.identity, exc_info=task.exception())
