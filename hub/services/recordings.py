"""Rules for recordings: who sees them, how they are created (mesh recorder, LiveKit Egress,
upload), retention, signed downloads, and when a transcription job is queued.

Every recording ends up the same shape: a row in `recordings`, its files in the media store
(`recordings/<agency>/<recording>/...`), `video.recording.ready` in the outbox, and a
`transcription.run` job when transcription was asked for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any
from uuid import UUID

import asyncpg

from media.storage import LocalStorage, StorageError

from .. import jobs
from ..activity import record_activity
from ..auth.principal import Principal
from ..db import Record
from ..errors import Conflict, Forbidden, HubError, NotFound, RuleViolated
from ..events import emit
from ..storage import recordings as store
from ..storage import transcripts as transcript_store
from ..storage import video as video_store
from . import recording_links

logger = logging.getLogger(__name__)

TRANSCRIPTION_JOB = "transcription.run"
MESH_RECORDING_JOB = "recording.mesh"
LIVEKIT_EGRESS_JOB = "recording.livekit.start"
TRANSCRIPTION_MAX_ATTEMPTS = 3  # a crash or lost worker is retried; bad audio fails at once
API_PREFIX = "/api/v1"


class RecordingGone(HubError):
    """The recording was deleted under the retention rules; only its tombstone is left."""

    status = 410
    code = "GONE"


# -- reading ---------------------------------------------------------------------------------


async def get_visible(conn: asyncpg.Connection, principal: Principal, recording_id: UUID) -> Record:
    """A recording of the caller's agency; anything else is 404."""
    agency_id = principal.agency_id
    row = None if agency_id is None else await store.get_recording(conn, agency_id, recording_id)
    if row is None:
        raise NotFound("Recording not found")
    return row


async def describe(conn: asyncpg.Connection, rows: list[Record]) -> list[dict[str, Any]]:
    """Recordings as the API shows them: tracks grouped by participant, transcript id when there is one."""
    ids = [r["id"] for r in rows]
    tracks = await store.tracks_of(conn, ids)
    transcripts = await transcript_store.transcript_ids_for(conn, ids)
    views = []
    for row in rows:
        view = dict(row)
        view["tracks"] = [dict(t) for t in tracks[row["id"]]]
        view["participants"] = _participants(tracks[row["id"]])
        view["transcript_id"] = transcripts.get(row["id"])
        view["storage"] = "local" if row["storage_key"] else ("external" if row["location"] else None)
        views.append(view)
    return views


