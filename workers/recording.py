"""Recording jobs: the hidden aiortc recorder of a mesh room (`recording.mesh`) and the start of a
LiveKit Egress (`recording.livekit.start`).

A mesh recording job lives as long as the meeting: it joins the room over the hub's own
Socket.IO signaling with a recorder token (hidden, receive-only), answers every participant's
offer, writes each participant's audio to its own WAV file, and when the room ends stores the
tracks plus a mixdown as one recording (`video.recording.ready`, then transcription if asked).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import socketio

from hub.auth.tokens import TokenSigner
from hub.db import transaction
from hub.keys import VIDEO
from hub.realtime.server import create_sio
from hub.realtime.signaling import SocketMeshControl
from hub.services import recordings as recording_service
from hub.services import room_recorder
from hub.settings import Settings
from hub.storage import recordings as recording_store
from hub.storage import video as video_store
from media.livekit import LiveKitProvider, ProviderError
from media.mesh import RecordedTrack, RoomRecorder, SignalingError
from media.mesh_provider import MeshVideo
from media.mixdown import mix_tracks
from media.probe import UnusableMedia, probe_media
from media.providers import VideoProvider
from media.storage import LocalStorage

from .registry import JobRegistry, PermanentJobError
from .runner import JobContext
from hub.waiting import wait_event

logger = logging.getLogger(__name__)

ROOM_POLL_SECONDS = 1.0  # how often the recorder checks the room's status (a missed room:ended)
EMPTY_ROOM_SECONDS = 300.0  # a room nobody is in for this long is not recorded any further
assert ROOM_POLL_SECONDS < EMPTY_ROOM_SECONDS
SIGNAL_ACK_SECONDS = 10.0  # how long to wait for the hub to accept a relayed answer
CONNECT_TIMEOUT_SECONDS = 15.0
MIXDOWN_NAME = "room.wav"


# -- the recorder's side of the hub's signaling ----------------------------------------------------


class HubSignalingChannel:
    """media.mesh.SignalingChannel over the hub's Socket.IO `signal` event."""

    def __init__(self, client: socketio.AsyncClient, room_id: UUID) -> None:
        self._client = client
        self._room_id = str(room_id)

    async def send(self, to: str, type: str, payload: dict[str, Any]) -> None:
        ack = await self._client.call(
            "signal", {"roomId": self._room_id, "to": to, "type": type, "payload": payload}, timeout=SIGNAL_ACK_SECONDS
        )
        if not isinstance(ack, dict) or not ack.get("ok"):
            raise SignalingError(f"the hub refused a signal to {to}: {ack}")


@dataclass(frozen=True)
class RecorderCredentials:
    """How the recorder connects: the hub's URL and a room token for the recorder's hidden identity."""

    url: str
    token: str
    identity: str


class MeshRoomSession:
    """One recorder in one room until the room ends (room:ended, or the room row says ended)."""

    def __init__(self, room_id: UUID, credentials: RecorderCredentials, output_dir: Path) -> None:
        self.room_id = room_id
        self._credentials = credentials
        self._client = socketio.AsyncClient(reconnection=True, reconnection_delay_max=5, handle_sigint=False)
        self.recorder = RoomRecorder(str(room_id), output_dir, HubSignalingChannel(self._client, room_id))
        self.ended = asyncio.Event()
        self.joined = asyncio.Event()
        self.join_error: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._client.on("connect", self._on_connect)
        self._client.on("signal", self._on_signal)
        self._client.on("room:participant", self._on_participant)
        self._client.on("room:ended", self._on_room_ended)

    async def connect(self) -> None:
        await self._client.connect(
            self._credentials.url, auth={"token": self._credentials.token}, transports=["websocket"],
            wait_timeout=CONNECT_TIMEOUT_SECONDS,
        )

    async def stop(self) -> list[RecordedTrack]:
        """Leave the room, finalize every file; the tracks recorded."""
        with contextlib.suppress(Exception):
            await self._client.disconnect()
        tracks = await self.recorder.stop()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        return tracks

    # Socket.IO handlers return at once: negotiation waits on the hub's acks, which the client
    # reads on the same loop, so the work runs in tasks (started in arrival order; the recorder
    # keeps each participant's messages in order with a lock).

    async def _on_connect(self) -> None:
        self._spawn(self._join())

    async def _join(self) -> None:
        ack = await self._client.call("room:join", {"roomId": str(self.room_id)}, timeout=SIGNAL_ACK_SECONDS)
        if isinstance(ack, dict) and ack.get("ok"):
            self.joined.set()
            return
        error = ack.get("error") or {} if isinstance(ack, dict) else {}
        self.join_error = str(error.get("code") or "no acknowledgement")
        logger.warning("recorder could not join room %s: %s", self.room_id, error)
        if error.get("code") in ("ROOM_ENDED", "REMOVED_FROM_ROOM", "ROOM_FULL"):
            self.ended.set()

    async def _on_signal(self, data: dict[str, Any]) -> None:
        if isinstance(data, dict) and data.get("roomId") == str(self.room_id):
            self._spawn(self._handle_signal(str(data.get("from")), str(data.get("type")), data.get("payload") or {}))

    async def _handle_signal(self, sender: str, type: str, payload: dict[str, Any]) -> None:
        try:
            await self.recorder.handle_signal(sender, type, payload)
        except SignalingError as exc:  # one participant's bad message never stops the recording
            logger.warning("room %s: signal from %s ignored: %s", self.room_id, sender, exc)

    async def _on_participant(self, data: dict[str, Any]) -> None:
        if not isinstance(data, dict) or data.get("event") not in ("left", "removed"):
            return
        identity = str((data.get("participant") or {}).get("identity"))
        self._spawn(self.recorder.participant_left(identity))

    async def _on_room_ended(self, data: Any = None) -> None:
        self.ended.set()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("room %s: recorder task failed", self.room_id, exc_info=task.exception())


