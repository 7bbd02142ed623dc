"""Recordings of video rooms and uploaded interviews: /api/v1/video/recordings/*."""

from __future__ import annotations

import asyncio
import os
import re
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, Literal
from uuid import UUID

from aiohttp import BodyPartReader, web
from pydantic import Field

from hub.auth.principal import STAFF_ROLES, Principal
from hub.db import transaction
from hub.errors import NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from hub.http import ApiRoutes, authenticate, ok, page, path_id, principal_of, read_json
from hub.keys import DB, SETTINGS, STORAGE
from hub.models import ApiModel, PageQuery, QueryModel
from hub.services import recording_links
from hub.services import recordings as recording_service
from hub.storage.recordings import RecordingFilter
from media.probe import MediaInfo, UnusableMedia, probe_media
from media.storage import LocalStorage, TooLarge

routes = ApiRoutes("recordings")

UPLOAD_FIELD_MAX_BYTES = 200  # a form field other than the file (ids, a boolean)
_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


class TrackOut(ApiModel):
    id: UUID
    participant: str
    participant_name: str | None
    kind: str
    format: str
    size_bytes: int
    duration_seconds: float | None
    started_at: datetime
    ended_at: datetime | None


class ParticipantOut(ApiModel):
    id: str
    name: str | None


class RecordingOut(ApiModel):
    id: UUID
    room_id: UUID | None
    application_id: UUID | None
    source: Literal["mesh", "livekit", "upload"]
    status: Literal["recording", "ready", "failed", "deleted"]
    format: str | None
    duration_seconds: float | None
    size_bytes: int | None
    storage: Literal["local", "external"] | None  # external: kept by the video provider, see location
    location: str | None
    original_filename: str | None
    participants: list[ParticipantOut]
    tracks: list[TrackOut]
    transcription_requested: bool
    transcript_id: UUID | None
    failure_reason: str | None
    started_at: datetime | None
    ended_at: datetime | None
    created_at: datetime
    deleted_at: datetime | None


class RecordingQuery(PageQuery):
    room_id: UUID | None = None
    application_id: UUID | None = None
    created_from: datetime | None = Field(None, alias="from")
    created_to: datetime | None = Field(None, alias="to")
    include_deleted: bool = False


class TranscriptionStatusOut(ApiModel):
    recording_id: UUID
    status: Literal["not_requested", "pending", "processing", "completed", "failed"]
    progress: float
    estimated_completion: datetime | None
    transcript_id: UUID | None
    job_id: UUID | None
    attempts: int
    error: str | None


class LinkIn(ApiModel):
    expires_in: int = Field(recording_links.DEFAULT_LINK_TTL, ge=recording_links.MIN_LINK_TTL,
                            le=recording_links.MAX_LINK_TTL)  # seconds
    track_id: UUID | None = None


class LinkOut(ApiModel):
    url: str
    expires_at: datetime


class DownloadQuery(QueryModel):
    track_id: UUID | None = None
    expires: int | None = Field(None, ge=0, le=2**40)
    signature: str | None = Field(None, max_length=128)


def _recording_out(view: dict[str, Any]) -> RecordingOut:
    tracks = [TrackOut.from_record(t) for t in view["tracks"]]
    participants = [ParticipantOut.from_record(p) for p in view["participants"]]
    return RecordingOut.from_record({**view, "tracks": tracks, "participants": participants})


async def _reply(conn: Any, row: Any, status: int = 200) -> web.Response:
    [view] = await recording_service.describe(conn, [row])
    return ok(_recording_out(view), status=status)


# -- upload ----------------------------------------------------------------------------------


@routes.post("/video/recordings", response=RecordingOut, status=201, scope="video:write", roles=STAFF_ROLES,
             content="multipart/form-data", extra_responses={413: "The file is larger than HUB_MAX_UPLOAD_BYTES"})
async def upload_recording(request: web.Request) -> web.Response:
    """Upload a recording made elsewhere (multipart: `file`, optional `roomId`, `applicationId`, `enableTranscription`)."""
    principal = principal_of(request)
    settings = request.app[SETTINGS]
    storage = request.app[STORAGE]
    fields, (key, size) = await _read_upload_form(request, storage, principal, settings.max_upload_bytes)
    try:
        info = await asyncio.get_running_loop().run_in_executor(None, probe_media, storage.path(key))
    except UnusableMedia as exc:
        await storage.delete(key)
        raise ValidationFailed(f"The upload is not usable audio: {exc}", code="INVALID_MEDIA",
                               details={"field": "file"}) from None
    try:
        key = _with_format_suffix(storage, key, info)
        upload = recording_service.UploadedFile(key, size, info.format, info.duration_seconds, fields.get("filename"))
        async with transaction(request.app[DB]) as conn:
            row = await recording_service.create_upload(
                conn, principal, upload, room_id=fields.get("roomId"), application_id=fields.get("applicationId"),
                transcribe=fields.get("enableTranscription", False), base_url=settings.base_url,
            )
            return await _reply(conn, row, status=201)
    except BaseException:
        await storage.delete(key)  # nothing refers to the file unless the recording committed
        raise


