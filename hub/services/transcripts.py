"""Rules for transcripts: what a transcription job reads, how per-speaker results are merged and
masked, the one stored transcript per recording, and the completed/failed events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

import asyncpg

from hub.masking import mask_contact_details

from ..auth.principal import Principal
from ..db import Record
from ..errors import NotFound
from ..events import emit
from ..storage import recordings as recording_store
from ..storage import transcripts as store
from .recordings import api_url

if TYPE_CHECKING:  # the engines pull in CTranslate2; only workers need them loaded
    from media.transcription import Transcript

EXCERPT_CHARS = 200  # characters of transcript text in `video.transcript.completed`


async def get_visible(conn: asyncpg.Connection, principal: Principal, transcript_id: UUID) -> Record:
    row = None if principal.agency_id is None else await store.get_transcript(conn, principal.agency_id, transcript_id)
    if row is None:
        raise NotFound("Transcript not found")
    return row


async def get_for_recording(conn: asyncpg.Connection, recording: Record) -> Record:
    row = await store.get_for_recording(conn, recording["agency_id"], recording["id"])
    if row is None:
        raise NotFound("This recording has no transcript yet")
    return row


def speaker_names(transcript: Record) -> dict[str, str]:
    return {s["id"]: s["name"] for s in transcript["speakers"] if s.get("name")}


# -- what a job transcribes ----------------------------------------------------------------------


@dataclass(frozen=True)
class AudioPart:
    """One file to transcribe: a participant's track (speaker set) or a whole recording (speaker None)."""

    storage_key: str
    speaker: str | None
    speaker_name: str | None
    offset_seconds: float  # where the file starts on the recording's timeline
    weight: float  # share of the job's work, for progress


@dataclass(frozen=True)
class TranscriptionPlan:
    recording: Record
    parts: list[AudioPart]


class NothingToTranscribe(Exception):
    """The recording's audio is not stored on this hub; the message says where it is."""


async def plan_transcription(conn: asyncpg.Connection, recording_id: UUID) -> TranscriptionPlan | None:
    """Per-participant audio tracks when the recorder made them, else the recording's one file.

    None when the recording was deleted (nothing to do, nothing to report).
    """
    recording = await recording_store.get_recording_any_agency(conn, recording_id)
    if recording is None or recording["status"] == "deleted":
        return None
    tracks = (await recording_store.tracks_of(conn, [recording_id]))[recording_id]
    audio = [t for t in tracks if t["kind"] == "audio" and t["storage_key"]]
    if audio:
        origin = min(t["started_at"] for t in audio)
        return TranscriptionPlan(recording, [
            AudioPart(
                t["storage_key"], t["participant"], t["participant_name"],
                (t["started_at"] - origin).total_seconds(), max(t["duration_seconds"] or 0.0, 0.1),
            )
            for t in audio
        ])
    if not recording["storage_key"]:
        where = f" (it is at {recording['location']})" if recording["location"] else ""
        raise NothingToTranscribe(f"the recording's file is not stored on this hub{where}")
    return TranscriptionPlan(recording, [AudioPart(recording["storage_key"], None, None, 0.0, 1.0)])


def merge_transcripts(parts: Sequence[tuple[AudioPart, Transcript]]) -> list[dict[str, Any]]:
    """Every part's segments on one timeline (offset by where its track started), in time order."""
    segments = [
        {
            "start": round(part.offset_seconds + seg.start, 3),
            "end": round(part.offset_seconds + seg.end, 3),
            "text": seg.text.strip(),
            "speaker": part.speaker,
        }
        for part, transcript in parts
        for seg in transcript.segments
        if seg.text.strip()
    ]
    segments.sort(key=lambda s: (s["start"], s["end"], s["speaker"] or ""))
    return segments


