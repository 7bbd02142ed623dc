"""LiveKit rooms with recording: the `recording.livekit.start` job starts an Egress when the room
starts, and LiveKit's `egress_ended` webhook turns it into a recording (served and transcribed
when the egress wrote into the hub's media directory)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import av
import pytest
from hubtest import Hub
from livekit import api

from hub.keys import DB, STORAGE
from tests.api.media_helpers import (
    WER_LIMIT,
    events,
    wait_for_transcription,
    word_error_rate,
)
from tests.api.video_support import (  # noqa: F401  (livekit is a fixture)
    LIVEKIT_KEY,
    LIVEKIT_SECRET,
    create_room,
    livekit,
    livekit_event,
    livekit_signature,
)
from tests.media.conftest import speech  # noqa: F401  (the espeak-ng fixture)

pytestmark = pytest.mark.timeout(90)

LINE = "Thank you for joining this interview for the backend role."


@pytest.fixture
async def livekit_hub(make_hub: Callable[..., Awaitable[Hub]], livekit) -> Hub:  # noqa: F811
    """A hub on the LiveKit stand-in whose in-process worker runs the recording jobs."""
    return await make_hub(livekit_url=livekit.url, livekit_api_key=LIVEKIT_KEY, livekit_api_secret=LIVEKIT_SECRET,
                          workers=1)


async def deliver(hub: Hub, body: str) -> Any:
    headers = {"Authorization": livekit_signature(body), "Content-Type": "application/webhook+json"}
    return await hub.call("POST", "/video/livekit/webhook", status=200, headers=headers, data=body.encode())


async def recording_of(hub: Hub, room_id: str, *, timeout: float = 20.0, egress: bool = True) -> dict[str, Any]:
    """The room's recording row once the start job has (or has not) recorded an egress."""
    async with asyncio.timeout(timeout):
        while True:
            async with hub.app[DB].acquire() as conn:
                row = await conn.fetchrow("SELECT * FROM recordings WHERE room_id = $1", uuid.UUID(room_id))
            if row is not None and (row["egress_id"] is not None or row["status"] != "recording" or not egress):
                return {**row, "id": str(row["id"])}
            await asyncio.sleep(0.1)