async def _read_upload_form(
    request: web.Request, storage: LocalStorage, principal: Principal, max_bytes: int
) -> tuple[dict[str, Any], tuple[str, int]]:
    """Stream the `file` part to storage (size-capped) and parse the small fields; 400/413/415 on misuse."""
    if request.content_type != "multipart/form-data":
        raise UnsupportedMediaType("Send the recording as multipart/form-data with a `file` part")
    if request.content_length is not None and request.content_length > max_bytes + 64 * 1024:
        raise PayloadTooLarge(f"The upload exceeds {max_bytes} bytes")
    try:
        reader = await request.multipart()
    except (ValueError, AssertionError):
        raise ValidationFailed("The multipart body cannot be read") from None
    fields: dict[str, Any] = {}
    stored: tuple[str, int] | None = None
    try:
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                raise ValidationFailed("Nested multipart bodies are not accepted")
            if part.name == "file":
                if stored is not None:
                    raise ValidationFailed("Send one `file` part", details={"field": "file"})
                stored = await _store_file_part(part, storage, principal, max_bytes)
                fields["filename"] = _clean_filename(part.filename)
            else:
                _parse_field(fields, part.name, await _read_small(part))
    except BaseException:
        if stored is not None:
            await storage.delete(stored[0])
        raise
    if stored is None:
        raise ValidationFailed("A `file` part with the audio or video is required", details={"field": "file"})
    return fields, stored


async def _store_file_part(part: BodyPartReader, storage: LocalStorage, principal: Principal,
                           max_bytes: int) -> tuple[str, int]:
    suffix = PurePosixPath(part.filename or "").suffix.lower()

    async def chunks() -> Any:
        while chunk := await part.read_chunk(256 * 1024):
            yield chunk

    try:
        return await storage.save_stream(
            recording_service.upload_prefix(principal.require_agency()),
            suffix if _SAFE_SUFFIX.match(suffix) else "", chunks(), max_bytes=max_bytes,
        )
    except TooLarge:
        raise PayloadTooLarge(f"The upload exceeds {max_bytes} bytes") from None


async def _read_small(part: BodyPartReader) -> str:
    data = bytearray()
    while chunk := await part.read_chunk(1024):
        data += chunk
        if len(data) > UPLOAD_FIELD_MAX_BYTES:
            raise ValidationFailed(f"Field {part.name!r} is too long", details={"field": part.name})
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ValidationFailed(f"Field {part.name!r} is not UTF-8 text", details={"field": part.name}) from None
    return text


_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


def _parse_field(fields: dict[str, Any], name: str | None, value: str) -> None:
    canonical = {"roomId": "roomId", "room_id": "roomId", "applicationId": "applicationId",
                 "application_id": "applicationId", "enableTranscription": "enableTranscription",
                 "enable_transcription": "enableTranscription"}.get(name or "")
    if canonical is None:
        raise ValidationFailed(f"Unknown form field {name!r}", details={"field": name})
    if canonical == "enableTranscription":
        lowered = value.lower()
        if lowered not in _TRUE | _FALSE:
            raise ValidationFailed("enableTranscription must be true or false", details={"field": canonical})
        fields[canonical] = lowered in _TRUE
        return
    if not value:
        return
    try:
        fields[canonical] = UUID(value)
    except ValueError:
        raise ValidationFailed(f"{canonical} must be a UUID", details={"field": canonical}) from None


def _clean_filename(name: str | None) -> str | None:
    if not name:
        return None
    cleaned = "".join(c for c in PurePosixPath(name.replace("\\", "/")).name if c.isprintable() and c != "\x00")
    return cleaned[:255] or None


def _with_format_suffix(storage: LocalStorage, key: str, info: MediaInfo) -> str:
    """Name the stored file after what it is, not what the uploader called it."""
    wanted = f".{info.format}"
    if PurePosixPath(key).suffix == wanted or not _SAFE_SUFFIX.match(wanted):
        return key
    new_key = str(PurePosixPath(key).with_suffix(wanted))
    os.replace(storage.path(key), storage.path(new_key))
    return new_key


# -- reading ---------------------------------------------------------------------------------


@routes.get("/video/recordings", query=RecordingQuery, response=list[RecordingOut], paginated=True,
            scope="video:read", roles=STAFF_ROLES)
async def list_recordings(request: web.Request, query: RecordingQuery) -> web.Response:
    """Recordings of the agency, newest first (filters: roomId, applicationId, from, to)."""
    if query.created_from and query.created_to and query.created_from > query.created_to:
        raise ValidationFailed("`from` must not be after `to`", details={"field": "from"})
    flt = RecordingFilter(query.room_id, query.application_id, query.created_from, query.created_to,
                          query.include_deleted)
    async with request.app[DB].acquire() as conn:
        views, total = await recording_service.list_visible(
            conn, principal_of(request), flt, limit=query.per_page, offset=query.offset
        )
    return page([_recording_out(v) for v in views], total=total, query=query)