def _participants(tracks: list[Record]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for track in tracks:
        entry = seen.setdefault(track["participant"], {"id": track["participant"], "name": track["participant_name"]})
        entry["name"] = entry["name"] or track["participant_name"]
    return list(seen.values())


async def list_visible(
    conn: asyncpg.Connection, principal: Principal, flt: store.RecordingFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    rows, total = await store.list_recordings(conn, principal.require_agency(), flt, limit=limit, offset=offset)
    return await describe(conn, rows), total


# -- uploads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    storage_key: str
    size_bytes: int
    format: str
    duration_seconds: float | None
    original_filename: str | None


async def check_upload_targets(
    conn: asyncpg.Connection, principal: Principal, *, room_id: UUID | None, application_id: UUID | None
) -> None:
    """Named room and application must be the caller's agency's (404 otherwise), checked before the file is read."""
    agency_id = principal.require_agency()
    if application_id is not None and not await conn.fetchval(
        "SELECT 1 FROM applications WHERE id = $1 AND agency_id = $2", application_id, agency_id
    ):
        raise NotFound("Application not found", details={"field": "applicationId"})
    if room_id is not None and not await _room_exists(conn, agency_id, room_id):
        raise NotFound("Video room not found", details={"field": "roomId"})


async def _room_exists(conn: asyncpg.Connection, agency_id: UUID, room_id: UUID) -> bool:
    room = await video_store.get_room(conn, room_id)
    return room is not None and room["agency_id"] == agency_id


async def create_upload(
    conn: asyncpg.Connection, principal: Principal, upload: UploadedFile, *, room_id: UUID | None,
    application_id: UUID | None, transcribe: bool, base_url: str,
) -> Record:
    """Record an uploaded file (already stored and checked by content) as a ready recording."""
    agency_id = principal.require_agency()
    await check_upload_targets(conn, principal, room_id=room_id, application_id=application_id)
    row = await store.insert_upload(
        conn, agency_id, room_id=room_id, application_id=application_id, format=upload.format,
        storage_key=upload.storage_key, original_filename=upload.original_filename,
        duration_seconds=upload.duration_seconds, size_bytes=upload.size_bytes,
        transcription_requested=transcribe, created_by_type=principal.kind, created_by_id=principal.id,
    )
    await record_activity(
        conn, principal, agency_id, "recording.uploaded", "Uploaded a recording",
        subject_type="recording", subject_id=row["id"],
        metadata={"format": upload.format, "sizeBytes": upload.size_bytes},
    )
    await _announce_ready(conn, row, [], base_url)
    if transcribe:
        row = await request_transcription(conn, row)
    return row


def upload_prefix(agency_id: UUID) -> str:
    return f"recordings/{agency_id}/uploads"


# -- room recordings (mesh recorder, LiveKit Egress) ------------------------------------------


def room_directory(agency_id: UUID, recording_id: UUID) -> str:
    """Storage prefix of one room recording's files."""
    return f"recordings/{agency_id}/{recording_id}"


async def begin_room_recording(
    conn: asyncpg.Connection, *, agency_id: UUID, room_id: UUID, source: str, application_id: UUID | None,
    transcribe: bool, started_at: datetime | None = None,
) -> Record:
    """The recording row of a room session, and the job that records it; idempotent per room and source."""
    row = await store.insert_room_recording(
        conn, agency_id, room_id, source, application_id=application_id,
        transcription_requested=transcribe, started_at=started_at or datetime.now(UTC),
    )
    job_kind = MESH_RECORDING_JOB if source == "mesh" else LIVEKIT_EGRESS_JOB
    # A recording job is a room's whole meeting: a lost worker's job goes to another worker, but a
    # room is never recorded by two jobs (dedupe per room).
    await jobs.enqueue(
        conn, job_kind, {"roomId": str(room_id), "recordingId": str(row["id"])},
        agency_id=agency_id, dedupe_key=str(room_id), max_attempts=3,
    )
    return row


@dataclass(frozen=True)
class TrackFile:
    participant: str
    participant_name: str | None
    kind: str
    format: str
    storage_key: str
    size_bytes: int
    duration_seconds: float | None
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class MainFile:
    format: str
    storage_key: str
    size_bytes: int
    duration_seconds: float


async def finish_room_recording(
    conn: asyncpg.Connection, recording_id: UUID, tracks: list[TrackFile], main: MainFile | None, *, base_url: str
) -> Record:
    """Store what the mesh recorder wrote; `video.recording.ready` and the transcription job follow.

    With no track at all (nobody sent media) the recording is marked failed instead.
    """
    row = await store.lock_recording(conn, recording_id)
    if row is None:
        raise NotFound("Recording not found")
    if row["status"] != "recording":
        return row  # finished already (a retried job after its commit)
    if main is None or not tracks:
        return await store.mark_failed(conn, recording_id, "nothing was recorded: no participant sent audio")
    await store.delete_tracks(conn, recording_id)
    for track in tracks:
        await store.insert_track(
            conn, recording_id, row["agency_id"], participant=track.participant,
            participant_name=track.participant_name, kind=track.kind, format=track.format,
            storage_key=track.storage_key, size_bytes=track.size_bytes, duration_seconds=track.duration_seconds,
            started_at=track.started_at, ended_at=track.ended_at,
        )
    started = min(t.started_at for t in tracks)
    ended = max((t.ended_at or t.started_at) for t in tracks)
    row = await store.mark_ready(
        conn, recording_id, format=main.format, storage_key=main.storage_key, location=None,
        duration_seconds=main.duration_seconds, size_bytes=main.size_bytes + sum(t.size_bytes for t in tracks),
        started_at=started, ended_at=ended,
    )
    track_rows = (await store.tracks_of(conn, [recording_id]))[recording_id]
    await _announce_ready(conn, row, track_rows, base_url)
    if row["transcription_requested"]:
        row = await request_transcription(conn, row)
    return row


async def fail_room_recording(conn: asyncpg.Connection, recording_id: UUID, reason: str) -> None:
    row = await store.lock_recording(conn, recording_id)
    if row is not None and row["status"] == "recording":
        await store.mark_failed(conn, recording_id, reason)


async def record_egress_started(conn: asyncpg.Connection, recording_id: UUID, egress_id: str) -> None:
    await store.set_egress(conn, recording_id, egress_id)


async def record_livekit_egress(
    conn: asyncpg.Connection, *, agency_id: UUID, room_id: UUID | None, egress: dict[str, Any],
    storage: LocalStorage | None, base_url: str, application_id: UUID | None = None, transcribe: bool = False,
) -> Record:
    """LiveKit's `egress_ended` (file saved): the recording becomes ready, once per egress.

    When LiveKit's egress writes to a volume the hub shares (its output directory is the hub's
    media directory), the file is served and transcribed here; otherwise only its location is kept.
    """
    egress_id = str(egress.get("egress_id") or "")
    row = await store.get_by_egress(conn, egress_id) if egress_id else None
    if row is None and room_id is not None:
        row = await store.get_room_recording(conn, room_id, "livekit")
    if row is None:
        if room_id is None:
            raise NotFound("No recording is waiting for this egress")
        row = await store.insert_room_recording(
            conn, agency_id, room_id, "livekit", application_id=application_id,
            transcription_requested=transcribe, started_at=None,
        )
    row = await store.lock_recording(conn, row["id"])
    if row["status"] == "ready":
        return row  # a re-delivered webhook
    if egress_id and not row["egress_id"]:
        await store.set_egress(conn, row["id"], egress_id)
    filename = str(egress.get("filename") or "")
    key = _local_key(storage, filename)
    ended = datetime.now(UTC)
    duration = float(egress.get("duration_seconds") or 0.0)
    row = await store.mark_ready(
        conn, row["id"], format=PurePosixPath(filename).suffix.lstrip(".").lower() or None, storage_key=key,
        location=str(egress.get("location") or filename or "") or None, duration_seconds=duration,
        size_bytes=int(egress.get("size_bytes") or 0), started_at=None, ended_at=ended,
    )
    await _announce_ready(conn, row, [], base_url)
    if row["transcription_requested"]:
        row = await request_transcription(conn, row)
    return row


def _local_key(storage: LocalStorage | None, filename: str) -> str | None:
    """The storage key of an egress file when it landed inside the hub's media directory."""
    if storage is None or not filename:
        return None
    candidate = PurePosixPath(filename)
    if candidate.is_absolute():
        try:
            key = str(candidate.relative_to(storage.root))
        except ValueError:
            return None
    else:
        key = filename
    try:
        path = storage.path(key)
    except StorageError:  # a key escaping the media root is not ours
        return None
    return key if path.is_file() else None


async def _announce_ready(conn: asyncpg.Connection, row: Record, tracks: list[Record], base_url: str) -> None:
    await emit(conn, "video.recording.ready", recording_event_data(row, tracks, base_url), agency_id=row["agency_id"])


def recording_event_data(row: Record, tracks: list[Record], base_url: str) -> dict[str, Any]:
    """What integrators get in `video.recording.ready`."""
    rid = row["id"]
    return {
        "recordingId": str(rid),
        "roomId": str(row["room_id"]) if row["room_id"] else None,
        "applicationId": str(row["application_id"]) if row["application_id"] else None,
        "source": row["source"],
        "format": row["format"],
        "durationSeconds": row["duration_seconds"],
        "sizeBytes": row["size_bytes"],
        "location": row["location"],
        "participants": _participants(tracks),
        "tracks": [
            {"id": str(t["id"]), "participant": t["participant"], "kind": t["kind"], "format": t["format"],
             "durationSeconds": t["duration_seconds"], "startedAt": _iso(t["started_at"])}
            for t in tracks
        ],
        "transcriptionRequested": row["transcription_requested"],
        "links": {
            "recording": api_url(base_url, f"/video/recordings/{rid}"),
            "download": api_url(base_url, f"/video/recordings/{rid}/download"),
            "signedLinks": api_url(base_url, f"/video/recordings/{rid}/links"),
        },
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def api_url(base_url: str, path: str) -> str:
    return f"{base_url.rstrip('/')}{API_PREFIX}{path}"


# -- transcription jobs ----------------------------------------------------------------------

_ACTIVE_JOB = ("queued", "running")


async def request_transcription(conn: asyncpg.Connection, recording: Record) -> Record:
    """Queue a transcription unless one is queued or running; each run has its own dedupe key.

    Several calls at once serialise on the recording's row lock, so at most one job is active.
    """
    row = await store.lock_recording(conn, recording["id"])
    if row is None:
        raise NotFound("Recording not found")
    if row["status"] == "deleted":
        raise RecordingGone("The recording was deleted")
    if row["status"] == "failed":
        raise RuleViolated("The recording failed; there is nothing to transcribe", code="RECORDING_FAILED")
    if row["status"] != "ready":
        raise RuleViolated("The recording is not ready yet; transcription starts when it is", code="RECORDING_NOT_READY")
    if row["transcription_job_id"] is not None:
        job = await jobs.get_job(conn, row["transcription_job_id"])
        if job is not None and job.status in _ACTIVE_JOB:
            return row
    run = await store.start_transcription_run(conn, row["id"])
    job_id = await jobs.enqueue(
        conn, TRANSCRIPTION_JOB, {"recordingId": str(row["id"])}, agency_id=row["agency_id"],
        dedupe_key=f"{row['id']}:{run}", max_attempts=TRANSCRIPTION_MAX_ATTEMPTS,
    )
    if job_id is not None:
        await store.set_transcription_job(conn, row["id"], job_id)
    return await store.get_recording_any_agency(conn, row["id"])


async def trigger_transcription(conn: asyncpg.Connection, principal: Principal, recording_id: UUID) -> Record:
    """The REST (re)trigger: a new run after a finished or failed one, nothing while one is active."""
    row = await get_visible(conn, principal, recording_id)
    if row["status"] == "deleted":
        raise RecordingGone("The recording was deleted")
    row = await request_transcription(conn, row)
    await record_activity(
        conn, principal, row["agency_id"], "recording.transcription_requested", "Requested a transcription",
        subject_type="recording", subject_id=row["id"],
    )
    return row


@dataclass(frozen=True)
class TranscriptionStatus:
    status: str  # not_requested | pending | processing | completed | failed
    progress: float
    estimated_completion: datetime | None
    transcript_id: UUID | None
    job_id: UUID | None
    error: str | None
    attempts: int


_JOB_STATUS = {"queued": "pending", "running": "processing", "succeeded": "completed", "dead": "failed"}
MIN_PROGRESS_FOR_ESTIMATE = 0.02  # below this, elapsed/progress says little


async def transcription_status(conn: asyncpg.Connection, principal: Principal, recording_id: UUID,
                               *, now: datetime | None = None) -> TranscriptionStatus:
    """Where the latest transcription job stands, read from its job row; estimate from elapsed / progress."""
    row = await get_visible(conn, principal, recording_id)
    transcript = await transcript_store.get_for_recording(conn, row["agency_id"], row["id"])
    transcript_id = transcript["id"] if transcript else None
    job = await jobs.get_job(conn, row["transcription_job_id"]) if row["transcription_job_id"] else None
    if job is None:
        status = "completed" if transcript_id else "not_requested"
        return TranscriptionStatus(status, 1.0 if transcript_id else 0.0, None, transcript_id, None, None, 0)
    status = _JOB_STATUS[job.status]
    if job.status == "queued" and job.attempts > 0:
        status = "processing"  # between attempts: still being worked on
    progress = 1.0 if status == "completed" else float(job.progress)
    estimate = None
    if status == "processing" and job.status == "running" and job.started_at and progress >= MIN_PROGRESS_FOR_ESTIMATE:
        now = now or datetime.now(UTC)
        elapsed = (now - job.started_at).total_seconds()
        estimate = job.started_at + timedelta(seconds=elapsed / progress)
    error = (row["transcription_error"] or job.last_error) if status == "failed" else None
    return TranscriptionStatus(status, progress, estimate, transcript_id, job.id, error, job.attempts)


# -- retention ---------------------------------------------------------------------------------


async def delete_recording(conn: asyncpg.Connection, principal: Principal, recording_id: UUID) -> list[str]:
    """Tombstone the recording and drop its transcript; returns the storage keys to remove after commit."""
    row = await get_visible(conn, principal, recording_id)
    row = await store.lock_recording(conn, row["id"])
    if row["status"] == "deleted":
        raise RecordingGone("The recording was deleted already")
    if row["status"] == "recording":
        raise Conflict("The room is still being recorded; delete the recording once it is ready")
    tracks = (await store.tracks_of(conn, [row["id"]]))[row["id"]]
    keys = [k for k in [row["storage_key"], *(t["storage_key"] for t in tracks)] if k]
    await transcript_store.delete_for_recording(conn, row["id"])
    await store.mark_deleted(conn, row["id"])
    await record_activity(
        conn, principal, row["agency_id"], "recording.deleted", "Deleted a recording and its transcript",
        subject_type="recording", subject_id=row["id"],
    )
    return keys


async def remove_files(storage: LocalStorage, keys: list[str]) -> None:
    """Best effort after the tombstone committed: a file left behind is logged, never resurrected."""
    directories = set()
    for key in keys:
        try:
            await storage.delete(key)
            directories.add(storage.path(key).parent)
        except Exception:
            logger.exception("could not remove recording file %s", key)
    for directory in directories:
        try:
            if directory != storage.root and directory.is_relative_to(storage.root) and not any(directory.iterdir()):
                directory.rmdir()
        except OSError:
            pass


# -- downloads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    storage_key: str
    filename: str
    format: str | None


async def download_target(conn: asyncpg.Connection, recording: Record, track_id: UUID | None) -> Download:
    """The file a download serves: the main file, or one participant's track."""
    if recording["status"] == "deleted":
        raise RecordingGone("The recording was deleted")
    if track_id is not None:
        track = await store.get_track(conn, recording["id"], track_id)
        if track is None:
            raise NotFound("Track not found")
        key, fmt = track["storage_key"], track["format"]
        name = f"recording-{recording['id']}-{track['participant']}-{track['kind']}"
    else:
        key, fmt = recording["storage_key"], recording["format"]
        name = f"recording-{recording['id']}"
    if not key:
        if recording["status"] == "recording":
            raise RuleViolated("The room is still being recorded", code="RECORDING_NOT_READY")
        raise NotFound("This recording's file is not stored on the hub", details={"location": recording["location"]})
    suffix = PurePosixPath(key).suffix
    return Download(key, _safe_filename(name) + suffix, fmt)


def _safe_filename(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:150]


async def get_for_signed_link(
    conn: asyncpg.Connection, secret: str, recording_id: UUID, track_id: UUID | None, expires: int, signature: str
) -> Record:
    """The recording a signed link names; a bad or expired link is 403 (the link grants nothing)."""
    if not recording_links.verify(secret, recording_id, track_id, expires, signature):
        raise Forbidden("This download link is invalid or has expired", code="LINK_EXPIRED")
    row = await store.get_recording_any_agency(conn, recording_id)
    if row is None:
        raise NotFound("Recording not found")
    return row


def signed_link(secret: str, base_url: str, recording: Record, track_id: UUID | None, ttl_seconds: int
                ) -> tuple[str, datetime]:
    """A download URL that works without credentials until it expires."""
    if recording["status"] == "deleted":
        raise RecordingGone("The recording was deleted")
    link = recording_links.sign(secret, recording["id"], track_id, ttl_seconds)
    query = f"expires={link.expires}&signature={link.signature}"
    if track_id is not None:
        query = f"trackId={track_id}&{query}"
    return api_url(base_url, f"/video/recordings/{recording['id']}/download?{query}"), link.expires_at
