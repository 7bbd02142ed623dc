"""Recordings over REST: uploads checked by content, listing, tenancy, Range downloads, signed
links, retention. Transcription of uploads is in test_transcripts.py."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import aiohttp
import pytest
from hubtest import JWT_SECRET, Hub

from hub.keys import STORAGE
from hub.services import recording_links
from tests.api.media_helpers import events, make_application, upload, uploaded
from tests.media.conftest import speech  # noqa: F401  (the espeak-ng fixture)

pytestmark = pytest.mark.timeout(60)

LINE = "Thank you for joining this interview for the backend role."


@pytest.fixture
def line_wav(speech) -> Path:  # noqa: F811
    return speech(LINE)


def _media_files(hub: Hub) -> list[Path]:
    root = hub.app[STORAGE].root
    return [p for p in root.rglob("*") if p.is_file()]


async def test_uploaded_wav_becomes_a_ready_recording(hub: Hub, line_wav: Path) -> None:
    agency = await hub.agency()
    recording = await uploaded(hub, agency.owner.headers, line_wav, filename="call.wav")
    assert recording["source"] == "upload" and recording["status"] == "ready"
    assert recording["format"] == "wav"
    assert recording["sizeBytes"] == line_wav.stat().st_size
    assert recording["durationSeconds"] == pytest.approx(3.2, abs=1.5)
    assert recording["originalFilename"] == "call.wav"
    assert recording["transcriptionRequested"] is False
    [ready] = await events(hub, "video.recording.ready")
    assert ready["recordingId"] == recording["id"] and ready["source"] == "upload"
    assert ready["links"]["download"].endswith(f"/api/v1/video/recordings/{recording['id']}/download")


async def test_upload_is_checked_by_content_not_by_name(hub: Hub, line_wav: Path) -> None:
    """A WAV named .bin and sent as octet-stream is still a WAV; it is stored under its real type."""
    agency = await hub.agency()
    recording = await uploaded(hub, agency.owner.headers, line_wav, filename="blob.bin",
                               content_type="application/octet-stream")
    assert recording["format"] == "wav"
    [stored] = _media_files(hub)
    assert stored.suffix == ".wav"


async def test_empty_upload_is_rejected_and_nothing_kept(hub: Hub) -> None:
    agency = await hub.agency()
    status, body = await upload(hub, agency.owner.headers, b"")
    assert status == 400 and body["error"]["code"] == "INVALID_MEDIA"
    assert _media_files(hub) == []
    assert await events(hub, "video.recording.ready") == []


async def test_corrupt_upload_is_rejected(hub: Hub) -> None:
    agency = await hub.agency()
    status, body = await upload(hub, agency.owner.headers, bytes(range(256)) * 40, filename="fake.wav")
    assert status == 400 and body["error"]["code"] == "INVALID_MEDIA"
    assert _media_files(hub) == []


async def test_wav_header_without_samples_is_rejected(hub: Hub, line_wav: Path) -> None:
    agency = await hub.agency()
    status, body = await upload(hub, agency.owner.headers, line_wav.read_bytes()[:44])
    assert status == 400 and "no audio" in body["error"]["message"]


async def test_upload_over_the_size_limit_is_413(make_hub, line_wav: Path) -> None:
    hub = await make_hub(max_upload_bytes=4096)
    agency = await hub.agency()
    status, body = await upload(hub, agency.owner.headers, line_wav)
    assert status == 413 and body["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert _media_files(hub) == []


async def test_upload_must_be_multipart(hub: Hub) -> None:
    agency = await hub.agency()
    body = await hub.call("POST", "/video/recordings", status=415, json={"file": "x"}, headers=agency.owner.headers)
    assert body["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_upload_without_a_file_part_is_400(hub: Hub) -> None:
    agency = await hub.agency()
    form = aiohttp.FormData()
    form.add_field("enableTranscription", "true")
    form.add_field("other", "x", filename="x.txt")  # makes it multipart
    response = await hub.client.post("/api/v1/video/recordings", data=form, headers=agency.owner.headers)
    assert response.status == 400


@pytest.mark.parametrize(("field", "value"), [
    ("roomId", "not-a-uuid"),
    ("applicationId", "12"),
    ("enableTranscription", "maybe"),
    ("colour", "blue"),
])
async def test_upload_with_a_bad_form_field_is_400(hub: Hub, line_wav: Path, field: str, value: str) -> None:
    agency = await hub.agency()
    status, body = await upload(hub, agency.owner.headers, line_wav, **{field: value})
    assert status == 400 and body["error"]["code"] == "VALIDATION_ERROR"
    assert body["error"]["details"]["field"] in (field, None) or field == "colour"
    assert _media_files(hub) == []


async def test_upload_naming_another_agencys_application_is_404(hub: Hub, line_wav: Path) -> None:
    mine, theirs = await hub.agency("Mine"), await hub.agency("Theirs")
    foreign_application = await make_application(hub, theirs)
    status, body = await upload(hub, mine.owner.headers, line_wav, applicationId=foreign_application)
    assert status == 404 and body["error"]["details"]["field"] == "applicationId"
    status, _ = await upload(hub, mine.owner.headers, line_wav, roomId=str(uuid.uuid4()))
    assert status == 404
    assert _media_files(hub) == []


async def test_interviewers_and_candidates_cannot_reach_recordings(hub: Hub) -> None:
    agency = await hub.agency()
    interviewer = await hub.member(agency, "interviewer")
    candidate = await hub.candidate()
    for person in (interviewer, candidate):
        await hub.call("GET", "/video/recordings", status=403, headers=person.headers)


async def test_api_key_without_video_scope_is_refused(hub: Hub, line_wav: Path) -> None:
    agency = await hub.agency()
    key = await hub.api_key(agency, ["jobs:read"])
    body = await hub.call("GET", "/video/recordings", status=403, headers={"X-API-Key": key})
    assert body["error"]["code"] == "INSUFFICIENT_SCOPE"
    status, _ = await upload(hub, {"X-API-Key": key}, line_wav)
    assert status == 403


async def test_integrator_key_uploads_and_lists(hub: Hub, line_wav: Path) -> None:
    agency = await hub.agency()
    key = {"X-API-Key": await hub.api_key(agency, ["video:read", "video:write"])}
    application = await make_application(hub, agency)
    recording = await uploaded(hub, key, line_wav, applicationId=application)
    await uploaded(hub, key, line_wav)
    body = await hub.call("GET", f"/video/recordings?applicationId={application}", status=200, headers=key)
    assert [r["id"] for r in body["data"]] == [recording["id"]]
    assert body["meta"] == {"page": 1, "perPage": 20, "total": 1, "totalPages": 1}


async def test_list_filters_by_time_window_and_paginates(hub: Hub, line_wav: Path) -> None:
    agency = await hub.agency()
    headers = agency.owner.headers
    first = await uploaded(hub, headers, line_wav)
    second = await uploaded(hub, headers, line_wav)
    body = await hub.call("GET", "/video/recordings?perPage=1&page=2", status=200, headers=headers)
    assert [r["id"] for r in body["data"]] == [first["id"]]  # newest first
    assert body["meta"]["total"] == 2 and body["meta"]["totalPages"] == 2
    since = second["createdAt"]
    body = await hub.call("GET", "/video/recordings", status=200, headers=headers, params={"from": since})
    assert [r["id"] for r in body["data"]] == [second["id"]]
    body = await hub.call("GET", "/video/recordings", status=200, headers=headers, params={"to": since})
    assert [r["id"] for r in body["data"]] == [first["id"]]
    await hub.call("GET", "/video/recordings", status=400, headers=headers,
                   params={"from": "2030-01-01T00:00:00Z", "to": "2020-01-01T00:00:00Z"})
    await hub.call("GET", "/video/recordings", status=400, headers=headers, params={"from": "yesterday"})


async def test_another_agencys_recording_is_404_everywhere(hub: Hub, line_wav: Path) -> None:
    owner, stranger = await hub.agency("Owner Co"), await hub.agency("Stranger Co")
    recording = await uploaded(hub, owner.owner.headers, line_wav)
    rid, headers = recording["id"], stranger.owner.headers
    for method, path in [
        ("GET", f"/video/recordings/{rid}"),
        ("GET", f"/video/recordings/{rid}/download"),
        ("GET", f"/video/recordings/{rid}/transcription-status"),
        ("GET", f"/video/recordings/{rid}/transcript"),
        ("POST", f"/video/recordings/{rid}"),
        ("POST", f"/video/recordings/{rid}/links"),
        ("DELETE", f"/video/recordings/{rid}"),
    ]:
        body = await hub.call(method, path, status=404, headers=headers)
        assert body["error"]["code"] == "NOT_FOUND", (method, path)
    listed = await hub.call("GET", "/video/recordings", status=200, headers=headers)
    assert listed["data"] == []


async def test_unknown_and_malformed_ids(hub: Hub) -> None:
    agency = await hub.agency()
    await hub.call("GET", f"/video/recordings/{uuid.uuid4()}", status=404, headers=agency.owner.headers)
    body = await hub.call("GET", "/video/recordings/nope", status=400, headers=agency.owner.headers)
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_range_download_returns_206_with_the_right_bytes(hub: Hub, line_wav: Path) -> None:
    agency = await hub.agency()
    recording = await uploaded(hub, agency.owner.headers, line_wav)
    original = line_wav.read_bytes()
    url = f"/api/v1/video/recordings/{recording['id']}/download"
    whole = await hub.client.get(url, headers=agency.owner.headers)
    assert whole.status == 200 and await whole.read() == original
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = await hub.client.get(url, headers={**agency.owner.headers, "Range": "bytes=100-1123"})
    assert part.status == 206
    assert await part.read() == original[100:1124]
    assert part.headers["Content-Range"] == f"bytes 100-1123/{len(original)}"
    tail = await hub.client.get(url, headers={**agency.owner.headers, "Range": "bytes=-10"})
    assert tail.status == 206 and await tail.read() == original[-10:]
    beyond = await hub.client.get(url, headers={**agency.owner.headers, "Range": f"bytes={len(original) + 5}-"})
    assert beyond.status == 416


async def test_download_needs_credentials_or_a_link(hub: Hub, line_wav: Path) -> None:
    agency = await hub.agency()
    recording = await uploaded(hub, agency.owner.headers, line_wav)
    response = await hub.client.get(f"/api/v1/video/recordings/{recording['id']}/download")
    assert response.status == 401


async def test_signed_link_downloads_without_credentials(hub: Hub, line_wav: Path) -> None:
    agency = await hub.agency()
    key = {"X-API-Key": await hub.api_key(agency, ["video:read", "video:write"])}
    recording = await uploaded(hub, key, line_wav)
    body = await hub.call("POST", f"/video/recordings/{recording['id']}/links", status=201, headers=key,
                          json={"expiresIn": 120})
    link = body["data"]
    assert link["url"].startswith("http") and link["expiresAt"].endswith("Z")
    path = link["url"].split("/api/v1", 1)[1]
    response = await hub.client.get("/api/v1" + path, headers={"Range": "bytes=0-3"})
    assert response.status == 206 and await response.read() == b"RIFF"


async def test_signed_link_without_a_body_uses_the_default_lifetime(hub: Hub, line_wav: Path) -> None:
    agency = await hub.agency()
    recording = await uploaded(hub, agency.owner.headers, line_wav)
    before = time.time()
    body = await hub.call("POST", f"/video/recordings/{recording['id']}/links", status=201,
                          headers=agency.owner.headers)
    expires = int(body["data"]["url"].split("expires=")[1].split("&")[0])
    assert before + recording_links.DEFAULT_LINK_TTL - 5 <= expires <= time.time() + recording_links.DEFAULT_LINK_TTL


@pytest.mark.parametrize("expires_in", [0, 5, 10**9, "soon"])
async def test_signed_link_lifetime_is_bounded(hub: Hub, line_wav: Path, expires_in: object) -> None:
    agency = await hub.agency()
    recording = await uploaded(hub, agency.owner.headers, line_wav)
    await hub.call("POST", f"/video/recordings/{recording['id']}/links", status=400, headers=agency.owner.headers,
                   json={"expiresIn": expires_in})


async def test_expired_signed_link_is_refused(hub: Hub, line_wav: Path) -> None:
    agency = await hub.agency()
    recording = await uploaded(hub, agency.owner.headers, line_wav)
    rid = uuid.UUID(recording["id"])
    expired = recording_links.sign(JWT_SECRET, rid, None, 60, now=time.time() - 3600)
    response = await hub.client.get(
        f"/api/v1/video/recordings/{rid}/download", params={"expires": expired.expires, "signature": expired.signature}
    )
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "LINK_EXPIRED"


async def test_tampered_signed_link_is_refused(hub: Hub, line_wav: Path) -> None:
    agency = await hub.agency()
    recording = await uploaded(hub, agency.owner.headers, line_wav)
    other = await uploaded(hub, agency.owner.headers, line_wav)
    body = await hub.call("POST", f"/video/recordings/{recording['id']}/links", status=201,
                          headers=agency.owner.headers)
    query = body["data"]["url"].split("?", 1)[1]
    # The same signature on another recording, or with a later expiry, is worthless.
    response = await hub.client.get(f"/api/v1/video/recordings/{other['id']}/download?{query}")
    assert response.status == 403
    expires = int(query.split("expires=")[1].split("&")[0])
    longer = query.replace(f"expires={expires}", f"expires={expires + 3600}")
    response = await hub.client.get(f"/api/v1/video/recordings/{recording['id']}/download?{longer}")
    assert response.status == 403
    response = await hub.client.get(f"/api/v1/video/recordings/{recording['id']}/download?expires={expires}")
    assert response.status == 400


async def test_delete_removes_files_and_leaves_a_tombstone(hub: Hub, line_wav: Path) -> None:
    agency = await hub.agency()
    headers = agency.owner.headers
    recording = await uploaded(hub, headers, line_wav)
    link = (await hub.call("POST", f"/video/recordings/{recording['id']}/links", status=201, headers=headers))["data"]
    deleted = await hub.call("DELETE", f"/video/recordings/{recording['id']}", status=200, headers=headers)
    assert deleted["data"]["status"] == "deleted" and deleted["data"]["deletedAt"]
    assert _media_files(hub) == []
    shown = await hub.call("GET", f"/video/recordings/{recording['id']}", status=200, headers=headers)
    assert shown["data"]["status"] == "deleted" and shown["data"]["storage"] is None
    response = await hub.client.get(f"/api/v1/video/recordings/{recording['id']}/download", headers=headers)
    assert response.status == 410
    response = await hub.client.get("/api/v1" + link["url"].split("/api/v1", 1)[1])
    assert response.status == 410  # an outstanding link dies with the file
    await hub.call("DELETE", f"/video/recordings/{recording['id']}", status=410, headers=headers)
    await hub.call("POST", f"/video/recordings/{recording['id']}", status=410, headers=headers)
    assert (await hub.call("GET", "/video/recordings", status=200, headers=headers))["data"] == []
    listed = await hub.call("GET", "/video/recordings?includeDeleted=true", status=200, headers=headers)
    assert [r["id"] for r in listed["data"]] == [recording["id"]]


async def test_recruiter_may_delete_but_interviewer_may_not(hub: Hub, line_wav: Path) -> None:
    agency = await hub.agency()
    recording = await uploaded(hub, agency.owner.headers, line_wav)
    interviewer = await hub.member(agency, "interviewer")
    await hub.call("DELETE", f"/video/recordings/{recording['id']}", status=403, headers=interviewer.headers)
    recruiter = await hub.member(agency, "recruiter")
    await hub.call("DELETE", f"/video/recordings/{recording['id']}", status=200, headers=recruiter.headers)