@routes.get("/video/recordings/{id}", response=RecordingOut, scope="video:read", roles=STAFF_ROLES)
async def get_recording(request: web.Request) -> web.Response:
    """One recording with its participants and tracks (a deleted one shows as its tombstone)."""
    async with request.app[DB].acquire() as conn:
        row = await recording_service.get_visible(conn, principal_of(request), path_id(request))
        return await _reply(conn, row)


@routes.post("/video/recordings/{id}", response=TranscriptionStatusOut, status=202, scope="video:write",
             roles=STAFF_ROLES, extra_responses={410: "The recording was deleted", 422: "The recording is not ready"})
async def transcribe_recording(request: web.Request) -> web.Response:
    """Start (or restart) the transcription of a recording; a running one is left as it is."""
    principal = principal_of(request)
    async with transaction(request.app[DB]) as conn:
        await recording_service.trigger_transcription(conn, principal, path_id(request))
    return await _status_reply(request, principal, status=202)


@routes.get("/video/recordings/{id}/transcription-status", response=TranscriptionStatusOut, scope="video:read",
            roles=STAFF_ROLES)
async def transcription_status(request: web.Request) -> web.Response:
    """Transcription progress: pending, processing (with progress and an estimate), completed or failed."""
    return await _status_reply(request, principal_of(request))


async def _status_reply(request: web.Request, principal: Principal, status: int = 200) -> web.Response:
    recording_id = path_id(request)
    async with request.app[DB].acquire() as conn:
        state = await recording_service.transcription_status(conn, principal, recording_id)
    return ok(TranscriptionStatusOut(
        recording_id=recording_id, status=state.status, progress=round(state.progress, 4),
        estimated_completion=state.estimated_completion, transcript_id=state.transcript_id, job_id=state.job_id,
        attempts=state.attempts, error=state.error,
    ), status=status)


# -- retention -------------------------------------------------------------------------------


@routes.delete("/video/recordings/{id}", response=RecordingOut, scope="video:write", roles=STAFF_ROLES,
               extra_responses={409: "Still recording", 410: "Deleted already"})
async def delete_recording(request: web.Request) -> web.Response:
    """Delete the files and transcript; the row stays as a tombstone (status `deleted`)."""
    principal = principal_of(request)
    async with transaction(request.app[DB]) as conn:
        keys = await recording_service.delete_recording(conn, principal, path_id(request))
    await recording_service.remove_files(request.app[STORAGE], keys)
    async with request.app[DB].acquire() as conn:
        row = await recording_service.get_visible(conn, principal, path_id(request))
        return await _reply(conn, row)


# -- downloads -------------------------------------------------------------------------------


@routes.post("/video/recordings/{id}/links", response=LinkOut, status=201, scope="video:read", roles=STAFF_ROLES)
async def create_link(request: web.Request) -> web.Response:
    """A short-lived download URL that works without credentials (optional JSON `{expiresIn, trackId}`)."""
    body = await read_json(request, LinkIn) if request.body_exists else LinkIn()
    settings = request.app[SETTINGS]
    async with request.app[DB].acquire() as conn:
        row = await recording_service.get_visible(conn, principal_of(request), path_id(request))
        await recording_service.download_target(conn, row, body.track_id)
    url, expires_at = recording_service.signed_link(settings.jwt_secret, settings.base_url, row, body.track_id,
                                                    body.expires_in)
    return ok(LinkOut(url=url, expires_at=expires_at), status=201)


@routes.get("/video/recordings/{id}/download", auth=False, content="raw", query=DownloadQuery,
            extra_responses={206: "Partial content (Range)", 403: "Invalid or expired link", 410: "Deleted"})
async def download_recording(request: web.Request, query: DownloadQuery) -> web.StreamResponse:
    """The file (Range requests supported): with credentials, or with a signed link's `expires` and `signature`."""
    recording_id = path_id(request)
    settings = request.app[SETTINGS]
    async with request.app[DB].acquire() as conn:
        if query.signature is not None or query.expires is not None:
            if query.signature is None or query.expires is None:
                raise ValidationFailed("A signed link needs both `expires` and `signature`")
            row = await recording_service.get_for_signed_link(
                conn, settings.jwt_secret, recording_id, query.track_id, query.expires, query.signature
            )
        else:
            principal = await authenticate(request)
            principal.require_role(STAFF_ROLES)
            principal.require_scope("video:read")
            row = await recording_service.get_visible(conn, principal, recording_id)
        target = await recording_service.download_target(conn, row, query.track_id)
    path = request.app[STORAGE].path(target.storage_key)
    if not path.is_file():
        raise NotFound("The recording file is missing from storage")
    return web.FileResponse(path, headers={
        "Content-Disposition": f'attachment; filename="{target.filename}"',
        "Cache-Control": "private, max-age=0",
    })
