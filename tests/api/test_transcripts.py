"""Transcription of uploaded recordings by the in-process worker, the status endpoint, transcript
downloads (txt, WebVTT, SRT), masking, re-runs and failures."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from hubtest import Hub

from hub.keys import STORAGE
from tests.api.media_helpers import (
    WER_LIMIT,
    events,
    upload,
    uploaded,
    wait_for_transcription,
    word_error_rate,
)
from tests.media.conftest import speech  # noqa: F401  (the espeak-ng fixture)

pytestmark = pytest.mark.timeout(120)

SCRIPT = [
    ("en-us", "Good morning and thank you for joining this interview for the backend role."),
    ("en-gb+m3", "Thank you for having me. I have been looking forward to this conversation."),
]


@pytest.fixture
def interview_wav(speech) -> Path:  # noqa: F811
    return speech.conversation(SCRIPT)


async def _transcribed(hub: Hub, headers: dict[str, str], wav: Path) -> tuple[dict, dict]:
    """Upload with transcription on and wait for it; (recording, transcript)."""
    recording = await uploaded(hub, headers, wav, enableTranscription=True)
    state = await wait_for_transcription(hub, headers, recording["id"], "completed")
    body = await hub.call("GET", f"/video/transcripts/{state['transcriptId']}", status=200, headers=headers)
    return recording, body["data"]


async def test_uploaded_speech_is_transcribed(hub: Hub, interview_wav: Path) -> None:
    agency = await hub.agency()
    recording, transcript = await _transcribed(hub, agency.owner.headers, interview_wav)
    script = " ".join(text for _, text in SCRIPT)
    assert word_error_rate(script, transcript["text"]) < WER_LIMIT, transcript["text"]
    assert transcript["recordingId"] == recording["id"]
    assert transcript["language"] == "en"
    assert transcript["duration"] == pytest.approx(recording["durationSeconds"], abs=0.1)
    starts = [s["start"] for s in transcript["segments"]]
    assert starts == sorted(starts) and all(s["end"] >= s["start"] for s in transcript["segments"])
    assert all(s["speaker"] is None for s in transcript["segments"])  # one file: no per-speaker tracks
    same = await hub.call("GET", f"/video/recordings/{recording['id']}/transcript", status=200,
                          headers=agency.owner.headers)
    assert same["data"]["id"] == transcript["id"]


async def test_status_of_a_finished_transcription(hub: Hub, interview_wav: Path) -> None:
    agency = await hub.agency()
    recording, transcript = await _transcribed(hub, agency.owner.headers, interview_wav)
    state = (await hub.call("GET", f"/video/recordings/{recording['id']}/transcription-status", status=200,
                            headers=agency.owner.headers))["data"]
    assert state["status"] == "completed" and state["progress"] == 1.0
    assert state["transcriptId"] == transcript["id"] and state["attempts"] == 1 and state["error"] is None
    shown = await hub.call("GET", f"/video/recordings/{recording['id']}", status=200, headers=agency.owner.headers)
    assert shown["data"]["transcriptId"] == transcript["id"]


async def test_completed_event_carries_excerpt_and_links(hub: Hub, interview_wav: Path) -> None:
    agency = await hub.agency()
    recording, transcript = await _transcribed(hub, agency.owner.headers, interview_wav)
    [event] = await events(hub, "video.transcript.completed")
    assert event["transcriptId"] == transcript["id"] and event["recordingId"] == recording["id"]
    assert event["durationSeconds"] == transcript["duration"]
    assert event["excerpt"] and transcript["text"].startswith(event["excerpt"].rstrip("…"))
    assert set(event["links"]) == {"transcript", "txt", "vtt", "srt", "recording"}
    assert event["links"]["vtt"].endswith(f"/api/v1/video/transcripts/{transcript['id']}/download.vtt")


async def test_transcript_downloads_as_text_webvtt_and_srt(hub: Hub, interview_wav: Path) -> None:
    agency = await hub.agency()
    headers = agency.owner.headers
    _, transcript = await _transcribed(hub, headers, interview_wav)
    base = f"/api/v1/video/transcripts/{transcript['id']}"
    first_words = transcript["segments"][0]["text"].split()[0]

    vtt = await hub.client.get(f"{base}/download.vtt", headers=headers)
    assert vtt.status == 200 and vtt.content_type == "text/vtt"
    body = await vtt.text()
    assert body.startswith("WEBVTT\n\n00:00:0") and " --> " in body and first_words in body

    srt = await hub.client.get(f"{base}?format=srt", headers=headers)
    assert srt.status == 200 and srt.content_type == "application/x-subrip"
    lines = (await srt.text()).splitlines()
    assert lines[0] == "1" and "," in lines[1] and " --> " in lines[1]
    assert len([line for line in lines if " --> " in line]) == len(transcript["segments"])

    txt = await hub.client.get(f"{base}/download.txt", headers=headers)
    assert txt.status == 200 and txt.content_type == "text/plain"
    assert "attachment" in txt.headers["Content-Disposition"]
    assert (await txt.text()).strip() == transcript["text"]

    bad = await hub.client.get(f"{base}/download.pdf", headers=headers)
    assert bad.status == 400
    bad = await hub.client.get(f"{base}?format=docx", headers=headers)
    assert bad.status == 400


async def test_contact_details_spoken_in_a_recording_are_masked(hub: Hub, speech) -> None:  # noqa: F811
    agency = await hub.agency()
    wav = speech("You can reach me at john dot smith at gmail dot com. Thanks.")
    _, transcript = await _transcribed(hub, agency.owner.headers, wav)
    assert transcript["masked"] is True
    text = transcript["text"].lower()
    assert "gmail" not in text and "xxx@masked.com" in text
    assert all("gmail" not in s["text"].lower() for s in transcript["segments"])


async def test_transcript_of_another_agency_is_404(hub: Hub, interview_wav: Path) -> None:
    owner, stranger = await hub.agency("Owner Co"), await hub.agency("Stranger Co")
    _, transcript = await _transcribed(hub, owner.owner.headers, interview_wav)
    for path in (f"/video/transcripts/{transcript['id']}", f"/video/transcripts/{transcript['id']}/download.vtt"):
        body = await hub.call("GET", path, status=404, headers=stranger.owner.headers)
        assert body["error"]["code"] == "NOT_FOUND"
    await hub.call("GET", f"/video/transcripts/{uuid.uuid4()}", status=404, headers=owner.owner.headers)


async def test_status_before_any_transcription_is_not_requested(hub: Hub, interview_wav: Path) -> None:
    agency = await hub.agency()
    recording = await uploaded(hub, agency.owner.headers, interview_wav)
    state = (await hub.call("GET", f"/video/recordings/{recording['id']}/transcription-status", status=200,
                            headers=agency.owner.headers))["data"]
    assert state == {"recordingId": recording["id"], "status": "not_requested", "progress": 0.0,
                     "estimatedCompletion": None, "transcriptId": None, "jobId": None, "attempts": 0, "error": None}
    await hub.call("GET", f"/video/recordings/{recording['id']}/transcript", status=404, headers=agency.owner.headers)


async def test_trigger_twice_while_queued_makes_one_job(make_hub, interview_wav: Path) -> None:
    hub = await make_hub(workers=0)  # nobody runs jobs: the first one stays queued
    agency = await hub.agency()
    headers = agency.owner.headers
    recording = await uploaded(hub, headers, interview_wav)
    first = await hub.call("POST", f"/video/recordings/{recording['id']}", status=202, headers=headers)
    second = await hub.call("POST", f"/video/recordings/{recording['id']}", status=202, headers=headers)
    assert first["data"]["status"] == "pending" and first["data"]["jobId"]
    assert second["data"]["jobId"] == first["data"]["jobId"]


async def test_rerun_replaces_the_one_transcript(hub: Hub, interview_wav: Path) -> None:
    agency = await hub.agency()
    headers = agency.owner.headers
    recording, transcript = await _transcribed(hub, headers, interview_wav)
    first_job = (await hub.call("GET", f"/video/recordings/{recording['id']}/transcription-status",
                                headers=headers))["data"]["jobId"]
    rerun = await hub.call("POST", f"/video/recordings/{recording['id']}", status=202, headers=headers)
    assert rerun["data"]["jobId"] != first_job
    state = await wait_for_transcription(hub, headers, recording["id"], "completed")
    assert state["jobId"] == rerun["data"]["jobId"] and state["transcriptId"] == transcript["id"]
    assert len(await events(hub, "video.transcript.completed")) == 2


async def test_audio_that_went_bad_in_storage_fails_the_job_cleanly(hub: Hub, interview_wav: Path) -> None:
    """Accepted at upload, unusable when the job reads it: status failed, `video.transcript.failed`, no retry."""
    agency = await hub.agency()
    headers = agency.owner.headers
    recording = await uploaded(hub, headers, interview_wav)
    [stored] = [p for p in hub.app[STORAGE].root.rglob("*") if p.is_file()]
    stored.write_bytes(b"\x00garbage" * 100)
    await hub.call("POST", f"/video/recordings/{recording['id']}", status=202, headers=headers)
    state = await wait_for_transcription(hub, headers, recording["id"], "failed")
    assert state["attempts"] == 1 and "cannot decode audio" in state["error"]
    [failed] = await events(hub, "video.transcript.failed")
    assert failed["recordingId"] == recording["id"] and "cannot decode audio" in failed["reason"]
    assert await events(hub, "video.transcript.completed") == []
    await hub.call("GET", f"/video/recordings/{recording['id']}/transcript", status=404, headers=headers)


async def test_empty_stored_file_fails_with_a_reason(hub: Hub, interview_wav: Path) -> None:
    agency = await hub.agency()
    headers = agency.owner.headers
    recording = await uploaded(hub, headers, interview_wav, enableTranscription=False)
    [stored] = [p for p in hub.app[STORAGE].root.rglob("*") if p.is_file()]
    stored.write_bytes(b"")
    await hub.call("POST", f"/video/recordings/{recording['id']}", status=202, headers=headers)
    state = await wait_for_transcription(hub, headers, recording["id"], "failed")
    assert "empty" in state["error"]
    [failed] = await events(hub, "video.transcript.failed")
    assert "empty" in failed["reason"]


async def test_misleadingly_typed_corrupt_upload_is_rejected_before_any_job(hub: Hub) -> None:
    agency = await hub.agency()
    status, _ = await upload(hub, agency.owner.headers, b"ID3" + b"\xff" * 2000, filename="x.mp3",
                             content_type="audio/mpeg", enableTranscription=True)
    assert status == 400
    assert await events(hub, "video.transcript.failed") == []
