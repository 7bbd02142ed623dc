"""SQL for transcripts: one row per recording, written by upsert so retries never duplicate it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ..db import Connection, Record


async def upsert_transcript(
    conn: Connection, *, agency_id: UUID, recording_id: UUID, job_id: UUID, language: str, duration_seconds: float,
    text: str, segments: list[dict[str, Any]], speakers: list[dict[str, Any]], masked: bool, engine: str,
    model: str | None,
) -> tuple[Record, bool]:
    """Write the recording's transcript; returns (row, written_by_an_earlier_try_of_this_job).

    The flag lets a job retried after its commit (worker lost before it reported success) skip
    emitting `video.transcript.completed` a second time.
    """
    previous_job = await conn.fetchval(
        "SELECT job_id FROM transcripts WHERE recording_id = $1 FOR UPDATE", recording_id
    )
    row = await conn.fetchrow(
        """INSERT INTO transcripts (agency_id, recording_id, job_id, language, duration_seconds, text, segments,
                                    speakers, masked, engine, model)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (recording_id) DO UPDATE SET
               job_id = EXCLUDED.job_id, language = EXCLUDED.language, duration_seconds = EXCLUDED.duration_seconds,
               text = EXCLUDED.text, segments = EXCLUDED.segments, speakers = EXCLUDED.speakers,
               masked = EXCLUDED.masked, engine = EXCLUDED.engine, model = EXCLUDED.model, updated_at = now()
           RETURNING *""",
        agency_id, recording_id, job_id, language, duration_seconds, text, segments, speakers, masked, engine, model,
    )
    return row, previous_job == job_id


async def get_transcript(conn: Connection, agency_id: UUID, transcript_id: UUID) -> Record | None:
    return await conn.fetchrow("SELECT * FROM transcripts WHERE id = $1 AND agency_id = $2", transcript_id, agency_id)


async def get_for_recording(conn: Connection, agency_id: UUID, recording_id: UUID) -> Record | None:
    return await conn.fetchrow(
        "SELECT * FROM transcripts WHERE recording_id = $1 AND agency_id = $2", recording_id, agency_id
    )


async def transcript_ids_for(conn: Connection, recording_ids: list[UUID]) -> dict[UUID, UUID]:
    rows = await conn.fetch(
        "SELECT recording_id, id FROM transcripts WHERE recording_id = ANY($1::uuid[])", recording_ids
    )
    return {r["recording_id"]: r["id"] for r in rows}


async def delete_for_recording(conn: Connection, recording_id: UUID) -> None:
    await conn.execute("DELETE FROM transcripts WHERE recording_id = $1", recording_id)
