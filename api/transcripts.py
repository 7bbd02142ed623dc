"""Transcripts of recordings, as JSON or as txt / WebVTT / SRT downloads: /api/v1/video/transcripts/*."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from aiohttp import web

from hub.auth.principal import STAFF_ROLES
from hub.db import Record
from hub.errors import ValidationFailed
from hub.http import ApiRoutes, ok, path_id, principal_of
from hub.keys import DB
from hub.models import ApiModel, QueryModel
from hub.services import recordings as recording_service
from hub.services import transcripts as transcript_service
from media.transcript_formats import FORMATS, render

routes = ApiRoutes("transcripts")


class SegmentOut(ApiModel):
    start: float  # seconds from the start of the recording
    end: float
    text: str
    speaker: str | None  # the participant whose track it came from; None for single-file recordings
    speaker_name: str | None


class SpeakerOut(ApiModel):
    id: str
    name: str | None


class TranscriptOut(ApiModel):
    id: UUID
    recording_id: UUID
    language: str
    duration: float  # seconds
    text: str
    segments: list[SegmentOut]
    speakers: list[SpeakerOut]
    masked: bool  # whether contact details were hidden
    engine: str
    model: str | None
    created_at: datetime
    updated_at: datetime


class FormatQuery(QueryModel):
    format: Literal["json", "txt", "vtt", "srt"] = "json"


def _transcript_out(row: Record) -> TranscriptOut:
    names = transcript_service.speaker_names(row)
    segments = [SegmentOut(**s, speaker_name=names.get(s["speaker"] or "")) for s in row["segments"]]
    return TranscriptOut(
        id=row["id"], recording_id=row["recording_id"], language=row["language"], duration=row["duration_seconds"],
        text=row["text"], segments=segments, speakers=[SpeakerOut(**s) for s in row["speakers"]],
        masked=row["masked"], engine=row["engine"], model=row["model"], created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _file(row: Record, fmt: str) -> web.Response:
    body = render(fmt, row["segments"], transcript_service.speaker_names(row))
    return web.Response(
        text=body, content_type=FORMATS[fmt].split(";")[0], charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="transcript-{row["id"]}.{fmt}"'},
    )


def _reply(row: Record, fmt: str) -> web.Response:
    return ok(_transcript_out(row)) if fmt == "json" else _file(row, fmt)


@routes.get("/video/transcripts/{id}", query=FormatQuery, response=TranscriptOut, scope="video:read",
            roles=STAFF_ROLES)
async def get_transcript(request: web.Request, query: FormatQuery) -> web.Response:
    """Text, language, duration and speaker-labelled segments; `?format=txt|vtt|srt` downloads a file."""
    async with request.app[DB].acquire() as conn:
        row = await transcript_service.get_visible(conn, principal_of(request), path_id(request))
    return _reply(row, query.format)


@routes.get("/video/transcripts/{id}/download.{ext}", content="raw", scope="video:read", roles=STAFF_ROLES)
async def download_transcript(request: web.Request) -> web.Response:
    """The transcript as a file: download.txt, download.vtt (WebVTT) or download.srt (SubRip)."""
    fmt = request.match_info["ext"].lower()
    if fmt not in FORMATS:
        raise ValidationFailed(f"Unknown transcript format; choose one of {', '.join(FORMATS)}",
                               details={"field": "ext"})
    async with request.app[DB].acquire() as conn:
        row = await transcript_service.get_visible(conn, principal_of(request), path_id(request))
    return _file(row, fmt)


@routes.get("/video/recordings/{id}/transcript", query=FormatQuery, response=TranscriptOut, scope="video:read",
            roles=STAFF_ROLES)
async def get_recording_transcript(request: web.Request, query: FormatQuery) -> web.Response:
    """The transcript of a recording (404 until one is stored)."""
    async with request.app[DB].acquire() as conn:
        recording = await recording_service.get_visible(conn, principal_of(request), path_id(request))
        row = await transcript_service.get_for_recording(conn, recording)
    return _reply(row, query.format)