async def started_room(hub: Hub, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    room = await create_room(hub, headers, enableRecording=True, **fields)
    await deliver(hub, livekit_event("EV_start", event="room_started", room=api.Room(name=room["id"])))
    return room


def egress_ended(room_id: str, filename: str, location: str, seconds: float, size: int) -> str:
    info = api.EgressInfo(
        egress_id="EG_abc123", room_name=room_id, status=api.EgressStatus.EGRESS_COMPLETE,
        file_results=[api.FileInfo(filename=filename, location=location, duration=int(seconds * 1e9), size=size)],
    )
    return livekit_event("EV_end", event="egress_ended", egress_info=info)


def to_mp4(wav: Path, target: Path) -> Path:
    """What an egress leaves: AAC audio in MP4."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(wav)) as source, av.open(str(target), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=48000, layout="mono")
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=48000)
        for frame in source.decode(audio=0):
            for converted in resampler.resample(frame):
                out.mux(stream.encode(converted))
        out.mux(stream.encode(None))
    return target


async def test_room_start_starts_an_egress_into_the_recordings_directory(livekit_hub: Hub, livekit) -> None:  # noqa: F811
    agency = await livekit_hub.agency()
    room = await started_room(livekit_hub, agency.owner.headers)
    recording = await recording_of(livekit_hub, room["id"])
    assert recording["egress_id"] == "EG_abc123" and recording["source"] == "livekit"
    call = livekit.only_call("StartRoomCompositeEgress")
    assert call.body.room_name == room["id"]
    [output] = call.body.file_outputs
    assert output.filepath == f"recordings/{agency.id}/{recording['id']}/room.mp4"
    listed = await livekit_hub.call("GET", f"/video/recordings?roomId={room['id']}", headers=agency.owner.headers)
    assert listed["data"][0]["status"] == "recording"


async def test_shared_egress_file_becomes_a_transcribed_recording(
    livekit_hub: Hub, livekit, speech, tmp_path: Path  # noqa: F811
) -> None:
    agency = await livekit_hub.agency()
    headers = agency.owner.headers
    room = await started_room(livekit_hub, headers, enableTranscription=True)
    recording = await recording_of(livekit_hub, room["id"])
    key = f"recordings/{agency.id}/{recording['id']}/room.mp4"
    mp4 = to_mp4(speech(LINE), livekit_hub.app[STORAGE].path(key))  # the egress writes into the shared volume

    await deliver(livekit_hub, egress_ended(room["id"], key, f"/out/{key}", 3.5, mp4.stat().st_size))
    shown = (await livekit_hub.call("GET", f"/video/recordings/{recording['id']}", headers=headers))["data"]
    assert (shown["status"], shown["storage"], shown["format"]) == ("ready", "local", "mp4")
    assert shown["durationSeconds"] == 3.5 and shown["sizeBytes"] == mp4.stat().st_size
    [ready] = await events(livekit_hub, "video.recording.ready")
    assert ready["recordingId"] == recording["id"] and ready["source"] == "livekit"
    download = await livekit_hub.client.get(f"/api/v1/video/recordings/{recording['id']}/download", headers=headers)
    assert download.status == 200 and await download.read() == mp4.read_bytes()

    state = await wait_for_transcription(livekit_hub, headers, recording["id"], "completed")
    transcript = (await livekit_hub.call("GET", f"/video/transcripts/{state['transcriptId']}", headers=headers))["data"]
    assert word_error_rate(LINE, transcript["text"]) < WER_LIMIT, transcript["text"]


async def test_redelivered_egress_webhook_makes_one_recording(livekit_hub: Hub, livekit) -> None:  # noqa: F811
    agency = await livekit_hub.agency()
    room = await started_room(livekit_hub, agency.owner.headers)
    await recording_of(livekit_hub, room["id"])
    body = egress_ended(room["id"], "recordings/x.mp4", "s3://bucket/x.mp4", 10.0, 1000)
    await deliver(livekit_hub, body)
    await deliver(livekit_hub, body)
    assert len(await events(livekit_hub, "video.recording.ready")) == 1


async def test_egress_file_kept_elsewhere_keeps_its_location(livekit_hub: Hub, livekit) -> None:  # noqa: F811
    agency = await livekit_hub.agency()
    headers = agency.owner.headers
    room = await started_room(livekit_hub, headers, enableTranscription=True)
    recording = await recording_of(livekit_hub, room["id"])
    await deliver(livekit_hub, egress_ended(room["id"], "recordings/r.mp4", "s3://bucket/recordings/r.mp4", 61.5, 7340032))
    shown = (await livekit_hub.call("GET", f"/video/recordings/{recording['id']}", headers=headers))["data"]
    assert (shown["status"], shown["storage"], shown["location"]) == ("ready", "external", "s3://bucket/recordings/r.mp4")
    body = await livekit_hub.call("GET", f"/video/recordings/{recording['id']}/download", status=404, headers=headers)
    assert body["error"]["details"]["location"] == "s3://bucket/recordings/r.mp4"
    state = await wait_for_transcription(livekit_hub, headers, recording["id"], "failed")
    assert "not stored on this hub" in state["error"]
    [failed] = await events(livekit_hub, "video.transcript.failed")
    assert "s3://bucket/recordings/r.mp4" in failed["reason"]


async def test_egress_refused_by_livekit_fails_the_recording(livekit_hub: Hub, livekit) -> None:  # noqa: F811
    livekit.errors["StartRoomCompositeEgress"] = (412, "failed_precondition", "no egress service")
    agency = await livekit_hub.agency()
    room = await started_room(livekit_hub, agency.owner.headers)
    recording = await recording_of(livekit_hub, room["id"])
    assert recording["status"] == "failed" and "failed_precondition" in recording["failure_reason"]
