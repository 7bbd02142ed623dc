"""SQL for recordings and their tracks. Every lookup by id filters on the agency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ..db import Connection, Record
from .filters import Conditions


@dataclass(frozen=True)
class RecordingFilter:
    room_id: UUID | None = None
    application_id: UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    include_deleted: bool = False


async def insert_upload(
    conn: Connection, agency_id: UUID, *, room_id: UUID | None, application_id: UUID | None, format: str,
    storage_key: str, original_filename: str | None, duration_seconds: float | None, size_bytes: int,
    transcription_requested: bool, created_by_type: str, created_by_id: UUID | None,
) -> Record:
    """An uploaded file is ready the moment it is stored."""
    return await conn.fetchrow(
        """INSERT INTO recordings (agency_id, room_id, application_id, source, status, format, storage_key,
                                   original_filename, duration_seconds, size_bytes, transcription_requested,
                                   created_by_type, created_by_id, ended_at)
           VALUES ($1, $2, $3, 'upload', 'ready', $4, $5, $6, $7, $8, $9, $10, $11, now()) RETURNING *""",
        agency_id, room_id, application_id, format, storage_key, original_filename, duration_seconds, size_bytes,
        transcription_requested, created_by_type, created_by_id,
    )


async def insert_room_recording(
    conn: Connection, agency_id: UUID, room_id: UUID, source: str, *, application_id: UUID | None,
    transcription_requested: bool, started_at: datetime | None,
) -> Record:
    """The recording of a room session; a second call for the same room and source returns the first row."""
    row = await conn.fetchrow(
        """INSERT INTO recordings (agency_id, room_id, source, application_id, transcription_requested, started_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (room_id, source) WHERE room_id IS NOT NULL AND source IN ('mesh', 'livekit') DO NOTHING
           RETURNING *""",
        agency_id, room_id, source, application_id, transcription_requested, started_at,
    )
    if row is None:
        row = await conn.fetchrow(
            "SELECT * FROM recordings WHERE room_id = $1 AND source = $2 AND agency_id = $3", room_id, source, agency_id
        )
    return row


async def get_recording(conn: Connection, agency_id: UUID, recording_id: UUID) -> Record | None:
    return await conn.fetchrow("SELECT * FROM recordings WHERE id = $1 AND agency_id = $2", recording_id, agency_id)


async def get_recording_any_agency(conn: Connection, recording_id: UUID) -> Record | None:
    """For workers and signed links, which carry no principal; the row names its agency."""
    return await conn.fetchrow("SELECT * FROM recordings WHERE id = $1", recording_id)


async def get_room_recording(conn: Connection, room_id: UUID, source: str) -> Record | None:
    return await conn.fetchrow("SELECT * FROM recordings WHERE room_id = $1 AND source = $2", room_id, source)


async def get_by_egress(conn: Connection, egress_id: str) -> Record | None:
    return await conn.fetchrow("SELECT * FROM recordings WHERE egress_id = $1", egress_id)


async def list_recordings(
    conn: Connection, agency_id: UUID, flt: RecordingFilter, *, limit: int, offset: int
) -> tuple[list[Record], int]:
    where = Conditions()
    where.add("agency_id = {}", agency_id)
    where.add("room_id = {}", flt.room_id)
    where.add("application_id = {}", flt.application_id)
    where.add("created_at >= {}", flt.created_from)
    where.add("created_at < {}", flt.created_to)
    if not flt.include_deleted:
        where.add_raw("status <> 'deleted'")
    return await where.page(
        select="SELECT * FROM recordings", count="SELECT count(*) FROM recordings",
        order_by="created_at DESC, id", limit=limit, offset=offset,
    ).fetch(conn)


async def mark_ready(
    conn: Connection, recording_id: UUID, *, format: str | None, storage_key: str | None, location: str | None,
    duration_seconds: float | None, size_bytes: int | None, started_at: datetime | None, ended_at: datetime | None,
) -> Record:
    return await conn.fetchrow(
        """UPDATE recordings SET status = 'ready', format = $2, storage_key = $3, location = $4,
                  duration_seconds = $5, size_bytes = $6, started_at = coalesce($7, started_at),
                  ended_at = $8, updated_at = now()
           WHERE id = $1 RETURNING *""",
        recording_id, format, storage_key, location, duration_seconds, size_bytes, started_at, ended_at,
    )


async def mark_failed(conn: Connection, recording_id: UUID, reason: str) -> Record:
    return await conn.fetchrow(
        """UPDATE recordings SET status = 'failed', failure_reason = $2, ended_at = coalesce(ended_at, now()),
                  updated_at = now()
           WHERE id = $1 RETURNING *""",
        recording_id, reason[:2000],
    )


async def set_egress(conn: Connection, recording_id: UUID, egress_id: str) -> None:
    await conn.execute("UPDATE recordings SET egress_id = $2, updated_at = now() WHERE id = $1", recording_id, egress_id)


async def mark_deleted(conn: Connection, recording_id: UUID) -> Record:
    """Keep a tombstone: who, when, how long; the files and transcript are gone."""
    await conn.execute("UPDATE recording_tracks SET storage_key = NULL WHERE recording_id = $1", recording_id)
    return await conn.fetchrow(
        """UPDATE recordings SET status = 'deleted', storage_key = NULL, deleted_at = now(), updated_at = now(),
                  transcription_error = NULL
           WHERE id = $1 RETURNING *""",
        recording_id,
    )


async def start_transcription_run(conn: Connection, recording_id: UUID) -> int:
    """Count one more transcription run and return its number (part of the job's dedupe key)."""
    return await conn.fetchval(
        """UPDATE recordings SET transcription_runs = transcription_runs + 1, transcription_requested = true,
                  transcription_error = NULL, updated_at = now()
           WHERE id = $1 RETURNING transcription_runs""",
        recording_id,
    )


async def set_transcription_job(conn: Connection, recording_id: UUID, job_id: UUID) -> None:
    await conn.execute(
        "UPDATE recordings SET transcription_job_id = $2, updated_at = now() WHERE id = $1", recording_id, job_id
    )


async def set_transcription_error(conn: Connection, recording_id: UUID, reason: str | None) -> None:
    await conn.execute(
        "UPDATE recordings SET transcription_error = $2, updated_at = now() WHERE id = $1",
        recording_id, None if reason is None else reason[:2000],
    )


async def lock_recording(conn: Connection, recording_id: UUID) -> Record | None:
    """Row lock: serialises re-triggers of one recording's transcription."""
    return await conn.fetchrow("SELECT * FROM recordings WHERE id = $1 FOR UPDATE", recording_id)


# -- tracks --------------------------------------------------------------------------------


async def insert_track(
    conn: Connection, recording_id: UUID, agency_id: UUID, *, participant: str, participant_name: str | None,
    kind: str, format: str, storage_key: str, size_bytes: int, duration_seconds: float | None,
    started_at: datetime, ended_at: datetime | None,
) -> Record:
    return await conn.fetchrow(
        """INSERT INTO recording_tracks (recording_id, agency_id, participant, participant_name, kind, format,
                                         storage_key, size_bytes, duration_seconds, started_at, ended_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *""",
        recording_id, agency_id, participant, participant_name, kind, format, storage_key, size_bytes,
        duration_seconds, started_at, ended_at,
    )


async def delete_tracks(conn: Connection, recording_id: UUID) -> None:
    """A retried finishing step writes the tracks afresh."""
    await conn.execute("DELETE FROM recording_tracks WHERE recording_id = $1", recording_id)


async def tracks_of(conn: Connection, recording_ids: list[UUID]) -> dict[UUID, list[Record]]:
    rows = await conn.fetch(
        "SELECT * FROM recording_tracks WHERE recording_id = ANY($1::uuid[]) ORDER BY started_at, participant, kind",
        recording_ids,
    )
    found: dict[UUID, list[Record]] = {rid: [] for rid in recording_ids}
    for row in rows:
        found[row["recording_id"]].append(row)
    return found


async def get_track(conn: Connection, recording_id: UUID, track_id: UUID) -> Record | None:
    return await conn.fetchrow(
        "SELECT * FROM recording_tracks WHERE id = $1 AND recording_id = $2", track_id, recording_id
    )