# -- the jobs ------------------------------------------------------------------------------------


def _storage(ctx: JobContext, settings: Settings) -> LocalStorage:
    return ctx.resources.get("storage") or LocalStorage(settings.media_dir)


def _mesh_provider(resources: dict[str, Any], pool: asyncpg.Pool, settings: Settings) -> VideoProvider:
    """The hub's mesh provider: in `hub serve` the app's own; in a `hub worker` process one built the
    same way (tokens signed with the hub's JWT secret; fan-out through REDIS_URL when set)."""
    app = resources.get("app")
    if app is not None:
        return app[VIDEO].provider
    control = SocketMeshControl(create_sio(settings.redis_url), pool)
    return MeshVideo(TokenSigner(settings.jwt_secret), control, server_url=settings.base_url)


async def recorder_credentials(
    resources: dict[str, Any], pool: asyncpg.Pool, settings: Settings, room: Any
) -> RecorderCredentials:
    """Seat the recorder in the room and sign its token, in whichever process runs the job."""
    provider = _mesh_provider(resources, pool, settings)
    if provider.name != "mesh":
        raise PermanentJobError(f"this hub runs {provider.name} video; it cannot record a mesh room")
    async with transaction(pool) as conn:
        identity, token = await room_recorder.recorder_token(conn, provider, room)
    return RecorderCredentials(settings.base_url, token, identity)


async def record_mesh_room(ctx: JobContext) -> dict[str, Any]:
    settings: Settings = ctx.resources["settings"]
    storage = _storage(ctx, settings)
    room_id, recording_id = UUID(ctx.payload["roomId"]), UUID(ctx.payload["recordingId"])
    async with ctx.pool.acquire() as conn:
        room = await video_store.get_room(conn, room_id)
        recording = await recording_store.get_recording_any_agency(conn, recording_id)
    if recording is None or recording["status"] != "recording":
        return {"skipped": "the recording is finished already"}
    if room is None or room["status"] == "ended":
        async with transaction(ctx.pool) as conn:
            await recording_service.fail_room_recording(conn, recording_id, "the room ended before the recorder joined")
        return {"skipped": "the room ended before the recorder joined"}

    directory = recording_service.room_directory(recording["agency_id"], recording_id)
    try:
        credentials = await recorder_credentials(ctx.resources, ctx.pool, settings, room)
        session = MeshRoomSession(room_id, credentials, storage.path(directory))
        try:
            await session.connect()
            await _wait_for_room_end(ctx, session, room_id)
        finally:
            # Shielded: a cancelled job (shutdown, lost lease) still closes its files properly.
            tracks = await asyncio.shield(session.stop())
    except asyncio.CancelledError:
        raise  # shutdown or a lost lease: the job is given back and recorded again
    except Exception as exc:
        if isinstance(exc, PermanentJobError) or ctx.job.attempts >= ctx.job.max_attempts:
            async with transaction(ctx.pool) as conn:
                await recording_service.fail_room_recording(conn, recording_id, f"the recorder failed: {exc}")
        raise
    if not session.joined.is_set() and session.join_error:
        async with transaction(ctx.pool) as conn:
            await recording_service.fail_room_recording(
                conn, recording_id, f"the recorder could not join the room: {session.join_error}")
        return {"skipped": session.join_error}
    return await _store_room_recording(ctx, settings, storage, recording, directory, tracks)


async def _wait_for_room_end(ctx: JobContext, session: MeshRoomSession, room_id: UUID) -> None:
    """Until room:ended, the room row says ended, or nobody but the recorder was in it for EMPTY_ROOM_SECONDS
    (a room left open must not hold a worker slot for ever)."""
    recorder = str(room_recorder.recorder_identity(room_id))
    empty_since: float | None = None
    loop = asyncio.get_running_loop()
    while not session.ended.is_set():
        await wait_event(session.ended, ROOM_POLL_SECONDS)
        async with ctx.pool.acquire() as conn:
            room = await video_store.get_room(conn, room_id)
            present = [] if room is None else [
                p for p in await video_store.joined_participants(conn, room["provider_room"])
                if str(p["identity"]) != recorder
            ]
        if room is None or room["status"] == "ended":
            return
        if present:
            empty_since = None
        elif empty_since is None:
            empty_since = loop.time()
        elif loop.time() - empty_since >= EMPTY_ROOM_SECONDS:
            logger.info("room %s has been empty for %.0f s; recording stops", room_id, EMPTY_ROOM_SECONDS)
            return