def mask_segments(segments: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """Contact details masked with the chat masker, segment by segment (CPU-bound: run in an executor).

    A number read out across two segments is masked only as far as each segment shows it.
    """
    masked_any = False
    out = []
    for segment in segments:
        result = mask_contact_details(segment["text"])
        masked_any = masked_any or result.masked
        out.append({**segment, "text": result.text})
    return out, masked_any


def transcript_text(segments: Sequence[dict[str, Any]]) -> str:
    return " ".join(s["text"] for s in segments if s["text"])


def _duration(parts: Sequence[tuple[AudioPart, Transcript]], recording: Record) -> float:
    ends = [part.offset_seconds + transcript.duration for part, transcript in parts]
    return round(max(ends, default=recording["duration_seconds"] or 0.0), 3)


def _language(parts: Sequence[tuple[AudioPart, Transcript]]) -> str:
    """The language most of the audio was in."""
    weights: Counter[str] = Counter()
    for _, transcript in parts:
        if transcript.language and transcript.segments:  # a silent track says nothing about it
            weights[transcript.language] += transcript.duration
    return weights.most_common(1)[0][0] if weights else "und"


# -- storing results and events ------------------------------------------------------------------


async def store_transcript(
    conn: asyncpg.Connection, plan: TranscriptionPlan, parts: Sequence[tuple[AudioPart, Transcript]],
    segments: list[dict[str, Any]], masked: bool, *, job_id: UUID, engine: str, model: str | None, base_url: str,
) -> Record | None:
    """Upsert the one transcript of the recording and emit `video.transcript.completed`.

    None when the recording was deleted while the job ran (nothing is stored then).
    """
    recording = await recording_store.lock_recording(conn, plan.recording["id"])
    if recording is None or recording["status"] == "deleted":
        return None
    speakers = [
        {"id": p.speaker, "name": p.speaker_name}
        for p in {p.speaker: p for p, _ in parts if p.speaker is not None}.values()
    ]
    row, already = await store.upsert_transcript(
        conn, agency_id=recording["agency_id"], recording_id=recording["id"], job_id=job_id,
        language=_language(parts), duration_seconds=_duration(parts, recording), text=transcript_text(segments),
        segments=segments, speakers=speakers, masked=masked, engine=engine, model=model,
    )
    await recording_store.set_transcription_error(conn, recording["id"], None)
    if not already:
        await emit(conn, "video.transcript.completed", completed_event_data(row, recording, base_url),
                   agency_id=recording["agency_id"])
    return row


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of the transcript, cut at a word boundary."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def completed_event_data(transcript: Record, recording: Record, base_url: str) -> dict[str, Any]:
    tid, rid = transcript["id"], recording["id"]
    base = f"/video/transcripts/{tid}"
    return {
        "transcriptId": str(tid),
        "recordingId": str(rid),
        "roomId": str(recording["room_id"]) if recording["room_id"] else None,
        "applicationId": str(recording["application_id"]) if recording["application_id"] else None,
        "language": transcript["language"],
        "durationSeconds": transcript["duration_seconds"],
        "excerpt": excerpt(transcript["text"]),
        "speakers": transcript["speakers"],
        "links": {
            "transcript": api_url(base_url, base),
            "txt": api_url(base_url, f"{base}/download.txt"),
            "vtt": api_url(base_url, f"{base}/download.vtt"),
            "srt": api_url(base_url, f"{base}/download.srt"),
            "recording": api_url(base_url, f"/video/recordings/{rid}"),
        },
    }


async def record_failure(conn: asyncpg.Connection, recording_id: UUID, reason: str) -> None:
    """Keep the reason for the status endpoint and emit `video.transcript.failed`."""
    recording = await recording_store.lock_recording(conn, recording_id)
    if recording is None:
        return
    await recording_store.set_transcription_error(conn, recording_id, reason)
    await emit(
        conn, "video.transcript.failed",
        {
            "recordingId": str(recording_id),
            "roomId": str(recording["room_id"]) if recording["room_id"] else None,
            "applicationId": str(recording["application_id"]) if recording["application_id"] else None,
            "reason": reason,
        },
        agency_id=recording["agency_id"],
    )

