"""The hidden recorder participant of a mesh room: answers offers and writes each remote track to its own file."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.contrib.media import MediaRecorder
from aiortc.mediastreams import MediaStreamTrack

from media.mesh.file_naming import TrackFileNames
from media.mesh.gap_filling import GapFillingTrack
from media.mesh.negotiation import (
    add_remote_candidate,
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

# WAV: reserve room to turn into RF64 past 4 GiB (about 6 h of 48 kHz stereo), instead of a
# broken header; files under that stay plain RIFF WAV.
_MUXER_OPTIONS = {"audio": {"rf64": "auto"}, "video": {}}


@dataclass(frozen=True)
class RecordedTrack:
    """One participant's track in its own file; `started_at` is when its first frame arrived (UTC)."""

    participant: str
    kind: str  # "audio" or "video"
    path: Path
    started_at: datetime
    ended_at: datetime | None  # None while still recording


class _TrackRecording:
    """A remote track being written to a file; the MediaRecorder is made once the track exists."""

    def __init__(self, participant: str, track: MediaStreamTrack, path: Path) -> None:
        self.participant = participant
        self.kind = track.kind
        self.path = path
        self.ended_at: datetime | None = None
        self._track = GapFillingTrack(track)
        self._recorder = MediaRecorder(str(path), options=_MUXER_OPTIONS[track.kind])
        self._recorder.addTrack(self._track)

    async def start(self) -> None:
        await self._recorder.start()

    async def finish(self) -> None:
        """Flush and close the file; a track that never delivered a frame leaves no file behind."""
        if self.ended_at is not None:
            return
        self.ended_at = datetime.now(UTC)
        await self._recorder.stop()
        self._track.stop()
        if not self._track.frames_received:
            self.path.unlink(missing_ok=True)

    def describe(self) -> RecordedTrack | None:
        """The public record, or None while (or if) no frame has arrived."""
        if self._track.first_frame_at is None:
            return None
        return RecordedTrack(
            participant=self.participant,
            kind=self.kind,
            path=self.path,
            started_at=self._track.first_frame_at,
            ended_at=self.ended_at,
        )


class RoomRecorder:
    """Hidden aiortc participant that answers offers and records every remote track to its own file.

    It never offers: participants offer to it as to anyone else in the room. It sends no media
    (its answers are recvonly). Messages from one participant are handled in order, one at a time.
    """

    def __init__(
        self,
        room_id: str,
        output_dir: Path,
        channel: SignalingChannel,
        *,
        configuration: RTCConfiguration | None = None,
    ) -> None:
        self.room_id = room_id
        self.output_dir = Path(output_dir)
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._channel = channel
        self._configuration = configuration or peer_connection_configuration()
        self._file_names = TrackFileNames(self.output_dir)
        self._connections: dict[str, RTCPeerConnection] = {}
        self._recordings: list[_TrackRecording] = []
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = False

    @property
    def tracks(self) -> list[RecordedTrack]:
        """Tracks that have received media so far, in arrival order; ended_at None while recording."""
        return [record for rec in self._recordings if (record := rec.describe()) is not None]

    async def handle_signal(self, sender: str, type: str, payload: dict[str, Any]) -> None:
        """Take an offer or a trickled candidate from a participant; raises SignalingError on misuse."""
        async with self._lock_for(sender):
            if self._stopped:
                raise SignalingError(f"the recorder of room {self.room_id} has stopped")
            if type == OFFER:
                await self._answer(sender, payload)
            elif type == CANDIDATE:
                pc = self._connections.get(sender)
                if pc is None:
                    raise SignalingError(f"candidate from {sender} before any offer")
                await add_remote_candidate(pc, payload)
            elif type == ANSWER:
                raise SignalingError(f"the recorder never offers, so the answer from {sender} answers nothing")
            else:
                raise SignalingError(f"unknown signal type {type!r}")

    async def participant_left(self, participant: str) -> None:
        """Finalize that participant's files and drop their connection; unknown names are a no-op."""
        async with self._lock_for(participant):
            await self._finalize(participant)

    async def stop(self) -> list[RecordedTrack]:
        """Close every connection, flush every file and return all tracks recorded in the room."""
        self._stopped = True
        for participant in list(self._connections):
            await self.participant_left(participant)
        for recording in self._recordings:
            await recording.finish()
        # Let pending follow-ups (finalizing a hung-up connection) finish rather than cancel them
        # inside aiortc's close(); each is short once every connection is closed.
        await asyncio.gather(*self._tasks, return_exceptions=True)
        return self.tracks

    async def _answer(self, sender: str, payload: dict[str, Any]) -> None:
        offer = payload_to_session_description(payload, expected_type=OFFER)
        pc = self._connections.get(sender)
        if pc is not None and is_dead(pc):
            await self._finalize(sender)  # a reconnect after failure: new connection, new files
            pc = None
        if pc is None:
            pc = self._open_connection(sender)
        try:
            await apply_remote_offer(pc, offer)
            answer = await create_local_answer(pc)
        except SignalingError:
            if pc.signalingState != "stable" or pc.remoteDescription is None:
                await self._finalize(sender)  # half-negotiated: the next offer starts afresh
            raise
        await self._channel.send(sender, ANSWER, session_description_to_payload(answer))

    def _open_connection(self, participant: str) -> RTCPeerConnection:
        pc = RTCPeerConnection(self._configuration)
        self._connections[participant] = pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            # MediaRecorder starts only now that the track exists; a recorder made before the
            # track would have nothing to read.
            recording = _TrackRecording(participant, track, self._file_names.claim(participant, track.kind))
            self._recordings.append(recording)
            logger.info("room %s: recording %s %s to %s", self.room_id, participant, track.kind, recording.path.name)
            self._spawn(recording.start())

        @pc.on("connectionstatechange")
        def on_connection_state() -> None:
            # "closed" without our close() means the participant hung up (DTLS close_notify).
            if is_dead(pc):
                logger.info("room %s: connection to %s is %s", self.room_id, participant, pc.connectionState)
                self._spawn(self._finalize_if_current(participant, pc))

        return pc

    async def _finalize_if_current(self, participant: str, pc: RTCPeerConnection) -> None:
        async with self._lock_for(participant):
            if self._connections.get(participant) is pc:
                await self._finalize(participant)

    async def _finalize(self, participant: str) -> None:
        """Caller holds the participant's lock. Files first, so each ends when the participant left."""
        pc = self._connections.pop(participant, None)
        for recording in self._recordings:
            if recording.participant == participant:
                await recording.finish()
        if pc is not None:
            await close_connection(pc)

    def _lock_for(self, participant: str) -> asyncio.Lock:
        return self._locks.setdefault(participant, asyncio.Lock())

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a callback's follow-up work, keeping a strong reference until it is done."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("room %s: recorder task failed", self.room_id, exc_info=task.exception())