async def _store_room_recording(
    ctx: JobContext, settings: Settings, storage: LocalStorage, recording: Any, directory: str,
    tracks: list[RecordedTrack],
) -> dict[str, Any]:
    """Mix the tracks into one file, measure them, and hand them to the recordings service."""
    loop = asyncio.get_running_loop()
    audio = [t for t in tracks if t.kind == "audio"]
    async with ctx.pool.acquire() as conn:
        names = {str(p["identity"]): p["display_name"] or None
                 for p in await video_store.list_participants(conn, recording["room_id"])}
    files = [await loop.run_in_executor(None, _track_file, storage, directory, t, names.get(t.participant))
             for t in tracks]
    files = [f for f in files if f is not None]
    main = None
    if audio:
        origin = min(t.started_at for t in audio)
        mix_path = storage.path(f"{directory}/{MIXDOWN_NAME}")
        duration = await loop.run_in_executor(
            None, mix_tracks, [(t.path, (t.started_at - origin).total_seconds()) for t in audio], mix_path
        )
        main = recording_service.MainFile("wav", f"{directory}/{MIXDOWN_NAME}", mix_path.stat().st_size, duration)
    async with transaction(ctx.pool) as conn:
        row = await recording_service.finish_room_recording(conn, recording["id"], files, main,
                                                            base_url=settings.base_url)
    return {"recordingId": str(row["id"]), "status": row["status"], "tracks": len(files)}


def _track_file(storage: LocalStorage, directory: str, track: RecordedTrack, name: str | None
                ) -> recording_service.TrackFile | None:
    """A recorded file as the recordings service stores it; None when it holds nothing usable."""
    try:
        info = probe_media(track.path) if track.kind == "audio" else None
    except UnusableMedia as exc:
        logger.warning("recorded track %s is unusable: %s", track.path.name, exc)
        return None
    return recording_service.TrackFile(
        participant=track.participant, participant_name=name, kind=track.kind,
        format=track.path.suffix.lstrip("."), storage_key=f"{directory}/{track.path.name}",
        size_bytes=track.path.stat().st_size, duration_seconds=info.duration_seconds if info else None,
        started_at=track.started_at, ended_at=track.ended_at or datetime.now(UTC),
    )


async def start_livekit_egress(ctx: JobContext) -> dict[str, Any]:
    """Ask LiveKit to record the room into `recordings/<agency>/<recording>/room.mp4` on its storage."""
    settings: Settings = ctx.resources["settings"]
    if not (settings.livekit_url and settings.livekit_api_key and settings.livekit_api_secret):
        raise PermanentJobError("LiveKit is not configured (LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET)")
    room_id, recording_id = UUID(ctx.payload["roomId"]), UUID(ctx.payload["recordingId"])
    async with ctx.pool.acquire() as conn:
        room = await video_store.get_room(conn, room_id)
        recording = await recording_store.get_recording_any_agency(conn, recording_id)
    if recording is None or recording["status"] != "recording" or recording["egress_id"]:
        return {"skipped": "the egress was started already"}
    if room is None or room["status"] == "ended":
        async with transaction(ctx.pool) as conn:
            await recording_service.fail_room_recording(conn, recording_id, "the room ended before recording started")
        return {"skipped": "the room ended before recording started"}
    provider = LiveKitProvider(settings.livekit_url, settings.livekit_api_key, settings.livekit_api_secret)
    filepath = f"{recording_service.room_directory(recording['agency_id'], recording_id)}/room.mp4"
    try:
        egress_id = await provider.start_recording(room["provider_room"], filepath=filepath)
    except ProviderError as exc:
        if exc.code is None or exc.status is None or exc.status >= 500:
            raise  # unreachable or a server error: retried with backoff
        async with transaction(ctx.pool) as conn:
            await recording_service.fail_room_recording(conn, recording_id, f"LiveKit refused to record: {exc.code}")
        raise PermanentJobError(f"LiveKit refused to start the recording: {exc.message}") from exc
    finally:
        await provider.aclose()
    async with transaction(ctx.pool) as conn:
        await recording_service.record_egress_started(conn, recording_id, egress_id)
    return {"egressId": egress_id}


def register(registry: JobRegistry) -> None:
    registry.register(recording_service.MESH_RECORDING_JOB, record_mesh_room)
    registry.register(recording_service.LIVEKIT_EGRESS_JOB, start_livekit_egress)
